import assert from 'node:assert/strict';
import { test } from 'node:test';

import { attackFeatures } from '../../src/eval/attackFeatures.js';
import { fitLogisticRegression, predictLogisticRegression } from '../../src/eval/logisticRegression.js';
import { miaEfficacy } from '../../src/eval/mia.js';
import type { SetOutputs } from '../../src/eval/outputs.js';
import { lossThreshold, populationAttack } from '../../src/eval/populationAttack.js';
import { ROC_FPR_GRID } from '../../src/eval/rocGrid.js';
import { close, outputsOf } from './support.js';

test('attack features of p = [0.5, 0.25, 0.25]: confidence, entropy, modified entropy (Song & Mittal) and loss, by hand', () => {
  const f = attackFeatures(
    outputsOf(
      [
        [Math.LN2, 0, 0],
        [Math.LN2, 0, 0],
      ],
      [0, 1],
    ),
  );
  const entropy = -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25));
  // y = 0: −(1 − 0.5) log 0.5 − 2 · 0.25 log 0.75
  const tol = 1e-7; // the logits are float32
  close(f[0]!, 0.5, tol);
  close(f[1]!, entropy, tol);
  close(f[2]!, -0.5 * Math.log(0.5) - 2 * 0.25 * Math.log(0.75), tol);
  close(f[3]!, Math.LN2, tol);
  // y = 1: −(1 − 0.25) log 0.25 − 0.5 log 0.5 − 0.25 log 0.75
  close(f[4]!, 0.25, tol);
  close(f[5]!, entropy, tol);
  close(f[6]!, -0.75 * Math.log(0.25) - 0.5 * Math.log(0.5) - 0.25 * Math.log(0.75), tol);
  close(f[7]!, Math.log(4), tol);
});

test('attack features stay finite for a certain prediction (p_y = 1, log floored at 1e−30)', () => {
  const f = attackFeatures(
    outputsOf(
      [
        [1000, 0],
        [0, 1000],
      ],
      [0, 0],
    ),
  );
  assert.ok(f.every(Number.isFinite));
  assert.equal(f[3], 0);
  assert.equal(f[7], 1000);
});

test('logistic regression separates 1-D separable data, is deterministic, and is invariant to feature scale', () => {
  const x = Float64Array.from([-2, -1, 1, 2]);
  const y = [0, 0, 1, 1];
  const model = fitLogisticRegression(x, y, 1);
  const p = predictLogisticRegression(model, x);
  assert.deepEqual(
    Array.from(p, (q) => (q >= 0.5 ? 1 : 0)),
    y,
  );
  close(model.bias, 0, 1e-9);
  assert.deepEqual(fitLogisticRegression(x, y, 1), model);
  const scaled = predictLogisticRegression(
    fitLogisticRegression(
      x.map((v) => v * 1000),
      y,
      1,
    ),
    x.map((v) => v * 1000),
  );
  for (const [i, q] of p.entries()) close(scaled[i]!, q, 1e-9);
});

test('logistic regression fits P(y=1) = 0.5 on overlapping balanced data and rejects non-finite features', () => {
  const model = fitLogisticRegression(Float64Array.from([1, 1, 2, 2]), [0, 1, 0, 1], 1);
  close(predictLogisticRegression(model, Float64Array.from([1.5]))[0]!, 0.5, 1e-9);
  assert.throws(() => fitLogisticRegression(Float64Array.from([1, Number.NaN]), [0, 1], 1), /non-finite/);
});

/** n rows of K = 4 with the label's logit at `margin` (confident members) or flat (non-members). */
function rows(n: number, margin: number, offset = 0): SetOutputs {
  const logits: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = (i + offset) % 4;
    const row = [0, 0, 0, 0].map((_, j) => 0.05 * (((i * 7 + j * 3) % 5) - 2));
    row[y]! += margin + 0.1 * (i % 3);
    logits.push(row);
    labels.push(y);
  }
  return outputsOf(logits, labels);
}

function concat(a: SetOutputs, b: SetOutputs): SetOutputs {
  return {
    labels: Int32Array.from([...a.labels, ...b.labels]),
    logits: Float32Array.from([...a.logits, ...b.logits]),
    numClasses: a.numClasses,
  };
}

test('MIA-efficacy is the percentage of Df the member/non-member attack calls non-member (half member-like Df → 50)', () => {
  const members = rows(300, 8);
  const nonMembers = rows(100, 0.5, 1);
  const target = concat(rows(20, 8, 2), rows(20, 0.5, 3));
  const result = miaEfficacy({ members, nonMembers, target }, 0);
  assert.equal(result.efficacy, 50);
  assert.equal(result.attackAccuracy, 100);
  assert.equal(result.samplesPerClass, 100, 'members subsampled to the non-member count');
  assert.equal(miaEfficacy({ members, nonMembers, target: rows(10, 8) }, 0).efficacy, 0);
  assert.equal(miaEfficacy({ members, nonMembers, target: rows(10, 0.4) }, 0).efficacy, 100);
});

test('MIA-efficacy is deterministic for a seed', () => {
  const members = rows(200, 2);
  const nonMembers = rows(80, 1.5, 1);
  const target = rows(50, 1.8, 2);
  assert.deepEqual(miaEfficacy({ members, nonMembers, target }, 7), miaEfficacy({ members, nonMembers, target }, 7));
  assert.throws(() => miaEfficacy({ members, nonMembers, target: outputsOf([], []) }, 0), RangeError);
});

/** K = 2 rows with loss exactly `loss` for label `label` (the other logit ln(e^loss − 1), the label's 0). */
function withLosses(losses: number[], label = 0): SetOutputs {
  return outputsOf(
    losses.map((l) => (label === 0 ? [0, Math.log(Math.expm1(l))] : [Math.log(Math.expm1(l)), 0])),
    losses.map(() => label),
  );
}

/** Two sets of outputs as one (same number of classes). */
function joined(a: SetOutputs, b: SetOutputs): SetOutputs {
  return {
    labels: Int32Array.from([...a.labels, ...b.labels]),
    logits: Float32Array.from([...a.logits, ...b.logits]),
    numClasses: a.numClasses,
  };
}

test('the population threshold at α is the (⌊αm⌋+1)-th smallest population loss, +∞ at α = 1', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(lossThreshold(sorted, 0), 1);
  assert.equal(lossThreshold(sorted, 0.2), 3);
  assert.equal(lossThreshold(sorted, 0.29), 3);
  assert.equal(lossThreshold(sorted, 0.3), 4);
  assert.equal(lossThreshold(sorted, 1), Infinity);
  assert.throws(() => lossThreshold(sorted, 1.5), RangeError);
});

test('the population attack flags Df samples below the threshold: success rate, FPR ≤ α, AUC and ROC by hand', () => {
  const population = withLosses([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => v / 10));
  const target = withLosses([0.05, 0.15, 0.25, 0.95]);
  const result = populationAttack(population, target, 0.2);
  close(result.thresholdByClass['0']!, 0.3, 1e-6);
  assert.equal(result.successRate, 75);
  assert.equal(result.falsePositiveRate, 20);
  // AUC of −loss: 0.05 beats all 10 population losses, 0.15 beats 9, 0.25 beats 8, 0.95 beats 1.
  close(result.auc, 28 / 40, 1e-12);
  assert.equal(result.rocTpr.length, ROC_FPR_GRID.length);
  assert.equal(result.rocTpr[0], 0.25, 'at FPR 0 only losses below the smallest population loss are flagged');
  assert.equal(result.rocTpr[ROC_FPR_GRID.length - 1], 1);
});

test('the population attack never exceeds its FPR budget when population losses tie', () => {
  const population = withLosses(new Array<number>(20).fill(0.5));
  const result = populationAttack(population, withLosses([0.5, 0.1]), 0.1);
  assert.equal(result.falsePositiveRate, 0);
  assert.equal(result.successRate, 50);
});

test("the population is class-matched: a forget set of a hard class, drawn like that class's test samples, is indistinguishable from them", () => {
  // Class 0 is easy (losses 0.01-0.1), class 1 hard (losses 1-10).
  const easy = withLosses(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => v / 100),
    0,
  );
  const hard = withLosses([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1);
  const population = joined(easy, hard);
  // Df: class 1 samples at the same losses as its test samples, as a model that never saw them has.
  const result = populationAttack(population, withLosses([1.5, 3.5, 5.5, 7.5, 9.5], 1), 0.2);
  close(result.auc, 0.5, 1e-12);
  assert.equal(result.successRate, 20, "a fifth of Df is below its own class's 20% threshold");
  close(result.thresholdByClass['1']!, 3, 1e-5);
  assert.deepEqual(Object.keys(result.thresholdByClass), ['1'], "only Df's classes are calibrated");
  // A mixed Df is weighted by its classes: two easy samples below every easy test loss, two hard ones above.
  const mixed = populationAttack(population, joined(withLosses([0.001, 0.002], 0), withLosses([20, 30], 1)), 0.2);
  assert.equal(mixed.successRate, 50);
  close(mixed.auc, 0.5, 1e-12, 'AUC 1 on the easy half, 0 on the hard half');
  assert.equal(mixed.falsePositiveRate, 20);
});

test('a Df class without test samples is compared with the whole test set', () => {
  const result = populationAttack(withLosses([1, 2, 3, 4, 5], 0), withLosses([0.5, 6], 1), 0.2);
  close(result.thresholdByClass['1']!, 2, 1e-5);
  assert.equal(result.successRate, 50);
});
