/**
 * Mini-batches over (a subset of) a dataset, as float32 inputs (normalised NCHW pixels for images, the
 * encoded feature vectors as they are for tables and text) and int32 labels, ready to be copied into
 * tensors.
 *
 * Shuffling and augmentation draw from streams forked per epoch from one seed (`epoch/<e>/order`,
 * `epoch/<e>/augment`), so epoch e is the same whether or not earlier epochs ran in this process: a run
 * resumed from a checkpoint sees the batches the uninterrupted run would have, and switching
 * augmentation on or off leaves the sample order unchanged.
 *
 * @module
 */

import { type AugmentDraw, type AugmentOptions, drawAugment, resolveAugment } from './augment.js';
import { type Dataset, ImageDataset } from './dataset.js';
import { FeatureDataset } from './featureDataset.js';
import { Random } from './random.js';

/** Per-channel normalisation, in [0, 1] pixel units: input = (pixel / 255 - mean) / std. */
export interface NormalizeOptions {
  /** Mean per channel. */
  mean: readonly number[];
  /** Standard deviation per channel (positive). */
  std: readonly number[];
}

/** Options of {@link Batches}. */
export interface BatchOptions {
  /** Samples per batch (the last batch may be smaller unless `dropLast`). */
  batchSize: number;
  /** Visit the samples in a fresh random order each epoch (default false: selection order). */
  shuffle?: boolean;
  /** Seed of shuffling and augmentation; required when either is on (or pass `random`). */
  seed?: number;
  /** Alternative to `seed`: the stream whose seed key the per-epoch streams are forked from. */
  random?: Random;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Random crop and flip of images (see {@link AugmentOptions}); off when absent or false. */
  augment?: AugmentOptions | false;
  /**
   * Normalisation of images; by default pixels are only scaled to [0, 1]. Feature vectors are taken as
   * they are: their preprocessing already standardised them.
   */
  normalize?: NormalizeOptions;
  /**
   * Reuse one set of arrays for every batch (default false). When true, a yielded batch's `inputs`,
   * `labels` and `indices` are overwritten by the next one: copy what must outlive the step.
   */
  reuseBuffers?: boolean;
}

/** One mini-batch. */
export interface Batch {
  /** Sample ids, in batch order. */
  ids: string[];
  /** Sample indices in the dataset, in batch order. */
  indices: Int32Array;
  /** Inputs, n times the sample shape, row-major (normalised NCHW pixels for images). */
  inputs: Float32Array;
  /** Class per sample. */
  labels: Int32Array;
  /** `[n, ...sampleShape]`: `[n, C, H, W]` for images, `[n, F]` for feature vectors. */
  shape: number[];
}

/**
 * Batches over a selection of a dataset, one epoch per iteration.
 *
 * `for (const batch of batches)` runs the next epoch (0, 1, 2, ... in turn); `batches.epoch(e)` runs a
 * given one.
 */
export class Batches implements Iterable<Batch> {
  /** The dataset batches are drawn from. */
  readonly dataset: Dataset;
  /** Selected sample indices, in selection order. */
  readonly indices: Int32Array;
  /** Samples per batch. */
  readonly batchSize: number;
  readonly #shuffle: boolean;
  readonly #dropLast: boolean;
  readonly #augment: Required<AugmentOptions> | undefined;
  readonly #random: Random | undefined;
  readonly #reuse: boolean;
  /** Normalised value of every (channel, byte) pair of images: the inner loop is a table lookup. */
  readonly #lut: Float32Array | undefined;
  #nextEpoch = 0;

  /**
   * @param dataset - the dataset
   * @param selection - sample ids or indices to iterate over (default: every sample)
   * @param options - batch size, order, augmentation, normalisation
   * @throws RangeError for a bad option or index; SelectionError for ids not in the dataset
   */
  constructor(dataset: Dataset, selection: readonly string[] | ArrayLike<number> | undefined, options: BatchOptions) {
    if (!(dataset instanceof ImageDataset) && !(dataset instanceof FeatureDataset))
      throw new TypeError(`${dataset.name}: batches need an image or a feature dataset`);
    if (options.augment && !(dataset instanceof ImageDataset))
      throw new RangeError(`${dataset.name}: augmentation (random crop and flip) applies to images only`);
    this.dataset = dataset;
    this.indices = resolveSelection(dataset, selection);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.batchSize = options.batchSize;
    this.#shuffle = options.shuffle ?? false;
    this.#dropLast = options.dropLast ?? false;
    this.#augment = options.augment ? resolveAugment(options.augment) : undefined;
    this.#reuse = options.reuseBuffers ?? false;
    if (options.random !== undefined) this.#random = options.random;
    else if (options.seed !== undefined) this.#random = new Random(options.seed);
    if ((this.#shuffle || this.#augment) && this.#random === undefined) {
      throw new RangeError('shuffle and augment need a seed (or random) so that runs are reproducible');
    }
    this.#lut = dataset instanceof ImageDataset ? normalizationTable(dataset.channels, options.normalize) : undefined;
  }

  /** Number of selected samples. */
  get size(): number {
    return this.indices.length;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.indices.length;
    return this.#dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Iterates the next epoch (the first call runs epoch 0). */
  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch(this.#nextEpoch++);
  }

  /**
   * Iterates one epoch; the same epoch number always gives the same batches.
   *
   * @param epoch - epoch number (a non-negative integer)
   */
  *epoch(epoch: number): Generator<Batch, void, undefined> {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
    const { dataset, batchSize } = this;
    const random = this.#random;
    const augment = this.#augment;
    const order = this.indices.slice();
    if (this.#shuffle && random) random.fork(`epoch/${epoch}/order`).shuffle(order);
    const augmentRandom = augment && random ? random.fork(`epoch/${epoch}/augment`) : undefined;
    const sampleShape = dataset.sampleShape;
    const imageSize = sampleShape.reduce((a, b) => a * b, 1);
    const image = dataset instanceof ImageDataset ? dataset : undefined;
    const features = dataset instanceof FeatureDataset ? dataset.features : undefined;
    const lut = this.#lut;
    const shared = this.#reuse
      ? {
          inputs: new Float32Array(batchSize * imageSize),
          labels: new Int32Array(batchSize),
          indices: new Int32Array(batchSize),
        }
      : undefined;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const n = Math.min(batchSize, order.length - start);
      const inputs = shared ? shared.inputs.subarray(0, n * imageSize) : new Float32Array(n * imageSize);
      const labels = shared ? shared.labels.subarray(0, n) : new Int32Array(n);
      const indices = shared ? shared.indices.subarray(0, n) : new Int32Array(n);
      const ids = new Array<string>(n);
      for (let k = 0; k < n; k++) {
        const i = order[start + k];
        indices[k] = i;
        labels[k] = dataset.labels[i];
        ids[k] = dataset.ids[i];
        if (features) inputs.set(features.subarray(i * imageSize, (i + 1) * imageSize), k * imageSize);
        else if (image && lut && augment && augmentRandom)
          writeAugmented(image, i, inputs, k * imageSize, lut, drawAugment(augmentRandom, augment));
        else if (image && lut) writePlain(image, i, inputs, k * imageSize, lut);
      }
      yield { ids, indices, inputs, labels, shape: [n, ...sampleShape] };
    }
  }
}

/**
 * Builds the lookup table of normalised values: entry `c * 256 + v` is `(v / 255 - mean[c]) / std[c]`,
 * computed in double precision and rounded once to float32.
 *
 * @param channels - number of channels
 * @param normalize - mean and std per channel; none means plain scaling to [0, 1]
 * @throws RangeError when the lengths differ from `channels` or a std is not positive
 */
export function normalizationTable(channels: number, normalize?: NormalizeOptions): Float32Array {
  const mean = normalize?.mean ?? new Array<number>(channels).fill(0);
  const std = normalize?.std ?? new Array<number>(channels).fill(1);
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`normalize needs ${channels} mean and std values, got ${mean.length} and ${std.length}`);
  }
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    if (!(std[c] > 0) || !Number.isFinite(std[c]) || !Number.isFinite(mean[c])) {
      throw new RangeError(`normalize channel ${c}: mean ${mean[c]} and std ${std[c]} must be finite, std positive`);
    }
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - mean[c]) / std[c];
  }
  return table;
}

/** Turns a selection (ids, indices or nothing) into validated dataset indices. */
function resolveSelection(dataset: Dataset, selection: readonly string[] | ArrayLike<number> | undefined): Int32Array {
  if (selection === undefined) {
    const all = new Int32Array(dataset.size);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  if (selection.length > 0 && typeof selection[0] === 'string')
    return dataset.indicesOf(selection as readonly string[]);
  const numbers = selection as ArrayLike<number>;
  const out = new Int32Array(numbers.length);
  for (let k = 0; k < numbers.length; k++) {
    const i = numbers[k];
    if (!Number.isInteger(i) || i < 0 || i >= dataset.size) {
      throw new RangeError(
        `selection[${k}] = ${String(i)} is not a sample index of ${dataset.name}/${dataset.partition} (0..${dataset.size - 1})`,
      );
    }
    out[k] = i;
  }
  return out;
}

/** Normalises sample i into `out` at `at`. */
function writePlain(dataset: ImageDataset, i: number, out: Float32Array, at: number, lut: Float32Array): void {
  const images = dataset.images;
  const plane = dataset.height * dataset.width;
  const src = i * dataset.imageSize;
  for (let c = 0; c < dataset.channels; c++) {
    const base = c * 256;
    const from = src + c * plane;
    const to = at + c * plane;
    for (let p = 0; p < plane; p++) out[to + p] = lut[base + images[from + p]];
  }
}

/** Crops, flips and normalises sample i into `out` at `at`; the same geometry as `applyAugment`. */
function writeAugmented(
  dataset: ImageDataset,
  i: number,
  out: Float32Array,
  at: number,
  lut: Float32Array,
  draw: AugmentDraw,
): void {
  const { images, channels, height, width } = dataset;
  const { offsetY, offsetX, flip } = draw;
  const plane = height * width;
  const src = i * dataset.imageSize;
  const x0 = Math.max(0, -offsetX);
  const x1 = Math.min(width, width - offsetX);
  const m0 = flip ? width - x1 : x0;
  const m1 = flip ? width - x0 : x1;
  for (let c = 0; c < channels; c++) {
    const base = c * 256;
    const zero = lut[base];
    for (let y = 0; y < height; y++) {
      const row = at + c * plane + y * width;
      const sy = y + offsetY;
      if (sy < 0 || sy >= height || x0 >= x1) {
        out.fill(zero, row, row + width);
        continue;
      }
      const srcRow = src + c * plane + sy * width + offsetX;
      out.fill(zero, row, row + m0);
      if (flip) {
        for (let x = m0; x < m1; x++) out[row + x] = lut[base + images[srcRow + width - 1 - x]];
      } else {
        for (let x = m0; x < m1; x++) out[row + x] = lut[base + images[srcRow + x]];
      }
      out.fill(zero, row + m1, row + width);
    }
  }
}
