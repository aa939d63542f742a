import assert from 'node:assert/strict';
import { test } from 'node:test';

import { aggregateRuns, type ReportMeta } from '../../src/eval/report.js';
import { ROC_FPR_GRID } from '../../src/eval/rocGrid.js';
import { studentTQuantile } from '../../src/eval/statistics.js';
import { SAMPLE_METHODS, sampleReport, sampleRuns } from './sample.js';
import { close } from './support.js';

const META: ReportMeta = {
  dataset: 'fashion-mnist',
  arch: 'cnn',
  scenario: { name: 'subclass', class: 6, fraction: 0.1 },
};

test('aggregateRuns keeps per-seed values in seed order with their mean and 95% t-interval', () => {
  const runs = sampleRuns([3, 1, 2]);
  const report = aggregateRuns(runs, META);
  assert.deepEqual(report.seeds, [3, 1, 2]);
  const tmu = report.methods.find((m) => m.name === 'tmu')!;
  const values = runs.map((r) => r.methods.find((m) => m.name === 'tmu')!.alignment.avgGap);
  assert.deepEqual(tmu.avgGap.values, values);
  const m = values.reduce((a, b) => a + b, 0) / 3;
  close(tmu.avgGap.mean!, m, 1e-12);
  const s = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / 2);
  close(tmu.avgGap.ci95![1] - m, (studentTQuantile(0.975, 2) * s) / Math.sqrt(3), 1e-9);
  assert.deepEqual(
    tmu.acc.forget.values,
    runs.map((r) => r.methods.find((x) => x.name === 'tmu')!.metrics.acc.forget),
  );
  assert.deepEqual(
    report.models.gold.seconds.values,
    runs.map((r) => r.gold.seconds),
  );
  assert.deepEqual(report.sizes.forget, [120, 120, 120]);
});

test('aggregateRuns with one seed gives every Stat a mean and a null ci95', () => {
  const report = aggregateRuns(sampleRuns([0]), META);
  const tmu = report.methods[0]!;
  assert.equal(tmu.tow.ci95, null);
  assert.equal(tmu.tow.values.length, 1);
  assert.equal(tmu.tow.mean, tmu.tow.values[0]);
});

test('aggregateRuns lists methods in first-seen order and fills a seed a method did not run on with null', () => {
  const runs = sampleRuns([0, 1]);
  runs[0]!.methods = runs[0]!.methods.filter((m) => m.name !== 'finetune');
  const report = aggregateRuns(runs, META);
  assert.deepEqual(
    report.methods.map((m) => m.name),
    ['tmu', 'gradient-ascent', 'random-label', 'finetune'],
  );
  const finetune = report.methods.find((m) => m.name === 'finetune')!;
  assert.equal(finetune.avgGap.values[0], null);
  assert.equal(finetune.avgGap.mean, finetune.avgGap.values[1]);
  assert.equal(finetune.avgGap.ci95, null);
  assert.deepEqual(finetune.summaries, [null, { steps: 101 }]);
});

test('the report has predictor quality for TMU only, the noise floor, ROC series for every model and the scatter of the first seed', () => {
  const report = sampleReport();
  assert.ok(report.methods.find((m) => m.name === 'tmu')!.predictor);
  assert.ok(report.methods.filter((m) => m.name !== 'tmu').every((m) => m.predictor === undefined));
  assert.ok(report.noiseFloor && report.noiseFloor.avgGap.mean! < report.models.original.avgGap.mean!);
  assert.deepEqual(report.plots.miaRoc.fpr, [...ROC_FPR_GRID]);
  assert.deepEqual(
    report.plots.miaRoc.series.map((s) => s.role),
    ['original', 'gold', 'noise-floor', ...SAMPLE_METHODS.map(() => 'method')],
  );
  assert.ok(
    report.plots.miaRoc.series.every(
      (s) => s.tpr.length === ROC_FPR_GRID.length && s.tpr.every((t) => t >= 0 && t <= 1),
    ),
  );
  assert.equal(report.plots.predictorScatter.length, 1);
  assert.equal(report.plots.predictorScatter[0]!.seed, 0);
  assert.equal(aggregateRuns(sampleRuns([0], { replica: false }), META).noiseFloor, null);
});

test('a report survives JSON round-trip unchanged (no NaN or Infinity in it)', () => {
  const report = sampleReport([0, 1]);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});

test('aggregateRuns rejects no runs, repeated seeds and runs with different population α', () => {
  assert.throws(() => aggregateRuns([], META), /no runs/);
  const runs = sampleRuns([0]);
  assert.throws(() => aggregateRuns([runs[0]!, runs[0]!], META), /repeated seeds/);
  assert.throws(() => aggregateRuns([runs[0]!, { ...runs[0]!, seed: 9, populationAlpha: 0.1 }], META), /alpha/);
});
