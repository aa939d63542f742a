/**
 * The standing acceptance rule for a new TMU default (fixed in session 10, before any run judged by it;
 * docs/tmu.md, "The validation protocol"). It replaces the per-candidate rules of sessions 6-8.
 *
 * The unit is an *instance*: one scenario at one seed, that is one Mo, one Df and one gold model. Both arms
 * run on every instance with the same update seeds, and the instance's difference is variant - base
 * averaged over those update seeds, so the update's own noise is averaged out before instances are
 * compared, and instances (not update draws, which share a Mo) are what the standard error counts.
 *
 * Since session 15, target instances that share a class and a seed (10% and 20% of class 2 at seed 3, say)
 * share Mo, its twin and everything TMU calibrates per class on it, so they count as one *unit*: their
 * differences are averaged first, and the target's standard error counts units. Guard instances are
 * units of their own.
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
  /** What the standard errors count: instances, or fewer where instances share a unit. */
  units: number;
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
      throw new Error(
        `instanceDifferences: ${run.scenario} seed ${run.seed} has update seed ${run.updateSeed ?? 'request'} twice`,
      );
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

/** Averages the instance differences that share a unit (`unitOf(scenario)` at one seed). */
export function unitDifferences(
  differences: readonly InstanceDifference[],
  unitOf: (scenario: string) => string,
): { agreement: number; avgGap: number }[] {
  const units = new Map<string, InstanceDifference[]>();
  for (const difference of differences) {
    const key = `${unitOf(difference.scenario)}\u0000${difference.seed}`;
    units.set(key, [...(units.get(key) ?? []), difference]);
  }
  return [...units.values()].map((members) => ({
    agreement: mean(members.map((d) => d.agreement)),
    avgGap: mean(members.map((d) => d.avgGap)),
  }));
}

function group(differences: InstanceDifference[], unitOf: (scenario: string) => string): GroupDifference {
  const units = unitDifferences(differences, unitOf);
  return {
    scenarios: [...new Set(differences.map((d) => d.scenario))],
    instances: differences.length,
    units: units.length,
    agreement: meanDifference(units.map((d) => d.agreement)),
    avgGap: meanDifference(units.map((d) => d.avgGap)),
  };
}

/**
 * Judges `runs` by the standing rule: scenarios in `targetScenarios` are the target, every other scenario
 * a guard. `targetUnit` names the unit of a target scenario: instances whose scenarios share it, at one
 * seed, are averaged into one unit (by default every scenario is its own unit).
 *
 * @throws RangeError when the target has fewer than two units (no standard error to judge by)
 */
export function judgeStanding(
  runs: readonly PairedRun[],
  targetScenarios: readonly string[],
  targetUnit: (scenario: string) => string = (scenario) => scenario,
): StandingVerdict {
  const differences = instanceDifferences(runs);
  const isTarget = (d: InstanceDifference): boolean => targetScenarios.includes(d.scenario);
  const targetDifferences = differences.filter(isTarget);
  const guardDifferences = differences.filter((d) => !isTarget(d));
  const target = group(targetDifferences, targetUnit);
  if (target.units < 2)
    throw new RangeError(
      `judgeStanding: the target scenarios (${targetScenarios.join(', ')}) need at least two units, got ${target.units}`,
    );
  const guard = guardDifferences.length > 0 ? group(guardDifferences, (scenario) => scenario) : null;
  const twoErrors = (difference: MeanDifference): number => 2 * (difference.standardError ?? 0);
  const improvesTarget =
    target.agreement.mean > 0 &&
    target.avgGap.mean < 0 &&
    (target.agreement.mean >= twoErrors(target.agreement) || -target.avgGap.mean >= twoErrors(target.avgGap));
  const harmlessOnGuard =
    guard === null ||
    (guard.agreement.mean >= -twoErrors(guard.agreement) && guard.avgGap.mean <= twoErrors(guard.avgGap));
  return { target, guard, improvesTarget, harmlessOnGuard, adopt: improvesTarget && harmlessOnGuard };
}
