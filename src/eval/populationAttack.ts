/**
 * The population attack of Ye et al. ("Enhanced membership inference attacks against machine learning
 * models", CCS 2022, attack P): a sample is called a member when the model's loss on it is below a
 * threshold calibrated on population data (non-members) so that the attack's false-positive rate is at
 * most α. Here the population is the test set T and the attacked set is Df: the success rate is the
 * percentage of Df flagged member, which unlearning should bring down to what the gold model shows.
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
  /** The loss threshold at α. */
  threshold: number;
  /** Percentage of the target set flagged member at α. */
  successRate: number;
  /** Percentage of the population flagged member at α (≤ 100·α). */
  falsePositiveRate: number;
  /** Area under the ROC curve of the loss score, target vs population (0.5: indistinguishable). */
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

/**
 * Runs the population attack: losses of `population` (non-members, T) calibrate the threshold; the
 * `target` (Df) is attacked.
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
  const populationLosses = crossEntropyRows(population.logits, population.labels, population.numClasses);
  const targetLosses = crossEntropyRows(target.logits, target.labels, target.numClasses);
  const sorted = Float64Array.from(populationLosses).sort();
  const threshold = lossThreshold(sorted, alpha);
  const scores = [...Array.from(targetLosses, (l) => -l), ...Array.from(populationLosses, (l) => -l)];
  const truth = [
    ...new Array<number>(targetLosses.length).fill(1),
    ...new Array<number>(populationLosses.length).fill(0),
  ];
  return {
    alpha,
    threshold,
    successRate: 100 * flaggedShare(targetLosses, threshold),
    falsePositiveRate: 100 * flaggedShare(populationLosses, threshold),
    auc: auroc(scores, truth),
    rocTpr: ROC_FPR_GRID.map((fpr) => flaggedShare(targetLosses, lossThreshold(sorted, fpr))),
  };
}
