/** The ways raw feature values can be mapped to the predictor's [0, 1] inputs. */
export const SCALER_KINDS = ['quantile', 'tukey'] as const;

/** One of {@link SCALER_KINDS}. */
export type ScalerKind = (typeof SCALER_KINDS)[number];

/**
 * Per-feature scaling fitted on the twin problem:
 * - `quantile`: each value becomes its position in the twin's distribution of that feature (the empirical
 *   CDF, read off `quantiles` evenly spaced probabilities and interpolated linearly, as scikit-learn's
 *   `QuantileTransformer` does), so heavy tails are spread out rather than cut off;
 * - `tukey` (the reference): clipped to the Tukey fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR], then min-max scaled.
 */
export type FeatureScaler =
  | { kind: 'quantile' /** Per feature, its values at probabilities 0, 1/(q-1), ..., 1. */; quantiles: number[][] }
  | { kind: 'tukey'; low: number[]; high: number[] };

/** Default number of reference quantiles of the `quantile` scaler (scikit-learn's default). */
export const DEFAULT_QUANTILES = 1000;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Fits the scaler on the twin's feature columns. With `tukey`, clipping keeps outliers from squashing the
 * rest into a corner, but it also ties every value beyond a fence: on a long-tailed feature such as the
 * curriculum loss that is most of the hard samples, which the predictor then cannot rank (docs/tmu.md
 * measures the difference). `quantile` keeps the order of every value inside the twin's range.
 */
export function fitScaler(
  columns: readonly Float32Array[],
  kind: ScalerKind = 'quantile',
  quantiles = DEFAULT_QUANTILES,
): FeatureScaler {
  if (columns.some((column) => column.length === 0)) throw new Error('fitScaler: a feature column is empty');
  const sortedColumns = columns.map((column) => {
    const sorted = Float64Array.from(column).sort();
    if (!Number.isFinite(sorted[0]!) || !Number.isFinite(sorted[sorted.length - 1]!))
      throw new Error('fitScaler: a feature column holds a non-finite value');
    return sorted;
  });
  if (kind === 'quantile') {
    if (!Number.isInteger(quantiles) || quantiles < 2)
      throw new Error(`fitScaler: quantiles must be an integer >= 2, got ${quantiles}`);
    const points = Math.min(quantiles, Math.max(2, sortedColumns[0]!.length));
    return {
      kind,
      quantiles: sortedColumns.map((sorted) =>
        Array.from({ length: points }, (_, i) => quantile(sorted, i / (points - 1))),
      ),
    };
  }
  const low: number[] = [];
  const high: number[] = [];
  for (const sorted of sortedColumns) {
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const iqr = q3 - q1;
    // The fences bound the scaled range, but never beyond the data itself.
    const lowFence = Math.max(q1 - 1.5 * iqr, sorted[0]!);
    const highFence = Math.min(q3 + 1.5 * iqr, sorted[sorted.length - 1]!);
    low.push(lowFence);
    high.push(highFence > lowFence ? highFence : lowFence + 1);
  }
  return { kind, low, high };
}

/** First index whose reference value is > value (`strict`) or >= value. */
function searchSorted(reference: readonly number[], value: number, strict: boolean): number {
  let lo = 0;
  let hi = reference.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? reference[mid]! <= value : reference[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Empirical CDF of `value` on a grid of quantiles, interpolated linearly. Where the grid repeats a value
 * (a feature with many equal values), the interpolation runs from both ends and is averaged, as
 * scikit-learn does, so equal values map to the middle of their run instead of its edge.
 */
function quantilePosition(reference: readonly number[], value: number): number {
  const last = reference.length - 1;
  if (value <= reference[0]!) return 0;
  if (value >= reference[last]!) return 1;
  const interpolate = (upper: number): number => {
    const lower = upper - 1;
    const span = reference[upper]! - reference[lower]!;
    return (lower + (span > 0 ? (value - reference[lower]!) / span : 0.5)) / last;
  };
  const forward = interpolate(Math.max(1, searchSorted(reference, value, true)));
  const backward = interpolate(Math.max(1, searchSorted(reference, value, false)));
  return (forward + backward) / 2;
}

/** Applies the scaler: rows of [n, features] in [0, 1]. */
export function applyScaler(scaler: FeatureScaler, columns: readonly Float32Array[]): Float32Array {
  const n = columns[0]?.length ?? 0;
  const k = columns.length;
  const expected = scaler.kind === 'quantile' ? scaler.quantiles.length : scaler.low.length;
  if (k !== expected) throw new Error(`applyScaler: the scaler was fitted on ${expected} features, got ${k}`);
  const out = new Float32Array(n * k);
  columns.forEach((column, j) => {
    if (column.length !== n)
      throw new Error(`applyScaler: feature ${j} has ${column.length} values, feature 0 has ${n}`);
    if (scaler.kind === 'quantile') {
      const reference = scaler.quantiles[j]!;
      for (let i = 0; i < n; i++) out[i * k + j] = quantilePosition(reference, column[i]!);
      return;
    }
    const low = scaler.low[j]!;
    const span = scaler.high[j]! - low;
    for (let i = 0; i < n; i++) out[i * k + j] = Math.min(1, Math.max(0, (column[i]! - low) / span));
  });
  return out;
}
