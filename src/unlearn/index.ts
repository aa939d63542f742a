/**
 * The unlearn layer: the method registry and the method contract (parameters, capabilities, an optional
 * prepare step), the context a method runs in, TMU and the baselines, and the pieces methods share: the
 * `fit` loop, batch streams, losses and the preparation cache.
 *
 * @module
 */

export type { BatchStream, SampleBatchOptions } from './batches.js';
export { batchCount, cycleBatches, mapBatches, sampleBatches } from './batches.js';
export type { CacheKey, CacheListing, CacheResult, EntryCodec } from './cache.js';
export { cacheKeyDigest, PreparationCache } from './cache.js';
export { cloneClassifier } from './clone.js';
export type { ForgetDiagnostics, UnlearnContext, UnlearnResult } from './context.js';
export type { FitOptions, FitReport } from './fit.js';
export { fit } from './fit.js';
export type { AttackSurface, InputBox } from './inputBox.js';
export { attackSurface, clampToBox, inputBox } from './inputBox.js';
export { classificationLoss, distillKL } from './losses.js';
export type { MethodCapabilities, MethodPreparation, ParamsSchema, UnlearningMethod } from './method.js';
export { defineMethod } from './method.js';
export { getMethod, listMethods, registerMethod } from './methods.js';
export type { ParamDescription } from './params.js';
export { describeParams, parseParamPairs, parseParamValue, resolveParams } from './params.js';
export type { PreprocessingFold, VocabularyFold } from './preprocessingFold.js';
export {
  clearRemovedInputs,
  clearRemovedTokens,
  foldPreprocessing,
  foldVocabulary,
  isTableData,
  isTextData,
} from './preprocessingFold.js';
export type { PreparedOriginal, TimedResult } from './run.js';
export {
  buildContext,
  modelContext,
  prepareMethod,
  prepareOriginal,
  releaseContext,
  runMethod,
  saveUnlearned,
} from './run.js';
export type { TmuParams } from './tmu/parameters.js';
export type { TmuSummary } from './tmu/tmu.js';
export { tmu } from './tmu/tmu.js';
