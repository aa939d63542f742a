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
