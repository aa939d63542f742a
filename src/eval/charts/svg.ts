/**
 * Minimal SVG drawing for the HTML report: scales, ticks, axes, legends and colours. Everything is a
 * string of markup with every text escaped; no scripts, fonts or external resources.
 *
 * @module
 */

import { escapeHtml } from '../format.js';

/** Maps data values to pixels. */
export interface Scale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
  ticks: number[];
  log: boolean;
}

/** Okabe-Ito colours (distinguishable with colour-vision deficiencies), then further distinct hues. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#8C564B',
  '#7F7F7F',
  '#BCBD22',
  '#17BECF',
  '#393B79',
  '#AD494A',
];

/** Colour of the i-th series. */
export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A number rounded for SVG coordinates. */
export function px(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
}

/** A tick label: up to 6 significant digits, no trailing zeros. */
export function tickLabel(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A nice upper bound ≥ max (the last of {@link niceTicks} from 0), at least `floor`. */
export function niceMax(max: number, floor = 1): number {
  const top = Math.max(max, floor);
  const ticks = niceTicks(0, top, 5);
  const last = ticks[ticks.length - 1]!;
  return last >= top ? last : last + (ticks[1]! - ticks[0]!);
}

/** Linear scale from `domain` to `range`. */
export function linearScale(domain: [number, number], range: [number, number], tickCount = 5): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((value: number) => r0 + ((value - d0) / span) * (r1 - r0)) as Scale;
  scale.domain = domain;
  scale.range = range;
  scale.ticks = niceTicks(d0, d1, tickCount);
  scale.log = false;
  return scale;
}

/** Base-10 log scale from `domain` (both positive) to `range`; ticks at powers of ten. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const l0 = Math.log10(domain[0]);
  const l1 = Math.log10(domain[1]);
  const span = l1 - l0 || 1;
  const scale = ((value: number) =>
    range[0] + ((Math.log10(Math.max(value, domain[0] / 10)) - l0) / span) * (range[1] - range[0])) as Scale;
  scale.domain = domain;
  scale.range = range;
  scale.ticks = [];
  for (let p = Math.ceil(l0 - 1e-9); p <= Math.floor(l1 + 1e-9); p++)
    scale.ticks.push(Number((10 ** p).toPrecision(12)));
  scale.log = true;
  return scale;
}

/** Plot area of a chart: the SVG size and the margins around the axes. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The opening tag of a chart's SVG, with an accessible title; close with `</svg>`. */
export function openSvg(chart: string, frame: Frame, title: string, attributes: Record<string, string> = {}): string {
  const extra = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeHtml(chart)}"${extra} viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" role="img"><title>${escapeHtml(title)}</title>`;
}

/** Text element; `text` is escaped. */
export function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeHtml(String(v))}"`)
    .join('');
  return `<text x="${px(x)}" y="${px(y)}"${attrs}>${escapeHtml(content)}</text>`;
}

/** Axes with ticks, grid lines and titles for the frame's plot area. */
export function axes(
  frame: Frame,
  x: Scale,
  y: Scale,
  xTitle: string,
  yTitle: string,
  options: { xTicks?: boolean } = {},
): string {
  const left = frame.left;
  const right = frame.width - frame.right;
  const top = frame.top;
  const bottom = frame.height - frame.bottom;
  const parts: string[] = ['<g class="axes">'];
  for (const t of y.ticks) {
    const yy = y(t);
    parts.push(`<line class="grid" x1="${px(left)}" x2="${px(right)}" y1="${px(yy)}" y2="${px(yy)}"/>`);
    parts.push(text(left - 6, yy + 4, tickLabel(t), { 'text-anchor': 'end', class: 'tick' }));
  }
  if (options.xTicks !== false) {
    for (const t of x.ticks) {
      const xx = x(t);
      parts.push(`<line class="grid" x1="${px(xx)}" x2="${px(xx)}" y1="${px(top)}" y2="${px(bottom)}"/>`);
      parts.push(text(xx, bottom + 16, tickLabel(t), { 'text-anchor': 'middle', class: 'tick' }));
    }
  }
  parts.push(`<line class="axis" x1="${px(left)}" x2="${px(right)}" y1="${px(bottom)}" y2="${px(bottom)}"/>`);
  parts.push(`<line class="axis" x1="${px(left)}" x2="${px(left)}" y1="${px(top)}" y2="${px(bottom)}"/>`);
  if (xTitle)
    parts.push(text((left + right) / 2, frame.height - 8, xTitle, { 'text-anchor': 'middle', class: 'axis-title' }));
  if (yTitle)
    parts.push(
      text(14, (top + bottom) / 2, yTitle, {
        'text-anchor': 'middle',
        class: 'axis-title',
        transform: `rotate(-90 14 ${px((top + bottom) / 2)})`,
      }),
    );
  parts.push('</g>');
  return parts.join('');
}

/** A legend of coloured swatches, laid out in rows from (x, y) within `width`. */
export function legend(
  items: readonly { label: string; colour: string; dashed?: boolean }[],
  x: number,
  y: number,
  width: number,
): string {
  const parts: string[] = ['<g class="legend">'];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const w = 26 + Math.min(item.label.length, 40) * 6.4;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += 16;
    }
    parts.push(
      item.dashed
        ? `<line x1="${px(cx)}" x2="${px(cx + 14)}" y1="${px(cy - 4)}" y2="${px(cy - 4)}" stroke="${item.colour}" stroke-width="2" stroke-dasharray="4 3"/>`
        : `<rect x="${px(cx)}" y="${px(cy - 9)}" width="14" height="10" fill="${item.colour}"/>`,
    );
    parts.push(
      text(cx + 18, cy, item.label.length > 40 ? `${item.label.slice(0, 39)}…` : item.label, { class: 'legend-label' }),
    );
    cx += w;
  }
  parts.push('</g>');
  return parts.join('');
}

/** Rows a {@link legend} of these items takes. */
export function legendRows(items: readonly { label: string }[], width: number): number {
  let rows = 1;
  let cx = 0;
  for (const item of items) {
    const w = 26 + Math.min(item.label.length, 40) * 6.4;
    if (cx > 0 && cx + w > width) {
      rows++;
      cx = 0;
    }
    cx += w;
  }
  return rows;
}

/** A "no data" message centred in the frame's plot area. */
export function noData(frame: Frame, message: string): string {
  return text((frame.left + frame.width - frame.right) / 2, (frame.top + frame.height - frame.bottom) / 2, message, {
    'text-anchor': 'middle',
    class: 'no-data',
  });
}
