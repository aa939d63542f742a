/**
 * How a TMU variant is compared with the defaults on the validation scenarios: per (scenario, seed)
 * pairs of agreement and Avg.Gap, and the two acceptance rules the sessions have used (docs/tmu.md).
 *
 * @module
 */

import type { MethodReport } from '../../src/eval/report.js';

/**
 * One validation run of both arms: the same scenario and seed (the same Mo, Df and gold model) and the
 * same update seed (null: the request's seed, TMU's default).
 */
export interface PairedRun {
  scenario: string;
  seed: number;
  updateSeed: number | null;
  base: ArmRun;
  variant: ArmRun;
}

/** One arm's figures in one run; the predictor's AUROC against the gold model is null where not reported. */
export interface ArmRun {
  agreement: number;
  avgGap: number;
  predictorAuroc: number | null;
}

/** The comparison over all pairs. */
export interface PairedVerdict {
  runs: number;
  /** Pairs where the variant's agreement is at least the base's / its Avg.Gap lower than the base's. */
  agreementAtLeastAsHigh: number;
  avgGapLower: number;
  meanAgreement: { base: number; variant: number };
  meanAvgGap: { base: number; variant: number };
  /**
   * The predictor's AUROC on Df against the gold model's real correctness, over the pairs where both arms
   * report it (null when none do): pairs where the variant's is higher, and the means.
   */
  predictorAuroc: { runs: number; higher: number; mean: { base: number; variant: number } } | null;
  rules: {
    /** Session 6: agreement at least as high on >= 3/4 of the pairs, and a lower mean Avg.Gap. */
    paired: boolean;
    /** Session 7 (hardRepeat=twin): mean agreement within 0.1 pp below, mean Avg.Gap within 0.1 above. */
    nonInferior: boolean;
  };
}

/**
 * Pairs the per-seed values of one scenario's two reports of TMU, run on `seeds` (the reports' `seeds`,
 * in the order of their values) with the same update seed; seeds where either arm is missing are left out.
 */
export function pairRuns(
  scenario: string,
  seeds: readonly number[],
  base: MethodReport,
  variant: MethodReport,
  updateSeed: number | null = null,
): PairedRun[] {
  if (base.agreement.values.length !== seeds.length || variant.agreement.values.length !== seeds.length) {
    throw new Error(
      `pairRuns ${scenario}: ${seeds.length} seeds but ${base.agreement.values.length} base and ${variant.agreement.values.length} variant values`,
    );
  }
  const runs: PairedRun[] = [];
  seeds.forEach((seed, index) => {
    const agreement = base.agreement.values[index];
    const avgGap = base.avgGap.values[index];
    const otherAgreement = variant.agreement.values[index];
    const otherAvgGap = variant.avgGap.values[index];
    if (agreement == null || avgGap == null || otherAgreement == null || otherAvgGap == null) return;
    runs.push({
      scenario,
      seed,
      updateSeed,
      base: { agreement, avgGap, predictorAuroc: base.predictor?.auroc.values[index] ?? null },
      variant: {
        agreement: otherAgreement,
        avgGap: otherAvgGap,
        predictorAuroc: variant.predictor?.auroc.values[index] ?? null,
      },
    });
  });
  return runs;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The verdict over `runs` (which must not be empty). */
export function judge(runs: readonly PairedRun[]): PairedVerdict {
  if (runs.length === 0) throw new RangeError('judge: no paired runs');
  const agreementAtLeastAsHigh = runs.filter((run) => run.variant.agreement >= run.base.agreement).length;
  const avgGapLower = runs.filter((run) => run.variant.avgGap < run.base.avgGap).length;
  const meanAgreement = {
    base: mean(runs.map((run) => run.base.agreement)),
    variant: mean(runs.map((run) => run.variant.agreement)),
  };
  const meanAvgGap = {
    base: mean(runs.map((run) => run.base.avgGap)),
    variant: mean(runs.map((run) => run.variant.avgGap)),
  };
  const withAuroc = runs.filter((run) => run.base.predictorAuroc !== null && run.variant.predictorAuroc !== null);
  const predictorAuroc =
    withAuroc.length === 0
      ? null
      : {
          runs: withAuroc.length,
          higher: withAuroc.filter((run) => run.variant.predictorAuroc! > run.base.predictorAuroc!).length,
          mean: {
            base: mean(withAuroc.map((run) => run.base.predictorAuroc!)),
            variant: mean(withAuroc.map((run) => run.variant.predictorAuroc!)),
          },
        };
  return {
    runs: runs.length,
    agreementAtLeastAsHigh,
    avgGapLower,
    meanAgreement,
    meanAvgGap,
    predictorAuroc,
    rules: {
      paired: agreementAtLeastAsHigh >= 0.75 * runs.length && meanAvgGap.variant < meanAvgGap.base,
      nonInferior: meanAgreement.variant >= meanAgreement.base - 0.1 && meanAvgGap.variant <= meanAvgGap.base + 0.1,
    },
  };
}
