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
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => easyProbability[a]! - easyProbability[b]! || a - b,
  );
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
 * unseen samples than Mo does (docs/tmu.md, session 13: its holdout error on the class was 1.9 pp above
 * Mo's on average at f_c = 0.2). The twin cannot see this, as its own gold model is Mo, so the rate of
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
 * The per-class hard rates moved by how much harder the predictor finds this forget set than the twin's
 * samples of the same class (session 18): rate_c + mean_{Df_c}(1 − P(easy)) − mean_{Dt_c}(1 − P(easy)),
 * clamped to [0, 1]. The twin's rate is Mo's error over all of the class's holdout samples; Df is one
 * draw of a few hundred samples, whose gold error moves by about two points from draw to draw. The
 * predictor's probabilities are not calibrated across the transfer (their mean over Df alone misses the
 * gold model's error by 4-5 points), but their difference from the twin's own, for one class under one
 * Mo, tracks the draw: on the validation instances it cut the spread of the share's error from 2.8 to 2.2
 * points (docs/tmu.md, session 18). Classes Df does not hold, those the twin has no sample of, and
 * bypassed samples (classes forgotten whole) leave the rates as they are.
 *
 * @param hardRateByClass - the hard rate per class (NaN where the twin has none)
 * @param forget - P(easy) and labels of Df, with its bypassed samples flagged
 * @param twin - P(easy) of the same predictor on the twin samples Dt, with their labels
 */
export function massShiftedRates(
  hardRateByClass: readonly number[],
  forget: { easyProbability: Float32Array; labels: Int32Array; bypassed: Uint8Array },
  twin: { easyProbability: Float32Array; labels: Int32Array },
): number[] {
  const hardMass = (easy: Float32Array, labels: Int32Array, skip?: Uint8Array): { sum: number[]; count: number[] } => {
    if (easy.length !== labels.length || (skip && skip.length !== labels.length))
      throw new RangeError(`massShiftedRates: ${easy.length} probabilities for ${labels.length} labels`);
    const sum = new Array<number>(hardRateByClass.length).fill(0);
    const count = new Array<number>(hardRateByClass.length).fill(0);
    labels.forEach((label, i) => {
      if (skip?.[i]) return;
      const p = easy[i]!;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`massShiftedRates: P(easy) of sample ${i} is ${p}, not in [0, 1]`);
      if (label < 0 || label >= hardRateByClass.length)
        throw new RangeError(`massShiftedRates: label ${label} of sample ${i} has no rate`);
      sum[label]! += 1 - p;
      count[label]!++;
    });
    return { sum, count };
  };
  const ofForget = hardMass(forget.easyProbability, forget.labels, forget.bypassed);
  const ofTwin = hardMass(twin.easyProbability, twin.labels);
  return hardRateByClass.map((rate, c) => {
    if (Number.isNaN(rate) || ofForget.count[c] === 0 || ofTwin.count[c] === 0) return rate;
    const shift = ofForget.sum[c]! / ofForget.count[c]! - ofTwin.sum[c]! / ofTwin.count[c]!;
    return Math.min(1, Math.max(0, rate + shift));
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
 * and they do not enter the hard side's mean. With `power` p the confidence is raised to p before the
 * rescaling: above 1 the weight moves further from the samples near the threshold.
 */
export function confidenceWeights(
  easyProbability: Float32Array,
  predictedHard: Uint8Array,
  bypassed: Uint8Array,
  power = 1,
): Float32Array {
  const n = easyProbability.length;
  if (predictedHard.length !== n || bypassed.length !== n)
    throw new RangeError(
      `confidenceWeights: ${n} probabilities, ${predictedHard.length} split flags and ${bypassed.length} bypass flags`,
    );
  if (!(power > 0) || !Number.isFinite(power))
    throw new RangeError(`confidenceWeights: power must be finite and positive, got ${power}`);
  const confidence = Float32Array.from(easyProbability, (p, i) => (predictedHard[i] ? 1 - p : p) ** power);
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
