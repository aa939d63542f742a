/**
 * Where an input-space attack (TMU's adversarial feature, Boundary Shrink's FGSM) may move an input,
 * for any kind of data. Images: an L-infinity ball of `eps` pixel units in the normalised space the model
 * sees, inside the valid pixel range. Feature vectors: an L-infinity ball of `eps` standard deviations on
 * the standardised numeric values only (one-hot categories and missing indicators are not moved, since
 * a fraction of a category means nothing), with no range. Text: token ids cannot move, so the attack
 * moves a fastText model's mean embedding instead, by `eps` in every dimension ({@link attackSurface}).
 *
 * @module
 */

import type { NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { FeatureDataset } from '../data/featureDataset.js';
import type { Classifier } from '../models/classifier.js';
import { FastText } from '../models/fastText.js';
import { full, noGrad, type Tensor, tensor } from '../tensor/index.js';

/** Per-input radius, step and bounds, shaped to broadcast over a batch. */
export interface InputBox {
  eps: Tensor;
  step: Tensor;
  /** Lowest and highest valid input, or null where inputs are unbounded. */
  low: Tensor | null;
  high: Tensor | null;
}

/**
 * The box of an attack on a dataset's inputs (tensors belong to the caller's scope).
 *
 * @param dataset - the data attacked
 * @param normalize - the image normalisation (ignored for feature vectors)
 * @param eps - radius: pixel units for images, standard deviations for feature vectors
 * @param stepSize - step, in the same units
 */
export function inputBox(dataset: Dataset, normalize: NormalizeOptions, eps: number, stepSize: number): InputBox {
  if (dataset instanceof FeatureDataset) {
    const shape = [1, dataset.width];
    const mask = Float32Array.from(dataset.perturbable);
    return {
      eps: tensor(
        mask.map((m) => m * eps),
        { shape },
      ),
      step: tensor(
        mask.map((m) => m * stepSize),
        { shape },
      ),
      low: null,
      high: null,
    };
  }
  const channels = normalize.mean.length;
  const shape = [1, channels, 1, 1];
  const perChannel = (values: number[]): Tensor => tensor(Float32Array.from(values), { shape });
  return {
    eps: perChannel(normalize.std.map((s) => eps / s)),
    step: perChannel(normalize.std.map((s) => stepSize / s)),
    low: perChannel(normalize.mean.map((m, c) => (0 - m) / normalize.std[c]!)),
    high: perChannel(normalize.mean.map((m, c) => (1 - m) / normalize.std[c]!)),
  };
}

/**
 * Clamps inputs to a box's bounds (unchanged where it has none).
 *
 * @param x - inputs
 * @param box - the box
 */
export function clampToBox(x: Tensor, box: InputBox): Tensor {
  return box.low && box.high ? x.minimum(box.high).maximum(box.low) : x;
}

/** Where an attack on a batch starts, how the model reads the attacked point, and the box it stays in. */
export interface AttackSurface {
  /** The clean point (the inputs, or a text model's mean embeddings), detached. */
  start: Tensor;
  /** The model's logits at a point of the surface. */
  forward: (point: Tensor) => Tensor;
  box: InputBox;
}

/**
 * The surface an input-space attack moves on, for a batch of a dataset: the inputs themselves (in
 * {@link inputBox}), or, for a fastText model, the documents' mean embeddings (an L-infinity ball of
 * `eps`, no range). Tensors belong to the caller's scope.
 *
 * @param model - the attacked model
 * @param dataset - the data attacked
 * @param inputs - the batch's inputs
 * @param normalize - the image normalisation
 * @param eps - radius
 * @param stepSize - step
 */
export function attackSurface(
  model: Classifier,
  dataset: Dataset,
  inputs: Tensor,
  normalize: NormalizeOptions,
  eps: number,
  stepSize: number,
): AttackSurface {
  if (model instanceof FastText) {
    const start = noGrad(() => model.embed(inputs));
    const shape = [1, start.size(1)];
    return {
      start,
      forward: (point) => model.fromEmbedding(point),
      box: { eps: full(shape, eps), step: full(shape, stepSize), low: null, high: null },
    };
  }
  return { start: inputs, forward: (point) => model.forward(point), box: inputBox(dataset, normalize, eps, stepSize) };
}
