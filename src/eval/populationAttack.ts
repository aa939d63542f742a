/**
 * The population attack of Ye et al. ("Enhanced membership inference attacks against machine learning
 * models", CCS 2022, attack P): a sample is called a member when the model's loss on it is below a
 * threshold calibrated on population data (non-members) so that the attack's false-positive rate is at
 * most α. Here the population is the test set T and the attacked set is Df: the success rate is the
 * percentage of Df flagged member, which unlearning should bring down to what the gold model shows.
 *
 * The population is class-matched: each Df sample is compared with the test samples of its own class,
 * with a threshold calibrated on those. Against the whole test set a forget set drawn from a hard class
 * would look "less member than average" even to the gold model, which never saw it (its AUC would sit far
 * below 0.5); against its own class, a sample the model never trained on is indistinguishable from the
 * population, and the gold model's AUC is 0.5 up to sampling noise. Every rate is the Df-weighted mean
 * over Df's classes; a class without test samples is compared with the whole test set.
 *
 * Threshold at α, for m population losses sorted ascending l(1) ≤ … ≤ l(m): τ = l(⌊αm⌋ + 1) (and +∞
 * when ⌊αm⌋ = m); a sample is flagged when its loss is strictly below τ, so at most ⌊αm⌋ population
 * samples are flagged (empirical FPR ≤ α, also with ties).
 *
 * @module
 */

import { auroc } from '../train/metrics.js';
import type { SetOutputs } from './outputs.js';
import { crossEntropyRows } from './probabilities.js';
import { ROC_FPR_GRID } from './rocGrid.js';

/** The population attack's outcome. */
export interface PopulationAttackResult {
  /** α: the false-positive budget of {@link successRate}. */
  alpha: number;
  /** The loss threshold at α of each class of the target (its own class's test samples calibrate it). */
  thresholdByClass: Record<string, number>;
  /** Percentage of the target set flagged member at α. */
  successRate: number;
  /** Percentage of the population flagged member at α, weighted as the target's classes are (≤ 100·α). */
  falsePositiveRate: number;
  /** Area under the ROC curve of the loss score, target vs population of the same class (0.5: indistinguishable). */
  auc: number;
  /** True-positive rate (fraction of the target flagged) at each false-positive budget of {@link ROC_FPR_GRID}. */
  rocTpr: number[];
}

/** Loss threshold at false-positive budget `alpha` from ascending population losses (see module docs). */
export function lossThreshold(sortedPopulationLosses: Float64Array, alpha: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const m = sortedPopulationLosses.length;
  const k = Math.floor(alpha * m + 1e-9);
  return k >= m ? Infinity : sortedPopulationLosses[k]!;
}

/** Fraction of `losses` strictly below `threshold`. */
function flaggedShare(losses: Float64Array, threshold: number): number {
  let flagged = 0;
  for (const loss of losses) if (loss < threshold) flagged++;
  return flagged / losses.length;
}

/** The losses of the rows of each class, by label. */
function lossesByClass(outputs: SetOutputs): Map<number, Float64Array> {
  const losses = crossEntropyRows(outputs.logits, outputs.labels, outputs.numClasses);
  const rows = new Map<number, number[]>();
  outputs.labels.forEach((label, i) => {
    const list = rows.get(label) ?? [];
    list.push(losses[i]!);
    rows.set(label, list);
  });
  return new Map([...rows].map(([label, list]) => [label, Float64Array.from(list)]));
}

/**
 * Runs the class-matched population attack: the losses of `population` (non-members, T) of each class
 * calibrate that class's threshold; the `target` (Df) is attacked class by class.
 *
 * @param alpha - false-positive budget of the reported success rate (default 0.05)
 * @throws RangeError for an empty population or target
 */
export function populationAttack(population: SetOutputs, target: SetOutputs, alpha = 0.05): PopulationAttackResult {
  if (population.labels.length === 0 || target.labels.length === 0) {
    throw new RangeError(
      `populationAttack: needs population and target samples (got ${population.labels.length}, ${target.labels.length})`,
    );
  }
  const populationByClass = lossesByClass(population);
  const everyone = Float64Array.from(
    crossEntropyRows(population.logits, population.labels, population.numClasses),
  ).sort();
  const targetByClass = lossesByClass(target);
  const n = target.labels.length;
  let success = 0;
  let falsePositive = 0;
  let auc = 0;
  const rocTpr = ROC_FPR_GRID.map(() => 0);
  const thresholdByClass: Record<string, number> = {};
  for (const [label, targetLosses] of [...targetByClass].sort((a, b) => a[0] - b[0])) {
    const weight = targetLosses.length / n;
    const own = populationByClass.get(label);
    const sorted = own ? Float64Array.from(own).sort() : everyone;
    const threshold = lossThreshold(sorted, alpha);
    thresholdByClass[String(label)] = threshold;
    success += weight * flaggedShare(targetLosses, threshold);
    falsePositive += weight * flaggedShare(sorted, threshold);
    const scores = [...Array.from(targetLosses, (l) => -l), ...Array.from(sorted, (l) => -l)];
    const truth = [...new Array<number>(targetLosses.length).fill(1), ...new Array<number>(sorted.length).fill(0)];
    auc += weight * auroc(scores, truth);
    ROC_FPR_GRID.forEach((fpr, g) => {
      rocTpr[g]! += weight * flaggedShare(targetLosses, lossThreshold(sorted, fpr));
    });
  }
  return {
    alpha,
    thresholdByClass,
    successRate: 100 * success,
    falsePositiveRate: 100 * falsePositive,
    auc,
    rocTpr,
  };
}
