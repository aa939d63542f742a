/**
 * Optimizers and learning-rate schedules: SGD, Adam, AdamW over the addon's fused in-place kernels,
 * closed-form cosine, step, linear and sequential schedules, all with state dicts for resuming, and a
 * running weight average (stochastic weight averaging).
 *
 * @module
 */

export type { AdamHyperParams, AdamOptions } from './adam.js';
export { Adam } from './adam.js';
export { AdamW } from './adamw.js';
export type { CosineAnnealingLROptions } from './cosineAnnealingLR.js';
export { CosineAnnealingLR } from './cosineAnnealingLR.js';
export type { LinearLROptions } from './linearLR.js';
export { LinearLR } from './linearLR.js';
export type { LRSchedulerStateJson } from './lrScheduler.js';
export { LRScheduler } from './lrScheduler.js';
export type {
  GroupSlots,
  HyperParams,
  HyperValue,
  OptimizerStateDict,
  OptimizerStateJson,
  ParamGroup,
  ParamGroupInput,
  ParamGroupJson,
  ParamsInput,
} from './optimizer.js';
export { Optimizer } from './optimizer.js';
export type { SequentialLROptions } from './sequentialLR.js';
export { SequentialLR } from './sequentialLR.js';
export type { SGDHyperParams, SGDOptions } from './sgd.js';
export { SGD } from './sgd.js';
export type { StepLROptions } from './stepLR.js';
export { StepLR } from './stepLR.js';
export type { WarmupCosineOptions } from './warmupCosine.js';
export { warmupCosine } from './warmupCosine.js';
export { WeightAverage } from './weightAverage.js';
