/**
 * The tensor layer: a typed TypeScript face over libtorch. Tensors, creation, the op set (functions and
 * methods generated from native/ops.mjs), autograd, deterministic memory management and RNG.
 */

export type { GradOptions } from './autograd.js';
export { enableGrad, grad, inferenceMode, isGradEnabled, isInferenceMode, noGrad } from './autograd.js';
export * from './dtype.js';
export * from './generated/ops.js';
export {
  type CpuMemoryStats,
  cpuMemoryStats,
  cudaAvailable,
  emptyCpuCache,
  getNumInteropThreads,
  getNumThreads,
  liveTensors,
  manualSeed,
  type RuntimeSettings,
  runtimeSettings,
  setCpuCacheLimit,
  setNumThreads,
} from './runtime.js';
export type { TensorContainer } from './scope.js';
export { dispose, isKept, keep, scopeDepth, tidy } from './scope.js';
export type { ScriptFeatureSource, ScriptFileVersions, ScriptModuleLevel } from './scriptModule.js';
export { NativeScriptModule, scriptFileVersions } from './scriptModule.js';
export type { NestedArray, TensorOptions } from './tensor.js';
export { operand, scalar, Tensor, tensor } from './tensor.js';
export { encodeTorchSave } from './torchPickle.js';
