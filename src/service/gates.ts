/**
 * The *evaluate* stage's gates: checks a candidate version must pass before it is piloted or promoted.
 * Pure functions over the measured metrics, so the thresholds are unit-tested without a model.
 *
 * @module
 */

import type { ServiceConfig } from './config.js';

/** What the evaluate stage measured on a candidate version. */
export interface CandidateMetrics {
  parentTestAcc: number;
  candidateTestAcc: number;
  testAccDrop: number;
  /** Accuracy on the ids this job newly forgets, before and after. */
  parentForgetAcc: number;
  candidateForgetAcc: number;
  /** Percentage of the forgotten ids (all of them, not only this job's) the membership attack calls non-member. */
  miaEfficacy: number;
  /** The attack's non-member rate on holdout samples of the same classes (never trained on). */
  miaReference: number;
  /** TMU's predicted-easy and predicted-hard counts (null for other methods). */
  easy: number | null;
  hard: number | null;
  /** Size of the cumulative forget set the version excludes, and how many of those are new. */
  forgetCount: number;
  newIds: number;
}

/** One gate's verdict. */
export interface GateResult {
  name: 'testAccDrop' | 'miaEfficacy' | 'easyHardSplit';
  value: number;
  threshold: number;
  passed: boolean;
  description: string;
}

/** Applies the configured gates. */
export function evaluateGates(
  metrics: CandidateMetrics,
  gates: ServiceConfig['gates'],
): { passed: boolean; gates: GateResult[] } {
  const results: GateResult[] = [
    {
      name: 'testAccDrop',
      value: round(metrics.testAccDrop),
      threshold: gates.maxTestAccDrop,
      passed: metrics.testAccDrop <= gates.maxTestAccDrop,
      description: `test accuracy may drop at most ${gates.maxTestAccDrop} pp from the parent version`,
    },
    metrics.forgetCount < gates.miaMinSamples
      ? {
          name: 'miaEfficacy',
          value: round(metrics.miaEfficacy),
          threshold: round(metrics.miaReference - gates.miaTolerance),
          passed: true,
          description: `skipped: ${metrics.forgetCount} forgotten ids are too few for a membership estimate (the gate needs ${gates.miaMinSamples})`,
        }
      : {
          name: 'miaEfficacy',
          value: round(metrics.miaEfficacy),
          threshold: round(metrics.miaReference - gates.miaTolerance),
          passed: metrics.miaEfficacy >= metrics.miaReference - gates.miaTolerance,
          description: `the membership attack must call at least as many forgotten ids non-member as holdout samples of their classes (${round(metrics.miaReference)}%), less ${gates.miaTolerance} pp`,
        },
  ];
  if (gates.requireEasyHardSplit && metrics.easy !== null && metrics.hard !== null) {
    const smaller = Math.min(metrics.easy, metrics.hard);
    results.push({
      name: 'easyHardSplit',
      value: smaller,
      threshold: 1,
      passed: smaller >= 1,
      description: 'TMU must split the forgotten ids into both predicted-easy and predicted-hard samples',
    });
  }
  return { passed: results.every((gate) => gate.passed), gates: results };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}
