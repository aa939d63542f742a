/**
 * The cost bench's arithmetic and schedule (bench/lib/costShares.ts): shares of the gold training timed in
 * the same run, per forget set, and work spread between the gold training's epochs.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CostMeasurements,
  type CostRun,
  costForScenario,
  costSchedule,
  costShares,
  type RequestTiming,
} from '../../bench/lib/costShares.js';
import type { Report } from '../../src/eval/report.js';

const request = (
  goldDigest: string,
  perRequestSeconds: number,
  processKind: RequestTiming['process'] = 'in-process',
  wallSeconds = perRequestSeconds + 1,
): RequestTiming => ({ process: processKind, afterEpoch: 2, goldDigest, forget: 450, perRequestSeconds, wallSeconds });

describe('cost shares', () => {
  test('the gold training is the sum of its epochs, and each forget set is judged on its own mean', () => {
    const measured: CostMeasurements = {
      originalDigest: 'mo',
      goldEpochSeconds: [40, 30, 30],
      twinBuilds: [
        { afterEpoch: 1, seconds: 30 },
        { afterEpoch: 2, seconds: 45 },
      ],
      requests: [request('a', 3), request('a', 5), request('b', 6)],
    };
    const shares = costShares(measured);
    assert.equal(shares.goldTrainingSeconds, 100);
    assert.deepEqual(
      shares.forgetSets.map((f) => [f.goldDigest, f.requests, f.perRequestSeconds, f.perRequestShare]),
      [
        ['a', 2, 4, 0.04],
        ['b', 1, 6, 0.06],
      ],
    );
    assert.equal(shares.holds.perRequest5pct, false, 'forget set b costs 6% of the gold training');
    assert.deepEqual(shares.twin, { builds: 2, maxSeconds: 45, share: 0.45 });
    assert.equal(shares.holds.twin50pct, true);
    assert.equal(shares.holds.cliPerRequest5pct, null, 'no fresh-process request was timed');
  });

  test('fresh-process requests are reported and judged apart from in-process ones', () => {
    const shares = costShares({
      originalDigest: 'mo',
      goldEpochSeconds: [100],
      twinBuilds: [],
      requests: [request('a', 2), request('a', 7, 'cli', 12)],
    });
    const [set] = shares.forgetSets;
    assert.equal(set!.perRequestShare, 0.02);
    assert.deepEqual(set!.cli, {
      requests: 1,
      perRequestSeconds: 7,
      perRequestShare: 0.07,
      wallSeconds: 12,
      wallShare: 0.12,
    });
    assert.deepEqual(shares.holds, { perRequest5pct: true, cliPerRequest5pct: false, twin50pct: null });
  });

  test('a per-class calibration a request paid counts with the twin build, not with the request', () => {
    const measured: CostMeasurements = {
      originalDigest: 'mo',
      goldEpochSeconds: [100],
      twinBuilds: [{ afterEpoch: 1, seconds: 40 }],
      requests: [
        { ...request('a', 3), calibrationSeconds: 8 },
        { ...request('a', 3), calibrationSeconds: 0 },
        request('a', 3),
      ],
    };
    const shares = costShares(measured);
    assert.equal(shares.forgetSets[0]!.perRequestSeconds, 3, 'the request keeps its own seconds');
    assert.deepEqual(shares.calibration, { maxSeconds: 8, share: 0.08, twinWithCalibrationShare: 0.48 });
    assert.equal(shares.holds.twin50pct, true);
    const over = costShares({ ...measured, requests: [{ ...request('a', 3), calibrationSeconds: 11 }] });
    assert.equal(over.holds.twin50pct, false, 'a 40 s twin and an 11 s calibration are 51% of a 100 s gold training');
    assert.equal(costShares({ ...measured, requests: [request('a', 3)] }).calibration, null, 'no request calibrated');
  });

  test('a run without a timed gold epoch or in-process request is an error, not a share of nothing', () => {
    assert.throws(
      () => costShares({ originalDigest: 'mo', goldEpochSeconds: [], twinBuilds: [], requests: [request('a', 1)] }),
      /no gold training epoch/,
    );
    assert.throws(
      () =>
        costShares({
          originalDigest: 'mo',
          goldEpochSeconds: [10],
          twinBuilds: [],
          requests: [request('a', 1, 'cli')],
        }),
      /no in-process request/,
    );
  });
});

describe('cost schedule', () => {
  test('the first twin build comes first, the rest spread out, and requests cycle through the forget sets', () => {
    const schedule = costSchedule(10, 3, { twinBuilds: 2, cli: false });
    assert.deepEqual(
      schedule.filter((s) => s.work.kind === 'twin').map((s) => s.afterEpoch),
      [1, 5],
    );
    const requests = schedule.filter((s) => s.work.kind === 'request');
    assert.deepEqual(
      requests.map((s) => s.afterEpoch),
      [2, 3, 4, 6, 7, 8, 9],
    );
    assert.deepEqual(
      requests.map((s) => (s.work.kind === 'request' ? s.work.forgetSet : -1)),
      [0, 1, 2, 0, 1, 2, 0],
    );
    assert.ok(
      schedule.every((s) => s.afterEpoch < 10),
      'nothing after the last epoch',
    );
  });

  test('with fresh processes each request slot times the same forget set both ways', () => {
    const schedule = costSchedule(4, 2, { twinBuilds: 1, cli: true });
    assert.deepEqual(
      schedule.map((s) => [s.afterEpoch, s.work.kind === 'request' ? `${s.work.forgetSet}/${s.work.process}` : 'twin']),
      [
        [1, 'twin'],
        [2, '0/in-process'],
        [2, '0/cli'],
        [3, '1/in-process'],
        [3, '1/cli'],
      ],
    );
  });

  test('a schedule that leaves no epoch for requests is refused', () => {
    assert.throws(() => costSchedule(1, 1, { twinBuilds: 1, cli: false }), /at least 2 epochs/);
    assert.throws(() => costSchedule(3, 1, { twinBuilds: 2, cli: false }), /leave no epoch/);
  });
});

describe('cost criteria of a benchmark scenario', () => {
  /** Only the fields the match reads. */
  const defaults = { features: ['distance', 'adversarial', 'curriculum'], hardRateSlope: 0 };
  const scenario = (
    gold: string[],
    original = ['mo0', 'mo1'],
    params: Record<string, unknown> = { ...defaults, updateSeed: 100 },
  ): Pick<Report, 'scenario' | 'models' | 'methods'> =>
    ({
      scenario: { name: 'subclass', class: 6, fraction: 0.1 },
      models: { original: { digests: original }, gold: { digests: gold } },
      methods: [{ name: 'tmu', params }],
    }) as unknown as Pick<Report, 'scenario' | 'models' | 'methods'>;
  const run = (
    file: string,
    originalDigest: string,
    requests: RequestTiming[],
    twinSeconds: number[] = [40],
    settings: Record<string, unknown> | null = null,
  ): CostRun => ({
    file,
    settings,
    shares: costShares({
      originalDigest,
      goldEpochSeconds: [100],
      twinBuilds: twinSeconds.map((seconds) => ({ afterEpoch: 1, seconds })),
      requests,
    }),
  });

  test("takes only the forget sets of the scenario's gold models, from runs on its original models", () => {
    const runs = [
      run('seed0.json', 'mo0', [request('g6', 4), request('g4', 9)]),
      run('seed1.json', 'mo1', [request('g6b', 3)], [55]),
      run('other.json', 'elsewhere', [request('g6', 20)]),
    ];
    const cost = costForScenario(scenario(['g6', 'g6b']), runs);
    assert.deepEqual(cost.seconds.runs, ['seed0.json', 'seed1.json']);
    assert.deepEqual(
      cost.seconds.perRequestShare,
      [0.04, 0.03],
      "the 9 s request on another class and the other model's run are not counted",
    );
    assert.equal(cost.holds.perRequest5pct, true);
    assert.equal(cost.holds.twin50pct, false, 'the twin of seed 1 took 55% of its gold training');
  });

  test("the twin criterion of a scenario counts the calibration its run's requests paid", () => {
    const within = costForScenario(scenario(['g6']), [
      run('seed0.json', 'mo0', [{ ...request('g6', 4), calibrationSeconds: 9 }]),
    ]);
    assert.equal(within.holds.twin50pct, true);
    assert.deepEqual(within.seconds.twinWithCalibrationShare, [0.49]);
    const over = costForScenario(scenario(['g6']), [
      run('seed0.json', 'mo0', [{ ...request('g6', 4), calibrationSeconds: 12 }]),
    ]);
    assert.equal(over.holds.twin50pct, false, 'a 40 s twin with a 12 s calibration is 52% of the gold training');
  });

  test('a run that timed other TMU settings than the scenario ran is refused, naming them; the update seed aside', () => {
    const variant = { features: [...defaults.features, 'neighbourhood'], hardRateSlope: 0.1 };
    assert.throws(
      () =>
        costForScenario(scenario(['g6']), [
          run('variant.json', 'mo0', [request('g6', 4)], [40], { ...variant, updateSeed: 0 }),
        ]),
      /--cost variant.json: it timed TMU with other settings than scenario subclass\/6\/0.1 ran \(features: .* vs .*neighbourhood.*; hardRateSlope: 0 vs 0.1\)/,
    );
    const matching = costForScenario(scenario(['g6'], undefined, { ...variant, updateSeed: 101 }), [
      run('variant.json', 'mo0', [request('g6', 4)], [40], { ...variant, updateSeed: 0 }),
    ]);
    assert.deepEqual(matching.seconds.settings, ['checked']);
    const unrecorded = costForScenario(scenario(['g6']), [run('old.json', 'mo0', [request('g6', 4)])]);
    assert.deepEqual(unrecorded.seconds.settings, ['not recorded'], 'a run from before settings were recorded says so');
  });

  test('a scenario no cost run covers is an error naming it', () => {
    assert.throws(
      () => costForScenario(scenario(['g2']), [run('seed0.json', 'mo0', [request('g6', 4)])]),
      /no cost run timed requests on a gold model of scenario subclass\/6\/0.1/,
    );
  });
});
