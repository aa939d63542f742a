/**
 * TMU's transfer step: the hard share expected on Df from the twin's per-class hard rates, and the
 * easy/hard split by rate or by probability threshold, and the per-sample confidence weights of the
 * update's forget loss.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  confidenceWeights,
  expectedHardRate,
  forgottenShares,
  goldShiftedRates,
  massShiftedRates,
  splitEasyHard,
  twinHardRate,
} from '../../src/unlearn/tmu/transfer.js';

describe('TMU transfer', () => {
  test("the expected hard rate averages each forget sample's class rate, skipping bypassed samples, with the overall rate for classes the twin lacks", () => {
    const byClass = [0.1, 0.3, Number.NaN];
    const labels = Int32Array.from([0, 1, 1, 2, 0]);
    assert.ok(
      Math.abs(expectedHardRate(byClass, 0.2, labels, new Uint8Array(5)) - (0.1 + 0.3 + 0.3 + 0.2 + 0.1) / 5) < 1e-12,
    );
    const bypassed = Uint8Array.from([0, 1, 1, 0, 0]);
    assert.ok(Math.abs(expectedHardRate(byClass, 0.2, labels, bypassed) - (0.1 + 0.2 + 0.1) / 3) < 1e-12);
    assert.equal(expectedHardRate(byClass, 0.2, labels, Uint8Array.from([1, 1, 1, 1, 1])), 0);
  });

  test('the forgotten share of a class is its forget samples over its members, 0 for classes Df does not touch; more forget samples than members is refused', () => {
    const members = Int32Array.from([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2]);
    assert.deepEqual(forgottenShares(Int32Array.from([0, 2, 2]), members, 4), [0.25, 0, 0.4, 0]);
    assert.throws(
      () => forgottenShares(Int32Array.from([1, 1, 1]), members, 4),
      /class 1 has 3 forget samples but 2 members/,
    );
  });

  test('gold-shifted rates add slope x forgotten share to each class rate, capped at 1, leaving untouched classes, NaN rates and slope 0 as they are', () => {
    const rates = [0.1, 0.3, Number.NaN, 0.95];
    const shifted = goldShiftedRates(rates, [0.2, 0, 0.5, 0.5], 0.1);
    assert.ok(Math.abs(shifted[0]! - 0.12) < 1e-12, 'a fifth of class 0 forgotten: +0.02');
    assert.equal(shifted[1], 0.3);
    assert.ok(Number.isNaN(shifted[2]!));
    assert.ok(Math.abs(shifted[3]! - 1) < 1e-12, 'capped at 1');
    assert.deepEqual(goldShiftedRates(rates.slice(0, 2), [0.2, 0.2], 0), [0.1, 0.3]);
    assert.throws(() => goldShiftedRates(rates, [0.2], -0.1), /slope must be finite and non-negative, got -0.1/);
    assert.throws(() => goldShiftedRates([0.1], [1.5], 0.1), /forgotten share of class 0 is 1.5/);
  });

  test('mass-shifted rates move each class of Df by its mean 1 - P(easy) over Df minus that over the twin samples of the class, clamped to [0, 1]', () => {
    const rates = [0.1, 0.2, 0.3, Number.NaN, 0.05];
    const twin = {
      easyProbability: Float32Array.from([0.9, 0.7, 0.8, 0.8, 0.5, 0.5, 0.1, 0.9]),
      labels: Int32Array.from([0, 0, 1, 1, 2, 2, 3, 4]),
    };
    // Class 0: Df mass (0.5 + 0.3) / 2 = 0.4 against the twin's (0.1 + 0.3) / 2 = 0.2: +0.2.
    // Class 1: Df mass 0.05 against the twin's 0.2: -0.15, so 0.2 - 0.15 = 0.05.
    // Class 4: Df mass 0.95 against 0.1: 0.05 + 0.85 = 0.9. The bypassed class-2 sample and untouched class 3 change nothing.
    const forget = {
      easyProbability: Float32Array.from([0.5, 0.7, 0.95, 0.0, 0.05]),
      labels: Int32Array.from([0, 0, 1, 2, 4]),
      bypassed: Uint8Array.from([0, 0, 0, 1, 0]),
    };
    const shifted = massShiftedRates(rates, forget, twin);
    const expected = [0.3, 0.05, 0.3, Number.NaN, 0.9];
    shifted.forEach((rate, c) => {
      if (Number.isNaN(expected[c]!)) assert.ok(Number.isNaN(rate));
      else assert.ok(Math.abs(rate - expected[c]!) < 1e-6, `class ${c}: ${rate} against ${expected[c]}`);
    });
    const clamped = massShiftedRates(
      [0.02, 0.98],
      { easyProbability: Float32Array.from([1, 0]), labels: Int32Array.from([0, 1]), bypassed: new Uint8Array(2) },
      { easyProbability: Float32Array.from([0.5, 0.5]), labels: Int32Array.from([0, 1]) },
    );
    assert.deepEqual(clamped, [0, 1], 'a shift past 0 or 1 stops there');
  });

  test('mass-shifted rates refuse a probability outside [0, 1], a label without a rate and mismatched lengths, naming them', () => {
    const twin = { easyProbability: Float32Array.from([0.5]), labels: Int32Array.from([0]) };
    assert.throws(
      () =>
        massShiftedRates(
          [0.1],
          { easyProbability: Float32Array.from([1.5]), labels: Int32Array.from([0]), bypassed: new Uint8Array(1) },
          twin,
        ),
      /P\(easy\) of sample 0 is 1.5/,
    );
    assert.throws(
      () =>
        massShiftedRates(
          [0.1],
          { easyProbability: Float32Array.from([0.5]), labels: Int32Array.from([3]), bypassed: new Uint8Array(1) },
          twin,
        ),
      /label 3 of sample 0 has no rate/,
    );
    assert.throws(
      () =>
        massShiftedRates(
          [0.1],
          { easyProbability: Float32Array.from([0.5, 0.5]), labels: Int32Array.from([0]), bypassed: new Uint8Array(1) },
          twin,
        ),
      /2 probabilities for 1 labels/,
    );
  });

  test('the twin hard rate is the share of twin samples its gold model gets wrong', () => {
    assert.equal(twinHardRate(Uint8Array.from([1, 0, 1, 1])), 0.25);
    assert.equal(twinHardRate(new Uint8Array(0)), 0);
  });

  test('the rate rule marks the round(rate x n) least likely easy samples hard; the probability rule those below the threshold', () => {
    const easy = Float32Array.from([0.9, 0.2, 0.6, 0.1, 0.95]);
    assert.deepEqual(Array.from(splitEasyHard(easy, { kind: 'rate', hardRate: 0.4 })), [0, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(splitEasyHard(easy, { kind: 'rate', hardRate: 0 })), [0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(splitEasyHard(easy, { kind: 'probability', threshold: 0.5 })), [0, 1, 0, 1, 0]);
    assert.deepEqual(Array.from(splitEasyHard(easy, { kind: 'probability', threshold: 0.7 })), [0, 1, 1, 1, 0]);
  });
});

describe('TMU twin hard rates', () => {
  test("the error rate per class counts wrong predictions over each class's samples, NaN for a class without any", async () => {
    const { errorRateByClass } = await import('../../src/unlearn/tmu/twin.js');
    const rates = errorRateByClass(Uint8Array.from([1, 0, 1, 1, 0, 0]), [0, 0, 0, 0, 1, 1], 3);
    assert.equal(rates[0], 0.25);
    assert.equal(rates[1], 1);
    assert.ok(Number.isNaN(rates[2]));
  });
  test('confidence weights are P(easy) on the easy side and 1 - P(easy) on the hard side, each side rescaled to mean 1; bypassed samples weigh 1', () => {
    const easy = Float32Array.from([0.9, 0.6, 0.3, 0.1, 0.0]);
    const hard = Uint8Array.from([0, 0, 1, 1, 1]);
    const bypassed = Uint8Array.from([0, 0, 0, 0, 1]);
    const weights = confidenceWeights(easy, hard, bypassed);
    // Easy side: 0.9 and 0.6, mean 0.75. Hard side (the bypassed sample left out): 0.7 and 0.9, mean 0.8.
    const expected = [0.9 / 0.75, 0.6 / 0.75, 0.7 / 0.8, 0.9 / 0.8, 1];
    weights.forEach((w, i) => {
      assert.ok(Math.abs(w - expected[i]!) < 1e-6, `sample ${i}: ${w} against ${expected[i]}`);
    });
    assert.ok(weights[0]! > weights[1]! && weights[3]! > weights[2]!, 'the surer sample of each side weighs more');
  });

  test('a confidence power above 1 lowers the weight of the samples nearest the threshold on each side, each side still of mean 1; a non-positive power is refused by name', () => {
    const easy = Float32Array.from([0.9, 0.6, 0.3, 0.05]);
    const hard = Uint8Array.from([0, 0, 1, 1]);
    const none = new Uint8Array(4);
    const linear = confidenceWeights(easy, hard, none);
    const squared = confidenceWeights(easy, hard, none, 2);
    assert.ok(Math.abs(squared[0]! - (2 * 0.81) / (0.81 + 0.36)) < 1e-6, 'easy side: P(easy)^2 over its mean');
    assert.ok(
      Math.abs(squared[3]! - (2 * 0.9025) / (0.49 + 0.9025)) < 1e-6,
      'hard side: (1 - P(easy))^2 over its mean',
    );
    assert.ok(squared[1]! < linear[1]! && squared[2]! < linear[2]!, 'the samples near the threshold weigh less');
    assert.ok(Math.abs(squared[0]! + squared[1]! - 2) < 1e-6 && Math.abs(squared[2]! + squared[3]! - 2) < 1e-6);
    assert.deepEqual(Array.from(confidenceWeights(easy, hard, none, 1)), Array.from(linear), 'power 1 is the default');
    assert.throws(() => confidenceWeights(easy, hard, none, 0), /power must be finite and positive, got 0/);
  });

  test('confidence weights stay uniform on a side with no confidence to redistribute, and reject a probability outside [0, 1] or mismatched lengths by name', () => {
    assert.deepEqual(
      Array.from(confidenceWeights(Float32Array.from([1, 1]), Uint8Array.from([1, 1]), new Uint8Array(2))),
      [1, 1],
    );
    assert.throws(
      () => confidenceWeights(Float32Array.from([Number.NaN]), new Uint8Array(1), new Uint8Array(1)),
      /P\(easy\) of sample 0/,
    );
    assert.throws(
      () => confidenceWeights(Float32Array.from([0.5, 0.5]), new Uint8Array(1), new Uint8Array(2)),
      /confidenceWeights: 2 probabilities, 1 split flags/,
    );
  });
});
