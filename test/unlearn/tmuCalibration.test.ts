/**
 * TMU's twin calibrations on a small CNN trained on a tiny real Fashion-MNIST subset: of the hard samples'
 * presentations (`hardRepeat=twin`) and of the hard share (`hardRateCalibration=twin`): the choice
 * rules, the per-class cache, and bad inputs.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { AlignedUpdateOptions } from '../../src/unlearn/tmu/alignedUpdate.js';
import { type CalibrationRequest, calibrateHardRepeat } from '../../src/unlearn/tmu/calibration.js';
import {
  calibrateHardShare,
  offsetRates,
  type ShareCalibrationRequest,
} from '../../src/unlearn/tmu/shareCalibration.js';
import { buildTwin, disposeTwin, type TwinProblem } from '../../src/unlearn/tmu/twin.js';
import { TwinClassRequest } from '../../src/unlearn/tmu/twinRequest.js';
import { buildFixture, type Fixture, fashionSubset, tempDir } from './support.js';

const work = tempDir('tmu-calibration-');
const dataDir = fashionSubset(join(work, 'data'));

const UPDATE: AlignedUpdateOptions = {
  epochs: 2,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  batchSize: 64,
  retainMultiple: 3,
  easyNoise: 0.5,
  select: 'last',
  checkEvery: 10,
  stop: 'epochs',
  average: 'none',
  hardLoss: 'label',
  easyLoss: 'label',
  hingeMargin: 1,
  hardRepeat: 1,
  retainLoss: 'distill',
  retainFocus: 0,
  seed: 0,
};

describe('TMU twin calibrations (hardRepeat=twin, hardRateCalibration=twin)', { timeout: 300_000 }, () => {
  let fixture: Fixture;
  let twin: TwinProblem;
  let request: CalibrationRequest;
  /** The class with the most twin samples Mo gets wrong. */
  let hardClass: number;
  before(() => {
    fixture = buildFixture(dataDir, { epochs: 3, forgetClass: 1, fraction: 0.5 });
    twin = buildTwin(fixture.ctx, {
      perClass: 20,
      epochs: 2,
      retainMultiple: 2,
      optimizer: 'sgd',
      lr: 0.01,
      batchSize: 64,
      pgdEps: 4 / 255,
      pgdSteps: 2,
      neighbours: 3,
      classNeighbours: 10,
      curriculumEpoch: 2,
      seed: 0,
    });
    const wrong = new Array<number>(10).fill(0);
    twin.labels.forEach((label, i) => {
      if (!twin.generalisation[i]) wrong[label]!++;
    });
    hardClass = wrong.indexOf(Math.max(...wrong));
    // The generalisation labels themselves as P(easy): the calibration then measures the update alone.
    request = {
      classes: [hardClass],
      twinEasyProbability: Float32Array.from(twin.generalisation),
      update: UPDATE,
      candidates: [1, 4],
      cachePath: null,
      cacheKey: 'k1',
    };
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
    for (const value of [
      ...Object.values(chosen.agreement),
      ...Object.values(chosen.accuracy),
      chosen.goldAccuracy,
      chosen.twinAccuracy,
    ])
      assert.ok(value >= 0 && value <= 100, `${value}`);
    const best = chosen.agreement['4']! > chosen.agreement['1']! ? 4 : 1;
    assert.equal(chosen.repeat, best, JSON.stringify(chosen));
  });

  test('a class without predicted-hard twin samples takes the smallest candidate without running an update', () => {
    // A hard rate of 0 for the class: the split marks none of its twin samples hard.
    const noneHard: TwinProblem = {
      ...twin,
      hardRateByClass: twin.hardRateByClass.map((rate, label) => (label === hardClass ? 0 : rate)),
    };
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
      assert.throws(
        () => calibrateHardRepeat(fixture.ctx, twin, { ...request, candidates }),
        /candidates/,
        JSON.stringify(candidates),
      );
    }
    assert.throws(
      () => calibrateHardRepeat(fixture.ctx, twin, { ...request, twinEasyProbability: new Float32Array(3) }),
      /probabilities/,
    );
  });
  test("the hard share walks from offset 0 towards Mo's accuracy on the twin request until it is passed, and the offset nearest it is chosen", () => {
    const shareRequest: ShareCalibrationRequest = {
      ...request,
      offsets: [0.2, -0.2, 0, -0.1, 0.1],
      cachePath: null,
      cacheKey: 's1',
    };
    const result = calibrateHardShare(fixture.ctx, twin, shareRequest);
    const chosen = result.byClass.get(hardClass)!;
    assert.deepEqual(result.calibrated, [hardClass]);
    assert.equal(chosen.samples, twin.labels.filter((label) => label === hardClass).length);
    assert.equal(chosen.rate, Number(twin.hardRateByClass[hardClass]!.toFixed(4)));
    const tried = Object.keys(chosen.accuracy)
      .map(Number)
      .sort((a, b) => a - b);
    assert.ok(tried.includes(0), 'the walk starts at 0');
    const gap = (offset: number): number => chosen.accuracy[String(offset)]! - chosen.goldAccuracy;
    const direction = Math.sign(gap(0));
    if (direction === 0) {
      assert.deepEqual([tried, chosen.offset], [[0], 0], 'a gap of 0 at offset 0 needs no walk');
      return;
    }
    // Every tried offset lies on the side the gap at 0 points to, all but the last keep the gap's sign.
    const walked = tried.filter((offset) => offset !== 0).sort((a, b) => direction * (a - b));
    for (const offset of walked) assert.equal(Math.sign(offset), direction, JSON.stringify(chosen));
    for (const offset of walked.slice(0, -1)) assert.equal(Math.sign(gap(offset)), direction, JSON.stringify(chosen));
    const all = [-0.2, -0.1, 0, 0.1, 0.2].filter((offset) => Math.sign(offset) === direction);
    if (walked.length < all.length)
      assert.notEqual(
        Math.sign(gap(walked.at(-1)!)),
        direction,
        'the walk stops early only where the gap changed sign',
      );
    const nearest = Math.min(...tried.map((offset) => Math.abs(gap(offset))));
    assert.equal(Math.abs(gap(chosen.offset)), nearest, JSON.stringify(chosen));
    // More hard samples never means fewer marked.
    for (let i = 1; i < tried.length; i++)
      assert.ok(chosen.hard[String(tried[i])]! >= chosen.hard[String(tried[i - 1])]!, JSON.stringify(chosen.hard));
    for (const value of [
      ...Object.values(chosen.accuracy),
      ...Object.values(chosen.agreement),
      chosen.goldAccuracy,
      chosen.twinAccuracy,
    ])
      assert.ok(value >= 0 && value <= 100, `${value}`);
  });

  test("from the twin's exact error, the twin request's split at offset 0 marks as many samples hard as Mo gets wrong there", () => {
    const result = calibrateHardShare(fixture.ctx, twin, {
      ...request,
      offsets: [0],
      cachePath: null,
      cacheKey: 's4',
      from: 'twin-error',
    });
    const chosen = result.byClass.get(hardClass)!;
    assert.equal(chosen.twinRate, Number((1 - chosen.goldAccuracy / 100).toFixed(4)));
    assert.equal(chosen.hard['0'], Number((100 - chosen.goldAccuracy).toFixed(2)), JSON.stringify(chosen));
    const fromRate = calibrateHardShare(fixture.ctx, twin, {
      ...request,
      offsets: [0],
      cachePath: null,
      cacheKey: 's5',
    }).byClass.get(hardClass)!;
    assert.equal(fromRate.twinRate, undefined);
    assert.equal(
      fromRate.hard['0'],
      Number(((100 * Math.round(twin.hardRateByClass[hardClass]! * chosen.samples)) / chosen.samples).toFixed(2)),
      'by default the split starts from the class rate',
    );
  });

  test("with several seeds an offset is judged by the mean of that many twin updates, seeded from the update's seed on", () => {
    // Half the class hard, so that both sides of the split are there for the seed to move.
    const rate = 0.5;
    const halfHard: TwinProblem = {
      ...twin,
      hardRateByClass: twin.hardRateByClass.map((value, label) => (label === hardClass ? rate : value)),
    };
    const twinRequest = new TwinClassRequest(fixture.ctx, halfHard, hardClass, request);
    const single = [0, 1, 2].map((seed) => twinRequest.run(rate, 1, seed));
    assert.ok(
      new Set(single.map((outcome) => `${outcome.accuracy}/${outcome.agreement}`)).size > 1,
      `the seed moves the twin update here, so the mean can tell: ${JSON.stringify(single)}`,
    );
    const mean = (pick: (outcome: (typeof single)[number]) => number): number =>
      Number((single.reduce((sum, outcome) => sum + pick(outcome), 0) / 3).toFixed(2));
    const averaged = calibrateHardShare(fixture.ctx, halfHard, {
      ...request,
      offsets: [0],
      seeds: 3,
      cachePath: null,
      cacheKey: 'seeds3',
    }).byClass.get(hardClass)!;
    assert.equal(
      averaged.accuracy['0'],
      mean((outcome) => outcome.accuracy),
      JSON.stringify({ averaged, single }),
    );
    assert.equal(
      averaged.agreement['0'],
      mean((outcome) => outcome.agreement),
    );
    assert.equal(averaged.hard['0'], single[0]!.hard, 'the split does not depend on the seed');
    const once = calibrateHardShare(fixture.ctx, halfHard, {
      ...request,
      offsets: [0],
      cachePath: null,
      cacheKey: 'seeds1',
    }).byClass.get(hardClass)!;
    assert.deepEqual(
      [once.accuracy['0'], once.agreement['0']],
      [single[0]!.accuracy, single[0]!.agreement],
      "one seed is the single update at the update's own seed",
    );
    for (const seeds of [0, 1.5, -1]) {
      assert.throws(
        () =>
          calibrateHardShare(fixture.ctx, twin, {
            ...request,
            offsets: [0],
            seeds,
            cachePath: null,
            cacheKey: 'bad-seeds',
          }),
        /seeds must be a positive integer/,
        String(seeds),
      );
    }
  });

  test("with a gate, the offset leaves the start only where the seeds' mean gap there exceeds that many standard errors of it", () => {
    const rate = 0.5;
    const halfHard: TwinProblem = {
      ...twin,
      hardRateByClass: twin.hardRateByClass.map((value, label) => (label === hardClass ? rate : value)),
    };
    const twinRequest = new TwinClassRequest(fixture.ctx, halfHard, hardClass, request);
    const gaps = [0, 1, 2].map((seed) => twinRequest.run(rate, 1, seed).accuracy - twinRequest.goldAccuracy);
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / 3;
    const standardError = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / 2 / 3);
    assert.ok(
      mean !== 0 && standardError > 0,
      `the fixture's gap at 0 has a sign and a spread: ${JSON.stringify(gaps)}`,
    );
    const ratio = Math.abs(mean) / standardError;
    const shareRequest: ShareCalibrationRequest = {
      ...request,
      offsets: [-0.2, -0.1, 0, 0.1, 0.2],
      seeds: 3,
      cachePath: null,
      cacheKey: 'gate',
    };
    const ungated = calibrateHardShare(fixture.ctx, halfHard, shareRequest).byClass.get(hardClass)!;
    const below = calibrateHardShare(fixture.ctx, halfHard, { ...shareRequest, gate: ratio * 0.99 }).byClass.get(
      hardClass,
    )!;
    const above = calibrateHardShare(fixture.ctx, halfHard, { ...shareRequest, gate: ratio * 1.01 }).byClass.get(
      hardClass,
    )!;
    assert.ok(
      Object.keys(ungated.accuracy).length > 1,
      `the ungated walk leaves 0 here: ${JSON.stringify(ungated.accuracy)}`,
    );
    const { gate: belowGate, seconds: belowSeconds, ...belowWalk } = below;
    const { seconds: ungatedSeconds, ...ungatedWalk } = ungated;
    assert.deepEqual(belowWalk, ungatedWalk, 'a gap over the gate walks as without one');
    assert.ok(belowSeconds >= 0 && ungatedSeconds >= 0);
    assert.deepEqual(belowGate, {
      gap: Number(mean.toFixed(4)),
      standardError: Number(standardError.toFixed(4)),
      moved: true,
    });
    assert.equal(above.gate!.moved, false);
    assert.deepEqual(
      [above.offset, Object.keys(above.accuracy)],
      [0, ['0']],
      'a gap within the gate keeps the start offset, untried elsewhere',
    );
    assert.equal(ungated.gate, undefined);
    assert.equal(
      calibrateHardShare(fixture.ctx, halfHard, { ...shareRequest, gate: 0 }).byClass.get(hardClass)!.gate,
      undefined,
      'a gate of 0 is no gate',
    );
    for (const [gate, seeds, message] of [
      [-1, 3, /gate must be a number of standard errors >= 0/],
      [Number.NaN, 3, /gate must be/],
      [2, 1, /needs seeds >= 2/],
    ] as const) {
      assert.throws(
        () => calibrateHardShare(fixture.ctx, halfHard, { ...shareRequest, gate, seeds }),
        message,
        `${gate}/${seeds}`,
      );
    }
  });

  test('share calibrations are cached per class and key beside the twin, and a class the twin has no samples of keeps its rate', () => {
    const cachePath = join(work, 'share-calibration.json');
    const shareRequest: ShareCalibrationRequest = { ...request, offsets: [-0.1, 0, 0.1], cachePath, cacheKey: 's2' };
    const first = calibrateHardShare(fixture.ctx, twin, shareRequest);
    assert.deepEqual(
      JSON.parse(readFileSync(cachePath, 'utf8')).classes[String(hardClass)],
      first.byClass.get(hardClass),
    );
    const again = calibrateHardShare(fixture.ctx, twin, shareRequest);
    assert.deepEqual(again.calibrated, []);
    assert.deepEqual(again.byClass.get(hardClass), first.byClass.get(hardClass));
    assert.deepEqual(
      calibrateHardShare(fixture.ctx, twin, { ...shareRequest, cacheKey: 's3' }).calibrated,
      [hardClass],
      'another key calibrates again',
    );
    const without: TwinProblem = {
      ...twin,
      hardRateByClass: twin.hardRateByClass.map((rate, label) => (label === hardClass ? Number.NaN : rate)),
    };
    const missing = calibrateHardShare(fixture.ctx, without, { ...shareRequest, cachePath: null });
    assert.equal(missing.byClass.get(hardClass)!.offset, 0);
    assert.deepEqual(missing.byClass.get(hardClass)!.accuracy, {}, 'nothing was run');
  });

  test("offsetRates moves each calibrated class's rate by its offset within [0, 1] and leaves the others", () => {
    const rates = [0.1, 0.5, 0.02, Number.NaN];
    const moved = offsetRates(
      rates,
      new Map([
        [0, { offset: 0.04 }],
        [1, { offset: 0.6 }],
        [2, { offset: -0.04 }],
        [3, { offset: 0.02 }],
      ]),
    );
    assert.ok(Math.abs(moved[0]! - 0.14) < 1e-12);
    assert.deepEqual(moved.slice(1, 3), [1, 0]);
    assert.ok(Number.isNaN(moved[3]!));
    assert.deepEqual(offsetRates(rates.slice(0, 3), new Map()), rates.slice(0, 3));
  });

  test('bad offsets and probabilities for the wrong number of twin samples are rejected by name in the share calibration', () => {
    for (const offsets of [[], [1], [-1], [Number.NaN]]) {
      assert.throws(
        () => calibrateHardShare(fixture.ctx, twin, { ...request, offsets, cacheKey: 'bad' }),
        /offsets/,
        JSON.stringify(offsets),
      );
    }
    assert.throws(
      () =>
        calibrateHardShare(fixture.ctx, twin, { ...request, offsets: [0], twinEasyProbability: new Float32Array(3) }),
      /probabilities/,
    );
  });
});
