import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { Report } from '../../src/eval/report.js';
import { renderScenarioSummary } from '../../src/eval/summary.js';
import { sampleReport } from './sample.js';

function withClass(report: Report, cls: number, name: string): Report {
  return { ...report, scenario: { ...report.scenario, class: cls, className: name } };
}

const first = withClass(sampleReport([0, 1, 2]), 0, 'T-shirt/top');
const second = withClass(sampleReport([3, 4, 5], { methods: ['tmu', 'finetune'] }), 2, 'Pullover');
const markdown = renderScenarioSummary([first, second]);
const lines = markdown.split('\n');

function rows(label: string): string[][] {
  return lines
    .filter((l) => l.startsWith(`| ${label} |`))
    .map((line) => line.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '')));
}

test('the summary has one column per scenario, named by its class', () => {
  const header = lines.find((l) => l.startsWith('| Model |'));
  assert.ok(header?.includes('class 0 (T-shirt/top)') && header.includes('class 2 (Pullover)'), header);
});

test('accuracy cells are the per-scenario means of Df / Dr / T', () => {
  const [accuracy] = rows('tmu');
  const tmu = first.methods.find((m) => m.name === 'tmu')!;
  assert.equal(
    accuracy![1],
    `${tmu.acc.forget.mean!.toFixed(2)} / ${tmu.acc.retain.mean!.toFixed(2)} / ${tmu.acc.test.mean!.toFixed(2)}`,
  );
});

test('the mean Avg.Gap over scenarios is the mean of the per-scenario Avg.Gaps', () => {
  const [, alignment] = rows('tmu');
  const values = [first, second].map((r) => r.methods.find((m) => m.name === 'tmu')!.avgGap.mean!);
  assert.equal(alignment![3]!.replace(/\*/g, ''), ((values[0]! + values[1]!) / 2).toFixed(2));
});

test('a method missing from one scenario gets no mean (a partial mean would mislead)', () => {
  const [accuracy, alignment] = rows('random-label');
  assert.equal(accuracy![2], '—');
  assert.equal(alignment![3], '—');
});

test('reference rows are italic, and the best method per column is bold', () => {
  assert.equal(rows('*Gold: retrain (reference)*').length, 2);
  assert.equal(rows('*Noise floor: second retrain*').length, 2);
  const means = ['tmu', 'finetune'].map((name) => ({ name, value: Number(rows(name)[1]![3]!.replace(/\*/g, '')) }));
  const best = means.reduce((a, b) => (b.value < a.value ? b : a));
  assert.ok(rows(best.name)[1]![3]!.startsWith('**'));
});

test('mixing datasets or passing nothing is an error naming the problem', () => {
  assert.throws(() => renderScenarioSummary([]), /no reports/);
  assert.throws(
    () => renderScenarioSummary([first, { ...second, dataset: 'mnist' }]),
    /mix fashion-mnist\/cnn with mnist\/cnn/,
  );
});
