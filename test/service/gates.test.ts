/**
 * The evaluate stage's gates and the service configuration, on hand-made numbers.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseServiceConfig } from '../../src/service/config.js';
import { type CandidateMetrics, evaluateGates } from '../../src/service/gates.js';

const metrics: CandidateMetrics = {
  parentTestAcc: 91,
  candidateTestAcc: 90.5,
  testAccDrop: 0.5,
  parentForgetAcc: 97,
  candidateForgetAcc: 85,
  miaEfficacy: 40,
  miaReference: 50,
  easy: 30,
  hard: 10,
  forgetCount: 40,
  newIds: 40,
};
const gates = parseServiceConfig({}).gates;

test('a candidate within the test-accuracy and MIA thresholds passes', () => {
  const verdict = evaluateGates(metrics, gates);
  assert.equal(verdict.passed, true);
  assert.deepEqual(
    verdict.gates.map((g) => g.name),
    ['testAccDrop', 'miaEfficacy'],
  );
});

test('a test-accuracy drop above the threshold fails the testAccDrop gate only', () => {
  const verdict = evaluateGates(
    { ...metrics, testAccDrop: 2, candidateTestAcc: 89 },
    { ...gates, maxTestAccDrop: 1.5 },
  );
  assert.equal(verdict.passed, false);
  assert.deepEqual(
    verdict.gates.filter((g) => !g.passed).map((g) => g.name),
    ['testAccDrop'],
  );
});

test('forgotten ids that look far more like members than holdout samples fail the MIA gate', () => {
  const verdict = evaluateGates({ ...metrics, miaEfficacy: 10, miaReference: 50 }, { ...gates, miaTolerance: 25 });
  assert.equal(verdict.gates.find((g) => g.name === 'miaEfficacy')!.passed, false);
  assert.equal(verdict.gates.find((g) => g.name === 'miaEfficacy')!.threshold, 25);
});

test('with fewer forgotten ids than miaMinSamples the MIA gate is skipped and says so', () => {
  const verdict = evaluateGates({ ...metrics, forgetCount: 3, newIds: 3, miaEfficacy: 0, miaReference: 50 }, gates);
  const gate = verdict.gates.find((g) => g.name === 'miaEfficacy')!;
  assert.equal(gate.passed, true);
  assert.match(gate.description, /skipped: 3 forgotten ids/);
});

test('the easy/hard gate applies only when asked and only to methods that split', () => {
  assert.equal(
    evaluateGates({ ...metrics, easy: 40, hard: 0 }, { ...gates, requireEasyHardSplit: true }).passed,
    false,
  );
  assert.equal(
    evaluateGates({ ...metrics, easy: null, hard: null }, { ...gates, requireEasyHardSplit: true }).gates.length,
    2,
  );
});

test('the configuration has defaults, rejects unknown keys listing the valid ones, and names bad fields', () => {
  const config = parseServiceConfig({});
  assert.equal(config.method, 'tmu');
  assert.equal(config.autoPromote, false);
  assert.throws(() => parseServiceConfig({ batchWindow: 5 }), /batchWindow.*valid keys: batchWindowMs/);
  assert.throws(() => parseServiceConfig({ gates: { maxDrop: 1 } }), /valid keys: maxTestAccDrop/);
  assert.throws(() => parseServiceConfig({ pilotPredictions: -1 }), /pilotPredictions/);
});
