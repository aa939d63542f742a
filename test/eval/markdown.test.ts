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
