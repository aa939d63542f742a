/**
 * Per-class slices of a forget set (bench/tmuClassSlices.ts): the Df metrics per class and the arm syntax.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseArm, sliceByClass } from '../../bench/lib/classSlices.js';

describe('per-class slices of a forget set', () => {
  test('each class gets its own accuracy, gap, agreement, easy-recall and hard-forget against the gold model', () => {
    // Class 0: four samples, the gold model gets the last one wrong (predicts 1).
    // Class 2: two samples, the gold model gets both right.
    const labels = Int32Array.from([0, 0, 0, 0, 2, 2]);
    const gold = Int32Array.from([0, 0, 0, 1, 2, 2]);
    // The model forgets one easy sample of class 0 (to 2) and also the hard one (to 1); class 2 flips one.
    const model = Int32Array.from([0, 0, 2, 1, 2, 0]);
    const [zero, two] = sliceByClass(labels, gold, model);
    assert.deepEqual(zero, {
      label: 0,
      count: 4,
      goldWrong: 1,
      goldAcc: 75,
      acc: 50,
      gap: 25,
      agreement: 75,
      easyRecall: 66.67,
      hardForget: 100,
    });
    assert.deepEqual(two, {
      label: 2,
      count: 2,
      goldWrong: 0,
      goldAcc: 100,
      acc: 50,
      gap: 50,
      agreement: 50,
      easyRecall: 50,
      hardForget: 100,
    });
  });

  test('agreement counts the same wrong class only, not any wrong class', () => {
    const slices = sliceByClass(Int32Array.from([0, 0]), Int32Array.from([1, 1]), Int32Array.from([1, 2]));
    assert.equal(slices[0]!.agreement, 50);
    assert.equal(slices[0]!.hardForget, 100);
  });

  test('misaligned prediction arrays are an error naming the sizes', () => {
    assert.throws(
      () => sliceByClass(Int32Array.from([0, 1]), Int32Array.from([0]), Int32Array.from([0, 1])),
      /2 labels but 1 gold and 2 model/,
    );
  });

  test('an arm is a name with optional whitespace-separated k=v pairs whose values may hold commas', () => {
    assert.deepEqual(parseArm('defaults'), { name: 'defaults', params: [] });
    assert.deepEqual(parseArm('s5:retainLoss=label hardRepeat=1'), {
      name: 's5',
      params: ['retainLoss=label', 'hardRepeat=1'],
    });
    assert.deepEqual(parseArm('nb:features=distance,curriculum'), {
      name: 'nb',
      params: ['features=distance,curriculum'],
    });
  });

  test('a malformed arm is rejected before anything runs', () => {
    assert.throws(() => parseArm('s5:hardRepeat'), /'hardRepeat' is not k=v/);
    assert.throws(() => parseArm('bad name:x=1'), /the name must be/);
    assert.throws(() => parseArm('floor'), /reserved/);
  });
});
