/**
 * The standing acceptance rule for a new TMU default (fixed in session 10, before any run judged by it;
 * docs/tmu.md, "The validation protocol"). It replaces the per-candidate rules of sessions 6-8.
 *
 * The unit is an *instance*: one scenario at one seed, that is one Mo, one Df and one gold model. Both arms
 * run on every instance with the same update seeds, and the instance's difference is variant - base
 * averaged over those update seeds, so the update's own noise is averaged out before instances are
 * compared, and instances (not update draws, which share a Mo) are what the standard error counts.
 *
 * A variant is adopted when
 * - on the *target* scenarios (the confusable classes the reported protocol fails on, at another
 *   fraction and on held-out seeds): the mean agreement difference is positive, the mean Avg.Gap
 *   difference negative, and at least one of the two is at least two standard errors from zero;
 * - on the *guard* scenarios (the earlier validation scenarios): neither mean is worse by more than two
 *   standard errors.
 *
 * @module
 */

import { mean, sampleStd } from '../../src/eval/statistics.js';
import type { PairedRun } from './pairedRule.js';

/** One instance's difference, variant - base, averaged over its update seeds. */
export interface InstanceDifference {
  scenario: string;
  seed: number;
  updateSeeds: number;
  agreement: number;
  avgGap: number;
}

/** A mean difference over instances with its standard error (s / √n; null with one instance). */
export interface MeanDifference {
  mean: number;
  standardError: number | null;
}

/** The differences over one group of scenarios. */
export interface GroupDifference {
  scenarios: string[];
  instances: number;
  agreement: MeanDifference;
  avgGap: MeanDifference;
}

/** The standing rule's verdict. */
export interface StandingVerdict {
  target: GroupDifference;
  guard: GroupDifference | null;
  /** Target: agreement up and Avg.Gap down on the means, one of them by at least two standard errors. */
  improvesTarget: boolean;
  /** Guard: neither mean worse by more than two standard errors (true when there is no guard). */
  harmlessOnGuard: boolean;
  adopt: boolean;
}

/** Groups paired runs by instance (scenario, seed) and averages variant - base over each one's update seeds. */
export function instanceDifferences(runs: readonly PairedRun[]): InstanceDifference[] {
  const groups = new Map<string, PairedRun[]>();
  for (const run of runs) {
    const key = `${run.scenario}\u0000${run.seed}`;
    const group = groups.get(key) ?? [];
    if (group.some((other) => other.updateSeed === run.updateSeed)) {
      throw new Error(`instanceDifferences: ${run.scenario} seed ${run.seed} has update seed ${run.updateSeed ?? 'request'} twice`);
    }
    group.push(run);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({
    scenario: group[0]!.scenario,
    seed: group[0]!.seed,
    updateSeeds: group.length,
    agreement: mean(group.map((run) => run.variant.agreement - run.base.agreement)),
    avgGap: mean(group.map((run) => run.variant.avgGap - run.base.avgGap)),
  }));
}

function meanDifference(values: number[]): MeanDifference {
  return { mean: mean(values), standardError: values.length > 1 ? sampleStd(values) / Math.sqrt(values.length) : null };
}

function group(scenarios: string[], differences: InstanceDifference[]): GroupDifference {
  return {
    scenarios, instances: differences.length,
    agreement: meanDifference(differences.map((d) => d.agreement)),
    avgGap: meanDifference(differences.map((d) => d.avgGap)),
  };
}

/**
 * Judges `runs` by the standing rule: scenarios in `targetScenarios` are the target, every other scenario
 * a guard.
 *
 * @throws RangeError when the target has fewer than two instances (no standard error to judge by)
 */
export function judgeStanding(runs: readonly PairedRun[], targetScenarios: readonly string[]): StandingVerdict {
  const differences = instanceDifferences(runs);
  const isTarget = (d: InstanceDifference): boolean => targetScenarios.includes(d.scenario);
  const targetDifferences = differences.filter(isTarget);
  const guardDifferences = differences.filter((d) => !isTarget(d));
  if (targetDifferences.length < 2) throw new RangeError(`judgeStanding: the target scenarios (${targetScenarios.join(', ')}) need at least two instances, got ${targetDifferences.length}`);
  const scenariosOf = (list: InstanceDifference[]): string[] => [...new Set(list.map((d) => d.scenario))];
  const target = group(scenariosOf(targetDifferences), targetDifferences);
  const guard = guardDifferences.length > 0 ? group(scenariosOf(guardDifferences), guardDifferences) : null;
  const twoErrors = (difference: MeanDifference): number => 2 * (difference.standardError ?? 0);
  const improvesTarget = target.agreement.mean > 0 && target.avgGap.mean < 0
    && (target.agreement.mean >= twoErrors(target.agreement) || -target.avgGap.mean >= twoErrors(target.avgGap));
  const harmlessOnGuard = guard === null || (guard.agreement.mean >= -twoErrors(guard.agreement) && guard.avgGap.mean <= twoErrors(guard.avgGap));
  return { target, guard, improvesTarget, harmlessOnGuard, adopt: improvesTarget && harmlessOnGuard };
}
