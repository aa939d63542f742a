/**
 * TMU's transfer step: the hard share expected on Df from the twin's per-class hard rates, the easy/hard
 * split (which never teaches a sample Mo misclassifies, and flips only what the hard share still needs),
 * and the per-sample confidence weights of the update's forget loss.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelOutputs } from '../../src/unlearn/tmu/outputs.js';
import {
  confidenceWeights,
  expectedHardRate,
  forgottenShares,
  goldShiftedRates,
  lowestProbabilities,
  transfer,
} from '../../src/unlearn/tmu/transfer.js';
import { twinHardRate } from '../../src/unlearn/tmu/twin.js';

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

  test('the twin hard rate is the share of twin samples its gold model gets wrong', () => {
    assert.equal(twinHardRate(Uint8Array.from([1, 0, 1, 1])), 0.25);
    assert.equal(twinHardRate(new Uint8Array(0)), 0);
  });

  test('the lowest-probability rule marks the given number of samples of lowest P(easy), ties by position', () => {
    const easy = Float32Array.from([0.9, 0.2, 0.6, 0.1, 0.95, 0.2]);
    assert.deepEqual(Array.from(lowestProbabilities(easy, 2)), [0, 1, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(lowestProbabilities(easy, 3)), [0, 1, 0, 1, 0, 1]);
    assert.deepEqual(Array.from(lowestProbabilities(easy, 0)), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(lowestProbabilities(easy, -2)), [0, 0, 0, 0, 0, 0], 'a negative count marks none');
    assert.deepEqual(Array.from(lowestProbabilities(easy, 9)), [1, 1, 1, 1, 1, 1]);
  });
});

/** Mo's outputs on a forget set: logits that make Mo right where `right` says so (k = 3 classes). */
function outputs(labels: number[], right: boolean[]): ModelOutputs {
  const k = 3;
  const logits = new Float32Array(labels.length * k);
  labels.forEach((label, i) => {
    // Right: the label leads, then class (label + 1) % 3. Wrong: (label + 2) % 3 leads.
    const lead = right[i] ? label : (label + 2) % k;
    logits[i * k + lead] = 3;
    logits[i * k + ((lead + 1) % k)] = 1;
  });
  return {
    ids: labels.map((_, i) => `s${i}`),
    labels: Int32Array.from(labels),
    features: new Float32Array(labels.length),
    featureSize: 1,
    logits,
    numClasses: k,
  };
}

describe('TMU transfer step', () => {
  const twin = { generalisation: Uint8Array.from([1, 1, 1, 0]), hardRateByClass: [0.4, 0.2, 0.1] };
  // 100 members per class; Df holds 10 samples of class 0.
  const members = Int32Array.from({ length: 300 }, (_, i) => Math.floor(i / 100));
  const options = { threshold: 'rate' as const, hardRateSlope: 0, hardLabel: 'runner-up' as const, seed: 0 };
  const probabilities = Float32Array.from([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]);

  test("makes up the twin's hard share with the lowest-P(easy) samples Mo classifies correctly, each fitted to Mo's runner-up class", () => {
    const split = transfer(
      outputs(new Array(10).fill(0), new Array(10).fill(true)),
      probabilities,
      twin,
      members,
      options,
    );
    assert.ok(Math.abs(split.hardRate - 0.4) < 1e-12, String(split.hardRate));
    assert.deepEqual([...split.hardLabels.keys()], ['s6', 's7', 's8', 's9']);
    assert.deepEqual([...split.hardLabels.values()], [1, 1, 1, 1], "Mo's runner-up class");
    assert.deepEqual(split.easyIds, ['s0', 's1', 's2', 's3', 's4', 's5']);
    assert.deepEqual(split.keptWrongIds, []);
    assert.deepEqual(Array.from(split.predictedHard), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  test('samples Mo already misclassifies count towards the hard share and are left as they are: only the rest of it is flipped', () => {
    const right = [true, false, true, true, true, true, true, true, true, false];
    const split = transfer(outputs(new Array(10).fill(0), right), probabilities, twin, members, options);
    assert.deepEqual(split.keptWrongIds, ['s1', 's9']);
    assert.deepEqual([...split.hardLabels.keys()], ['s7', 's8'], '4 hard, 2 of them already wrong: 2 flips');
    assert.equal(split.easyIds.includes('s1'), false, 'a misclassified sample is never taught its label');
    assert.deepEqual(Array.from(split.predictedHard), [0, 1, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  test('when Mo already errs on at least the hard share (an under-fit model), nothing is flipped', () => {
    const right = [false, true, false, true, false, true, false, true, true, true];
    const split = transfer(outputs(new Array(10).fill(0), right), probabilities, twin, members, options);
    assert.equal(split.hardLabels.size, 0);
    assert.deepEqual(split.keptWrongIds, ['s0', 's2', 's4', 's6']);
    assert.deepEqual(split.easyIds, ['s1', 's3', 's5', 's7', 's8', 's9']);
  });

  test('a probability threshold sets the hard count from the samples below it; random wrong labels are never the true class', () => {
    const split = transfer(outputs(new Array(10).fill(0), new Array(10).fill(true)), probabilities, twin, members, {
      ...options,
      threshold: 0.45,
      hardLabel: 'random',
    });
    assert.deepEqual([...split.hardLabels.keys()], ['s7', 's8', 's9']);
    for (const label of split.hardLabels.values()) assert.ok(label === 1 || label === 2, String(label));
  });

  test('the hard share rises by the slope times the share of the class forgotten; a class forgotten entirely is all hard', () => {
    const sloped = transfer(outputs(new Array(10).fill(0), new Array(10).fill(true)), probabilities, twin, members, {
      ...options,
      hardRateSlope: 2,
    });
    assert.ok(Math.abs(sloped.hardRate - (0.4 + (2 * 10) / 100)) < 1e-9, String(sloped.hardRate));
    assert.equal(sloped.hardLabels.size, 6);
    const whole = transfer(
      outputs([2, 2, 0], [true, false, true]),
      Float32Array.from([0.9, 0.9, 0.9]),
      twin,
      Int32Array.from([0, 0, 0, 0, 1, 2, 2]),
      options,
    );
    assert.deepEqual(Array.from(whole.bypassed), [1, 1, 0]);
    assert.deepEqual([...whole.hardLabels.keys()], ['s0'], 'the correctly classified sample of the class is flipped');
    assert.deepEqual(whole.keptWrongIds, ['s1']);
    assert.deepEqual(whole.easyIds, ['s2']);
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
