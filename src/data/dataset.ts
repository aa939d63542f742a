/**
 * The in-memory datasets every reader produces: a stable string id and an int32 label per sample, and
 * the sample's content: uint8 pixels in CHW order ({@link ImageDataset}) or encoded float32 feature
 * vectors ({@link FeatureDataset}, for tables and text).
 *
 * Ids (`fashion-mnist/train/123`, `wa_churn.csv.gz/row/17`) are what splits, forget sets, deletion
 * requests and the ledger name, so they never change when a dataset is subset: a subset keeps the ids
 * of the samples it took.
 *
 * @module
 */

import { listIds, SelectionError } from './errors.js';

/** Which part of a dataset's train/test split the samples come from. */
export type Partition = 'train' | 'test';

/** What every {@link Dataset} is built from. */
export interface DatasetInit {
  /** Dataset name, the first component of every default id (e.g. `fashion-mnist`); no `/` or spaces. */
  name: string;
  /** The partition the samples come from. */
  partition: Partition;
  /** Class index per sample, in [0, classNames.length). Kept, not copied. */
  labels: Int32Array;
  /** Class names in label order. */
  classNames: readonly string[];
  /** Sample ids; by default `${name}/${partition}/${i}` with i the position in the source files. */
  ids?: readonly string[];
}

/**
 * A labelled dataset held in memory: ids, labels and class names, whatever the samples are.
 *
 * Arrays are shared, not copied, with whoever built it; treat them as read-only.
 */
export abstract class Dataset {
  /** Dataset name (e.g. `fashion-mnist`). */
  readonly name: string;
  /** Partition the samples come from. */
  readonly partition: Partition;
  /** Stable sample ids, one per sample. */
  readonly ids: readonly string[];
  /** Class index per sample. */
  readonly labels: Int32Array;
  /** Number of classes (the length of {@link classNames}). */
  readonly numClasses: number;
  /** Class names in label order. */
  readonly classNames: readonly string[];
  readonly #index: Map<string, number>;

  /**
   * @param init - labels, names and optional ids
   * @throws RangeError when a label is out of range or ids repeat
   */
  constructor(init: DatasetInit) {
    const { name, partition, labels, classNames } = init;
    if (!/^[^/\s]+$/.test(name)) {
      throw new RangeError(`dataset name ${JSON.stringify(name)} must be non-empty without '/' or whitespace`);
    }
    if (classNames.length < 1) throw new RangeError(`${name}: at least one class name is required`);
    const n = labels.length;
    for (let i = 0; i < n; i++) {
      const label = labels[i];
      if (label < 0 || label >= classNames.length) {
        throw new RangeError(
          `${name}/${partition}: label ${label} of sample ${i} is outside 0..${classNames.length - 1}`,
        );
      }
    }
    const ids = init.ids ?? Array.from({ length: n }, (_, i) => `${name}/${partition}/${i}`);
    if (ids.length !== n) throw new RangeError(`${name}/${partition}: ${ids.length} ids for ${n} samples`);
    const index = new Map<string, number>();
    const repeated: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (index.has(id)) repeated.push(id);
      else index.set(id, i);
    }
    if (repeated.length > 0) throw new RangeError(`${name}/${partition}: repeated ids: ${listIds(repeated)}`);
    this.name = name;
    this.partition = partition;
    this.ids = ids;
    this.labels = labels;
    this.classNames = classNames;
    this.numClasses = classNames.length;
    this.#index = index;
  }

  /** Number of samples. */
  get size(): number {
    return this.labels.length;
  }

  /** Shape of one sample as the model sees it (`[C, H, W]` for images, `[F]` for feature vectors). */
  abstract get sampleShape(): number[];

  /**
   * Position of a sample in this dataset.
   *
   * @param id - sample id
   * @returns its index, or -1 when the id is not in this dataset
   */
  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /**
   * Whether a sample id is in this dataset.
   *
   * @param id - sample id
   */
  has(id: string): boolean {
    return this.#index.has(id);
  }

  /**
   * Positions of several samples.
   *
   * @param ids - sample ids
   * @returns their indices, in the same order
   * @throws SelectionError (`unknown-ids`) listing every id not in this dataset
   */
  indicesOf(ids: readonly string[]): Int32Array {
    const out = new Int32Array(ids.length);
    const unknown: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      const i = this.#index.get(ids[k]);
      if (i === undefined) unknown.push(ids[k]);
      else out[k] = i;
    }
    if (unknown.length > 0) {
      throw new SelectionError(
        'unknown-ids',
        `${unknown.length} id(s) not in ${this.name}/${this.partition}: ${listIds(unknown)}`,
        unknown,
      );
    }
    return out;
  }

  /**
   * Number of samples per class.
   *
   * @returns counts indexed by class
   */
  classCounts(): Int32Array {
    const counts = new Int32Array(this.numClasses);
    for (let i = 0; i < this.labels.length; i++) counts[this.labels[i]]++;
    return counts;
  }

  /**
   * A new dataset of the same kind holding copies of the chosen samples, in the given order, with their
   * original ids.
   *
   * @param indices - sample indices (repeats are rejected because ids must stay unique)
   * @throws RangeError when an index is out of range or repeated
   */
  abstract subset(indices: ArrayLike<number>): Dataset;

  /**
   * A new dataset holding copies of the samples with the given ids, in the given order.
   *
   * @param ids - sample ids
   * @throws SelectionError (`unknown-ids`) listing every id not in this dataset
   */
  select(ids: readonly string[]): Dataset {
    return this.subset(this.indicesOf(ids));
  }

  /** @throws RangeError when `i` is not a sample index */
  protected checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.labels.length) {
      throw new RangeError(`${this.name}/${this.partition}: sample index ${i} is outside 0..${this.labels.length - 1}`);
    }
  }
}

/** What an {@link ImageDataset} is built from. */
export interface ImageDatasetInit extends DatasetInit {
  /** Pixels, N*C*H*W bytes, each image in CHW order. Kept, not copied. */
  images: Uint8Array;
  /** Channels per image (1 or 3). */
  channels: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
}

/**
 * A labelled image dataset held in memory.
 *
 * Arrays are shared, not copied, with whoever built it; treat them as read-only.
 */
export class ImageDataset extends Dataset {
  /** Pixels, N*C*H*W bytes, CHW per image. */
  readonly images: Uint8Array;
  /** Channels per image. */
  readonly channels: number;
  /** Image height. */
  readonly height: number;
  /** Image width. */
  readonly width: number;

  /**
   * @param init - pixels, labels, geometry, names and optional ids
   * @throws RangeError when sizes disagree, a label is out of range, or ids repeat
   */
  constructor(init: ImageDatasetInit) {
    super(init);
    const { name, partition, images, labels, channels, height, width } = init;
    for (const [key, value] of [
      ['channels', channels],
      ['height', height],
      ['width', width],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${name}: ${key} must be a positive integer, got ${value}`);
    }
    const n = labels.length;
    const imageSize = channels * height * width;
    if (images.length !== n * imageSize) {
      throw new RangeError(
        `${name}/${partition}: ${images.length} pixel bytes for ${n} labels of ${channels}x${height}x${width} images (expected ${n * imageSize})`,
      );
    }
    this.images = images;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** Bytes per image (C*H*W). */
  get imageSize(): number {
    return this.channels * this.height * this.width;
  }

  get sampleShape(): number[] {
    return [this.channels, this.height, this.width];
  }

  /**
   * A view of one image's pixels (C*H*W bytes, CHW order), sharing memory with the dataset.
   *
   * @param i - sample index
   * @throws RangeError when the index is out of range
   */
  imageAt(i: number): Uint8Array {
    this.checkIndex(i);
    const size = this.imageSize;
    return this.images.subarray(i * size, (i + 1) * size);
  }

  subset(indices: ArrayLike<number>): ImageDataset {
    const size = this.imageSize;
    const n = indices.length;
    const images = new Uint8Array(n * size);
    const labels = new Int32Array(n);
    const ids = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      this.checkIndex(i);
      images.set(this.images.subarray(i * size, (i + 1) * size), k * size);
      labels[k] = this.labels[i];
      ids[k] = this.ids[i];
    }
    return new ImageDataset({
      name: this.name,
      partition: this.partition,
      images,
      labels,
      channels: this.channels,
      height: this.height,
      width: this.width,
      classNames: this.classNames,
      ids,
    });
  }

  override select(ids: readonly string[]): ImageDataset {
    return this.subset(this.indicesOf(ids));
  }
}
