/**
 * The nn layer: {@link Module} (parameters, buffers, train/eval, PyTorch state dicts), layers, the
 * functional API, weight initialisation and safetensors I/O.
 *
 * `functional` and `init` are namespaces (like `torch.nn.functional` and `torch.nn.init`) because their
 * names overlap the tensor ops: `nn.functional.conv2d(x, w, b, { stride: 2 })`, `nn.init.kaimingUniform_(w)`.
 *
 * @module
 */

export { LeakyReLU, ReLU, Sigmoid, Tanh } from './activation.js';
export { writeFileAtomic } from './atomicFile.js';
export { BatchNorm1d } from './batchNorm1d.js';
export type { BatchNorm2dOptions } from './batchNorm2d.js';
export { BatchNorm2d } from './batchNorm2d.js';
export { consume, forwardReleasing } from './consume.js';
export type { Conv2dLayerOptions } from './conv2d.js';
export { Conv2d } from './conv2d.js';
export { Dropout } from './dropout.js';
export type { EmbeddingBagOptions } from './embeddingBag.js';
export { EmbeddingBag } from './embeddingBag.js';
export { Flatten } from './flatten.js';
export * as functional from './functional.js';
export { Identity } from './identity.js';
export * as init from './init.js';
export type { LinearOptions } from './linear.js';
export { Linear } from './linear.js';
export type {
  BufferOptions,
  FactoryOptions,
  LoadStateDictOptions,
  LoadStateDictResult,
  ModuleConversion,
  ParameterOptions,
  ZeroGradOptions,
} from './module.js';
export { Module } from './module.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pooling.js';
export type { SafetensorsContents, SafetensorsDType } from './safetensors.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  SafetensorsError,
  saveSafetensors,
} from './safetensors.js';
export {
  loadScript,
  mirrorScript,
  resetScriptParameters,
  ScriptModule,
  ScriptModuleError,
  scriptTypeBaseName,
} from './scriptModule.js';
export { Sequential } from './sequential.js';
export { decodeTorchStateDict, loadTorchStateDict, saveTorchStateDict, TorchStateDictError } from './torchStateDict.js';
export type { Size2 } from './validate.js';
export { isZipArchive, readZipEntries, ZipArchiveError, zipEntryNames } from './zipArchive.js';
