/**
 * The data layer: dataset readers (IDX, CIFAR binary, image folders), the in-memory dataset with
 * stable sample ids, member/holdout/test splits, forget-set selection, seeded randomness and
 * mini-batches with augmentation. Pure TypeScript: it produces typed arrays, not tensors.
 *
 * @module
 */

export * from './augment.js';
export * from './batches.js';
export * from './cifarBinary.js';
export * from './dataset.js';
export * from './errors.js';
export * from './files.js';
export * from './forget.js';
export * from './idx.js';
export * from './imageFolder.js';
export * from './mnistFormat.js';
export * from './random.js';
export * from './registry.js';
export * from './split.js';
export * from './stats.js';
