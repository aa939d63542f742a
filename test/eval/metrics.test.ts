import assert from 'node:assert/strict';
import { test } from 'node:test';

import { accuracyPercent, setAccuracy } from '../../src/eval/accuracy.js';
import { agreement, easyRecall, hardForget } from '../../src/eval/agreement.js';
import { relativeTime } from '../../src/eval/cost.js';
import { activationDistance, jsDivergence } from '../../src/eval/divergence.js';
import { averageGap, gap, tugOfWar } from '../../src/eval/gaps.js';
import { predictorQuality } from '../../src/eval/predictorQuality.js';
import { close, outputsOf } from './support.js';

test('setAccuracy is the percentage of rows whose argmax is the label (3 of 4 → 75) and NaN for an empty set', () => {
  const outputs = outputsOf(
    [
      [5, 0, 0],
      [0, 5, 0],
      [0, 5, 1],
      [0, 2, 1],
    ],
    [0, 1, 2, 1],
  );
  assert.equal(setAccuracy(outputs), 75);
  assert.ok(Number.isNaN(accuracyPercent(new Int32Array(0), new Int32Array(0))));
});

test('gap is |Mu − Mg|; Avg.Gap is the mean of the four gaps (4, 1, 2, 9 → 4)', () => {
  assert.equal(gap(80, 85.5), 5.5);
  assert.equal(gap(85.5, 80), 5.5);
  assert.equal(averageGap({ forget: 4, retain: 1, test: 2, mia: 9 }), 4);
});

test('ToW is Π (1 − Δ/100) over forget, retain, test (Δ 10, 0, 50 → 0.45) and 1 with no gaps', () => {
  close(tugOfWar({ forget: 10, retain: 0, test: 50 }), 0.45, 1e-15);
  assert.equal(tugOfWar({ forget: 0, retain: 0, test: 0 }), 1);
});

test('agreement is the percentage of equal argmaxes (2 of 4 → 50)', () => {
  assert.equal(agreement(Int32Array.from([0, 1, 2, 3]), Int32Array.from([0, 1, 0, 0])), 50);
  assert.throws(() => agreement(Int32Array.from([0]), Int32Array.from([0, 1])), RangeError);
});

test('easy-recall counts Mu-correct among Mg-correct samples; hard-forget counts Mu-wrong among Mg-wrong samples', () => {
  const labels = Int32Array.from([0, 0, 0, 0]);
  const gold = Int32Array.from([0, 0, 1, 2]); // rows 0, 1 easy; 2, 3 hard
  const mu = Int32Array.from([0, 1, 1, 0]); // right on 0, wrong on 1; wrong on 2, right on 3
  assert.equal(easyRecall(labels, mu, gold), 50);
  assert.equal(hardForget(labels, mu, gold), 50);
  assert.ok(Number.isNaN(easyRecall(labels, mu, Int32Array.from([1, 1, 1, 1]))), 'no easy samples');
  assert.ok(Number.isNaN(hardForget(labels, mu, labels)), 'no hard samples');
});

test('activation distance is the mean row L2 distance of probabilities: (√2 + 0)/2 for one opposite and one equal row', () => {
  const p = Float64Array.from([1, 0, 0.5, 0.5]);
  const q = Float64Array.from([0, 1, 0.5, 0.5]);
  close(activationDistance(p, q, 2), Math.SQRT2 / 2, 1e-15);
  assert.equal(activationDistance(p, p, 2), 0);
});

test('JS divergence is ln 2 for disjoint rows, 0 for equal rows, and 0.215762 nats for [0.5, 0.5] vs [1, 0]', () => {
  close(jsDivergence(Float64Array.from([1, 0]), Float64Array.from([0, 1]), 2), Math.LN2, 1e-15);
  assert.equal(jsDivergence(Float64Array.from([0.3, 0.7]), Float64Array.from([0.3, 0.7]), 2), 0);
  const expected = 0.5 * (0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25)) + 0.5 * Math.log(1 / 0.75);
  close(jsDivergence(Float64Array.from([0.5, 0.5]), Float64Array.from([1, 0]), 2), expected, 1e-15);
  close(expected, 0.215762, 1e-6);
});

test('RTE is seconds / retrain seconds (5 / 100 → 0.05) and NaN for a zero retrain time', () => {
  assert.equal(relativeTime(5, 100), 0.05);
  assert.ok(Number.isNaN(relativeTime(5, 0)));
});

test('predictor quality: accuracy of easy-vs-Mg-correct in percent and AUROC of P(easy); excluded samples are left out', () => {
  const pEasy = [0.9, 0.8, 0.3, 0.2];
  const hard = [0, 0, 1, 1];
  const goldCorrect = [1, 0, 0, 1];
  const all = predictorQuality(pEasy, hard, goldCorrect);
  assert.equal(all.accuracy, 50);
  assert.equal(all.auroc, 0.5);
  assert.equal(all.samples, 4);
  const some = predictorQuality(pEasy, hard, goldCorrect, [1, 1, 1, 0]);
  close(some.accuracy, 200 / 3, 1e-12);
  assert.equal(some.auroc, 1);
  assert.ok(Number.isNaN(predictorQuality([0.5], [0], [1]).auroc), 'one class: AUROC undefined');
});
