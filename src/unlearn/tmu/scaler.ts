/** Per-feature clipping bounds and min-max range, fitted on the twin problem. */
export interface FeatureScaler {
  /** Tukey fences [Q1 - 1.5 IQR, Q3 + 1.5 IQR] per feature. */
  low: number[];
  high: number[];
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Fits the scaler: each feature is clipped to its Tukey fences (outliers would otherwise squash the rest
 * into a corner) and then min-max scaled, which after clipping maps the fences to 0 and 1.
 */
export function fitScaler(columns: readonly Float32Array[]): FeatureScaler {
  const low: number[] = [];
  const high: number[] = [];
  for (const column of columns) {
    const sorted = Float64Array.from(column).sort();
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const iqr = q3 - q1;
    // The fences bound the scaled range, but never beyond the data itself.
    const lowFence = Math.max(q1 - 1.5 * iqr, sorted[0] ?? 0);
    const highFence = Math.min(q3 + 1.5 * iqr, sorted[sorted.length - 1] ?? 0);
    low.push(lowFence);
    high.push(highFence > lowFence ? highFence : lowFence + 1);
  }
  return { low, high };
}

/** Applies the scaler: rows of [n, features] in [0, 1]. */
export function applyScaler(scaler: FeatureScaler, columns: readonly Float32Array[]): Float32Array {
  const n = columns[0]?.length ?? 0;
  const k = columns.length;
  const out = new Float32Array(n * k);
  columns.forEach((column, j) => {
    const low = scaler.low[j]!;
    const span = scaler.high[j]! - low;
    for (let i = 0; i < n; i++) out[i * k + j] = Math.min(1, Math.max(0, (column[i]! - low) / span));
  });
  return out;
}
