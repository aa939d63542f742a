/**
 * Distances between Mu's and Mg's output distributions on Df: activation distance and Jensen-Shannon
 * divergence, each a mean over rows of softmax probabilities (row-major [n, K]). 0 for identical outputs.
 *
 * @module
 */

function rows(p: Float64Array, q: Float64Array, numClasses: number): number {
  if (p.length !== q.length) throw new RangeError(`divergence: ${p.length} against ${q.length} probabilities`);
  if (p.length % numClasses !== 0)
    throw new RangeError(`divergence: length ${p.length} is not a multiple of ${numClasses}`);
  return p.length / numClasses;
}

/**
 * Activation distance = mean over rows of ||p_i − q_i||_2 (Golatkar et al. 2020; Chundawat et al.,
 * Bad Teacher, 2023). In [0, √2]. NaN for no rows.
 */
export function activationDistance(p: Float64Array, q: Float64Array, numClasses: number): number {
  const n = rows(p, q, numClasses);
  if (n === 0) return Number.NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let squares = 0;
    for (let j = i * numClasses; j < (i + 1) * numClasses; j++) squares += (p[j]! - q[j]!) ** 2;
    total += Math.sqrt(squares);
  }
  return total / n;
}

/** Σ a log(a / b) over one row, with 0 log 0 = 0 (b > 0 wherever a > 0 here: b is a mixture with a). */
function klRow(a: Float64Array, b: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let j = start; j < end; j++) if (a[j]! > 0) sum += a[j]! * Math.log(a[j]! / b[j]!);
  return sum;
}

/**
 * Jensen-Shannon divergence = mean over rows of ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2, in nats
 * (natural log), so in [0, ln 2]. NaN for no rows.
 */
export function jsDivergence(p: Float64Array, q: Float64Array, numClasses: number): number {
  const n = rows(p, q, numClasses);
  if (n === 0) return Number.NaN;
  const m = new Float64Array(p.length);
  for (let j = 0; j < p.length; j++) m[j] = (p[j]! + q[j]!) / 2;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const start = i * numClasses;
    const end = start + numClasses;
    total += Math.max(0, 0.5 * klRow(p, m, start, end) + 0.5 * klRow(q, m, start, end));
  }
  return total / n;
}
