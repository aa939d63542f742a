/**
 * Small helpers of the eval tests.
 *
 * @module
 */

import assert from 'node:assert/strict';

import type { SetOutputs } from '../../src/eval/outputs.js';

/** Asserts |actual − expected| ≤ tolerance. */
export function close(actual: number, expected: number, tolerance = 1e-9, what = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what ? `${what}: ` : ''}${actual} vs ${expected} (±${tolerance})`,
  );
}

/** Outputs from explicit logit rows and labels. */
export function outputsOf(rows: number[][], labels: number[], ids?: string[]): SetOutputs {
  const k = rows[0]?.length ?? 2;
  return {
    labels: Int32Array.from(labels),
    logits: Float32Array.from(rows.flat()),
    numClasses: k,
    ...(ids ? { ids } : {}),
  };
}
