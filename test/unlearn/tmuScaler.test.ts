/**
 * TMU's feature scaler, fitted on the twin and applied to the forget set: the quantile transform keeps the
 * order of a long-tailed feature that the Tukey fences would tie, maps values outside the twin's range to
 * the ends, and malformed inputs are errors.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyScaler, fitScaler } from '../../src/unlearn/tmu/scaler.js';

/** A long-tailed column: most values near 0, a tail of 20 large ones (like the curriculum loss). */
function longTail(): Float32Array {
  const values: number[] = [];
  for (let i = 0; i < 180; i++) values.push(0.01 * (i % 10));
  for (let i = 0; i < 20; i++) values.push(2 + i);
  return Float32Array.from(values);
}

describe('TMU feature scaler', () => {
  test('quantile maps each fitted value to its position in the twin distribution, in [0, 1] and in order', () => {
    const column = Float32Array.from({ length: 101 }, (_, i) => i * i);
    const scaled = applyScaler(fitScaler([column], 'quantile'), [column]);
    for (let i = 0; i < 101; i++) assert.ok(Math.abs(scaled[i]! - i / 100) < 1e-6, `value ${i * i} -> ${scaled[i]}`);
  });

  test('quantile keeps the order of the tail that the Tukey fences tie at 1', () => {
    const column = longTail();
    const tail = Float32Array.from([3, 8, 15]);
    const tukey = applyScaler(fitScaler([column], 'tukey'), [tail]);
    assert.deepEqual(Array.from(tukey), [1, 1, 1]);
    const quantile = applyScaler(fitScaler([column], 'quantile'), [tail]);
    assert.ok(
      quantile[0]! < quantile[1]! && quantile[1]! < quantile[2]! && quantile[2]! < 1,
      `quantile scaled: ${Array.from(quantile)}`,
    );
  });

  test('quantile maps values beyond the twin range to 0 and 1, and equal values to the middle of their run', () => {
    const column = Float32Array.from([0, 1, 1, 1, 1, 2]);
    const scaler = fitScaler([column], 'quantile');
    const scaled = applyScaler(scaler, [Float32Array.from([-5, 1, 9])]);
    assert.equal(scaled[0], 0);
    assert.ok(Math.abs(scaled[1]! - 0.5) < 1e-6, `the run of 1s -> ${scaled[1]}`);
    assert.equal(scaled[2], 1);
  });

  test('quantile uses at most the requested number of reference points per feature', () => {
    const column = Float32Array.from({ length: 5000 }, (_, i) => i);
    const scaler = fitScaler([column, column], 'quantile', 100);
    assert.equal(scaler.kind, 'quantile');
    if (scaler.kind !== 'quantile') return;
    assert.deepEqual(
      scaler.quantiles.map((q) => q.length),
      [100, 100],
    );
    const scaled = applyScaler(scaler, [Float32Array.from([2500]), Float32Array.from([0])]);
    assert.ok(Math.abs(scaled[0]! - 0.5) < 0.01);
    assert.equal(scaled[1], 0);
  });

  test('tukey (the reference) clips to the fences and scales them to 0 and 1', () => {
    const column = Float32Array.from({ length: 100 }, (_, i) => i);
    const scaler = fitScaler([column], 'tukey');
    const scaled = applyScaler(scaler, [Float32Array.from([0, 49.5, 99, 500])]);
    assert.equal(scaled[0], 0);
    assert.ok(Math.abs(scaled[1]! - 0.5) < 1e-6);
    assert.equal(scaled[2], 1);
    assert.equal(scaled[3], 1);
  });

  test('a wrong number of features, unequal columns, an empty or non-finite column are errors naming the problem', () => {
    const scaler = fitScaler([longTail(), longTail()]);
    assert.throws(() => applyScaler(scaler, [longTail()]), /fitted on 2 features, got 1/);
    assert.throws(() => applyScaler(scaler, [longTail(), Float32Array.from([1])]), /feature 1 has 1 values/);
    assert.throws(() => fitScaler([new Float32Array(0)]), /empty/);
    assert.throws(() => fitScaler([Float32Array.from([1, Number.NaN, 2])]), /non-finite/);
    assert.throws(() => fitScaler([longTail()], 'quantile', 1), /quantiles/);
  });
});
