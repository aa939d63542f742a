/**
 * Text formatting shared by the Markdown and HTML renderings: numbers with their interval, escaping.
 *
 * @module
 */

import type { Stat } from './statistics.js';

/** Shown for a metric with no value. */
export const MISSING = '—';

/** A number with `digits` decimals, or {@link MISSING}. */
export function formatNumber(value: number | null | undefined, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : MISSING;
}

/** Half the width of a Stat's interval, or null. */
export function halfWidth(stat: Stat): number | null {
  return stat.ci95 ? (stat.ci95[1] - stat.ci95[0]) / 2 : null;
}

/**
 * A Stat as `mean ± h` (h = half-width of the 95% interval), or `mean` alone when there is no interval
 * (one seed), or {@link MISSING}.
 */
export function formatStat(stat: Stat | undefined, digits: number): string {
  if (!stat || stat.mean === null) return MISSING;
  const half = halfWidth(stat);
  return half === null
    ? formatNumber(stat.mean, digits)
    : `${formatNumber(stat.mean, digits)} ± ${formatNumber(half, digits)}`;
}

/** Seconds with a precision that suits their size. */
export function secondsDigits(stat: Stat): number {
  const m = Math.abs(stat.mean ?? 0);
  return m >= 100 ? 0 : m >= 10 ? 1 : 2;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Escapes text for a Markdown table cell: pipes, backslashes, emphasis and code marks, HTML, line breaks. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/[\\`*_[\]|<>#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
