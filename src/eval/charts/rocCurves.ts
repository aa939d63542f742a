/**
 * ROC curves of the population membership attack (Ye et al. 2022) on Df against T, one per model,
 * averaged over seeds. A curve on the diagonal means Df looks like data the model never saw; the
 * original model's curve bows up (it remembers Df) and a method should follow the gold model's.
 *
 * @module
 */

import { escapeHtml, formatNumber } from '../format.js';
import type { Report, RocSeries } from '../report.js';
import { axes, colour, type Frame, legend, legendRows, linearScale, noData, openSvg, px } from './svg.js';

/** Colour and dash of a series by its role. */
function style(series: RocSeries, methodIndex: number): { colour: string; dashed: boolean; width: number } {
  switch (series.role) {
    case 'original':
      return { colour: '#C0392B', dashed: false, width: 2.5 };
    case 'gold':
      return { colour: '#111111', dashed: false, width: 2.5 };
    case 'noise-floor':
      return { colour: '#7F7F7F', dashed: true, width: 2 };
    default:
      return { colour: colour(methodIndex), dashed: false, width: 1.8 };
  }
}

/** The SVG (`data-chart="roc"`). */
export function rocCurvesSvg(report: Report): string {
  const { fpr, series } = report.plots.miaRoc;
  let methodIndex = 0;
  const styled = series.map((s) => ({ series: s, ...style(s, s.role === 'method' ? methodIndex++ : 0) }));
  const items = styled.map((s) => ({
    label: `${s.series.name} (AUC ${formatNumber(s.series.auc, 3)})`,
    colour: s.colour,
    dashed: s.dashed,
  }));
  const legendHeight = 16 * legendRows(items, 640);
  const frame: Frame = {
    width: 720,
    height: 440 + legendHeight,
    left: 60,
    right: 20,
    top: 20 + legendHeight,
    bottom: 46,
  };
  const x = linearScale([0, 1], [frame.left, frame.width - frame.right]);
  const y = linearScale([0, 1], [frame.height - frame.bottom, frame.top]);
  const parts = [
    openSvg(
      'roc',
      frame,
      `Population attack ROC on Df vs T (success at FPR ≤ ${formatNumber(100 * report.settings.populationAlpha, 1)}% in the tables)`,
    ),
  ];
  parts.push(axes(frame, x, y, 'false-positive rate on T (non-members)', 'true-positive rate on Df'));
  parts.push(legend(items, frame.left + 10, 14, 640));
  parts.push(`<line class="diagonal" x1="${px(x(0))}" y1="${px(y(0))}" x2="${px(x(1))}" y2="${px(y(1))}"/>`);
  let drawn = 0;
  for (const s of styled) {
    if (s.series.tpr.length !== fpr.length) continue;
    const d = fpr.map((f, i) => `${i === 0 ? 'M' : 'L'}${px(x(f))} ${px(y(s.series.tpr[i]!))}`).join('');
    drawn++;
    parts.push(
      `<path class="curve" d="${d}" stroke="${s.colour}" stroke-width="${s.width}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(`${s.series.name}: AUC ${formatNumber(s.series.auc, 3)}`)}</title></path>`,
    );
  }
  if (drawn === 0) parts.push(noData(frame, 'no ROC curves'));
  parts.push('</svg>');
  return parts.join('');
}
