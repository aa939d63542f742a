/**
 * The summary of a benchmark over several scenarios (e.g. `--preset paper`: classes 0, 2, 4 and 6): one
 * table of accuracies and one of alignment with a column per scenario, the view a paper prints across
 * classes. Each cell is a per-scenario mean over seeds; the per-scenario reports keep the intervals.
 *
 * @module
 */

import { escapeMarkdownCell, formatNumber, MISSING } from './format.js';
import type { AlignmentReport, ModelReport, Report } from './report.js';
import { describeScenario, UNITS_NOTE } from './table.js';

interface SummaryRow {
  label: string;
  /** Reference rows (original, gold, noise floor) are shown in italics and never marked best. */
  reference: boolean;
  /** Per report: the model, its alignment with Mg (null for the gold model), its RTE; null when absent. */
  perReport: ({ model: ModelReport; alignment: AlignmentReport | null; rte: number | null } | null)[];
}

function rowsOf(reports: readonly Report[]): SummaryRow[] {
  const names: string[] = [];
  for (const report of reports)
    for (const method of report.methods) if (!names.includes(method.name)) names.push(method.name);
  const rows: SummaryRow[] = [
    {
      label: 'Original (no unlearning)',
      reference: true,
      perReport: reports.map((r) => ({ model: r.models.original, alignment: r.models.original, rte: null })),
    },
    {
      label: 'Gold: retrain (reference)',
      reference: true,
      perReport: reports.map((r) => ({ model: r.models.gold, alignment: null, rte: 1 })),
    },
  ];
  if (reports.some((r) => r.noiseFloor)) {
    rows.push({
      label: 'Noise floor: second retrain',
      reference: true,
      perReport: reports.map((r) =>
        r.noiseFloor ? { model: r.noiseFloor, alignment: r.noiseFloor, rte: null } : null,
      ),
    });
  }
  for (const name of names) {
    rows.push({
      label: name,
      reference: false,
      perReport: reports.map((r) => {
        const method = r.methods.find((m) => m.name === name);
        return method ? { model: method, alignment: method, rte: method.rte.mean } : null;
      }),
    });
  }
  return rows;
}

/** Mean of the finite values, or null when there are none (or any is missing: a partial mean would mislead). */
function meanOf(values: (number | null | undefined)[]): number | null {
  if (values.length === 0 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return null;
  return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
}

/** One line per method with a prepare step: its one-off cost, which the RTE column leaves out. */
function preparationLines(reports: readonly Report[]): string[] {
  const names = [...new Set(reports.flatMap((r) => r.methods.filter((m) => m.preparation).map((m) => m.name)))];
  return names.flatMap((name) => {
    const preparations = reports.map((r) => r.methods.find((m) => m.name === name)?.preparation ?? null);
    const seconds = meanOf(preparations.map((p) => p?.seconds.mean));
    const rte = meanOf(preparations.map((p) => p?.rte.mean));
    return [
      `${escapeMarkdownCell(name)} prepared once per model (not in its RTE above): ${formatNumber(seconds, 1)} s, ${formatNumber(rte, 3)} of a retrain, mean over scenarios.`,
      '',
    ];
  });
}

function line(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(
  header: string[],
  rows: { label: string; reference: boolean; cells: string[]; best: boolean[] }[],
): string {
  const out = [line(header.map(escapeMarkdownCell)), line(header.map((_, i) => (i === 0 ? '---' : '---:')))];
  for (const row of rows) {
    const label = row.reference ? `*${escapeMarkdownCell(row.label)}*` : escapeMarkdownCell(row.label);
    out.push(
      line([
        label,
        ...row.cells.map((cell, i) => (row.best[i] ? `**${escapeMarkdownCell(cell)}**` : escapeMarkdownCell(cell))),
      ]),
    );
  }
  return out.join('\n');
}

/** Marks, per column, the lowest (or highest) value among the method rows. */
function bestFlags(
  values: (number | null)[][],
  reference: boolean[],
  direction: ('min' | 'max' | null)[],
): boolean[][] {
  const best = direction.map((dir, column) => {
    if (!dir) return null;
    const candidates = values
      .filter((_, row) => !reference[row])
      .map((v) => v[column])
      .filter((v): v is number => v !== null);
    if (candidates.length < 2) return null;
    return dir === 'min' ? Math.min(...candidates) : Math.max(...candidates);
  });
  return values.map((row, r) => row.map((v, c) => !reference[r] && v !== null && best[c] !== null && v === best[c]));
}

/**
 * Markdown summary of several reports of the same benchmark (one per scenario). Throws when `reports` is
 * empty or mixes datasets or architectures, which would make the columns incomparable.
 */
export function renderScenarioSummary(reports: readonly Report[]): string {
  if (reports.length === 0) throw new Error('renderScenarioSummary: no reports to summarise');
  const [first] = reports;
  for (const report of reports) {
    if (report.dataset !== first!.dataset || report.arch !== first!.arch) {
      throw new Error(
        `renderScenarioSummary: reports mix ${first!.dataset}/${first!.arch} with ${report.dataset}/${report.arch}`,
      );
    }
  }
  // Columns are named by class where there is one; the scenario itself is said once, above the tables.
  const scenarioNames = reports.map((r) =>
    r.scenario.class !== undefined
      ? `class ${r.scenario.class}${r.scenario.className ? ` (${r.scenario.className})` : ''}`
      : describeScenario(r),
  );
  const scenarioKinds = [...new Set(reports.map((r) => describeScenario(r).replace(/ of class .*$/, ' of a class')))];
  const rows = rowsOf(reports);
  const reference = rows.map((r) => r.reference);

  const accuracyCells = rows.map((row) =>
    row.perReport.map((entry) =>
      entry
        ? `${formatNumber(entry.model.acc.forget.mean, 2)} / ${formatNumber(entry.model.acc.retain.mean, 2)} / ${formatNumber(entry.model.acc.test.mean, 2)}`
        : MISSING,
    ),
  );

  // Alignment: Avg.Gap per scenario, then means over scenarios of Avg.Gap, Δ Df, Δ T, agreement and RTE.
  const alignmentValues = rows.map((row) => {
    const aligned = row.perReport.map((entry) => entry?.alignment ?? null);
    const perScenario = aligned.map((a) => a?.avgGap.mean ?? null);
    const has = aligned.every((a) => a !== null);
    return [
      ...perScenario,
      has ? meanOf(aligned.map((a) => a!.avgGap.mean)) : null,
      has ? meanOf(aligned.map((a) => a!.gap.forget.mean)) : null,
      has ? meanOf(aligned.map((a) => a!.gap.test.mean)) : null,
      has ? meanOf(aligned.map((a) => a!.agreement.mean)) : null,
      meanOf(row.perReport.map((entry) => entry?.rte ?? null)),
    ];
  });
  const directions: ('min' | 'max' | null)[] = [...reports.map(() => 'min' as const), 'min', 'min', 'min', 'max', null];
  const best = bestFlags(alignmentValues, reference, directions);
  const alignmentCells = alignmentValues.map((values) =>
    values.map((v, i) => formatNumber(v, i === values.length - 1 ? 3 : 2)),
  );

  const seeds = [...new Set(reports.map((r) => r.seeds.length))];
  const parts = [
    `# Unlearning evaluation summary: ${escapeMarkdownCell(first!.dataset)}, ${escapeMarkdownCell(first!.arch)}, ${reports.length} scenarios`,
    '',
    `Scenario${scenarioKinds.length === 1 ? '' : 's'}: ${escapeMarkdownCell(scenarioKinds.join('; '))}. Each cell is a mean over ${seeds.length === 1 ? `${seeds[0]} seed${seeds[0] === 1 ? '' : 's'}` : `${seeds.join('/')} seeds`} of one scenario; the per-scenario reports below give the 95% intervals and every other metric.`,
    '',
    '## Accuracy on Df / Dr / T',
    '',
    table(
      ['Model', ...scenarioNames],
      rows.map((row, r) => ({
        label: row.label,
        reference: row.reference,
        cells: accuracyCells[r]!,
        best: accuracyCells[r]!.map(() => false),
      })),
    ),
    '',
    '## Alignment with the gold model',
    '',
    table(
      [
        'Model',
        ...scenarioNames.map((name) => `Avg.Gap ↓ ${name}`),
        'Mean Avg.Gap ↓',
        'Mean Δ Df ↓',
        'Mean Δ T ↓',
        'Mean agreement ↑',
        'Mean RTE',
      ],
      rows.map((row, r) => ({ label: row.label, reference: row.reference, cells: alignmentCells[r]!, best: best[r]! })),
    ),
    '',
    ...preparationLines(reports),
    `Bold: the best method in its column. Means over scenarios are shown only where every scenario has the value. ${escapeMarkdownCell(UNITS_NOTE)}`,
  ];
  const commands = [...new Set(reports.map((r) => r.command).filter((c): c is string => typeof c === 'string'))];
  if (commands.length > 0)
    parts.push('', 'Produced by:', '', '```', ...commands.map((c) => c.replace(/```/g, '` ` `')), '```');
  return `${parts.join('\n')}\n`;
}
