/**
 * Running a model over the evaluation sets: the only part of `src/eval` that touches a model.
 *
 * @module
 */

import type { NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { Classifier } from '../models/classifier.js';
import { type Predictions, predict } from '../train/predict.js';
import type { SetOutputs, SplitOutputs } from './outputs.js';

/**
 * {@link SetOutputs} from {@link predict}'s result (which must have been asked for logits).
 *
 * @throws Error when the predictions hold no logits
 */
export function toSetOutputs(predictions: Predictions): SetOutputs {
  if (!predictions.logits)
    throw new Error('toSetOutputs: predictions without logits (call predict with { logits: true })');
  return {
    ids: predictions.ids,
    labels: predictions.labels,
    logits: predictions.logits,
    numClasses: predictions.numClasses,
  };
}

/** Ids of the three sets: Df and Dr are in the train partition, T in the test partition. */
export interface SplitIds {
  forget: readonly string[];
  retain: readonly string[];
  test: readonly string[];
}

/** Runs `model` (eval mode, no gradients) on Df, Dr (or its sample) and T and keeps the logits. */
export function collectOutputs(
  model: Classifier,
  data: { train: Dataset; test: Dataset },
  ids: SplitIds,
  normalize: NormalizeOptions,
  batchSize?: number,
): SplitOutputs {
  const run = (dataset: Dataset, which: readonly string[]): SetOutputs =>
    toSetOutputs(predict(model, dataset, which, { normalize, logits: true, ...(batchSize ? { batchSize } : {}) }));
  return { forget: run(data.train, ids.forget), retain: run(data.train, ids.retain), test: run(data.test, ids.test) };
}
