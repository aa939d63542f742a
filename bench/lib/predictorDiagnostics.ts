/**
 * The figures bench/tmuPredictor.ts reports about TMU's generalisation-label predictor against a gold
 * model, as functions of plain arrays so that each is tested on its own: how many of the gold model's
 * errors sit at given ranks of the predictor's ordering, the agreement an exact implementation of a split
 * would reach, the predictor's probability mass, the learning curve's extrapolation, and the per-sample
 * dump (`--dump`).
 *
 * @module
 */
import { round } from './common.js';

/**
 * The gold model's errors among the ranks [from, to) of the samples ordered hardest first, as
 * `splitEasyHard` orders them (lowest P(easy) first, ties by index); ranks outside the samples are cut.
 */
export function errorsInRanks(
  easyProbability: Float32Array,
  goldWrong: Uint8Array,
  from: number,
  to: number,
): { wrong: number; samples: number } {
  if (easyProbability.length !== goldWrong.length)
    throw new RangeError(`errorsInRanks: ${easyProbability.length} probabilities for ${goldWrong.length} gold flags`);
  const n = easyProbability.length;
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => easyProbability[a]! - easyProbability[b]! || a - b)
    .slice(Math.max(0, from), Math.min(n, Math.max(0, to)));
  return { wrong: order.reduce((sum, i) => sum + goldWrong[i]!, 0), samples: order.length };
}

/**
 * % of the samples on which an exact implementation of a split predicts what the gold model predicts:
 * a predicted-easy sample keeps its label, a predicted-hard one takes Mo's runner-up class.
 */
export function exactSplitAgreement(
  hard: Uint8Array,
  labels: Int32Array,
  runnerUp: Int32Array,
  goldPrediction: Int32Array,
): number {
  const n = hard.length;
  if (labels.length !== n || runnerUp.length !== n || goldPrediction.length !== n)
    throw new RangeError(
      `exactSplitAgreement: ${n} split flags, ${labels.length} labels, ${runnerUp.length} runner-ups, ${goldPrediction.length} gold predictions`,
    );
  if (n === 0) return Number.NaN;
  let same = 0;
  for (let i = 0; i < n; i++) if ((hard[i] ? runnerUp[i] : labels[i]) === goldPrediction[i]) same++;
  return (100 * same) / n;
}

/** The predictor's own estimate of the share it expects wrong, in %: the mean of 1 − P(easy) over `rows` (all samples when absent); NaN over none. */
export function hardMassPct(easyProbability: Float32Array, rows?: readonly number[]): number {
  const chosen = rows ?? Array.from({ length: easyProbability.length }, (_, i) => i);
  if (chosen.length === 0) return Number.NaN;
  return (
    (100 *
      chosen.reduce((sum, i) => {
        const p = easyProbability[i];
        if (p === undefined || !(p >= 0 && p <= 1))
          throw new RangeError(`hardMassPct: row ${i} has P(easy) ${p}, not in [0, 1]`);
        return sum + (1 - p);
      }, 0)) /
    chosen.length
  );
}

/**
 * The gold model's extra error on a class, in points, extrapolated linearly from the twin: Mt saw
 * `addedShare` (|Dt_c| / |D_c|) more of the class than Mo and erred `gain` less on unseen samples, so
 * losing `forgottenShare` of it costs gain × forgottenShare / addedShare. Errors are fractions; the
 * result is in %.
 */
export function extrapolatedShiftPct(
  moWrong: number,
  mtWrong: number,
  addedShare: number,
  forgottenShare: number,
): number {
  if (!(addedShare > 0))
    throw new RangeError(
      `extrapolatedShiftPct: the twin added ${addedShare} of the class, nothing to extrapolate from`,
    );
  return (100 * (moWrong - mtWrong) * forgottenShare) / addedShare;
}

/** The predictor's per-sample view that `tmuPredictor --dump FILE` writes, for analyses outside the bench. */
export interface PredictorDump {
  /** Df: the predictor's P(easy), the gold model's prediction, the label and Mo's runner-up class, per sample. */
  forget: { easy: number[]; goldPrediction: number[]; labels: number[]; runnerUp: number[] };
  /** Dt: P(easy), whether Mo (the twin's gold model) is right, the label, per sample. */
  twin: { easy: number[]; moRight: number[]; labels: number[] };
  /** Mo's error on the holdout per class (null where it has none). */
  hardRateByClass: (number | null)[];
  membersByClass: number[];
}

/**
 * Assembles the dump with probabilities and rates rounded to 5 significant digits; refuses columns of different
 * lengths, which would pair one sample's probability with another's labels.
 */
export function predictorDump(
  forget: {
    easy: Float32Array;
    goldPrediction: ArrayLike<number>;
    labels: ArrayLike<number>;
    runnerUp: ArrayLike<number>;
  },
  twin: { easy: Float32Array; moRight: ArrayLike<number>; labels: ArrayLike<number> },
  hardRateByClass: readonly number[],
  membersByClass: readonly number[],
): PredictorDump {
  const n = forget.easy.length;
  if (forget.goldPrediction.length !== n || forget.labels.length !== n || forget.runnerUp.length !== n) {
    throw new RangeError(
      `predictorDump: Df has ${n} probabilities, ${forget.goldPrediction.length} gold predictions, ${forget.labels.length} labels, ${forget.runnerUp.length} runner-ups`,
    );
  }
  const m = twin.easy.length;
  if (twin.moRight.length !== m || twin.labels.length !== m)
    throw new RangeError(
      `predictorDump: the twin has ${m} probabilities, ${twin.moRight.length} correctness flags, ${twin.labels.length} labels`,
    );
  if (hardRateByClass.length !== membersByClass.length)
    throw new RangeError(`predictorDump: ${hardRateByClass.length} class rates for ${membersByClass.length} classes`);
  const round5 = (value: number): number => round(value, 5);
  return {
    forget: {
      easy: Array.from(forget.easy, round5),
      goldPrediction: Array.from(forget.goldPrediction),
      labels: Array.from(forget.labels),
      runnerUp: Array.from(forget.runnerUp),
    },
    twin: { easy: Array.from(twin.easy, round5), moRight: Array.from(twin.moRight), labels: Array.from(twin.labels) },
    hardRateByClass: hardRateByClass.map((rate) => (Number.isNaN(rate) ? null : round5(rate))),
    membersByClass: [...membersByClass],
  };
}
