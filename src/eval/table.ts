/**
 * The report's tables as rows of formatted cells, rendered by both markdown.ts and html.ts so that the
 * two show the same numbers.
 *
 * @module
 */

import { formatNumber, formatStat, MISSING, secondsDigits } from './format.js';
import { type AlignmentReport, type MethodReport, type ModelReport, type Report, UNDER_FIT_MARGIN } from './report.js';
import type { Stat } from './statistics.js';

/**
 * Which kind of model a row shows; `preparation` is the one-off preparation of the method above it
 * (built once per model and reused by every request), which only has seconds and RTE.
 */
export type RowKind = 'original' | 'gold' | 'noise-floor' | 'method' | 'preparation';

/** A table row: label, kind and one formatted cell per column (after the label). */
export interface TableRow {
  label: string;
  kind: RowKind;
  cells: string[];
  /** Per cell: the best value of its column among the methods (shown in bold). */
  best: boolean[];
}

/** A table: header (first entry heads the label column) and rows. */
export interface Table {
  title: string;
  header: string[];
  rows: TableRow[];
}

type AnyRow = {
  kind: RowKind;
  label: string;
  model: ModelReport;
  alignment: AlignmentReport | null;
  method: MethodReport | null;
};

interface Column {
  header: string;
  /** The Stat shown, or null for none. */
  stat: (row: AnyRow) => Stat | null;
  digits: (stat: Stat) => number;
  /** Best among methods: lowest or highest mean. */
  best?: 'min' | 'max';
  /** Fixed text for the gold row (its reference values). */
  gold?: string;
  /** The value of a method's preparation row, for the columns that have one. */
  preparation?: (preparation: NonNullable<MethodReport['preparation']>) => Stat;
}

const percent = (): number => 2;

function rowsOf(report: Report): AnyRow[] {
  const rows: AnyRow[] = [
    {
      kind: 'original',
      label: 'Original (no unlearning)',
      model: report.models.original,
      alignment: report.models.original,
      method: null,
    },
    { kind: 'gold', label: 'Gold: retrain (reference)', model: report.models.gold, alignment: null, method: null },
  ];
  if (report.noiseFloor)
    rows.push({
      kind: 'noise-floor',
      label: 'Noise floor: second retrain',
      model: report.noiseFloor,
      alignment: report.noiseFloor,
      method: null,
    });
  for (const method of report.methods) {
    rows.push({ kind: 'method', label: method.name, model: method, alignment: method, method });
    if (method.preparation)
      rows.push({
        kind: 'preparation',
        label: `${method.name}: prepared once per model`,
        model: method,
        alignment: null,
        method,
      });
  }
  return rows;
}

function build(title: string, report: Report, columns: Column[]): Table {
  const rows = rowsOf(report);
  const bestMeans = columns.map((column) => {
    if (!column.best) return null;
    const means = rows
      .filter((r) => r.kind === 'method')
      .map((r) => column.stat(r)?.mean)
      .filter((m): m is number => typeof m === 'number');
    if (means.length < 2) return null;
    return column.best === 'min' ? Math.min(...means) : Math.max(...means);
  });
  return {
    title,
    header: ['Model', ...columns.map((c) => c.header)],
    rows: rows.map((row) => {
      const stats = columns.map((column) => column.stat(row));
      return {
        label: row.label,
        kind: row.kind,
        cells: columns.map((column, i) => {
          if (row.kind === 'preparation') {
            const preparation = row.method?.preparation;
            return preparation && column.preparation ? formatStat(column.preparation(preparation), 3) : '';
          }
          if (row.kind === 'gold' && column.gold !== undefined) return column.gold;
          const stat = stats[i];
          return stat ? formatStat(stat, column.digits(stat)) : MISSING;
        }),
        best: columns.map((_, i) => row.kind === 'method' && bestMeans[i] != null && stats[i]?.mean === bestMeans[i]),
      };
    }),
  };
}

/** The table a paper prints: accuracies, gaps to Mg, Avg.Gap, ToW, agreement, MIA-efficacy, cost. */
export function mainTable(report: Report): Table {
  const a =
    (read: (x: AlignmentReport) => Stat) =>
    (row: AnyRow): Stat | null =>
      row.alignment ? read(row.alignment) : null;
  const columns: Column[] = [
    { header: 'Acc Df', stat: (r) => r.model.acc.forget, digits: percent },
    { header: 'Acc Dr', stat: (r) => r.model.acc.retain, digits: percent },
    { header: 'Acc T', stat: (r) => r.model.acc.test, digits: percent },
    { header: 'Δ Df', stat: a((x) => x.gap.forget), digits: percent },
    { header: 'Δ Dr', stat: a((x) => x.gap.retain), digits: percent },
    { header: 'Δ T', stat: a((x) => x.gap.test), digits: percent },
    { header: 'Δ MIA', stat: a((x) => x.gap.mia), digits: percent },
    { header: 'Avg.Gap ↓', stat: a((x) => x.avgGap), digits: percent, best: 'min' },
    { header: 'ToW ↑', stat: a((x) => x.tow), digits: () => 3, best: 'max' },
    { header: 'Agreement ↑', stat: a((x) => x.agreement), digits: percent, best: 'max' },
    { header: 'MIA-efficacy', stat: (r) => r.model.mia.efficacy, digits: percent },
    {
      header: 'Seconds',
      stat: (r) => r.model.seconds,
      digits: secondsDigits,
      preparation: (p) => p.seconds,
    },
    {
      header: 'RTE',
      stat: (r) => r.method?.rte ?? null,
      digits: () => 3,
      gold: formatNumber(1, 3),
      preparation: (p) => p.rte,
    },
  ];
  return build('Alignment with the gold model, privacy and cost', report, columns);
}

/** The further metrics: per-sample alignment, output distances, the population attack, TMU's predictor. */
export function extraTable(report: Report): Table {
  const a =
    (read: (x: AlignmentReport) => Stat) =>
    (row: AnyRow): Stat | null =>
      row.alignment ? read(row.alignment) : null;
  const alpha = formatNumber(100 * report.settings.populationAlpha, 1);
  const columns: Column[] = [
    { header: 'Easy-recall ↑', stat: a((x) => x.easyRecall), digits: percent, best: 'max' },
    { header: 'Hard-forget ↑', stat: a((x) => x.hardForget), digits: percent, best: 'max' },
    { header: 'Act. distance ↓', stat: a((x) => x.activationDistance), digits: () => 3, best: 'min' },
    { header: 'JS divergence ↓', stat: a((x) => x.jsDivergence), digits: () => 4, best: 'min' },
    { header: `Pop. attack success (FPR ≤ ${alpha}%)`, stat: (r) => r.model.mia.populationSuccess, digits: percent },
    { header: 'Pop. attack AUC', stat: (r) => r.model.mia.populationAuc, digits: () => 3 },
    { header: 'MIA attack acc.', stat: (r) => r.model.mia.attackAccuracy, digits: percent },
    { header: 'Predictor acc.', stat: (r) => r.method?.predictor?.accuracy ?? null, digits: percent },
    { header: 'Predictor AUROC', stat: (r) => r.method?.predictor?.auroc ?? null, digits: () => 3 },
  ];
  return build('Further metrics', report, columns);
}

/** One line naming the scenario, e.g. `subclass: 10% of class 6 (Shirt)`. */
export function describeScenario(report: Report): string {
  const s = report.scenario;
  const cls = s.class !== undefined ? `class ${s.class}${s.className ? ` (${s.className})` : ''}` : (s.className ?? '');
  const fraction =
    s.fraction !== undefined ? `${formatNumber(100 * s.fraction, (s.fraction * 100) % 1 === 0 ? 0 : 1)}%` : '';
  switch (s.name) {
    case 'subclass':
      return `subclass: ${fraction} of ${cls}`;
    case 'random':
      return `random: ${fraction} of the member set`;
    case 'class':
      return `class: all of ${cls}`;
    case 'ids':
      return 'ids: an explicit list';
    default:
      return String(s.name);
  }
}

/** The sentence on seeds and intervals shown above the tables. */
export function describeSeeds(report: Report): string {
  const n = report.seeds.length;
  const sizes = (values: number[]): string =>
    [...new Set(values)].length === 1 ? String(values[0]) : values.join('/');
  const seeds = `${n} seed${n === 1 ? '' : 's'} (${report.seeds.join(', ')})`;
  const cells =
    n > 1
      ? "each cell is the mean over seeds ± the half-width of its 95% confidence interval (Student's t, n − 1 degrees of freedom)"
      : 'one seed, so values without intervals';
  return `${seeds}: ${cells}. |Df| = ${sizes(report.sizes.forget)}, |Dr| = ${sizes(report.sizes.retain)} (as evaluated), |T| = ${sizes(report.sizes.test)}.`;
}

/**
 * How the original models were trained and how well they fit, and a warning when they are under-fit;
 * empty for a report without a recorded protocol.
 */
export function describeProtocol(report: Report): string[] {
  const p = report.protocol;
  if (!p) return [];
  const members = [...new Set(p.members)];
  const lines = [
    `Original model: ${report.arch} trained for ${p.epochs} epoch${p.epochs === 1 ? '' : 's'} on ${members.map((m) => m.toLocaleString('en-US')).join('/')} members (of ${p.trainImages.toLocaleString('en-US')} training images); accuracy on the test set ${formatStat(report.models.original.acc.test, 2)}%, on its members ${formatStat(p.memberAccuracy, 2)}%, on the holdout ${formatStat(p.holdoutAccuracy, 2)}%.`,
  ];
  if (p.underFit)
    lines.push(
      `Warning: the original model is under-fit. Its accuracy on its members is less than ${UNDER_FIT_MARGIN} points above its holdout accuracy, so it has memorised little and there is little for any method to forget beyond what doing nothing gives; compare methods on a model trained with the full recipe.`,
    );
  return lines;
}

/**
 * One line per method with a prepare step: what it builds once per model (not in its per-request seconds
 * and RTE).
 */
export function describePreparations(report: Report): string[] {
  return report.methods.flatMap((method) =>
    method.preparation
      ? [
          `${method.name} prepared once per model: ${formatStat(method.preparation.seconds, 1)} s, ${formatStat(method.preparation.rte, 3)} of a retrain (RTE); each request then costs its own seconds and RTE, as in the table.`,
        ]
      : [],
  );
}

/** The units line under the tables. */
export const UNITS_NOTE =
  "Accuracies, gaps (Δ, Avg.Gap: percentage points), agreement, easy-recall, hard-forget, MIA-efficacy, attack accuracy, population attack success and predictor accuracy in percent; ToW and AUCs in [0, 1]; activation distance: mean L2 distance of softmax outputs on Df; JS divergence in nats; seconds of wall time; RTE = seconds / seconds of the retrain. Gaps are to the gold (retrained) model; the noise floor is a second retrain's gaps. Definitions: docs/metrics.md.";
