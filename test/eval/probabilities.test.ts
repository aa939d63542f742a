import assert from 'node:assert/strict';
import { test } from 'node:test';

import { argmaxRows, crossEntropyRows, softmaxRows } from '../../src/eval/probabilities.js';
import { close } from './support.js';

test('softmaxRows gives [0.25, 0.75] for logits [0, ln 3] and stays exact for logits of 1000', () => {
  const p = softmaxRows([0, Math.log(3), 1000, 1000], 2);
  close(p[0]!, 0.25, 1e-15);
  close(p[1]!, 0.75, 1e-15);
  assert.deepEqual([p[2], p[3]], [0.5, 0.5]);
});

test('softmaxRows treats a row with NaN as uniform and a row with +Infinity as mass on the infinite logits', () => {
  const p = softmaxRows([Number.NaN, 1, 2, 0, Infinity, Infinity], 3);
  assert.deepEqual(Array.from(p.subarray(0, 3)), [1 / 3, 1 / 3, 1 / 3]);
  assert.deepEqual(Array.from(p.subarray(3)), [0, 0.5, 0.5]);
});

test('softmaxRows rejects logits whose length is not a multiple of numClasses', () => {
  assert.throws(() => softmaxRows([1, 2, 3], 2), /multiple/);
});

test('argmaxRows returns the first index on ties', () => {
  assert.deepEqual(Array.from(argmaxRows([1, 3, 3, 5, 5, 0], 3)), [1, 0]);
});

test('crossEntropyRows is ln 2 for equal logits and exactly 1000 for a 1000-logit margin against the label', () => {
  const loss = crossEntropyRows([0, 0, 1000, 0], [1, 1], 2);
  close(loss[0]!, Math.LN2, 1e-15);
  assert.equal(loss[1], 1000);
  assert.throws(() => crossEntropyRows([0, 0], [2], 2), /label 2/);
});
