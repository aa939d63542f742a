import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderMarkdown } from '../../src/eval/markdown.js';
import type { Report } from '../../src/eval/report.js';
import { sampleReport } from './sample.js';

const report = sampleReport();
const markdown = renderMarkdown(report);
const lines = markdown.split('\n');

function row(label: string): string[] {
  const line = lines.find((l) => l.startsWith(`| ${label} |`));
  assert.ok(line, `no row ${label}`);
  return line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, ''));
}

test("the main table has the paper's columns: acc forget/retain/test, Δs, Avg.Gap, ToW, agreement, MIA, seconds, RTE", () => {
  assert.ok(
    markdown.includes(
      '| Model | Acc Df | Acc Dr | Acc T | Δ Df | Δ Dr | Δ T | Δ MIA | Avg.Gap ↓ | ToW ↑ | Agreement ↑ | MIA-efficacy | Seconds | RTE |',
    ),
  );
});

test('rows: original, gold, noise floor and every method; cells are mean ± CI half-width', () => {
  for (const label of [
    '*Original (no unlearning)*',
    '*Gold: retrain (reference)*',
    '*Noise floor: second retrain*',
    'tmu',
    'finetune',
    'gradient-ascent',
    'random-label',
  ])
    row(label);
  const tmu = report.methods.find((m) => m.name === 'tmu')!;
  const half = (tmu.acc.test.ci95![1] - tmu.acc.test.ci95![0]) / 2;
  assert.equal(row('tmu')[3], `${tmu.acc.test.mean!.toFixed(2)} ± ${half.toFixed(2)}`);
  const gold = row('*Gold: retrain (reference)*');
  assert.equal(gold[4], '—', 'the gold model has no gap to itself');
  assert.equal(gold[13], '1.000', 'RTE of the retrain');
});

test("the best method's Avg.Gap is bold", () => {
  const best = report.methods.reduce((a, b) => (b.avgGap.mean! < a.avgGap.mean! ? b : a));
  assert.ok(row(best.name)[8]!.startsWith('**'));
});

test('a single seed shows values without ±', () => {
  const one = renderMarkdown(sampleReport([0], { methods: ['tmu'] }));
  assert.ok(
    !one
      .split('\n')
      .filter((l) => l.startsWith('| tmu |'))
      .some((l) => l.includes('±')),
  );
  assert.ok(one.includes('one seed'));
});

test('method names are escaped so that a pipe or markup cannot break the table', () => {
  const evil: Report = {
    ...report,
    methods: report.methods.map((m, i) => (i === 0 ? { ...m, name: 'a|b <script>*x*' } : m)),
  };
  const text = renderMarkdown(evil);
  assert.ok(text.includes('| a\\|b \\<script\\>\\*x\\* |'));
});

test("a method's one-off preparation is its own row (seconds and RTE only) and a line, apart from its per-request cost", () => {
  const report = sampleReport();
  const tmu = report.methods.find((m) => m.name === 'tmu')!;
  assert.ok(tmu.preparation, 'the report keeps the preparation');
  assert.ok(Math.abs(tmu.preparation.seconds.mean! - 31) < 1e-9, 'mean over seeds of 30, 31, 32 s');
  assert.ok(tmu.preparation.rte.mean! > tmu.rte.mean!, 'preparing costs more than a request here');
  const md = renderMarkdown(report);
  const row = md.split('\n').find((line) => line.startsWith('| ↳ tmu: prepared once per model |'));
  assert.ok(row, md);
  const cells = row
    .split('|')
    .slice(2, -1)
    .map((cell) => cell.trim());
  assert.equal(cells.filter(Boolean).length, 2, 'only seconds and RTE');
  assert.match(md, /^tmu prepared once per model: 31\.0 ± \d+\.\d s, 0\.\d{3} ± 0\.\d{3} of a retrain \(RTE\)/m);
  assert.equal(report.methods.find((m) => m.name === 'finetune')!.preparation, undefined);
});

test('the header says how the original model was trained and how well it fits; an under-fit model gets a warning', () => {
  const fit = renderMarkdown(sampleReport());
  assert.match(
    fit,
    /^Original model: cnn trained for 10 epochs on 45,000 members \(of 60,000 training images\); accuracy on the test set .*on its members 96\.90 ± .*%, on the holdout 92\.40( ± 0\.00)?%\.$/m,
  );
  assert.equal(fit.includes('under-fit'), false);
  const underFit = sampleReport([0, 1, 2], { underFit: true });
  assert.equal(underFit.protocol!.underFit, true);
  assert.match(renderMarkdown(underFit), /^Warning: the original model is under-fit\./m);
});
