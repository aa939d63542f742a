/**
 * The nn layer: {@link Module} (parameters, buffers, train/eval, PyTorch state dicts), layers, the
 * functional API, weight initialisation and safetensors I/O.
 *
 * `functional` and `init` are namespaces (like `torch.nn.functional` and `torch.nn.init`) because their
 * names overlap the tensor ops: `nn.functional.conv2d(x, w, b, { stride: 2 })`, `nn.init.kaimingUniform_(w)`.
 *
 * @module
 */

export * as functional from './functional.js';
export * as init from './init.js';
export { Module } from './module.js';
export type { BufferOptions, FactoryOptions, LoadStateDictOptions, LoadStateDictResult, ModuleConversion, ParameterOptions, ZeroGradOptions } from './module.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Conv2d } from './conv2d.js';
export type { Conv2dLayerOptions } from './conv2d.js';
export { BatchNorm2d } from './batchNorm2d.js';
export type { BatchNorm2dOptions } from './batchNorm2d.js';
export { Dropout } from './dropout.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh } from './activation.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { Flatten } from './flatten.js';
export { Identity } from './identity.js';
export { Sequential } from './sequential.js';
export { consume, forwardReleasing } from './consume.js';
export type { Size2 } from './validate.js';
export { SafetensorsError, decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from './safetensors.js';
export type { SafetensorsContents, SafetensorsDType } from './safetensors.js';
