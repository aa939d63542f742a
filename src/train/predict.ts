import { Batches, type NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { Classifier } from '../models/classifier.js';
import { inferenceMode, tidy } from '../tensor/index.js';
import { batchTensors } from './inputs.js';

/** A model's outputs on a set of samples, in the order asked for. */
export interface Predictions {
  ids: string[];
  /** True classes. */
  labels: Int32Array;
  /** argmax of the logits. */
  predicted: Int32Array;
  /** Row-major [n, numClasses] logits, when asked for. */
  logits?: Float32Array;
  numClasses: number;
}

/** Options of {@link predict}. */
export interface PredictOptions {
  normalize: NormalizeOptions;
  batchSize?: number;
  /** Also return the logits. */
  logits?: boolean;
}

/**
 * Runs `model` in eval mode without gradients over `ids` (in order, no augmentation). Restores the
 * model's previous train/eval mode.
 */
export function predict(
  model: Classifier,
  dataset: Dataset,
  ids: readonly string[],
  options: PredictOptions,
): Predictions {
  const wasTraining = model.training;
  model.eval();
  const n = ids.length;
  const predicted = new Int32Array(n);
  const labels = new Int32Array(n);
  let logits: Float32Array | undefined;
  let numClasses = 0;
  let offset = 0;
  try {
    const batches = new Batches(dataset, ids, { batchSize: options.batchSize ?? 512, normalize: options.normalize });
    for (const batch of batches) {
      tidy(() =>
        inferenceMode(() => {
          const { inputs } = batchTensors(batch);
          const out = model.forward(inputs);
          numClasses = out.size(1);
          predicted.set(out.argmax(1).toDtype('int32').toTypedArray() as Int32Array, offset);
          if (options.logits) {
            logits ??= new Float32Array(n * numClasses);
            logits.set(out.toTypedArray() as Float32Array, offset * numClasses);
          }
        }),
      );
      labels.set(batch.labels, offset);
      offset += batch.labels.length;
    }
  } finally {
    model.train(wasTraining);
  }
  return { ids: [...ids], labels, predicted, ...(logits ? { logits } : {}), numClasses };
}

/** Percentage of correct predictions (NaN for no samples). */
export function accuracy(predictions: Pick<Predictions, 'labels' | 'predicted'>): number {
  const n = predictions.labels.length;
  if (n === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) if (predictions.labels[i] === predictions.predicted[i]) correct++;
  return (100 * correct) / n;
}
