/**
 * The figures bench/tmuPredictor.ts reports about TMU's generalisation-label predictor against a gold
 * model, as functions of plain arrays so that each is tested on its own: how many of the gold model's
 * errors sit at given ranks of the predictor's ordering, the agreement an exact implementation of a split
 * would reach, the predictor's probability mass, and the learning curve's extrapolation.
 *
 * @module
 */

/**
 * The gold model's errors among the ranks [from, to) of the samples ordered hardest first, as
 * `splitEasyHard` orders them (lowest P(easy) first, ties by index); ranks outside the samples are cut.
 */
export function errorsInRanks(easyProbability: Float32Array, goldWrong: Uint8Array, from: number, to: number): { wrong: number; samples: number } {
  if (easyProbability.length !== goldWrong.length) throw new RangeError(`errorsInRanks: ${easyProbability.length} probabilities for ${goldWrong.length} gold flags`);
  const n = easyProbability.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => easyProbability[a]! - easyProbability[b]! || a - b).slice(Math.max(0, from), Math.min(n, Math.max(0, to)));
  return { wrong: order.reduce((sum, i) => sum + goldWrong[i]!, 0), samples: order.length };
}

/**
 * % of the samples on which an exact implementation of a split predicts what the gold model predicts:
 * a predicted-easy sample keeps its label, a predicted-hard one takes Mo's runner-up class.
 */
export function exactSplitAgreement(hard: Uint8Array, labels: Int32Array, runnerUp: Int32Array, goldPrediction: Int32Array): number {
  const n = hard.length;
  if (labels.length !== n || runnerUp.length !== n || goldPrediction.length !== n) throw new RangeError(`exactSplitAgreement: ${n} split flags, ${labels.length} labels, ${runnerUp.length} runner-ups, ${goldPrediction.length} gold predictions`);
  if (n === 0) return Number.NaN;
  let same = 0;
  for (let i = 0; i < n; i++) if ((hard[i] ? runnerUp[i] : labels[i]) === goldPrediction[i]) same++;
  return (100 * same) / n;
}

/** The predictor's own estimate of the share it expects wrong, in %: the mean of 1 − P(easy) over `rows` (all samples when absent); NaN over none. */
export function hardMassPct(easyProbability: Float32Array, rows?: readonly number[]): number {
  const chosen = rows ?? Array.from({ length: easyProbability.length }, (_, i) => i);
  if (chosen.length === 0) return Number.NaN;
  return (100 * chosen.reduce((sum, i) => {
    const p = easyProbability[i];
    if (p === undefined || !(p >= 0 && p <= 1)) throw new RangeError(`hardMassPct: row ${i} has P(easy) ${p}, not in [0, 1]`);
    return sum + (1 - p);
  }, 0)) / chosen.length;
}

/**
 * The gold model's extra error on a class, in points, extrapolated linearly from the twin: Mt saw
 * `addedShare` (|Dt_c| / |D_c|) more of the class than Mo and erred `gain` less on unseen samples, so
 * losing `forgottenShare` of it costs gain × forgottenShare / addedShare. Errors are fractions; the
 * result is in %.
 */
export function extrapolatedShiftPct(moWrong: number, mtWrong: number, addedShare: number, forgottenShare: number): number {
  if (!(addedShare > 0)) throw new RangeError(`extrapolatedShiftPct: the twin added ${addedShare} of the class, nothing to extrapolate from`);
  return (100 * (moWrong - mtWrong) * forgottenShare) / addedShare;
}
