/**
 * Row-wise softmax and argmax over row-major [n, K] logits, in double precision.
 *
 * A row with a NaN logit is treated as a uniform prediction, and a row with +Infinity logits puts its
 * mass equally on those: a diverged model (gradient ascent run too far) still gets metrics, and they say
 * it knows nothing, instead of NaN poisoning a whole report.
 *
 * @module
 */

/** Number of rows of row-major logits, checking the length is a multiple of `numClasses`. */
export function rowCount(logits: ArrayLike<number>, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  if (logits.length % numClasses !== 0)
    throw new RangeError(`logits: length ${logits.length} is not a multiple of numClasses ${numClasses}`);
  return logits.length / numClasses;
}

/** Writes softmax(logits[offset .. offset + k)) into out[offset ..]. */
function softmaxRow(logits: ArrayLike<number>, offset: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  let hasNaN = false;
  for (let j = 0; j < k; j++) {
    const z = logits[offset + j]!;
    if (Number.isNaN(z)) hasNaN = true;
    else if (z > max) max = z;
  }
  if (hasNaN || max === -Infinity) {
    out.fill(1 / k, offset, offset + k);
    return;
  }
  if (max === Infinity) {
    let count = 0;
    for (let j = 0; j < k; j++) if (logits[offset + j] === Infinity) count++;
    for (let j = 0; j < k; j++) out[offset + j] = logits[offset + j] === Infinity ? 1 / count : 0;
    return;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(logits[offset + j]! - max);
    out[offset + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) out[offset + j]! /= sum;
}

/** Softmax of each row of row-major [n, numClasses] logits (numerically stable, float64). */
export function softmaxRows(logits: ArrayLike<number>, numClasses: number): Float64Array {
  const n = rowCount(logits, numClasses);
  const out = new Float64Array(n * numClasses);
  for (let i = 0; i < n; i++) softmaxRow(logits, i * numClasses, numClasses, out);
  return out;
}

/** Index of the largest value of each row (the first on ties; a row's first NaN wins, as in torch). */
export function argmaxRows(logits: ArrayLike<number>, numClasses: number): Int32Array {
  const n = rowCount(logits, numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestValue = logits[i * numClasses]!;
    if (!Number.isNaN(bestValue)) {
      for (let j = 1; j < numClasses; j++) {
        const z = logits[i * numClasses + j]!;
        if (Number.isNaN(z)) {
          best = j;
          break;
        }
        if (z > bestValue) {
          best = j;
          bestValue = z;
        }
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Per-row cross-entropy −log softmax(z)_y computed from the logits (log-sum-exp, exact for large
 * margins); rows with non-finite logits fall back to −log max(p_y, 1e−30) of {@link softmaxRows}'s rule.
 */
export function crossEntropyRows(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): Float64Array {
  const n = rowCount(logits, numClasses);
  if (labels.length !== n) throw new RangeError(`labels: ${labels.length} for ${n} rows`);
  const out = new Float64Array(n);
  const row = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const offset = i * numClasses;
    const y = labels[i]!;
    if (!(y >= 0 && y < numClasses))
      throw new RangeError(`label ${y} of row ${i} is not a class in [0, ${numClasses})`);
    let max = -Infinity;
    let finite = true;
    for (let j = 0; j < numClasses; j++) {
      const z = logits[offset + j]!;
      if (!Number.isFinite(z)) finite = false;
      else if (z > max) max = z;
    }
    if (finite) {
      let sum = 0;
      for (let j = 0; j < numClasses; j++) sum += Math.exp(logits[offset + j]! - max);
      out[i] = max + Math.log(sum) - logits[offset + y]!;
    } else {
      softmaxRow(Array.prototype.slice.call(logits, offset, offset + numClasses) as number[], 0, numClasses, row);
      out[i] = -Math.log(Math.max(row[y]!, 1e-30));
    }
  }
  return out;
}
