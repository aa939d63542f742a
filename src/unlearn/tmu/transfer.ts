import { createHash } from 'node:crypto';
import { argmaxRow, type ModelOutputs, runnerUpRow } from './outputs.js';
import { type TwinProblem, twinHardRate } from './twin.js';

/**
 * Marks the `count` samples of lowest P(easy) (ties by position): the ones the predictor ranks hardest.
 * The predictor is better at ranking than at calibrated probabilities, so the split takes a count (from
 * the twin's hard rate) rather than a probability cut-off.
 */
export function lowestProbabilities(easyProbability: Float32Array, count: number): Uint8Array {
  const n = easyProbability.length;
  const marked = new Uint8Array(n);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => easyProbability[a]! - easyProbability[b]! || a - b,
  );
  for (let i = 0; i < Math.min(n, Math.max(0, count)); i++) marked[order[i]!] = 1;
  return marked;
}

/**
 * The hard share to expect on Df: the twin's hard rate of each sample's class, averaged over the scored
 * samples (those not `bypassed`), so a forget set drawn from a confusable class gets that class's rate. A
 * class the twin has no samples of (NaN) counts at the twin's overall rate.
 */
export function expectedHardRate(
  hardRateByClass: readonly number[],
  overallRate: number,
  labels: Int32Array,
  bypassed: Uint8Array,
): number {
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
 * The twin's per-class hard rates shifted for the gold model's smaller class: a gold model retrained
 * without a share f_c of class c's members has seen fewer samples of c than Mo, and errs more on c's
 * unseen samples than Mo does. The twin cannot see this, as its own gold model is Mo, so the rate of
 * class c becomes min(1, rate_c + slope * f_c). Classes without a rate (NaN) stay without one.
 *
 * @param hardRateByClass - the twin's hard rate per class (Mo's error on the class's holdout samples)
 * @param forgottenShareByClass - per class, |Df_c| / |D_c| (0 for a class Df does not touch)
 * @param slope - rise of the hard rate per unit share of the class forgotten; 0 leaves the rates as they are
 */
export function goldShiftedRates(
  hardRateByClass: readonly number[],
  forgottenShareByClass: readonly number[],
  slope: number,
): number[] {
  if (!(slope >= 0) || !Number.isFinite(slope))
    throw new RangeError(`goldShiftedRates: slope must be finite and non-negative, got ${slope}`);
  return hardRateByClass.map((rate, c) => {
    const share = forgottenShareByClass[c] ?? 0;
    if (!(share >= 0 && share <= 1))
      throw new RangeError(`goldShiftedRates: forgotten share of class ${c} is ${share}, not in [0, 1]`);
    return Number.isNaN(rate) ? rate : Math.min(1, rate + slope * share);
  });
}

/**
 * Per class, the share of its members the forget set holds, |Df_c| / |D_c|.
 *
 * @param forgetLabels - labels of Df
 * @param memberLabels - labels of the members D (which include Df)
 * @throws RangeError when a class has more forget samples than members
 */
export function forgottenShares(forgetLabels: Int32Array, memberLabels: Int32Array, numClasses: number): number[] {
  const forgotten = new Array<number>(numClasses).fill(0);
  const members = new Array<number>(numClasses).fill(0);
  for (const label of forgetLabels) forgotten[label]!++;
  for (const label of memberLabels) members[label]!++;
  return forgotten.map((count, c) => {
    if (count > members[c]!)
      throw new RangeError(`forgottenShares: class ${c} has ${count} forget samples but ${members[c]} members`);
    return count > 0 ? count / members[c]! : 0;
  });
}

/**
 * Per-sample weights of the aligned update's forget loss from the predictor's confidence in the side
 * each sample was put on: P(easy) for a predicted-easy sample, 1 − P(easy) for a predicted-hard one,
 * each side rescaled to mean 1 so that the side's total pull is unchanged and only its distribution over
 * samples moves: a sample the predictor is sure of is pushed harder than one near the threshold, where a
 * wrong split costs agreement. Bypassed samples (classes forgotten entirely, hard by definition) weigh 1,
 * and they do not enter the hard side's mean.
 */
export function confidenceWeights(
  easyProbability: Float32Array,
  predictedHard: Uint8Array,
  bypassed: Uint8Array,
): Float32Array {
  const n = easyProbability.length;
  if (predictedHard.length !== n || bypassed.length !== n)
    throw new RangeError(
      `confidenceWeights: ${n} probabilities, ${predictedHard.length} split flags and ${bypassed.length} bypass flags`,
    );
  const confidence = Float32Array.from(easyProbability, (p, i) => (predictedHard[i] ? 1 - p : p));
  const sums = [0, 0];
  const counts = [0, 0];
  for (let i = 0; i < n; i++) {
    if (bypassed[i]) continue;
    const p = easyProbability[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`confidenceWeights: P(easy) of sample ${i} is ${p}, not in [0, 1]`);
    sums[predictedHard[i]!]! += confidence[i];
    counts[predictedHard[i]!]!++;
  }
  // A side whose every sample sits exactly on the wrong end (mean confidence 0) has nothing to
  // redistribute: it keeps uniform weights rather than dividing by zero.
  const mean = sums.map((sum, side) => (sum > 0 ? sum / counts[side]! : 0));
  return Float32Array.from(confidence, (c, i) =>
    bypassed[i] || mean[predictedHard[i]!] === 0 ? 1 : c / mean[predictedHard[i]!]!,
  );
}

/** The easy/hard split of the forget set (step 4) and what the update does with each sample. */
export interface ForgetSplit {
  ids: readonly string[];
  labels: Int32Array;
  /** P(easy) from the predictor, per sample. */
  easyProbability: Float32Array;
  /** 1 where the sample is predicted hard (the gold model would get it wrong): `kept` wrong or `flipped`. */
  predictedHard: Uint8Array;
  /** 1 for samples of classes forgotten entirely: hard without asking the predictor. */
  bypassed: Uint8Array;
  /** The hard share the split aimed at. */
  hardRate: number;
  /** Predicted easy: Mo classifies them correctly, and the update keeps them so. */
  easyIds: string[];
  /** Predicted hard and already misclassified by Mo: the update leaves them as Mo has them. */
  keptWrongIds: string[];
  /** Predicted hard and classified correctly by Mo: each is fitted to this wrong class. */
  hardLabels: Map<string, number>;
}

/** How {@link transfer} splits and relabels. */
export interface TransferOptions {
  /** `rate`: the hard share follows the twin's hard rates; a number: a P(easy) threshold. */
  threshold: 'rate' | number;
  hardRateSlope: number;
  hardLabel: 'runner-up' | 'random';
  /** Seed of the random wrong labels. */
  seed: number;
}

/**
 * Step 4: applies the predictor's P(easy) to Df. With the `rate` threshold, the hard share is the twin's
 * hard rate of each sample's class (raised by `hardRateSlope` for the share of the class forgotten); with
 * a probability threshold, it is the share of samples below it. Classes forgotten entirely are all hard.
 *
 * The update only forgets, it never teaches: the samples Mo already misclassifies count towards the
 * hard share and stay as they are, and only the rest of it is made up of the samples Mo classifies
 * correctly with the lowest P(easy), each fitted to a wrong label: Mo's runner-up class (what a model that
 * never saw it most often predicts) or a random wrong class (the reference). When Mo already errs on at
 * least the hard share (an under-fit model), nothing is flipped.
 *
 * @param onForget - Mo's outputs on Df
 * @param memberLabels - labels of the members D (which include Df)
 */
export function transfer(
  onForget: ModelOutputs,
  easyProbability: Float32Array,
  twin: Pick<TwinProblem, 'generalisation' | 'hardRateByClass'>,
  memberLabels: Int32Array,
  options: TransferOptions,
): ForgetSplit {
  const { ids, labels, numClasses } = onForget;
  const shares = forgottenShares(labels, memberLabels, numClasses);
  const whole = new Set(shares.flatMap((share, label) => (share === 1 ? [label] : [])));
  const bypassed = Uint8Array.from(labels, (label) => (whole.has(label) ? 1 : 0));
  const moRight = Uint8Array.from(labels, (label, i) => (argmaxRow(onForget.logits, numClasses, i) === label ? 1 : 0));
  const rates =
    options.hardRateSlope > 0
      ? goldShiftedRates(twin.hardRateByClass, shares, options.hardRateSlope)
      : twin.hardRateByClass;
  const hardRate = expectedHardRate(rates, twinHardRate(twin.generalisation), labels, bypassed);
  const scored = ids.map((_, i) => i).filter((i) => !bypassed[i]);
  const hardCount =
    options.threshold === 'rate'
      ? Math.round(hardRate * scored.length)
      : scored.filter((i) => easyProbability[i]! < (options.threshold as number)).length;
  const alreadyWrong = scored.filter((i) => !moRight[i]).length;
  const candidates = scored.filter((i) => moRight[i]);
  const flips = lowestProbabilities(
    Float32Array.from(candidates, (i) => easyProbability[i]!),
    hardCount - alreadyWrong,
  );
  const flipped = new Uint8Array(ids.length);
  candidates.forEach((i, k) => {
    flipped[i] = flips[k]!;
  });
  // A class forgotten entirely is hard throughout.
  for (let i = 0; i < ids.length; i++) if (bypassed[i] && moRight[i]) flipped[i] = 1;
  const predictedHard = Uint8Array.from(flipped, (flip, i) => (flip || !moRight[i] ? 1 : 0));
  const easyIds: string[] = [];
  const keptWrongIds: string[] = [];
  const hardLabels = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!moRight[i]) keptWrongIds.push(id);
    else if (!flipped[i]) easyIds.push(id);
    else
      hardLabels.set(
        id,
        options.hardLabel === 'random'
          ? randomWrongLabel(`${options.seed}/${id}`, labels[i]!, numClasses)
          : runnerUpRow(onForget.logits, numClasses, i, labels[i]!),
      );
  });
  return { ids, labels, easyProbability, predictedHard, bypassed, hardRate, easyIds, keptWrongIds, hardLabels };
}

/** A wrong class drawn from a hash of `key` (uniform over the classes other than `label`). */
function randomWrongLabel(key: string, label: number, numClasses: number): number {
  const wrong = createHash('sha256').update(key).digest().readUInt32LE(0) % (numClasses - 1);
  return wrong >= label ? wrong + 1 : wrong;
}
