/**
 * A small deterministic logistic regression: features standardised with the training mean and standard
 * deviation, weights fitted by Newton's method (iteratively reweighted least squares) on the mean
 * log-loss plus a small L2 penalty on the weights (not the bias). No randomness: the same data gives the
 * same model, and the penalty keeps the fit finite on separable data.
 *
 * @module
 */

/** Options of {@link fitLogisticRegression}. */
export interface LogisticRegressionOptions {
  /** L2 penalty λ on the weights of the standardised features (objective: mean log-loss + λ/2·||w||²). */
  l2?: number;
  /** Newton iterations at most. */
  maxIterations?: number;
  /** Stop when the largest parameter change is below this. */
  tolerance?: number;
}

/** A fitted model: P(y = 1 | x) = σ(bias + Σ_j weights_j (x_j − mean_j) / scale_j). */
export interface LogisticRegression {
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** Newton iterations used. */
  iterations: number;
}

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}

/** Solves the symmetric positive-definite system a·x = b (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (p === 0) throw new Error('logistic regression: singular Hessian');
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / p;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * Fits P(label = 1 | row) on row-major [n, d] `rows`.
 *
 * @param rows - features, row-major [n, d]; must be finite
 * @param labels - 0/1 per row
 * @param d - features per row
 */
export function fitLogisticRegression(
  rows: Float64Array,
  labels: ArrayLike<number>,
  d: number,
  options: LogisticRegressionOptions = {},
): LogisticRegression {
  const n = labels.length;
  if (rows.length !== n * d) throw new RangeError(`logistic regression: ${rows.length} values for ${n} rows of ${d}`);
  if (n === 0) throw new RangeError('logistic regression: no training rows');
  const l2 = options.l2 ?? 1e-3;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += rows[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j]! += (rows[i * d + j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]!) : 1;
  // Standardised design with a leading 1 for the bias.
  const p = d + 1;
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    x[i * p] = 1;
    for (let j = 0; j < d; j++) {
      const v = rows[i * d + j]!;
      if (!Number.isFinite(v)) throw new RangeError(`logistic regression: non-finite feature ${j} in row ${i}`);
      x[i * p + 1 + j] = (v - mean[j]!) / scale[j]!;
    }
  }
  const beta = new Array<number>(p).fill(0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const gradient = new Array<number>(p).fill(0);
    const hessian = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let a = 0; a < p; a++) t += beta[a]! * x[i * p + a]!;
      const mu = sigmoid(t);
      const residual = mu - (labels[i] ? 1 : 0);
      const w = Math.max(mu * (1 - mu), 1e-12);
      for (let a = 0; a < p; a++) {
        const xa = x[i * p + a]!;
        gradient[a]! += (residual * xa) / n;
        for (let b = a; b < p; b++) hessian[a]![b]! += (w * xa * x[i * p + b]!) / n;
      }
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) hessian[a]![b] = hessian[b]![a]!;
      if (a > 0) {
        gradient[a]! += l2 * beta[a]!;
        hessian[a]![a]! += l2;
      } else {
        hessian[a]![a]! += 1e-12;
      }
    }
    const step = solve(hessian, gradient);
    let largest = 0;
    for (let a = 0; a < p; a++) {
      beta[a]! -= step[a];
      largest = Math.max(largest, Math.abs(step[a]!));
    }
    if (largest < tolerance) {
      iterations++;
      break;
    }
  }
  return { mean, scale, weights: beta.slice(1), bias: beta[0]!, iterations };
}

/** P(label = 1) for each row of row-major [n, d] `rows`. */
export function predictLogisticRegression(model: LogisticRegression, rows: Float64Array): Float64Array {
  const d = model.weights.length;
  if (rows.length % d !== 0) throw new RangeError(`logistic regression: ${rows.length} values are not rows of ${d}`);
  const n = rows.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = model.bias;
    for (let j = 0; j < d; j++) t += (model.weights[j]! * (rows[i * d + j]! - model.mean[j]!)) / model.scale[j]!;
    out[i] = sigmoid(t);
  }
  return out;
}
