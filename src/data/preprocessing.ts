/**
 * The preprocessing of a table, fitted on the member rows only and stored with the model: numeric and
 * boolean columns standardised (population mean and standard deviation of the members), a missing value
 * imputed in standardised space (0, the members' mean) with a missing-indicator column beside it, and
 * categorical columns one-hot encoded over the members' categories plus an unseen-category bucket (where
 * a category the members never had, and a missing category, go).
 *
 * A deletion request refits it on the remaining members ({@link refitPreprocessing}): the layout of the
 * encoded vector stays, so the change is an exact affine change of each input ({@link inputChange})
 * that the model's first linear layer absorbs.
 *
 * @module
 */

import type { Partition } from './dataset.js';
import { DataFormatError } from './errors.js';
import { FeatureDataset } from './featureDataset.js';
import type { TabularData } from './tabularData.js';

/** Statistics of one numeric (or boolean) column. */
export interface NumericColumnState {
  name: string;
  kind: 'numeric';
  /** Mean of the members' present values. */
  mean: number;
  /** Population standard deviation of the members' present values (1 where it is 0). */
  std: number;
  /** Whether a missing-indicator column follows (the members had missing values when first fitted). */
  indicator: boolean;
}

/** Categories of one categorical column. */
export interface CategoricalColumnState {
  name: string;
  kind: 'categorical';
  /**
   * Categories in column order (sorted when first fitted); the unseen bucket follows them. A null is a
   * category no member has any more (every row that had it was deleted): its name is gone, its position
   * in the layout stays, its value is encoded as unseen and its column carries no weight.
   */
  categories: (string | null)[];
}

/** The fitted preprocessing of a table, as stored in the model's sidecar. */
export interface PreprocessingState {
  format: 'tmu-preprocessing';
  version: 1;
  /** Column blocks in the order they appear in the encoded vector. */
  columns: (NumericColumnState | CategoricalColumnState)[];
  /** Length of the encoded vector. */
  width: number;
}

/** Encoded values of a column block. */
function blockWidth(column: NumericColumnState | CategoricalColumnState): number {
  return column.kind === 'numeric' ? (column.indicator ? 2 : 1) : column.categories.length + 1;
}

/**
 * Fits the preprocessing on the member rows of a table.
 *
 * @param data - the table (every row; only `memberIndices` are looked at)
 * @param memberIndices - positions of the member rows
 * @returns the fitted state
 * @throws DataFormatError naming the file when there are no member rows or no feature columns
 */
export function fitPreprocessing(data: TabularData, memberIndices: ArrayLike<number>): PreprocessingState {
  if (memberIndices.length === 0) throw new DataFormatError(data.file, 'no member rows to fit the preprocessing on');
  const columns: (NumericColumnState | CategoricalColumnState)[] = [];
  for (const column of data.columns) {
    if (column.type === 'text') continue;
    if (column.type === 'numeric' || column.type === 'boolean') {
      const { mean, std, missing } = numericStats(column.values, memberIndices);
      columns.push({ name: column.name, kind: 'numeric', mean, std, indicator: missing > 0 });
    } else {
      const seen = new Set<string>();
      const strings = column.values as (string | null)[];
      for (let k = 0; k < memberIndices.length; k++) {
        const value = strings[memberIndices[k]!];
        if (value !== null && value !== undefined) seen.add(value);
      }
      columns.push({ name: column.name, kind: 'categorical', categories: [...seen].sort() });
    }
  }
  if (columns.length === 0)
    throw new DataFormatError(data.file, 'the table has no numeric, boolean or categorical column to learn from');
  return { format: 'tmu-preprocessing', version: 1, columns, width: columns.reduce((w, c) => w + blockWidth(c), 0) };
}

/**
 * Refits a fitted preprocessing on fewer member rows, keeping its layout: new means and standard
 * deviations; categories no remaining member has lose their name (null); the indicator columns stay.
 *
 * @param state - the current preprocessing
 * @param data - the table
 * @param memberIndices - positions of the remaining member rows
 */
export function refitPreprocessing(
  state: PreprocessingState,
  data: TabularData,
  memberIndices: ArrayLike<number>,
): PreprocessingState {
  const columns = state.columns.map((column): NumericColumnState | CategoricalColumnState => {
    const values = data.column(column.name).values;
    if (column.kind === 'numeric') {
      const stats = numericStats(values as Float64Array, memberIndices);
      // A column none of the remaining members has a value for keeps its statistics: there is nothing to refit on.
      return stats.present === 0 ? { ...column } : { ...column, mean: stats.mean, std: stats.std };
    }
    const seen = new Set<string>();
    const strings = values as (string | null)[];
    for (let k = 0; k < memberIndices.length; k++) {
      const value = strings[memberIndices[k]!];
      if (value !== null && value !== undefined) seen.add(value);
    }
    return { ...column, categories: column.categories.map((c) => (c !== null && seen.has(c) ? c : null)) };
  });
  return { ...state, columns };
}

/**
 * Encodes rows of a table with a fitted preprocessing.
 *
 * @param data - the table
 * @param state - the fitted preprocessing
 * @param partition - partition name of the dataset built
 * @returns a feature dataset with the rows' ids, labels and encoded vectors; its perturbable values are
 *   the standardised numeric (and boolean) values
 * @throws DataFormatError naming the file when a column of the preprocessing is not in the table
 */
export function encodeTabular(data: TabularData, state: PreprocessingState, partition: Partition): FeatureDataset {
  const n = data.size;
  const width = state.width;
  const features = new Float32Array(n * width);
  const perturbable = new Uint8Array(width);
  let offset = 0;
  for (const column of state.columns) {
    const values = data.column(column.name).values;
    if (column.kind === 'numeric') {
      const numbers = values as Float64Array;
      perturbable[offset] = 1;
      for (let i = 0; i < n; i++) {
        const x = numbers[i]!;
        const missing = Number.isNaN(x);
        features[i * width + offset] = missing ? 0 : (x - column.mean) / column.std;
        if (column.indicator) features[i * width + offset + 1] = missing ? 1 : 0;
      }
    } else {
      const position = new Map<string, number>();
      column.categories.forEach((c, k) => {
        if (c !== null) position.set(c, k);
      });
      const unseen = column.categories.length;
      const strings = values as (string | null)[];
      for (let i = 0; i < n; i++) {
        const value = strings[i];
        const k = value === null || value === undefined ? unseen : (position.get(value) ?? unseen);
        features[i * width + offset + k] = 1;
      }
    }
    offset += blockWidth(column);
  }
  return new FeatureDataset({
    name: data.name,
    partition,
    features,
    width,
    perturbable,
    labels: data.labels,
    classNames: data.classNames,
    ids: data.ids,
  });
}

/** How the encoded inputs change when a preprocessing is refitted. */
export interface InputChange {
  /** Per encoded column: old = scale * new + shift (exact for a present value). */
  scale: Float32Array;
  shift: Float32Array;
  /** Encoded columns of categories dropped by the refit: no row of a remaining member sets them. */
  zeroed: number[];
}

/**
 * The affine map from the refitted encoding to the old one: for every row whose values are all
 * present, `old[j] = scale[j] * new[j] + shift[j]` for each encoded column j. A linear layer `W x + b`
 * on the old encoding equals `(W diag(scale)) x' + (b + W shift)` on the new one.
 *
 * @param before - the preprocessing the model was trained with
 * @param after - its refit ({@link refitPreprocessing} of `before`)
 * @throws RangeError when the two do not share a layout
 */
export function inputChange(before: PreprocessingState, after: PreprocessingState): InputChange {
  if (before.width !== after.width || before.columns.length !== after.columns.length)
    throw new RangeError('inputChange: the preprocessings have different layouts');
  const scale = new Float32Array(before.width).fill(1);
  const shift = new Float32Array(before.width);
  const zeroed: number[] = [];
  let offset = 0;
  before.columns.forEach((old, c) => {
    const now = after.columns[c]!;
    if (old.name !== now.name || old.kind !== now.kind)
      throw new RangeError(`inputChange: column ${c} differs (${old.name}, ${now.name})`);
    if (old.kind === 'numeric' && now.kind === 'numeric') {
      // (x - m)/s = (x' s' + m' - m)/s with x' = (x - m')/s': computed in double precision.
      scale[offset] = now.std / old.std;
      shift[offset] = (now.mean - old.mean) / old.std;
    } else if (old.kind === 'categorical' && now.kind === 'categorical') {
      now.categories.forEach((category, k) => {
        if (category === null && old.categories[k] !== null) zeroed.push(offset + k);
      });
    }
    offset += blockWidth(old);
  });
  return { scale, shift, zeroed };
}

/**
 * Encoded columns of categories that lost their name (no member has them any more): no row sets them,
 * and a model trained on the encoding must carry no weight for them.
 *
 * @param state - a preprocessing
 */
export function removedColumns(state: PreprocessingState): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const column of state.columns) {
    if (column.kind === 'categorical') {
      column.categories.forEach((c, k) => {
        if (c === null) out.push(offset + k);
      });
    }
    offset += blockWidth(column);
  }
  return out;
}

/**
 * Checks a value read from a sidecar is a preprocessing state.
 *
 * @param value - parsed JSON
 * @param where - what to name in the error
 * @throws TypeError naming the bad field
 */
export function checkPreprocessing(value: unknown, where: string): PreprocessingState {
  const state = value as Partial<PreprocessingState> | null;
  if (
    state === null ||
    typeof state !== 'object' ||
    state.format !== 'tmu-preprocessing' ||
    !Array.isArray(state.columns)
  )
    throw new TypeError(`${where}: not a tmu preprocessing`);
  const width = state.columns.reduce((w, c) => w + blockWidth(c), 0);
  if (state.width !== width)
    throw new TypeError(`${where}: width ${String(state.width)} does not match its columns (${width})`);
  return state as PreprocessingState;
}

function numericStats(
  values: Float64Array,
  indices: ArrayLike<number>,
): { mean: number; std: number; missing: number; present: number } {
  let sum = 0;
  let present = 0;
  for (let k = 0; k < indices.length; k++) {
    const x = values[indices[k]!]!;
    if (Number.isNaN(x)) continue;
    sum += x;
    present++;
  }
  const mean = present > 0 ? sum / present : 0;
  let squares = 0;
  for (let k = 0; k < indices.length; k++) {
    const x = values[indices[k]!]!;
    if (!Number.isNaN(x)) squares += (x - mean) * (x - mean);
  }
  const std = present > 0 ? Math.sqrt(squares / present) : 0;
  return { mean, std: std > 0 ? std : 1, missing: indices.length - present, present };
}
