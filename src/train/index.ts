/**
 * The train layer: the training loop (epochs, batches, augmentation, seeds, checkpoints and resume),
 * recipes, predictions and their metrics, the model store (a model directory with its weights, sidecar
 * and split), and progress reporting.
 *
 * @module
 */

export type { CheckpointInfo } from './checkpoint.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { ImportOptions } from './importModel.js';
export { detectFormat, ImportError, importModel } from './importModel.js';
export type { BatchTensors } from './inputs.js';
export { batchTensors } from './inputs.js';
export { auroc } from './metrics.js';
export { loadModelData } from './modelData.js';
export type {
  DatasetRef,
  LoadedModel,
  ModelOrigin,
  ModelSidecar,
  OriginFormat,
  SaveModelInput,
  UnlearningRecord,
} from './modelStore.js';
export {
  fileDigest,
  idsDigest,
  isModelDir,
  loadModel,
  loadWeightsInto,
  MODEL_FILES,
  MODEL_FORMAT,
  ORIGIN_FORMATS,
  readExcludedIds,
  readSidecar,
  saveModel,
} from './modelStore.js';
export type { Predictions, PredictOptions } from './predict.js';
export { accuracy, predict } from './predict.js';
export type { ProgressMetrics, ProgressSink, ProgressTask } from './progress.js';
export { consoleProgress, JsonLinesProgress, silentProgress, TtyProgress } from './progress.js';
export type { TrainRecipe } from './recipe.js';
export {
  checkRecipe,
  DEFAULT_CURRICULUM_EPOCH,
  defaultRecipe,
  OPTIMIZERS,
  SCHEDULES,
  tableRecipe,
  textRecipe,
} from './recipe.js';
export { buildOptimizer, buildSchedule } from './recipeOptimizer.js';
export type { TrainOptions, TrainResult } from './trainer.js';
export { initialiseSeed, train } from './trainer.js';
export type { TrainToDirOptions } from './trainToDir.js';
export { trainToDir } from './trainToDir.js';
