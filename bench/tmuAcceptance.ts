/**
 * The TMU acceptance check over benchmark reports (issue 4): reads the report.json of each scenario of a
 * `tmu bench` run (e.g. `--preset paper`, one directory per class) and prints JSON with, per scenario and
 * over all of them, each criterion's measured values and whether it holds:
 *
 * - predictor AUROC >= 0.9 on Df against the gold model's real correctness;
 * - mean Δ_forget <= half of fine-tune's and <= the retrain noise floor + 3 pp;
 * - agreement with Mg on Df >= the noise floor's agreement - 1 pp; Δ_test <= 1 pp;
 * - Avg.Gap below fine-tune, random-label and gradient-ascent;
 * - per-request seconds <= 5% of the gold model's training seconds; twin build <= 50% of it.
 *
 * Usage: node dist/bench/tmuAcceptance.js [--baselines BASE_DIR] [--cost COST_JSON]... [--pool] DIR [DIR...]
 *   (each DIR holds a report.json, or subfolders that do). With `--baselines`, the other methods and the
 *   noise floor come from BASE_DIR's report of the same scenario (a `tmu bench` run with every method),
 *   after checking that it evaluated the same seeds, original and gold models: how a TMU-only run
 *   (`--methods tmu`) is judged without re-running baselines that did not change.
 *   With `--cost`, the two cost criteria are judged on bench/tmuCost.ts runs (`--out COST_JSON`), which
 *   time a gold training and TMU's requests and twin builds side by side in one process, instead of on
 *   the report's seconds (its cached gold models were timed in earlier runs, under other loads; those
 *   figures stay in the output as `secondsAcrossRuns`). A cost run counts for a scenario when it timed
 *   requests on one of the scenario's gold models (matched by digest); a scenario no run covers is an error,
 *   and so is a covering run that timed other TMU settings than the report ran (runs before session 17
 *   recorded none: `seconds.settings` says `not recorded`).
 *   With `--pool`, reports of the same scenario (TMU run with several `updateSeed` values, one `tmu bench`
 *   run each) are judged as one: per seed, each TMU statistic is the mean over the runs (bench/lib/mergeReports.ts).
 *   The update's own randomness moves a class's 3-seed means by more than the criteria's margins, so a
 *   verdict on one update seed is partly a draw.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Report } from '../src/eval/report.js';
import { resolveParams } from '../src/unlearn/params.js';
import { tmu as tmuMethod } from '../src/unlearn/tmu/tmu.js';
import { type CostRun, type CostShares, costForScenario } from './lib/costShares.js';
import { poolRuns, scenarioKey, withBaselines } from './lib/mergeReports.js';

function reportsIn(dir: string): { dir: string; report: Report }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir}: not a directory of tmu bench reports (give each --cost file its own --cost)`);
  if (existsSync(join(dir, 'report.json')))
    return [{ dir, report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report }];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => reportsIn(join(dir, entry.name)));
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
/** The mean of a statistic (NaN where it could not be computed). */
const m = (stat: { mean: number | null } | undefined): number => stat?.mean ?? Number.NaN;

interface Checked {
  holds: Record<string, boolean | null>;
  [key: string]: unknown;
}

function check(report: Report, costRuns: readonly CostRun[]): Checked {
  const method = (name: string) => report.methods.find((m) => m.name === name);
  const tmu = method('tmu');
  if (!tmu) throw new Error(`${report.scenario.name} class ${report.scenario.class}: no tmu in the report`);
  const floor = report.noiseFloor;
  const goldSeconds = m(report.models.gold.seconds);
  const summaries = (tmu.summaries ?? []) as {
    perRequestSeconds?: number;
    twin?: { cached: boolean; buildSeconds?: { total: number } };
  }[];
  const perRequest = mean(summaries.map((s) => s.perRequestSeconds ?? Number.NaN));
  // A cached twin carries the seconds measured when it was built (by an earlier run on the same Mo).
  const builds = summaries.filter((s) => s.twin?.buildSeconds).map((s) => s.twin!.buildSeconds!.total);
  const baselines = ['finetune', 'random-label', 'gradient-ascent'].filter((name) => method(name));
  const ft = method('finetune');
  const result: Checked = {
    holds: {},
    scenario: report.scenario,
    seeds: report.seeds,
    predictorAuroc: round(m(tmu.predictor?.auroc)),
    predictorFeatureAuroc: Object.fromEntries(
      Object.entries(tmu.predictor?.featureAuroc ?? {}).map(([name, value]) => [name, round(m(value))]),
    ),
    deltaForget: {
      tmu: round(m(tmu.gap.forget)),
      finetune: ft ? round(m(ft.gap.forget)) : null,
      floor: floor ? round(m(floor.gap.forget)) : null,
    },
    agreement: { tmu: round(m(tmu.agreement)), floor: floor ? round(m(floor.agreement)) : null },
    deltaTest: round(m(tmu.gap.test)),
    avgGap: Object.fromEntries([
      ['tmu', round(m(tmu.avgGap))],
      ...baselines.map((name) => [name, round(m(method(name)!.avgGap))]),
    ]),
    seconds: {
      goldTraining: round(goldSeconds),
      perRequest: round(perRequest),
      perRequestShare: round(perRequest / goldSeconds, 4),
      twinBuilds: builds.map((s) => round(s)),
      twinShare: builds.length ? round(Math.max(...builds) / goldSeconds, 4) : null,
    },
  };
  result.holds = {
    auroc: m(tmu.predictor?.auroc) >= 0.9,
    deltaForgetHalfOfFinetune: ft ? m(tmu.gap.forget) <= m(ft.gap.forget) / 2 : null,
    deltaForgetFloorPlus3: floor ? m(tmu.gap.forget) <= m(floor.gap.forget) + 3 : null,
    agreementFloorMinus1: floor ? m(tmu.agreement) >= m(floor.agreement) - 1 : null,
    deltaTest: m(tmu.gap.test) <= 1,
    avgGapBelowBaselines: baselines.every((name) => m(tmu.avgGap) < m(method(name)!.avgGap)),
    perRequest5pct: perRequest <= 0.05 * goldSeconds,
    twin50pct: builds.length ? Math.max(...builds) <= 0.5 * goldSeconds : null,
  };
  if (costRuns.length > 0) {
    const cost = costForScenario(report, costRuns);
    result.secondsAcrossRuns = result.seconds;
    result.seconds = cost.seconds;
    result.holds = { ...result.holds, ...cost.holds };
  }
  return result;
}

const { values: flags, positionals: dirs } = parseArgs({
  options: {
    baselines: { type: 'string' },
    cost: { type: 'string', multiple: true },
    pool: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
if (dirs.length === 0) {
  process.stderr.write(
    'usage: node dist/bench/tmuAcceptance.js [--baselines BASE_DIR] [--cost COST_JSON]... [--pool] DIR [DIR...]\n',
  );
  process.exit(2);
}
const costRuns = (flags.cost ?? []).map((file): CostRun => {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    shares?: CostShares;
    settings?: Record<string, unknown>;
    params?: Record<string, unknown>;
  };
  if (!parsed.shares?.forgetSets)
    throw new Error(`--cost ${file}: not the output of bench/tmuCost.ts (no shares.forgetSets)`);
  // Runs of session 17 recorded only their --param overrides: resolved against today's defaults, which are
  // the ones they ran with as long as the defaults have not changed since. Earlier runs recorded neither.
  const settings =
    parsed.settings ?? (parsed.params ? (resolveParams(tmuMethod, parsed.params) as Record<string, unknown>) : null);
  return { file, shares: parsed.shares, settings };
});
const baselineReports = new Map(
  (flags.baselines ? reportsIn(flags.baselines) : []).map(({ report }) => [scenarioKey(report), report]),
);
const found = dirs.flatMap(reportsIn);
// With --pool, the reports of one scenario are runs of TMU to average (e.g. several update seeds).
const byScenario = new Map<string, typeof found>();
for (const entry of found)
  byScenario.set(scenarioKey(entry.report), [...(byScenario.get(scenarioKey(entry.report)) ?? []), entry]);
const runs = flags.pool
  ? [...byScenario.values()].map((group) => ({
      dir: group.map((g) => g.dir).join(' + '),
      report: poolRuns(
        group.map((g) => g.report),
        'tmu',
      ),
    }))
  : found;
const judged = runs.map(({ dir, report }) => {
  if (!flags.baselines) return { dir, report };
  const base = baselineReports.get(scenarioKey(report));
  if (!base)
    throw new Error(`--baselines ${flags.baselines}: no report of scenario ${scenarioKey(report)} (needed by ${dir})`);
  return { dir, report: withBaselines(report, base, 'tmu') };
});
const scenarios = judged.map(({ dir, report }) => ({ dir, ...check(report, costRuns) }));
const all = (key: string): boolean | null => {
  const values = scenarios.map((s) => s.holds[key]).filter((v) => v !== null && v !== undefined);
  return values.length ? values.every(Boolean) : null;
};
const keys = Object.keys(scenarios[0]?.holds ?? {});
process.stdout.write(
  `${JSON.stringify({ scenarios, holds: Object.fromEntries(keys.map((key) => [key, all(key)])) }, null, 2)}\n`,
);
