/**
 * Benchmark reports of the same runs combined (bench/tmuAcceptance.ts): one method's rows with the other
 * methods' rows of an earlier report (`--baselines`: when only TMU changed, its new runs are judged
 * against baselines that were not re-run), and several runs of one method pooled into one row (`--pool`:
 * TMU with several update seeds). Both are sound only if the reports evaluated the same original and
 * gold models on the same seeds. That is checked, not assumed. And one method's rows of consecutive seed
 * ranges joined into one (`joinSeeds`: the validation bench adds seeds to a scenario without rerunning
 * the ones it has).
 *
 * @module
 */

import type { MethodReport, Report } from '../../src/eval/report.js';
import { type Stat, summarize } from '../../src/eval/statistics.js';
import { methodSettingsDifferences } from './methodSettings.js';

/** The scenario as a key: name, class and fraction. */
export function scenarioKey(report: Pick<Report, 'scenario'>): string {
  const { name, class: label, fraction } = report.scenario;
  return `${name}/${label ?? '-'}/${fraction ?? '-'}`;
}

/** Throws, naming the difference, unless both reports ran the same scenario and seeds on the same models. */
function checkSameRuns(ours: Report, theirs: Report, where: string): void {
  if (scenarioKey(ours) !== scenarioKey(theirs))
    throw new Error(`${where}: scenario ${scenarioKey(theirs)} is not ${scenarioKey(ours)}`);
  if (JSON.stringify(ours.seeds) !== JSON.stringify(theirs.seeds))
    throw new Error(
      `${where} ${scenarioKey(ours)}: seeds ${JSON.stringify(theirs.seeds)} are not ${JSON.stringify(ours.seeds)}`,
    );
  for (const model of ['original', 'gold'] as const) {
    const a = ours.models[model].digests;
    const b = theirs.models[model].digests;
    if (JSON.stringify(a) !== JSON.stringify(b))
      throw new Error(
        `${where} ${scenarioKey(ours)}: the ${model} models differ (digests ${JSON.stringify(b)} against ${JSON.stringify(a)})`,
      );
  }
}

function isStat(value: unknown): value is Stat {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Stat).values) &&
    'mean' in value &&
    'ci95' in value
  );
}

/** Every Stat of the rows, per seed averaged over the rows (nested objects walked alike). */
function poolStats(rows: readonly unknown[]): unknown {
  const [first] = rows;
  if (isStat(first)) {
    const stats = rows as Stat[];
    return summarize(
      first.values.map((_, seed) => {
        const values = stats.map((stat) => stat.values[seed]).filter((v): v is number => typeof v === 'number');
        return values.length === stats.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
      }),
    );
  }
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return first;
  return Object.fromEntries(
    Object.keys(first).map((key) => [key, poolStats(rows.map((row) => (row as Record<string, unknown>)[key]))]),
  );
}

/**
 * Several runs of one method on the same scenario, seeds and models (e.g. TMU with several `updateSeed`
 * values) as one report: every statistic of the method's row is, per seed, the mean over the runs (a seed
 * missing in any run is missing), then summarised over seeds as usual; `summaries` hold every run's, run
 * after run. The other rows are the first report's. Throws, naming the difference, unless every report
 * covers the same scenario and seeds with the same original and gold models, and ran the method with the
 * same settings but for those that name a run (the update's seed).
 */
export function poolRuns(reports: readonly Report[], method: string): Report {
  const [first, ...rest] = reports;
  if (!first) throw new Error('--pool: no report to pool');
  for (const other of rest) checkSameRuns(first, other, '--pool');
  const rows = reports.map((report) => {
    const row = report.methods.find((m) => m.name === method);
    if (!row) throw new Error(`--pool ${scenarioKey(report)}: a report has no ${method}`);
    return row;
  });
  const { name, params } = rows[0]!;
  rows.forEach((row, i) => {
    const differences = methodSettingsDifferences(method, params, row.params);
    if (differences.length > 0)
      throw new Error(
        `--pool ${scenarioKey(reports[i]!)}: runs of ${method} with other settings cannot be pooled (${differences.join('; ')})`,
      );
  });
  const statistics = poolStats(
    rows.map(({ summaries: _summaries, name: _name, params: _params, ...rest }) => rest),
  ) as Omit<MethodReport, 'summaries' | 'name' | 'params'>;
  const pooled: MethodReport = { ...statistics, name, params, summaries: rows.flatMap((row) => row.summaries) };
  return { ...first, methods: first.methods.map((m) => (m.name === method ? pooled : m)) };
}

/**
 * `report` with `method`'s row kept and every other method's row (and the noise floor, if `report` has
 * none) taken from `baselines`. Throws, naming the difference, unless both reports cover the same
 * scenario and seeds with the same original and gold models.
 */
export function withBaselines(report: Report, baselines: Report, method: string): Report {
  const where = `${scenarioKey(report)}`;
  checkSameRuns(report, baselines, '--baselines');
  const own = report.methods.find((m) => m.name === method);
  if (!own) throw new Error(`${where}: no ${method} in the report`);
  const others = baselines.methods.filter((m) => m.name !== method);
  if (others.length === 0) throw new Error(`--baselines ${where}: the report holds no method other than ${method}`);
  return { ...report, noiseFloor: report.noiseFloor ?? baselines.noiseFloor, methods: [own, ...others] };
}

/** Every Stat of the rows with its per-seed values concatenated in row order, then summarised again. */
function joinStats(rows: readonly unknown[]): unknown {
  const [first] = rows;
  if (isStat(first)) return summarize((rows as Stat[]).flatMap((stat) => stat.values));
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return first;
  return Object.fromEntries(
    Object.keys(first).map((key) => [key, joinStats(rows.map((row) => (row as Record<string, unknown>)[key]))]),
  );
}

/**
 * One method's rows of the same runs on consecutive seed ranges (seeds 3-8, then 9-10) as one row over all
 * their seeds: every statistic's per-seed values concatenated in the order given and summarised again,
 * the summaries (one per seed) likewise, and the last row's parameters (the newest run's). Throws unless
 * every row is the same method with the same parameters by `sameParams` (default: equal as JSON; the
 * validation bench passes its own test, which reads runs written before an option existed), since only
 * then are the rows what one run over all the seeds gives.
 */
export function joinSeeds(
  rows: readonly MethodReport[],
  sameParams: (a: Record<string, unknown>, b: Record<string, unknown>) => boolean = (a, b) =>
    JSON.stringify(a) === JSON.stringify(b),
): MethodReport {
  const [first] = rows;
  const last = rows[rows.length - 1];
  if (!first || !last) throw new Error('joinSeeds: no row to join');
  for (const row of rows) {
    if (row.name !== first.name) throw new Error(`joinSeeds: rows of ${first.name} and ${row.name}`);
    if (!sameParams(row.params, last.params))
      throw new Error(
        `joinSeeds ${first.name}: rows with different parameters (${JSON.stringify(row.params)} and ${JSON.stringify(last.params)})`,
      );
  }
  const statistics = joinStats(
    rows.map(({ summaries: _summaries, name: _name, params: _params, ...rest }) => rest),
  ) as Omit<MethodReport, 'summaries' | 'name' | 'params'>;
  return { ...statistics, name: first.name, params: last.params, summaries: rows.flatMap((row) => row.summaries) };
}
