import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fitTemperature, meanNll, priorShiftedErrors } from '../../bench/lib/priorShift.js';

/** Logits of samples drawn from softmax(base · scale): a temperature of `scale` makes them calibrated. */
function sampledLogits(
  n: number,
  k: number,
  scale: number,
  seed: number,
): { logits: Float32Array; labels: Int32Array } {
  let state = seed;
  const random = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const logits = new Float32Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const probabilities: number[] = [];
    for (let j = 0; j < k; j++) {
      const base = 3 * random();
      logits[i * k + j] = base * scale;
      probabilities.push(Math.exp(base));
    }
    const total = probabilities.reduce((a, b) => a + b, 0);
    let u = random() * total;
    let label = 0;
    while (label < k - 1 && u > probabilities[label]!) u -= probabilities[label++]!;
    labels[i] = label;
  }
  return { logits, labels };
}

test('fitTemperature recovers the temperature that calibrates over-confident logits', () => {
  const { logits, labels } = sampledLogits(20_000, 4, 2.5, 7);
  const temperature = fitTemperature(logits, 4, labels);
  assert.ok(Math.abs(temperature - 2.5) < 0.15, `fitted ${temperature}, drawn with 2.5`);
  assert.ok(
    meanNll(logits, 4, labels, temperature) < meanNll(logits, 4, labels, 1),
    'the fitted temperature lowers the NLL',
  );
});

test('priorShiftedErrors flips exactly the samples of a shrunk class whose calibrated margin is below -log(1 - f)', () => {
  // Class 0 loses half its members: its calibrated logit drops by log 2 ≈ 0.693. The temperature divides
  // the margins: 0.5 and 1.0 at T = 1, 1.0 and 2.0 at T = 0.5, 0.25 and 0.5 at T = 2.
  const logits = Float32Array.from([
    1.0,
    0.5, // class 0, margin 0.5: flips at T = 1 and 2, not at T = 0.5
    1.0,
    0.0, // class 0, margin 1.0: flips only at T = 2
    0.2,
    0.4, // class 0, already wrong
    0.0,
    0.1, // class 1, margin 0.1: the shift only helps class 1
  ]);
  const labels = Int32Array.from([0, 0, 0, 1]);
  const atOne = priorShiftedErrors(logits, 2, labels, 1, [0.5, 0]);
  assert.deepEqual([...atOne.counts], [3, 1]);
  assert.deepEqual([...atOne.original], [1 / 3, 0]);
  assert.deepEqual([...atOne.shifted], [2 / 3, 0]);
  assert.deepEqual([...priorShiftedErrors(logits, 2, labels, 0.5, [0.5, 0]).shifted], [1 / 3, 0]);
  assert.deepEqual([...priorShiftedErrors(logits, 2, labels, 2, [0.5, 0]).shifted], [1, 0]);
  assert.deepEqual(
    [...priorShiftedErrors(logits, 2, labels, 1, [0, 0]).shifted],
    [1 / 3, 0],
    'no forgotten share, no shift',
  );
  assert.throws(() => priorShiftedErrors(logits, 2, labels, 1, [1, 0]), /class 0 must be in \[0, 1\), got 1/);
  assert.throws(() => priorShiftedErrors(logits, 2, labels, 1, [0.1]), /1 shares for 2 classes/);
});
