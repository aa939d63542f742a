/**
 * A dataset of encoded feature vectors: what a table's rows (or a text's token ids) become once a
 * preprocessing fitted on the member rows has turned them into numbers.
 *
 * @module
 */

import { Dataset, type DatasetInit } from './dataset.js';

/** What a {@link FeatureDataset} is built from. */
export interface FeatureDatasetInit extends DatasetInit {
  /** Row-major N*F float32 values. Kept, not copied. */
  features: Float32Array;
  /** Values per sample (F). */
  width: number;
  /**
   * Per value, 1 where an input-space attack may perturb it (a table's standardised numeric values), 0
   * where it must not (one-hot categories, missing indicators). Default: every value.
   */
  perturbable?: Uint8Array;
}

/**
 * Labelled float32 feature vectors held in memory, fed to the model as they are (the preprocessing that
 * produced them already standardised them).
 */
export class FeatureDataset extends Dataset {
  /** Row-major N*F values. */
  readonly features: Float32Array;
  /** Values per sample. */
  readonly width: number;
  /** Per value, whether input-space attacks may perturb it. */
  readonly perturbable: Uint8Array;

  /**
   * @param init - features, labels, names and optional ids
   * @throws RangeError when sizes disagree, a label is out of range, or ids repeat
   */
  constructor(init: FeatureDatasetInit) {
    super(init);
    const { name, partition, features, width, labels } = init;
    if (!Number.isInteger(width) || width < 1)
      throw new RangeError(`${name}: width must be a positive integer, got ${width}`);
    if (features.length !== labels.length * width) {
      throw new RangeError(
        `${name}/${partition}: ${features.length} values for ${labels.length} samples of width ${width} (expected ${labels.length * width})`,
      );
    }
    if (init.perturbable !== undefined && init.perturbable.length !== width)
      throw new RangeError(`${name}: perturbable has ${init.perturbable.length} entries for width ${width}`);
    this.features = features;
    this.width = width;
    this.perturbable = init.perturbable ?? new Uint8Array(width).fill(1);
  }

  get sampleShape(): number[] {
    return [this.width];
  }

  /**
   * A view of one sample's values, sharing memory with the dataset.
   *
   * @param i - sample index
   * @throws RangeError when the index is out of range
   */
  rowAt(i: number): Float32Array {
    this.checkIndex(i);
    return this.features.subarray(i * this.width, (i + 1) * this.width);
  }

  subset(indices: ArrayLike<number>): FeatureDataset {
    const width = this.width;
    const n = indices.length;
    const features = new Float32Array(n * width);
    const labels = new Int32Array(n);
    const ids = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      this.checkIndex(i);
      features.set(this.features.subarray(i * width, (i + 1) * width), k * width);
      labels[k] = this.labels[i];
      ids[k] = this.ids[i];
    }
    return new FeatureDataset({
      name: this.name,
      partition: this.partition,
      features,
      width,
      perturbable: this.perturbable,
      labels,
      classNames: this.classNames,
      ids,
    });
  }

  override select(ids: readonly string[]): FeatureDataset {
    return this.subset(this.indicesOf(ids));
  }
}
