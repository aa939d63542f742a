import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderHtml } from '../../src/eval/html.js';
import type { Report } from '../../src/eval/report.js';
import { sampleReport } from './sample.js';

const report = sampleReport([0, 1]);

test('the HTML report holds every chart as inline SVG and the two tables', () => {
  const html = renderHtml(report);
  for (const chart of ['gaps', 'cost', 'roc', 'predictor-scatter-predictor', 'predictor-scatter-gold']) {
    assert.ok(html.includes(`data-chart="${chart}"`), `chart ${chart}`);
  }
  assert.equal(html.match(/<table>/g)?.length, 2);
});

test('the HTML report is self-contained: no script, no external URL, a restrictive CSP', () => {
  const html = renderHtml(report);
  assert.ok(!/<script/i.test(html));
  const urls = html.match(/(?:https?:)?\/\/[^\s"')<]+/g) ?? [];
  assert.deepEqual(
    urls.filter((u) => u !== '//www.w3.org/2000/svg' && u !== 'http://www.w3.org/2000/svg'),
    [],
  );
  assert.ok(html.includes("default-src 'none'"));
});

test('every text from the report is escaped (method names, dataset, params)', () => {
  const evil = '<img src=x onerror="alert(1)">&';
  const bad: Report = {
    ...report,
    dataset: evil,
    methods: report.methods.map((m, i) => (i === 0 ? { ...m, name: evil, params: { note: evil } } : m)),
    plots: { ...report.plots, predictorScatter: report.plots.predictorScatter.map((s) => ({ ...s, method: evil })) },
  };
  const html = renderHtml(bad);
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;'));
});

test('without predictor details the HTML says so instead of drawing an empty scatter', () => {
  const html = renderHtml(sampleReport([0], { methods: ['finetune'] }));
  assert.ok(!html.includes('data-chart="predictor-scatter'));
  assert.ok(html.includes('No method reported per-sample easy/hard predictions'));
});
