/**
 * A TMU-only benchmark report judged against the baselines of an earlier report of the same runs
 * (bench/tmuAcceptance.ts --baselines): merged only when scenario, seeds, original and gold models match;
 * runs of one method pooled (--pool); and one method's rows of consecutive seed ranges joined
 * (bench/tmuValidation.ts, when a scenario gains seeds).
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { joinSeeds, poolRuns, withBaselines } from '../../bench/lib/mergeReports.js';
import type { MethodReport, Report } from '../../src/eval/report.js';
import { summarize } from '../../src/eval/statistics.js';

/** Only the fields the merge reads. */
function report(options: {
  methods: string[];
  original?: string[];
  gold?: string[];
  seeds?: number[];
  cls?: number;
  floor?: string | null;
}): Report {
  return {
    scenario: { name: 'subclass', class: options.cls ?? 4, fraction: 0.1 },
    seeds: options.seeds ?? [0, 1],
    models: {
      original: { digests: options.original ?? ['o0', 'o1'] },
      gold: { digests: options.gold ?? ['g0', 'g1'] },
    },
    noiseFloor: options.floor === undefined ? null : options.floor,
    methods: options.methods.map((name) => ({ name, tag: `${name}@${options.floor ?? 'new'}` })),
  } as unknown as Report;
}

describe('TMU report merged with earlier baselines', () => {
  test("keeps the new report's TMU row and takes every other row and the noise floor from the baselines", () => {
    const merged = withBaselines(
      report({ methods: ['tmu'] }),
      report({ methods: ['finetune', 'tmu', 'random-label'], floor: 'floor' }),
      'tmu',
    );
    assert.deepEqual(
      merged.methods.map((m) => `${m.name}:${(m as unknown as { tag: string }).tag}`),
      ['tmu:tmu@new', 'finetune:finetune@floor', 'random-label:random-label@floor'],
    );
    assert.equal(merged.noiseFloor as unknown, 'floor');
  });

  test('refuses baselines of other models, seeds or scenarios, naming what differs', () => {
    const ours = report({ methods: ['tmu'] });
    assert.throws(
      () => withBaselines(ours, report({ methods: ['finetune'], original: ['o0', 'x'] }), 'tmu'),
      /original models differ/,
    );
    assert.throws(
      () => withBaselines(ours, report({ methods: ['finetune'], gold: ['g0', 'x'] }), 'tmu'),
      /gold models differ/,
    );
    assert.throws(
      () => withBaselines(ours, report({ methods: ['finetune'], seeds: [0, 2] }), 'tmu'),
      /seeds \[0,2\] are not \[0,1\]/,
    );
    assert.throws(
      () => withBaselines(ours, report({ methods: ['finetune'], cls: 6 }), 'tmu'),
      /scenario subclass\/6\/0.1 is not subclass\/4\/0.1/,
    );
  });

  test('a report without the method, or baselines without any other method, is an error', () => {
    assert.throws(
      () => withBaselines(report({ methods: ['finetune'] }), report({ methods: ['finetune'] }), 'tmu'),
      /no tmu in the report/,
    );
    assert.throws(
      () => withBaselines(report({ methods: ['tmu'] }), report({ methods: ['tmu'] }), 'tmu'),
      /no method other than tmu/,
    );
  });
});

describe('runs of one method pooled into one report', () => {
  /** A TMU-only report whose row has per-seed agreement values and a nested predictor statistic. */
  function run(
    agreement: (number | null)[],
    auroc: number[],
    options: { gold?: string[]; seeds?: number[]; params?: Record<string, unknown> } = {},
  ): Report {
    const base = report({ methods: ['tmu'], ...options });
    return {
      ...base,
      methods: [
        {
          name: 'tmu',
          params: { updateSeed: agreement[0], ...options.params },
          agreement: summarize(agreement),
          predictor: { auroc: summarize(auroc), featureAuroc: {} },
          summaries: agreement.map((value) => ({ value })),
        },
      ],
    } as unknown as Report;
  }

  test("averages each statistic per seed over the runs, then over seeds, and keeps every run's summaries", () => {
    const pooled = poolRuns(
      [run([90, 92], [0.75, 0.875]), run([94, 88], [0.75, 0.875]), run([92, 90], [0.75, 0.875])],
      'tmu',
    );
    const row = pooled.methods.find((m) => m.name === 'tmu')!;
    assert.deepEqual(row.agreement.values, [92, 90]);
    assert.equal(row.agreement.mean, 91);
    assert.deepEqual(row.predictor!.auroc.values, [0.75, 0.875], 'a statistic all runs share stays as it was');
    assert.equal(row.summaries.length, 6);
    assert.deepEqual(row.params, { updateSeed: 90 }, "the first run's parameters");
  });

  test('a seed missing in one run is missing in the pool', () => {
    const row = poolRuns([run([90, null], [0.9, 0.9]), run([94, 88], [0.9, 0.9])], 'tmu').methods[0]!;
    assert.deepEqual(row.agreement.values, [92, null]);
    assert.equal(row.agreement.mean, 92);
  });

  test('refuses runs of other models or seeds, and an empty pool', () => {
    assert.throws(
      () => poolRuns([run([90, 92], [0.9, 0.9]), run([90, 92], [0.9, 0.9], { gold: ['g0', 'x'] })], 'tmu'),
      /--pool subclass\/4\/0.1: the gold models differ/,
    );
    assert.throws(
      () => poolRuns([run([90, 92], [0.9, 0.9]), run([90, 92], [0.9, 0.9], { seeds: [0, 2] })], 'tmu'),
      /seeds \[0,2\] are not \[0,1\]/,
    );
    assert.throws(() => poolRuns([], 'tmu'), /no report to pool/);
  });

  test('refuses runs of other settings, naming each difference, and pools runs that differ only in the update seed', () => {
    const pair = { features: ['distance', 'neighbourhood'], hardRateSlope: 0.1 };
    assert.throws(
      () =>
        poolRuns(
          [
            run([90, 92], [0.9, 0.9], { params: pair }),
            run([91, 92], [0.9, 0.9], { params: { ...pair, hardRateSlope: 0 } }),
          ],
          'tmu',
        ),
      /--pool subclass\/4\/0.1: runs of tmu with other settings cannot be pooled \(hardRateSlope: 0.1 vs 0\)/,
    );
    assert.throws(
      () =>
        poolRuns(
          [
            run([90, 92], [0.9, 0.9], { params: pair }),
            run([91, 92], [0.9, 0.9], { params: { features: pair.features } }),
          ],
          'tmu',
        ),
      /hardRateSlope: 0.1 vs 0\)/,
      'a run from before the option existed ran at its default',
    );
    const older = poolRuns(
      [
        run([90, 92], [0.9, 0.9], { params: { ...pair, hardRateShift: 'none' } }),
        run([94, 92], [0.9, 0.9], { params: pair }),
      ],
      'tmu',
    );
    assert.deepEqual(
      older.methods[0]!.agreement.values,
      [92, 92],
      'an option added since, at the value that reproduces the older run, is no difference',
    );
    const pooled = poolRuns(
      [run([90, 92], [0.9, 0.9], { params: pair }), run([94, 92], [0.9, 0.9], { params: pair })],
      'tmu',
    );
    assert.deepEqual(pooled.methods[0]!.agreement.values, [92, 92]);
  });
});

describe('rows of consecutive seed ranges joined into one', () => {
  /** A TMU row over some seeds: per-seed agreement, a nested predictor statistic and one summary per seed. */
  function row(
    agreement: (number | null)[],
    params: Record<string, unknown> = { features: ['distance'] },
    name = 'tmu',
  ): MethodReport {
    return {
      name,
      params,
      agreement: summarize(agreement),
      predictor: { auroc: summarize(agreement.map((v) => (v === null ? null : v / 100))), featureAuroc: {} },
      summaries: agreement.map((value) => ({ value })),
    } as unknown as MethodReport;
  }

  test('concatenates every statistic per seed in the order given and summarises the whole again', () => {
    const joined = joinSeeds([row([90, 92, null]), row([94, 88])]);
    assert.deepEqual(joined.agreement.values, [90, 92, null, 94, 88]);
    assert.equal(joined.agreement.mean, 91);
    assert.deepEqual(
      joined.agreement,
      summarize([90, 92, null, 94, 88]),
      'the same summary one run over all five seeds would have',
    );
    assert.deepEqual(joined.predictor!.auroc.values, [0.9, 0.92, null, 0.94, 0.88], 'nested statistics too');
    assert.deepEqual(
      joined.summaries.map((s) => (s as { value: number }).value),
      [90, 92, null, 94, 88],
    );
  });

  test('refuses rows of another method or other parameters, and nothing to join', () => {
    assert.throws(
      () => joinSeeds([row([90]), row([91], { features: ['curriculum'] })]),
      /joinSeeds tmu: rows with different parameters/,
    );
    assert.throws(() => joinSeeds([row([90]), row([91], undefined, 'finetune')]), /rows of tmu and finetune/);
    assert.throws(() => joinSeeds([]), /no row to join/);
  });

  test("takes the caller's test of equal parameters and keeps the newest row's", () => {
    const older = row([90], { features: ['distance'] });
    const newer = row([92], { features: ['distance'], slope: 0 });
    const joined = joinSeeds([older, newer], (a, b) => JSON.stringify(a.features) === JSON.stringify(b.features));
    assert.deepEqual(joined.params, { features: ['distance'], slope: 0 });
    assert.deepEqual(joined.agreement.values, [90, 92]);
  });
});
