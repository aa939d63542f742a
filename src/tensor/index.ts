/**
 * The tensor layer: a typed TypeScript face over libtorch. Tensors, creation, the op set (functions and
 * methods generated from native/ops.mjs), autograd, deterministic memory management and RNG.
 */
export { Tensor, tensor, scalar, operand } from './tensor.js';
export type { NestedArray, TensorOptions } from './tensor.js';
export * from './dtype.js';
export * from './generated/ops.js';
export { tidy, keep, isKept, dispose, scopeDepth } from './scope.js';
export type { TensorContainer } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, grad, inferenceMode, isInferenceMode } from './autograd.js';
export type { GradOptions } from './autograd.js';
export { manualSeed, setNumThreads, getNumThreads, liveTensors, cudaAvailable, cpuMemoryStats, emptyCpuCache, setCpuCacheLimit, type CpuMemoryStats } from './runtime.js';
