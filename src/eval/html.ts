/**
 * The report as one self-contained HTML page: the tables of the Markdown rendering and four charts drawn
 * here as inline SVG (gaps per method, cost against alignment, MIA ROC curves, TMU's feature scatter).
 * Inline CSS, no scripts, no fonts, no network: it opens from a file anywhere. Every text from the
 * report is escaped.
 *
 * @module
 */

import { costScatterSvg } from './charts/costScatter.js';
import { gapBarsSvg } from './charts/gapBars.js';
import { predictorScatterSvgs } from './charts/predictorScatter.js';
import { rocCurvesSvg } from './charts/rocCurves.js';
import { escapeHtml, formatStat } from './format.js';
import type { Report, Stat } from './report.js';
import {
  describePreparations,
  describeProtocol,
  describeScenario,
  describeSeeds,
  extraTable,
  mainTable,
  type Table,
  UNITS_NOTE,
} from './table.js';

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
p.meta, p.note { color: #555; font-size: 0.9rem; }
p.warning { color: #8a4b00; background: #fff4e0; padding: 0.4rem 0.6rem; font-size: 0.9rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; }
td .m { white-space: nowrap; }
td .ci { white-space: nowrap; color: #666; font-size: 0.8em; }
thead th { vertical-align: bottom; }
tbody th { white-space: nowrap; }
th { background: #f5f5f7; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td { text-align: right; }
tr.ref td { color: #555; font-style: italic; background: #fafafa; }
tr.preparation th, tr.preparation td { color: #555; font-size: 0.85rem; }
td.best { font-weight: 700; }
figure { margin: 1rem 0; }
figcaption { color: #555; font-size: 0.85rem; max-width: 60rem; }
svg.chart { max-width: 100%; height: auto; font-size: 11px; background: #fff; }
svg .grid { stroke: #ececec; }
svg .axis { stroke: #444; }
svg .tick { fill: #555; }
svg .axis-title, svg .panel-title { fill: #222; font-size: 12px; }
svg .panel-title { font-weight: 600; }
svg .legend-label { fill: #333; }
svg .whisker { stroke: #222; stroke-width: 1.2; fill: none; }
svg .curve { fill: none; }
svg .diagonal { stroke: #bbb; stroke-dasharray: 4 4; }
svg .reference { stroke-dasharray: 6 4; stroke-width: 1.5; }
svg .dot { fill-opacity: 0.7; }
svg .no-data { fill: #999; font-size: 14px; }
.panels { display: flex; flex-wrap: wrap; gap: 16px; }
details { margin: 0.5rem 0; font-size: 0.85rem; }
pre { background: #f5f5f7; padding: 8px; overflow-x: auto; }
`;

/** A formatted cell, its `± h` part set smaller so that wide tables can wrap it under the mean. */
function cellHtml(cell: string): string {
  const at = cell.indexOf(' ± ');
  if (at < 0) return `<span class="m">${escapeHtml(cell)}</span>`;
  return `<span class="m">${escapeHtml(cell.slice(0, at))}</span> <span class="ci">${escapeHtml(cell.slice(at + 1))}</span>`;
}

function tableHtml(table: Table): string {
  const head = `<tr>${table.header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((row) => {
      const cells = row.cells
        .map((cell, i) => `<td${row.best[i] ? ' class="best"' : ''}>${cellHtml(cell)}</td>`)
        .join('');
      const rowClass =
        row.kind === 'method' ? '' : row.kind === 'preparation' ? ' class="preparation"' : ' class="ref"';
      return `<tr${rowClass}><th scope="row">${escapeHtml(row.label)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<h2>${escapeHtml(table.title)}</h2>\n<div class="table-wrap"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function featureAurocText(featureAuroc: Record<string, Stat> | undefined): string {
  const entries = Object.entries(featureAuroc ?? {});
  return entries.length === 0
    ? ''
    : `; each feature alone: ${entries.map(([name, value]) => `${name} ${formatStat(value, 3)}`).join(', ')}`;
}

function predictorSection(report: Report): string {
  if (report.plots.predictorScatter.length === 0) {
    return '<p class="note">No method reported per-sample easy/hard predictions (TMU does), so there is no feature scatter.</p>';
  }
  return report.plots.predictorScatter
    .map((scatter) => {
      const method = report.methods.find((m) => m.name === scatter.method);
      const quality = method?.predictor
        ? ` Predictor accuracy ${formatStat(method.predictor.accuracy, 2)}%, AUROC ${formatStat(method.predictor.auroc, 3)} against the gold model's correctness (over seeds)${featureAurocText(method.predictor.featureAuroc)}.`
        : '';
      const [left, right] = predictorScatterSvgs(scatter);
      const caption = `${scatter.method}, seed ${scatter.seed}: ${scatter.shown} of ${scatter.total} Df samples at ${scatter.xFeature} and ${scatter.yFeature}; left: the predictor's easy/hard call; right: whether the gold model classifies the sample correctly.${quality}`;
      return `<figure><div class="panels">${left}${right}</div><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
    })
    .join('\n');
}

function paramsSection(report: Report): string {
  const items = report.methods.map(
    (m) =>
      `<details><summary>${escapeHtml(m.name)}</summary><pre>${escapeHtml(JSON.stringify({ params: m.params, summaries: m.summaries }, null, 2))}</pre></details>`,
  );
  return items.length > 0 ? `<h2>Method parameters and summaries</h2>\n${items.join('\n')}` : '';
}

/** Renders the report as a self-contained HTML document. */
export function renderHtml(report: Report): string {
  const title = `Unlearning evaluation: ${report.dataset}, ${report.arch}, ${describeScenario(report)}`;
  const alpha = (100 * report.settings.populationAlpha).toFixed(1);
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">${escapeHtml(describeSeeds(report))}${report.createdAt ? ` ${escapeHtml(`Made ${report.createdAt}.`)}` : ''}</p>`,
    ...describeProtocol(report).map(
      (line) => `<p class="${line.startsWith('Warning') ? 'warning' : 'meta'}">${escapeHtml(line)}</p>`,
    ),
    tableHtml(mainTable(report)),
    ...describePreparations(report).map((line) => `<p class="note">${escapeHtml(line)}</p>`),
    tableHtml(extraTable(report)),
    `<p class="note">Bold: the best method in its column. ${escapeHtml(UNITS_NOTE)}</p>`,
    '<h2>Gaps to the gold model</h2>',
    figure(
      gapBarsSvg(report),
      'Per method, the accuracy gaps to the retrained (gold) model on Df, Dr and T, the MIA-efficacy gap and their mean (Avg.Gap), with 95% intervals over seeds. Lower is better; the noise floor is what a second retrain scores.',
    ),
    '<h2>Cost against alignment</h2>',
    figure(
      costScatterSvg(report),
      "Each method at its cost per request relative to a retrain (RTE) and its Avg.Gap: lower left is best. Hollow: a method's one-off preparation (built once per model, reused by every request). Dashed: the Avg.Gap of the original model (no unlearning) and of the noise floor.",
    ),
    '<h2>Membership inference</h2>',
    figure(
      rocCurvesSvg(report),
      `ROC of the population attack (Ye et al. 2022): a loss threshold calibrated on the test set flags Df samples as members; TPR on Df against FPR on T, averaged over seeds. The tables report the success rate at FPR ≤ ${alpha}%. On the diagonal, Df looks unseen.`,
    ),
    '<h2>Which forget samples are easy: the methods that predict it</h2>',
    predictorSection(report),
    paramsSection(report),
    report.command ? `<h2>Command</h2><pre>${escapeHtml(report.command)}</pre>` : '',
  ]
    .filter((part) => part !== '')
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
