/**
 * Cost against alignment: each method at (RTE, Avg.Gap) with 95% interval whiskers on both axes. The
 * best place is the bottom-left corner: close to the gold model for a fraction of a retrain. Dashed
 * lines mark the Avg.Gap of the original model (doing nothing) and of the noise floor (a second retrain).
 * RTE is drawn on a log axis when it spans a factor of ten or more.
 *
 * @module
 */

import { escapeHtml, formatStat } from '../format.js';
import type { Report } from '../report.js';
import {
  axes,
  colour,
  type Frame,
  linearScale,
  logScale,
  niceMax,
  noData,
  openSvg,
  px,
  type Scale,
  text,
} from './svg.js';

/** The SVG (`data-chart="cost"`). */
export function costScatterSvg(report: Report): string {
  const frame: Frame = { width: 720, height: 380, left: 60, right: 150, top: 20, bottom: 46 };
  const points = report.methods
    .map((m, i) => ({ name: m.name, colour: colour(i), rte: m.rte, gap: m.avgGap }))
    .filter((p) => p.rte.mean !== null && p.rte.mean > 0 && p.gap.mean !== null);
  // A method's one-off preparation, at its own RTE and the method's Avg.Gap: a hollow marker beside the request's.
  const preparations = report.methods
    .map((m, i) => ({ name: m.name, colour: colour(i), rte: m.preparation?.rte ?? null, gap: m.avgGap }))
    .filter(
      (p): p is typeof p & { rte: NonNullable<typeof p.rte> } =>
        p.rte !== null && p.rte.mean !== null && p.rte.mean > 0 && p.gap.mean !== null,
    );
  const parts = [openSvg('cost', frame, 'Cost (RTE) against alignment (Avg.Gap) per method')];
  const references = [
    { label: 'original', value: report.models.original.avgGap.mean, colour: '#C0392B' },
    { label: 'noise floor', value: report.noiseFloor?.avgGap.mean ?? null, colour: '#7F7F7F' },
  ].filter((r): r is { label: string; value: number; colour: string } => r.value !== null);
  const xs = [...points, ...preparations].flatMap((p) => [p.rte.mean!, ...(p.rte.ci95 ?? [])]).filter((v) => v > 0);
  const ys = [...points.flatMap((p) => [p.gap.mean!, ...(p.gap.ci95 ?? [])]), ...references.map((r) => r.value)];
  const xMin = xs.length > 0 ? Math.min(...xs) : 0.01;
  const xMax = xs.length > 0 ? Math.max(...xs) : 1;
  const useLog = xMax / xMin >= 10;
  const xRange: [number, number] = [frame.left, frame.width - frame.right];
  const x: Scale = useLog
    ? logScale([10 ** Math.floor(Math.log10(xMin)), 10 ** Math.ceil(Math.log10(xMax))], xRange)
    : linearScale([0, niceMax(xMax * 1.1, 0.1)], xRange);
  const y = linearScale([0, niceMax(Math.max(0, ...ys) * 1.1, 1)], [frame.height - frame.bottom, frame.top]);
  parts.push(axes(frame, x, y, `RTE: seconds / seconds of a retrain${useLog ? ' (log scale)' : ''}`, 'Avg.Gap (pp)'));
  for (const r of references) {
    const yy = y(r.value);
    parts.push(
      `<line class="reference" x1="${px(frame.left)}" x2="${px(frame.width - frame.right)}" y1="${px(yy)}" y2="${px(yy)}" stroke="${r.colour}"/>`,
    );
    parts.push(
      text(frame.width - frame.right + 4, yy + 4, `${r.label} ${r.value.toFixed(2)}`, {
        class: 'reference-label',
        fill: r.colour,
      }),
    );
  }
  for (const p of points) {
    const cx = x(p.rte.mean!);
    const cy = y(p.gap.mean!);
    if (p.gap.ci95)
      parts.push(`<path class="whisker" d="M${px(cx)} ${px(y(Math.max(0, p.gap.ci95[0])))}V${px(y(p.gap.ci95[1]))}"/>`);
    if (p.rte.ci95)
      parts.push(
        `<path class="whisker" d="M${px(x(Math.max(p.rte.ci95[0], x.domain[0])))} ${px(cy)}H${px(x(p.rte.ci95[1]))}"/>`,
      );
    parts.push(
      `<circle class="point" cx="${px(cx)}" cy="${px(cy)}" r="5" fill="${p.colour}"><title>${escapeHtml(`${p.name}: RTE ${formatStat(p.rte, 3)}, Avg.Gap ${formatStat(p.gap, 2)}`)}</title></circle>`,
    );
    parts.push(
      text(cx + 8, cy - 6, p.name.length > 24 ? `${p.name.slice(0, 23)}…` : p.name, {
        class: 'point-label',
        fill: p.colour,
      }),
    );
  }
  for (const p of preparations) {
    const cx = x(p.rte.mean!);
    const cy = y(p.gap.mean!);
    const from = points.find((q) => q.name === p.name);
    if (from)
      parts.push(`<path class="whisker" stroke-dasharray="3 3" d="M${px(x(from.rte.mean!))} ${px(cy)}H${px(cx)}"/>`);
    parts.push(
      `<circle class="preparation" cx="${px(cx)}" cy="${px(cy)}" r="5" fill="none" stroke="${p.colour}"><title>${escapeHtml(`${p.name}, prepared once per model: RTE ${formatStat(p.rte, 3)}`)}</title></circle>`,
    );
    parts.push(text(cx + 8, cy + 14, `${p.name} (once per model)`, { class: 'point-label', fill: p.colour }));
  }
  if (points.length === 0) parts.push(noData(frame, 'no method with a cost and a gap'));
  parts.push('</svg>');
  return parts.join('');
}
