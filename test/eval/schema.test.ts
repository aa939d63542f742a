import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Report } from '../../src/eval/report.js';
import { sampleReport } from './sample.js';
import { validateReport } from './schema.js';

/** A deep copy of the report as plain JSON. */
function json(report: Report): Record<string, unknown> {
  return JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
}

/** Deletes the field at a dotted path (numeric parts index arrays). */
function remove(value: Record<string, unknown>, path: string): Record<string, unknown> {
  const parts = path.split('.');
  let node: Record<string, unknown> = value;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  delete node[parts[parts.length - 1]!];
  return value;
}

const report = sampleReport();
const single = sampleReport([4]);

test('a generated report (3 seeds) and a single-seed report validate against schema/report.schema.json', () => {
  assert.deepEqual(validateReport(json(report)), { valid: true, errors: [] });
  assert.deepEqual(validateReport(json(single)), { valid: true, errors: [] });
});

const METHOD_FIELDS = [
  'name',
  'params',
  'acc',
  'acc.forget',
  'acc.retain',
  'acc.test',
  'gap',
  'gap.forget',
  'gap.retain',
  'gap.test',
  'gap.mia',
  'avgGap',
  'tow',
  'agreement',
  'activationDistance',
  'mia',
  'mia.efficacy',
  'seconds',
  'rte',
  'easyRecall',
  'hardForget',
  'jsDivergence',
  'mia.populationSuccess',
  'summaries',
];

test('removing any DESIGN §7 field from any method fails validation', () => {
  report.methods.forEach((method, i) => {
    for (const field of METHOD_FIELDS) {
      const result = validateReport(remove(json(report), `methods.${i}.${field}`));
      assert.equal(result.valid, false, `methods[${i}] (${method.name}) without ${field} validated`);
    }
  });
});

test("removing TMU's predictor accuracy, AUROC or per-feature AUROCs, or its whole predictor, fails validation", () => {
  const i = report.methods.findIndex((m) => m.name === 'tmu');
  for (const field of ['predictor', 'predictor.accuracy', 'predictor.auroc', 'predictor.featureAuroc']) {
    assert.equal(validateReport(remove(json(report), `methods.${i}.${field}`)).valid, false, `tmu without ${field}`);
  }
});

test('removing a top-level DESIGN §7 field or a reference model fails validation', () => {
  for (const field of [
    'dataset',
    'arch',
    'scenario',
    'seeds',
    'models',
    'models.original',
    'models.gold',
    'methods',
    'models.gold.acc.forget',
    'models.original.avgGap',
  ]) {
    assert.equal(validateReport(remove(json(report), field)).valid, false, `report without ${field}`);
  }
});

test('a stat must be {mean, ci95, values}: a NaN-turned-string or an extra key fails validation', () => {
  const bad = json(report);
  const tow = (bad.methods as Record<string, unknown>[])[0]!.tow as Record<string, unknown>;
  tow.mean = 'NaN';
  assert.equal(validateReport(bad).valid, false);
  const extra = json(report);
  ((extra.methods as Record<string, unknown>[])[0]!.tow as Record<string, unknown>).std = 1;
  assert.equal(validateReport(extra).valid, false);
});
