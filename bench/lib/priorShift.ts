/**
 * The gold model as Mo with its class priors shifted: a classifier trained with cross-entropy estimates
 * p(y | x) ∝ p(x | y) π_y, so retraining without a share f_c of class c's members multiplies π_c by
 * (1 − f_c), which adds log(1 − f_c) to class c's logit. Applied to Mo's temperature-calibrated logits on
 * the holdout (samples neither model saw), it estimates how much more often the gold model errs on each
 * class than Mo does: the holdout samples of c that Mo gets right by a margin smaller than −log(1 − f_c).
 * This is the label-shift view of the gold model's weakness on the class it lost samples of (docs/tmu.md,
 * session 21); it ignores what fewer samples do to the learned features. A diagnostic of
 * `tmuHardRate.ts`, not (yet) one of TMU's options.
 *
 * @module
 */

/** Mean negative log-likelihood of `labels` under softmax(logits / temperature) over the rows. */
export function meanNll(logits: Float32Array, k: number, labels: Int32Array, temperature: number): number {
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[i * k + j]! / temperature);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(logits[i * k + j]! / temperature - max);
    sum += max + Math.log(z) - logits[i * k + labels[i]!]! / temperature;
  }
  return sum / n;
}

/**
 * The temperature T that minimises the holdout's NLL of softmax(logits / T) (temperature scaling, Guo et
 * al. 2017): golden-section search on log T over [1/20, 20], where the NLL is unimodal.
 */
export function fitTemperature(logits: Float32Array, k: number, labels: Int32Array): number {
  if (labels.length === 0) throw new RangeError('fitTemperature: no samples');
  if (logits.length !== labels.length * k)
    throw new RangeError(`fitTemperature: ${logits.length} logits for ${labels.length} samples of ${k} classes`);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(1 / 20);
  let high = Math.log(20);
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let fa = meanNll(logits, k, labels, Math.exp(a));
  let fb = meanNll(logits, k, labels, Math.exp(b));
  for (let step = 0; step < 60; step++) {
    if (fa <= fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = meanNll(logits, k, labels, Math.exp(a));
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = meanNll(logits, k, labels, Math.exp(b));
    }
  }
  return Math.exp((low + high) / 2);
}

/**
 * Per class, the share of the rows of that class misclassified by argmax(logits / T + log(1 − f)) with
 * f[c] the share of class c's members forgotten, against the same share with no shift: the gold model's
 * estimated error and Mo's, for the classes that have rows.
 */
export function priorShiftedErrors(
  logits: Float32Array,
  k: number,
  labels: Int32Array,
  temperature: number,
  forgottenShare: ArrayLike<number>,
): { shifted: Float64Array; original: Float64Array; counts: Int32Array } {
  if (forgottenShare.length !== k)
    throw new RangeError(`priorShiftedErrors: ${forgottenShare.length} shares for ${k} classes`);
  const shift = Float64Array.from({ length: k }, (_, c) => {
    const f = forgottenShare[c]!;
    if (!(f >= 0 && f < 1))
      throw new RangeError(`priorShiftedErrors: the forgotten share of class ${c} must be in [0, 1), got ${f}`);
    return Math.log(1 - f);
  });
  const shiftedWrong = new Float64Array(k);
  const originalWrong = new Float64Array(k);
  const counts = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    let best = 0;
    let bestShifted = 0;
    for (let j = 1; j < k; j++) {
      if (logits[i * k + j]! > logits[i * k + best]!) best = j;
      if (
        logits[i * k + j]! / temperature + shift[j]! >
        logits[i * k + bestShifted]! / temperature + shift[bestShifted]!
      )
        bestShifted = j;
    }
    counts[y]!++;
    if (best !== y) originalWrong[y]!++;
    if (bestShifted !== y) shiftedWrong[y]!++;
  }
  const share = (wrong: Float64Array): Float64Array =>
    Float64Array.from(wrong, (w, c) => (counts[c]! > 0 ? w / counts[c]! : 0));
  return { shifted: share(shiftedWrong), original: share(originalWrong), counts };
}
