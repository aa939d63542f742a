import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  confidenceInterval95,
  mean,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  summarize,
} from '../../src/eval/statistics.js';
import { close } from './support.js';

test('studentTQuantile(0.975, df) matches the t-table: 12.706 (1), 4.303 (2), 2.776 (4), 2.262 (9), 2.045 (29), 1.960 (∞)', () => {
  const table: [number, number][] = [
    [1, 12.706204736],
    [2, 4.30265273],
    [4, 2.776445105],
    [9, 2.262157163],
    [29, 2.045229642],
    [1e7, 1.959964],
  ];
  for (const [df, expected] of table) close(studentTQuantile(0.975, df), expected, 1e-6, `df ${df}`);
});

test('studentTQuantile is symmetric, 0 at the median, inverts studentTCdf, and rejects p outside (0, 1) or df ≤ 0', () => {
  close(studentTQuantile(0.025, 5), -studentTQuantile(0.975, 5), 1e-12);
  assert.equal(studentTQuantile(0.5, 3), 0);
  close(studentTCdf(studentTQuantile(0.9, 7), 7), 0.9, 1e-12);
  assert.throws(() => studentTQuantile(1, 3), RangeError);
  assert.throws(() => studentTQuantile(0.5, 0), RangeError);
});

test('confidenceInterval95 of [1, 2, 3] is 2 ± 4.3027/√3 and is null for a single value', () => {
  assert.equal(mean([1, 2, 3]), 2);
  assert.equal(sampleStd([1, 2, 3]), 1);
  const [low, high] = confidenceInterval95([1, 2, 3])!;
  close(low, 2 - 4.30265273 / Math.sqrt(3), 1e-8);
  close(high, 2 + 4.30265273 / Math.sqrt(3), 1e-8);
  assert.equal(confidenceInterval95([5]), null);
  assert.deepEqual(confidenceInterval95([4, 4]), [4, 4]);
});

test('summarize keeps per-seed values in order, maps NaN/undefined/Infinity to null and leaves them out of mean and interval', () => {
  const s = summarize([10, Number.NaN, 14, undefined, Infinity]);
  assert.deepEqual(s.values, [10, null, 14, null, null]);
  assert.equal(s.mean, 12);
  // s = 2√2, half-width = t(0.975, 1) · s / √2 = 2 · 12.7062
  close(s.ci95![1] - 12, 2 * 12.706204736, 1e-6);
  assert.deepEqual(summarize([7]), { mean: 7, ci95: null, values: [7] });
  assert.deepEqual(summarize([null, Number.NaN]), { mean: null, ci95: null, values: [null, null] });
});
