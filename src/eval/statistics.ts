/**
 * Summaries over seeds: mean and a 95% confidence interval from Student's t distribution.
 *
 * Every numeric metric of a report is a {@link Stat}: the per-seed values (in seed order, `null` where a
 * seed has no finite value: a method that did not run on it, or a metric undefined there), their mean and
 * the two-sided 95% interval mean ± t(0.975, n−1)·s/√n over the n finite values. With fewer than two
 * finite values there is no spread to estimate, so `ci95` is `null` (and `mean` is `null` with none).
 *
 * @module
 */

/** One metric over seeds. */
export interface Stat {
  /** Mean of the finite values; `null` when there are none. */
  mean: number | null;
  /** [low, high] 95% t-interval of the mean; `null` with fewer than two finite values. */
  ci95: [number, number] | null;
  /** Per-seed values in seed order; `null` where a seed has none (not run, undefined, non-finite). */
  values: (number | null)[];
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Sample standard deviation (divisor n − 1); NaN for fewer than two values. */
export function sampleStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - m) ** 2;
  return Math.sqrt(squares / (n - 1));
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b), for x in [0, 1] and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t distribution with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t distribution with `df` degrees of freedom (inverse of
 * {@link studentTCdf}, by bisection to full double precision).
 *
 * @throws RangeError unless 0 < p < 1 and df > 0
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be positive, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-14 * high; i++) {
    const middle = (low + high) / 2;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * Two-sided 95% confidence interval of the mean of `values` from Student's t distribution with
 * n − 1 degrees of freedom: mean ± t(0.975, n − 1)·s/√n. `null` for fewer than two values.
 */
export function confidenceInterval95(values: ArrayLike<number>): [number, number] | null {
  const n = values.length;
  if (n < 2) return null;
  const m = mean(values);
  const half = (studentTQuantile(0.975, n - 1) * sampleStd(values)) / Math.sqrt(n);
  return [m - half, m + half];
}

/** A finite number, or `null` for NaN, ±Infinity, `null` and `undefined`. */
export function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Summarises per-seed values into a {@link Stat}: non-finite or missing values become `null` and are
 * left out of the mean and the interval.
 */
export function summarize(values: readonly (number | null | undefined)[]): Stat {
  const kept = values.map(finiteOrNull);
  const finite = kept.filter((v): v is number => v !== null);
  return {
    mean: finite.length > 0 ? mean(finite) : null,
    ci95: confidenceInterval95(finite),
    values: kept,
  };
}
