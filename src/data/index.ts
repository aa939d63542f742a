/**
 * The data layer: dataset readers (IDX, CIFAR binary, image folders, CSV/TSV tables), the in-memory
 * datasets (images, encoded feature vectors) with stable sample ids, table preprocessing fitted on the
 * members, member/holdout/test splits, forget-set selection, seeded randomness and mini-batches with
 * augmentation. Pure TypeScript: it produces typed arrays, not tensors.
 *
 * @module
 */

export * from './augment.js';
export * from './batches.js';
export * from './cifarBinary.js';
export * from './csvTable.js';
export * from './dataset.js';
export * from './errors.js';
export * from './featureDataset.js';
export * from './files.js';
export * from './forget.js';
export * from './idx.js';
export * from './imageFolder.js';
export * from './mnistFormat.js';
export * from './preprocessing.js';
export * from './random.js';
export * from './registry.js';
export * from './rowFilter.js';
export * from './split.js';
export * from './stats.js';
export * from './tableDataset.js';
export * from './tableSchema.js';
export * from './tableSource.js';
export * from './tabularData.js';
export * from './tokenizer.js';
export * from './vocabulary.js';
