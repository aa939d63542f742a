import { Batches, type NormalizeOptions } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import type { Classifier } from '../../models/classifier.js';
import { noGrad, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';

/** A model's penultimate features and logits over a list of samples (row-major, in the order given). */
export interface ModelOutputs {
  ids: readonly string[];
  labels: Int32Array;
  /** [n, featureSize]. */
  features: Float32Array;
  featureSize: number;
  /** [n, numClasses]. */
  logits: Float32Array;
  numClasses: number;
}

/** Runs `model` in eval mode over `ids` and collects features and logits (one pass). */
export function modelOutputs(
  model: Classifier,
  dataset: Dataset,
  ids: readonly string[],
  normalize: NormalizeOptions,
  batchSize = 512,
): ModelOutputs {
  const wasTraining = model.training;
  model.eval();
  const n = ids.length;
  const labels = new Int32Array(n);
  let features = new Float32Array(0);
  let logits = new Float32Array(0);
  let featureSize = model.featureSize;
  let numClasses = 0;
  let offset = 0;
  try {
    for (const batch of new Batches(dataset, ids, { batchSize, normalize })) {
      tidy(() =>
        noGrad(() => {
          const { inputs } = batchTensors(batch);
          const [feats, out] = model.featuresAndLogits(inputs);
          featureSize = feats.size(1);
          numClasses = out.size(1);
          if (features.length === 0) {
            features = new Float32Array(n * featureSize);
            logits = new Float32Array(n * numClasses);
          }
          features.set(feats.toTypedArray() as Float32Array, offset * featureSize);
          logits.set(out.toTypedArray() as Float32Array, offset * numClasses);
        }),
      );
      labels.set(batch.labels, offset);
      offset += batch.labels.length;
    }
  } finally {
    model.train(wasTraining);
  }
  return { ids, labels, features, featureSize, logits, numClasses };
}

/** Index of the largest entry of row `row` of a [n, k] matrix. */
export function argmaxRow(matrix: Float32Array, k: number, row: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (matrix[row * k + j]! > matrix[row * k + best]!) best = j;
  return best;
}

/** The class with the largest logit in row `row` other than `exclude` (a sample's runner-up class when `exclude` is its label). */
export function runnerUpRow(matrix: Float32Array, k: number, row: number, exclude: number): number {
  let best = -1;
  for (let j = 0; j < k; j++)
    if (j !== exclude && (best < 0 || matrix[row * k + j]! > matrix[row * k + best]!)) best = j;
  return best;
}

/** The largest softmax probability of row `row` of a [n, k] logit matrix divided by `temperature`. */
export function maxSoftmaxRow(logits: Float32Array, k: number, row: number, temperature = 1): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[row * k + j]!);
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.exp((logits[row * k + j]! - max) / temperature);
  return 1 / total;
}

/** Whether the model classifies each sample correctly ([Mo(x) = y]). */
export function correctness(outputs: ModelOutputs): Uint8Array {
  const out = new Uint8Array(outputs.ids.length);
  for (let i = 0; i < out.length; i++)
    out[i] = argmaxRow(outputs.logits, outputs.numClasses, i) === outputs.labels[i] ? 1 : 0;
  return out;
}
