/** How predicted P(easy) becomes an easy/hard split of the forget set. */
export type ThresholdRule = { kind: 'rate'; hardRate: number } | { kind: 'probability'; threshold: number };

/**
 * Splits the forget set into predicted-easy and predicted-hard samples. With the `rate` rule the
 * `round(hardRate * n)` samples of lowest P(easy) are hard: the twin measured how many a gold model gets
 * wrong, and the predictor is better at ranking than at calibrated probabilities. With `probability`,
 * samples below the threshold are hard (the reference's 0.5).
 */
export function splitEasyHard(easyProbability: Float32Array, rule: ThresholdRule): Uint8Array {
  const n = easyProbability.length;
  const hard = new Uint8Array(n);
  if (rule.kind === 'probability') {
    for (let i = 0; i < n; i++) hard[i] = easyProbability[i]! < rule.threshold ? 1 : 0;
    return hard;
  }
  const count = Math.min(n, Math.max(0, Math.round(rule.hardRate * n)));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => easyProbability[a]! - easyProbability[b]! || a - b);
  for (let i = 0; i < count; i++) hard[order[i]!] = 1;
  return hard;
}

/** The twin's overall hard rate: the share of Dt that Mo (the twin's gold model) gets wrong. */
export function twinHardRate(generalisation: Uint8Array): number {
  if (generalisation.length === 0) return 0;
  return generalisation.reduce((wrong, g) => wrong + (g ? 0 : 1), 0) / generalisation.length;
}

/**
 * The hard share to expect on Df: the twin's hard rate of each sample's class, averaged over the scored
 * samples (those not `bypassed`), so a forget set drawn from a confusable class gets that class's rate. A
 * class the twin has no samples of (NaN) counts at the twin's overall rate.
 */
export function expectedHardRate(hardRateByClass: readonly number[], overallRate: number, labels: Int32Array, bypassed: Uint8Array): number {
  let expected = 0;
  let scored = 0;
  labels.forEach((label, i) => {
    if (bypassed[i]) return;
    const rate = hardRateByClass[label];
    expected += rate === undefined || Number.isNaN(rate) ? overallRate : rate;
    scored++;
  });
  return scored > 0 ? expected / scored : 0;
}

/**
 * Per-sample weights of the aligned update's forget loss from the predictor's confidence in the side
 * each sample was put on: P(easy) for a predicted-easy sample, 1 − P(easy) for a predicted-hard one,
 * each side rescaled to mean 1 so that the side's total pull is unchanged and only its distribution over
 * samples moves: a sample the predictor is sure of is pushed harder than one near the threshold, where a
 * wrong split costs agreement. Bypassed samples (classes forgotten entirely, hard by definition) weigh 1,
 * and they do not enter the hard side's mean.
 */
export function confidenceWeights(easyProbability: Float32Array, predictedHard: Uint8Array, bypassed: Uint8Array): Float32Array {
  const n = easyProbability.length;
  if (predictedHard.length !== n || bypassed.length !== n) throw new RangeError(`confidenceWeights: ${n} probabilities, ${predictedHard.length} split flags and ${bypassed.length} bypass flags`);
  const confidence = Float32Array.from(easyProbability, (p, i) => (predictedHard[i] ? 1 - p : p));
  const sums = [0, 0];
  const counts = [0, 0];
  for (let i = 0; i < n; i++) {
    if (bypassed[i]) continue;
    const p = easyProbability[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`confidenceWeights: P(easy) of sample ${i} is ${p}, not in [0, 1]`);
    sums[predictedHard[i]!]! += confidence[i]!;
    counts[predictedHard[i]!]!++;
  }
  // A side whose every sample sits exactly on the wrong end (mean confidence 0) has nothing to
  // redistribute: it keeps uniform weights rather than dividing by zero.
  const mean = sums.map((sum, side) => (sum > 0 ? sum / counts[side]! : 0));
  return Float32Array.from(confidence, (c, i) => (bypassed[i] || mean[predictedHard[i]!] === 0 ? 1 : c / mean[predictedHard[i]!]!));
}
