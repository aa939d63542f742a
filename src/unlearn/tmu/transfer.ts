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
