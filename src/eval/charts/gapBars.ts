/**
 * Bar chart of the gaps to the gold model per method: Δ Df, Δ Dr, Δ T, Δ MIA and Avg.Gap, with 95%
 * interval whiskers; the original model (no unlearning) and the noise floor (a second retrain) as
 * reference groups.
 *
 * @module
 */

import { escapeHtml, formatStat } from '../format.js';
import type { AlignmentReport, Report } from '../report.js';
import type { Stat } from '../statistics.js';
import { axes, type Frame, legend, legendRows, linearScale, niceMax, noData, openSvg, px, text } from './svg.js';

const METRICS: { label: string; colour: string; read: (a: AlignmentReport) => Stat }[] = [
  { label: 'Δ Df', colour: '#0072B2', read: (a) => a.gap.forget },
  { label: 'Δ Dr', colour: '#009E73', read: (a) => a.gap.retain },
  { label: 'Δ T', colour: '#56B4E9', read: (a) => a.gap.test },
  { label: 'Δ MIA', colour: '#E69F00', read: (a) => a.gap.mia },
  { label: 'Avg.Gap', colour: '#333333', read: (a) => a.avgGap },
];

/** The SVG (`data-chart="gaps"`). */
export function gapBarsSvg(report: Report): string {
  const groups: { label: string; alignment: AlignmentReport }[] = [
    { label: 'original', alignment: report.models.original },
    ...(report.noiseFloor ? [{ label: 'noise floor', alignment: report.noiseFloor }] : []),
    ...report.methods.map((m) => ({ label: m.name, alignment: m })),
  ];
  const groupWidth = 92;
  const width = Math.max(720, 70 + groups.length * groupWidth + 20);
  const legendItems = METRICS.map((m) => ({ label: m.label, colour: m.colour }));
  const legendHeight = 16 * legendRows(legendItems, width - 90);
  const longest = Math.max(...groups.map((g) => Math.min(g.label.length, 18)));
  const frame: Frame = {
    width,
    height: 300 + legendHeight + longest * 4.5,
    left: 60,
    right: 20,
    top: 18 + legendHeight,
    bottom: 34 + longest * 4.5,
  };
  let top = 0;
  for (const g of groups) {
    for (const m of METRICS) {
      const s = m.read(g.alignment);
      if (s.mean !== null) top = Math.max(top, s.ci95 ? s.ci95[1] : s.mean);
    }
  }
  const y = linearScale([0, niceMax(top, 1)], [frame.height - frame.bottom, frame.top]);
  const x = linearScale([0, groups.length], [frame.left, frame.width - frame.right]);
  const parts = [openSvg('gaps', frame, 'Gaps to the gold model per method (percentage points, lower is better)')];
  parts.push(axes(frame, x, y, '', 'gap to gold (pp)', { xTicks: false }));
  parts.push(legend(legendItems, frame.left + 10, 14, width - 90));
  const slot = ((x(1) - x(0)) * 0.84) / METRICS.length;
  let drawn = 0;
  groups.forEach((g, gi) => {
    const start = x(gi) + (x(1) - x(0)) * 0.08;
    METRICS.forEach((m, mi) => {
      const s = m.read(g.alignment);
      if (s.mean === null) return;
      const bx = start + mi * slot;
      const y0 = y(0);
      const y1 = y(Math.max(0, s.mean));
      drawn++;
      parts.push(
        `<rect class="bar" x="${px(bx + 1)}" y="${px(y1)}" width="${px(slot - 2)}" height="${px(Math.max(y0 - y1, 0.5))}" fill="${m.colour}"><title>${escapeHtml(`${g.label} · ${m.label}: ${formatStat(s, 2)}`)}</title></rect>`,
      );
      if (s.ci95) {
        const cx = bx + slot / 2;
        parts.push(
          `<path class="whisker" d="M${px(cx)} ${px(y(Math.max(0, s.ci95[0])))}V${px(y(s.ci95[1]))}M${px(cx - 3)} ${px(y(s.ci95[1]))}h6M${px(cx - 3)} ${px(y(Math.max(0, s.ci95[0])))}h6"/>`,
        );
      }
    });
    const lx = x(gi + 0.5);
    const ly = frame.height - frame.bottom + 12;
    const label = g.label.length > 18 ? `${g.label.slice(0, 17)}…` : g.label;
    parts.push(
      text(lx, ly, label, { 'text-anchor': 'end', class: 'group-label', transform: `rotate(-30 ${px(lx)} ${px(ly)})` }),
    );
  });
  if (drawn === 0) parts.push(noData(frame, 'no gaps to show'));
  parts.push('</svg>');
  return parts.join('');
}
