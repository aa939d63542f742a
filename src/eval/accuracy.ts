/**
 * Accuracy of a model on a set, in percent.
 *
 * @module
 */

import { accuracy as predictionAccuracy } from '../train/predict.js';
import type { SetOutputs } from './outputs.js';
import { argmaxRows } from './probabilities.js';

/** Percentage of rows whose `predicted` class equals the label (NaN for no rows). */
export function accuracyPercent(labels: Int32Array, predicted: Int32Array): number {
  if (labels.length !== predicted.length)
    throw new RangeError(`accuracy: ${labels.length} labels for ${predicted.length} predictions`);
  return predictionAccuracy({ labels, predicted });
}

/** acc(M, S): percentage of S where argmax of M's logits is the true class (NaN for an empty set). */
export function setAccuracy(outputs: SetOutputs): number {
  return accuracyPercent(outputs.labels, argmaxRows(outputs.logits, outputs.numClasses));
}

/** Per-row correctness (1 where argmax of the logits is the true class). */
export function correctness(outputs: SetOutputs): Uint8Array {
  const predicted = argmaxRows(outputs.logits, outputs.numClasses);
  return Uint8Array.from(predicted, (p, i) => (p === outputs.labels[i] ? 1 : 0));
}
