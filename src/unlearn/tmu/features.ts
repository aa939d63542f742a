import type { NormalizeOptions } from '../../data/batches.js';
import { Batches } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import type { Classifier } from '../../models/classifier.js';
import {
  cdist,
  crossEntropy,
  grad,
  keep,
  normalize as l2normalize,
  noGrad,
  type Tensor,
  tensor,
  tidy,
} from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { attackSurface, clampToBox } from '../inputBox.js';

/**
 * The features TMU's generalisation-label predictor can use: the reference's three and `neighbourhood`,
 * which tmu adds (docs/tmu.md has the measurement that made all four the default).
 */
export const FEATURE_NAMES = ['distance', 'adversarial', 'curriculum', 'neighbourhood'] as const;
/** One of {@link FEATURE_NAMES}. */
export type FeatureName = (typeof FEATURE_NAMES)[number];
/** The predictor's default features: all four. */
export const DEFAULT_FEATURES: readonly FeatureName[] = FEATURE_NAMES;
/** The reference configuration's features (`--features distance,adversarial,curriculum`). */
export const REFERENCE_FEATURES: readonly FeatureName[] = ['distance', 'adversarial', 'curriculum'];

/** Raw (unscaled) values of every feature for a set of samples, one column per feature. */
export type FeatureColumns = Record<FeatureName, Float32Array>;

/**
 * Distance feature DF: for each query, the mean of its `k` smallest L2 distances between L2-normalised
 * penultimate features and those of the reference samples of its class (the samples the model kept
 * training on). Far from its class = atypical = likely to be lost without being trained on.
 *
 * @param query - [n, F] features of the samples to score, with their labels
 * @param reference - [m, F] features of the remaining samples, with their labels
 */
export function distanceFeature(
  query: { features: Float32Array; labels: Int32Array },
  reference: { features: Float32Array; labels: Int32Array },
  featureSize: number,
  k = 5,
): Float32Array {
  const out = new Float32Array(query.labels.length);
  const classes = new Set(query.labels);
  for (const label of classes) {
    const queryRows: number[] = [];
    for (let i = 0; i < query.labels.length; i++) if (query.labels[i] === label) queryRows.push(i);
    const referenceRows: number[] = [];
    for (let i = 0; i < reference.labels.length; i++) if (reference.labels[i] === label) referenceRows.push(i);
    if (referenceRows.length === 0) {
      // No sample of the class is left (a whole class is forgotten): maximally atypical.
      for (const row of queryRows) out[row] = 2;
      continue;
    }
    const gather = (source: Float32Array, rows: number[]): Float32Array => {
      const buffer = new Float32Array(rows.length * featureSize);
      for (const [i, row] of rows.entries()) {
        buffer.set(source.subarray(row * featureSize, (row + 1) * featureSize), i * featureSize);
      }
      return buffer;
    };
    const neighbours = Math.min(k, referenceRows.length);
    const values = tidy(() => {
      const q = l2normalize(
        tensor(gather(query.features, queryRows), { shape: [queryRows.length, featureSize] }),
        2,
        1,
      );
      const r = l2normalize(
        tensor(gather(reference.features, referenceRows), { shape: [referenceRows.length, featureSize] }),
        2,
        1,
      );
      const [nearest] = cdist(q, r).topk(neighbours, 1, false);
      return nearest.mean([1]).toTypedArray() as Float32Array;
    });
    queryRows.forEach((row, i) => {
      out[row] = values[i]!;
    });
  }
  return out;
}

/**
 * Neighbourhood feature NF: the share of other classes among the `k` nearest reference samples (all
 * classes, L2 distance between L2-normalised penultimate features). A sample that sits among another
 * class's samples is one a model that never trained on it would likely give that class; the distance
 * feature, which looks only at the sample's own class, cannot see that.
 *
 * @param query - [n, F] features of the samples to score, with their labels
 * @param reference - [m, F] features of the remaining samples, with their labels
 */
export function neighbourhoodFeature(
  query: { features: Float32Array; labels: Int32Array },
  reference: { features: Float32Array; labels: Int32Array },
  featureSize: number,
  k = 50,
): Float32Array {
  const n = query.labels.length;
  const m = reference.labels.length;
  const out = new Float32Array(n);
  if (m === 0) return out.fill(1);
  const neighbours = Math.min(k, m);
  // Query rows in chunks, so the distance matrix stays at chunk x m floats.
  const chunk = 512;
  const referenceRows = tidy(() => keep(l2normalize(tensor(reference.features, { shape: [m, featureSize] }), 2, 1)));
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const indices = tidy(() => {
        const q = l2normalize(
          tensor(query.features.subarray(start * featureSize, end * featureSize), {
            shape: [end - start, featureSize],
          }),
          2,
          1,
        );
        const [, nearest] = cdist(q, referenceRows).topk(neighbours, 1, false);
        return nearest.toTypedArray() as BigInt64Array;
      });
      for (let i = start; i < end; i++) {
        let other = 0;
        for (let j = 0; j < neighbours; j++)
          if (reference.labels[Number(indices[(i - start) * neighbours + j]!)] !== query.labels[i]) other++;
        out[i] = other / neighbours;
      }
    }
  } finally {
    referenceRows.dispose();
  }
  return out;
}

/** Options of {@link adversarialFeature}. */
export interface PgdOptions {
  /** L-infinity radius in [0, 1] pixel units (4/255 by default). */
  eps: number;
  steps: number;
  /** Step size in pixel units (eps/3 by default). */
  stepSize: number;
  /**
   * Samples attacked together (64 by default). Each step's activations are fresh memory; at 256 a request's
   * first attack in a process spent most of its time faulting in 1.6 GB of pages, at 64 it touches a
   * quarter of that, at the same steady-state throughput.
   */
  batchSize?: number;
}

/**
 * Adversarial feature AF: untargeted L-infinity PGD from the clean input (steps of sign-gradient ascent on
 * the cross-entropy, projected to the eps-ball and the valid pixel range; for a table, the ball of eps
 * standard deviations around the standardised numeric values; for text, around the mean embedding: see
 * {@link attackSurface}), then AF = cross-entropy between
 * the model's output on the attacked input and its softmax on the clean one: how easily its prediction
 * moves. Input gradients come from `grad()`, so the model's parameter gradients are untouched.
 */
export function adversarialFeature(
  model: Classifier,
  dataset: Dataset,
  ids: readonly string[],
  normalize: NormalizeOptions,
  options: PgdOptions,
): Float32Array {
  const wasTraining = model.training;
  model.eval();
  const out = new Float32Array(ids.length);
  let offset = 0;
  try {
    for (const batch of new Batches(dataset, ids, { batchSize: options.batchSize ?? 64, normalize })) {
      tidy(() => {
        const { inputs, labels } = batchTensors(batch);
        const surface = attackSurface(model, dataset, inputs, normalize, options.eps, options.stepSize);
        const { start, box } = surface;
        const cleanProbabilities = noGrad(() => surface.forward(start).softmax(1));
        let attacked: Tensor = start;
        for (let s = 0; s < options.steps; s++) {
          // One scope per step: the step's activations are freed before the next, not held to the batch's end.
          const previous = attacked;
          attacked = tidy(() => {
            const current = previous.detach().requiresGrad_();
            const loss = crossEntropy(surface.forward(current), labels, null, 'sum');
            const [inputGrad] = grad(loss, [current]);
            return noGrad(() =>
              clampToBox(
                current
                  .detach()
                  .add(inputGrad!.sign().mul(box.step))
                  .minimum(start.add(box.eps))
                  .maximum(start.sub(box.eps)),
                box,
              ),
            );
          });
        }
        const values = noGrad(() => cleanProbabilities.mul(surface.forward(attacked).logSoftmax(1)).sum([1]).neg());
        out.set(values.toTypedArray() as Float32Array, offset);
      });
      offset += batch.labels.length;
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/**
 * Curriculum feature CF: per-sample cross-entropy under a model trained for only a couple of epochs:
 * samples it already fits are learned early, from the bulk of the data, and generalise.
 */
export function curriculumFeature(logits: Float32Array, labels: Int32Array, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let j = 0; j < numClasses; j++) max = Math.max(max, logits[i * numClasses + j]!);
    let sum = 0;
    for (let j = 0; j < numClasses; j++) sum += Math.exp(logits[i * numClasses + j]! - max);
    out[i] = Math.log(sum) + max - logits[i * numClasses + labels[i]!]!;
  }
  return out;
}
