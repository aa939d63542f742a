/**
 * TMU's twin calibration of the hard samples' presentations (`hardRepeat=twin`) on a small CNN trained on
 * a tiny real Fashion-MNIST subset: the choice rule, the per-class cache, and bad inputs.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { AlignedUpdateOptions } from '../../src/unlearn/tmu/alignedUpdate.js';
import { calibrateHardRepeat, type CalibrationRequest } from '../../src/unlearn/tmu/calibration.js';
import { buildTwin, disposeTwin, type TwinProblem } from '../../src/unlearn/tmu/twin.js';
import { buildFixture, fashionSubset, type Fixture, tempDir } from './support.js';

const work = tempDir('tmu-calibration-');
const dataDir = fashionSubset(join(work, 'data'));

const UPDATE: AlignedUpdateOptions = {
  epochs: 2, lr: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 64, retainMultiple: 3, easyNoise: 0.5,
  select: 'last', checkEvery: 10, stop: 'epochs', average: 'none', hardLoss: 'label', easyLoss: 'label', hingeMargin: 1, hardRepeat: 1,
  retainLoss: 'distill', retainFocus: 0, seed: 0,
};

describe('TMU twin calibration of hardRepeat', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  let twin: TwinProblem;
  let request: CalibrationRequest;
  /** The class with the most twin samples Mo gets wrong. */
  let hardClass: number;
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 3, forgetClass: 1, fraction: 0.5 });
    twin = buildTwin(fixture.ctx, {
      perClass: 20, epochs: 2, retainMultiple: 2, optimizer: 'sgd', lr: 0.01, batchSize: 64, pgdEps: 4 / 255, pgdSteps: 2, neighbours: 3, classNeighbours: 10, curriculumEpoch: 2, seed: 0,
    });
    const wrong = new Array<number>(10).fill(0);
    twin.labels.forEach((label, i) => {
      if (!twin.generalisation[i]) wrong[label]!++;
    });
    hardClass = wrong.indexOf(Math.max(...wrong));
    // The generalisation labels themselves as P(easy): the calibration then measures the update alone.
    request = { classes: [hardClass], twinEasyProbability: Float32Array.from(twin.generalisation), update: UPDATE, candidates: [1, 4], cachePath: null, cacheKey: 'k1' };
  });
  after(() => {
    if (twin) disposeTwin(twin);
    fixture?.original.dispose();
  });

  test('each class gets the candidate whose twin update agrees best with Mo on its twin samples, ties going to the smaller', () => {
    assert.ok(twin.hardRateByClass[hardClass]! > 0, 'the fixture has a class with hard samples');
    const result = calibrateHardRepeat(fixture.ctx, twin, request);
    const chosen = result.byClass.get(hardClass)!;
    assert.deepEqual(result.calibrated, [hardClass]);
    assert.equal(chosen.samples, twin.labels.filter((label) => label === hardClass).length);
    assert.ok(chosen.hard > 0, JSON.stringify(chosen));
    assert.deepEqual(Object.keys(chosen.agreement).sort(), ['1', '4']);
    for (const value of [...Object.values(chosen.agreement), ...Object.values(chosen.accuracy), chosen.goldAccuracy, chosen.twinAccuracy]) assert.ok(value >= 0 && value <= 100, `${value}`);
    const best = chosen.agreement['4']! > chosen.agreement['1']! ? 4 : 1;
    assert.equal(chosen.repeat, best, JSON.stringify(chosen));
  });

  test('a class without predicted-hard twin samples takes the smallest candidate without running an update', () => {
    // A hard rate of 0 for the class: the split marks none of its twin samples hard.
    const noneHard: TwinProblem = { ...twin, hardRateByClass: twin.hardRateByClass.map((rate, label) => (label === hardClass ? 0 : rate)) };
    const result = calibrateHardRepeat(fixture.ctx, noneHard, { ...request, candidates: [3, 2] });
    const chosen = result.byClass.get(hardClass)!;
    assert.equal(chosen.hard, 0);
    assert.equal(chosen.repeat, 2);
    assert.deepEqual(chosen.agreement, {});
  });

  test('results are cached per class and key: a second call reuses them, another key or an unreadable file calibrates again', () => {
    const cachePath = join(work, 'calibration.json');
    const first = calibrateHardRepeat(fixture.ctx, twin, { ...request, cachePath });
    assert.deepEqual(first.calibrated, [hardClass]);
    const stored = JSON.parse(readFileSync(cachePath, 'utf8'));
    assert.equal(stored.key, 'k1');
    assert.deepEqual(stored.classes[String(hardClass)], first.byClass.get(hardClass));
    const again = calibrateHardRepeat(fixture.ctx, twin, { ...request, cachePath });
    assert.deepEqual(again.calibrated, [], 'nothing recalibrated');
    assert.deepEqual(again.byClass.get(hardClass), first.byClass.get(hardClass));
    const otherKey = calibrateHardRepeat(fixture.ctx, twin, { ...request, cachePath, cacheKey: 'k2' });
    assert.deepEqual(otherKey.calibrated, [hardClass]);
    writeFileSync(cachePath, '{"key": "k2", "clas');
    const repaired = calibrateHardRepeat(fixture.ctx, twin, { ...request, cachePath, cacheKey: 'k2' });
    assert.deepEqual(repaired.calibrated, [hardClass]);
    assert.equal(JSON.parse(readFileSync(cachePath, 'utf8')).key, 'k2', 'the unreadable file is replaced');
  });

  test('bad candidates and probabilities for the wrong number of twin samples are rejected by name', () => {
    for (const candidates of [[], [0], [1.5]]) {
      assert.throws(() => calibrateHardRepeat(fixture.ctx, twin, { ...request, candidates }), /candidates/, JSON.stringify(candidates));
    }
    assert.throws(() => calibrateHardRepeat(fixture.ctx, twin, { ...request, twinEasyProbability: new Float32Array(3) }), /probabilities/);
  });
});
