/**
 * The softened targets of TMU's predicted-easy samples (`easyLoss=distill`): the confidence of logits
 * at a temperature, the temperature that reaches a target confidence, and the per-class targets.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { easyTargets, meanConfidence, temperatureForConfidence } from '../../src/unlearn/tmu/easyTargets.js';
import type { ModelOutputs } from '../../src/unlearn/tmu/outputs.js';

/** Three classes; rows 0-2 of class 0 (row 2 misclassified as 1), rows 3-4 of class 2. */
const LOGITS = Float32Array.from([6, 1, 0, 4, 2, 1, 1, 3, 0, 0, 1, 5, 1, 0, 3]);
const OUTPUTS: ModelOutputs = {
  ids: ['a', 'b', 'c', 'd', 'e'],
  labels: Int32Array.from([0, 0, 0, 2, 2]),
  features: new Float32Array(0),
  featureSize: 0,
  logits: LOGITS,
  numClasses: 3,
};

function confidence(row: readonly number[], temperature: number): number {
  const exps = row.map((z) => Math.exp(z / temperature));
  return Math.max(...exps) / exps.reduce((a, b) => a + b, 0);
}

describe('TMU easy targets', () => {
  test('meanConfidence is the mean largest softmax probability of logits / T', () => {
    const expected = (confidence([6, 1, 0], 2) + confidence([0, 1, 5], 2)) / 2;
    assert.ok(Math.abs(meanConfidence(LOGITS, 3, [0, 3], 2) - expected) < 1e-6);
    assert.ok(Number.isNaN(meanConfidence(LOGITS, 3, [], 1)));
  });

  test('temperatureForConfidence finds the T that brings the mean confidence to the target, 1 when already below, the cap when out of reach', () => {
    const t = temperatureForConfidence(LOGITS, 3, [0, 1], 0.6);
    assert.ok(t > 1, `${t}`);
    assert.ok(Math.abs(meanConfidence(LOGITS, 3, [0, 1], t) - 0.6) < 1e-6);
    assert.equal(temperatureForConfidence(LOGITS, 3, [0, 1], 0.999), 1);
    assert.equal(temperatureForConfidence(LOGITS, 3, [0, 1], 0.34, 2), 2);
    for (const bad of [0, -0.1, 1.5, Number.NaN])
      assert.throws(() => temperatureForConfidence(LOGITS, 3, [0], bad), /target/, String(bad));
  });

  test('holdout targets soften each class to its holdout confidence; samples Mo gets wrong get none; a class without a holdout figure keeps T = 1', () => {
    const { targets, temperatureByClass } = easyTargets(OUTPUTS, [0, 1, 2, 3, 4], 'holdout', [0.7, 0.9, Number.NaN]);
    assert.deepEqual([...targets.keys()].sort(), ['a', 'b', 'd', 'e'], 'row c is misclassified: no target');
    const t0 = temperatureByClass.get(0)!;
    assert.ok(Math.abs(meanConfidence(LOGITS, 3, [0, 1], t0) - 0.7) < 1e-6);
    assert.equal(temperatureByClass.get(2), 1);
    assert.deepEqual(
      [...targets.get('a')!].map((v) => Number(v.toFixed(5))),
      [6, 1, 0].map((v) => Number((v / t0).toFixed(5))),
    );
    assert.deepEqual([...targets.get('d')!], [0, 1, 5]);
  });

  test("a fixed temperature divides every easy sample's logits by it; only the given rows get targets", () => {
    const { targets, temperatureByClass } = easyTargets(OUTPUTS, [1, 4], 2, [0.7, 0.9, 0.8]);
    assert.deepEqual([...targets.keys()], ['b', 'e']);
    assert.deepEqual([...targets.get('b')!], [2, 1, 0.5]);
    assert.deepEqual([...temperatureByClass.values()], [2, 2]);
  });
});
