/**
 * The report as Markdown: the table a paper would print (mean ± 95% CI half-width over seeds), with the
 * original, gold and noise-floor rows, then the further metrics.
 *
 * @module
 */

import { escapeMarkdownCell } from './format.js';
import type { Report } from './report.js';
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

function renderTable(table: Table): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const out = [
    `## ${table.title}`,
    '',
    line(table.header.map(escapeMarkdownCell)),
    line(table.header.map((_, i) => (i === 0 ? '---' : '---:'))),
  ];
  for (const row of table.rows) {
    const label =
      row.kind === 'method'
        ? escapeMarkdownCell(row.label)
        : row.kind === 'preparation'
          ? `↳ ${escapeMarkdownCell(row.label)}`
          : `*${escapeMarkdownCell(row.label)}*`;
    out.push(
      line([
        label,
        ...row.cells.map((cell, i) => (row.best[i] ? `**${escapeMarkdownCell(cell)}**` : escapeMarkdownCell(cell))),
      ]),
    );
  }
  return out.join('\n');
}

/** Renders the report as a Markdown document (GitHub-flavoured tables). */
export function renderMarkdown(report: Report): string {
  const title = `# Unlearning evaluation: ${escapeMarkdownCell(report.dataset)}, ${escapeMarkdownCell(report.arch)}, ${escapeMarkdownCell(describeScenario(report))}`;
  const parts = [
    title,
    '',
    escapeMarkdownCell(describeSeeds(report)),
    '',
    ...describeProtocol(report).flatMap((line) => [escapeMarkdownCell(line), '']),
    renderTable(mainTable(report)),
    '',
    ...describePreparations(report).flatMap((line) => [escapeMarkdownCell(line), '']),
    renderTable(extraTable(report)),
    '',
    `Bold: the best method in its column. ${escapeMarkdownCell(UNITS_NOTE)}`,
  ];
  if (report.command) parts.push('', 'Produced by:', '', '```', report.command.replace(/```/g, '` ` `'), '```');
  return `${parts.join('\n')}\n`;
}
