/**
 * tmu: aligned machine unlearning on libtorch. Each layer is also its own entry point (`tmu/tensor`,
 * `tmu/nn`, `tmu/optim`, `tmu/models`, `tmu/data`, `tmu/train`, `tmu/unlearn`, `tmu/eval`); this one
 * gathers them as namespaces.
 *
 * @module
 */

export * as data from './data/index.js';
export * as evaluation from './eval/index.js';
export * as models from './models/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as tensor from './tensor/index.js';
export * as train from './train/index.js';
export * as unlearn from './unlearn/index.js';
