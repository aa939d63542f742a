/**
 * TMU's validation protocol as one command: a variant of TMU's parameters against a base (the defaults
 * unless given) on the validation scenarios, which are never the reported ones (docs/tmu.md, "The
 * validation protocol"). The target scenarios are the confusable classes the reported protocol fails on,
 * on held-out seeds (c2x1, c4x1, c6x1: 10% of pullovers, of coats, of shirts, the reported fraction,
 * since session 15, at seeds 3-10 since session 17, 3-12 since session 19; c2x2, c4x2, c6x2: 20% at seeds 3-5; pullovers since
 * session 13); the guard
 * scenarios are the earlier ones (c3: 10% of class 3, c3x3: 30%, r1 and r5: 1% and 5% of the members at
 * random; seeds 0-1). Small CNN, 10 epochs, each seed with its gold model from `tmu bench`'s cache. Both
 * arms run with each of the update seeds (`--update-seeds`, `request` = the request's own seed), so the
 * update's noise is paired and averaged out. Prints, and writes to OUT/validation.json, the pairs, the
 * standing rule's verdict (bench/lib/standingRule.ts) and, for comparison with sessions 6-8, the earlier
 * rules (bench/lib/pairedRule.ts). Each run's report goes to OUT/<scenario>/<arm>/u-<update seed>/; a
 * report that already holds the same resolved parameters and seeds is reused (TMU is deterministic), so
 * a second variant against the same base costs only its own runs; one that holds them on the first of the
 * seeds (the scenario gained seeds) is extended by the missing seeds alone, run into `seeds-A-B/` beside it.
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuValidation.js --out DIR --variant k=v [--variant k=v ...]
 *     [--base k=v ...] [--scenarios c2x1,c4x1,c6x1,c2x2,c4x2,c6x2,c3,r1] [--target c2x1,...,c6x2] [--update-seeds request,100,101]
 *     [--seeds N] [--cache runs/cache]
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextAtomic } from '../src/data/files.js';
import { presetSeeds, runPreset } from '../src/eval/presetRun.js';
import { type BenchmarkPreset, PRESETS } from '../src/eval/presets.js';
import type { MethodReport, Report } from '../src/eval/report.js';
import { consoleProgress } from '../src/train/progress.js';
import { joinSeeds } from './lib/mergeReports.js';
import { judge, type PairedRun, pairRuns } from './lib/pairedRule.js';
import { judgeStanding } from './lib/standingRule.js';
import { parseValidationArgs, sameTmuParams, VALIDATION_SCENARIOS, validationUnit } from './lib/validationArgs.js';

const { out, cache, scenarios, target, seedsOverride, updateSeeds, armParams } = parseValidationArgs(
  process.argv.slice(2),
);
const progress = consoleProgress();
const presetOf = (scenario: string): BenchmarkPreset => {
  const chosen = VALIDATION_SCENARIOS[scenario]!;
  // Paired comparisons need the gold model, not the second retrain: skipping it halves the training.
  return { ...PRESETS.paper, ...chosen, seeds: seedsOverride ?? chosen.seeds, methods: ['tmu'], noiseFloor: false };
};
const updateName = (updateSeed: number | null): string => (updateSeed === null ? 'request' : String(updateSeed));

/** TMU's row and the seeds of the report stored in `dir`, when TMU ran there with `params`. */
function storedRun(dir: string, params: Record<string, unknown>): { row: MethodReport; seeds: number[] } | null {
  const path = join(dir, 'report.json');
  if (!existsSync(path)) return null;
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  const row = report.methods.find((m) => m.name === 'tmu');
  return row && sameTmuParams(row.params, params) ? { row, seeds: report.seeds } : null;
}

const sameSeeds = (a: readonly number[], b: readonly number[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Runs TMU on `preset` into `dir` and returns its row, checked to hold `params` on the preset's seeds. */
function runInto(dir: string, preset: BenchmarkPreset, params: Record<string, unknown>, command: string): MethodReport {
  mkdirSync(dir, { recursive: true });
  const { reports } = runPreset(preset, {
    out: dir,
    cacheDir: cache,
    dataDir: null,
    params: { tmu: params },
    progress,
    command,
  });
  const report = reports[0]!.report;
  const method = report.methods.find((m) => m.name === 'tmu');
  if (!method || !sameTmuParams(method.params, params) || !sameSeeds(report.seeds, presetSeeds(preset))) {
    throw new Error(`${join(dir, 'report.json')}: the run did not record TMU with the requested parameters and seeds`);
  }
  return method;
}

/**
 * TMU's report for one scenario, arm and update seed: reused when the stored one ran with the same
 * parameters and seeds. When the stored one ran with the same parameters on the first of the seeds (the
 * scenario's seed count grew since), only the seeds after them run, into `seeds-A-B/` beside it, and the
 * two rows are joined.
 */
function armReport(scenario: string, arm: 'base' | 'variant', updateSeed: number | null): MethodReport {
  const dir = join(out, scenario, arm, `u-${updateName(updateSeed)}`);
  const preset = presetOf(scenario);
  const params = { ...armParams[arm], updateSeed };
  const seeds = presetSeeds(preset);
  const command = `tmuValidation ${scenario} ${arm} update seed ${updateName(updateSeed)}`;
  const stored = storedRun(dir, params);
  if (stored && sameSeeds(stored.seeds, seeds)) {
    progress.log('tmu validation reuse', { scenario, arm, updateSeed: updateName(updateSeed) });
    return stored.row;
  }
  const head = stored?.seeds ?? [];
  const grew = head.length > 0 && head.length < seeds.length && sameSeeds(head, seeds.slice(0, head.length));
  if (!stored || !grew) return runInto(dir, preset, params, command);
  const rest = seeds.slice(head.length);
  const restDir = join(dir, `seeds-${rest[0]}-${rest[rest.length - 1]}`);
  const storedRest = storedRun(restDir, params);
  const restReused = storedRest && sameSeeds(storedRest.seeds, rest) ? storedRest.row : null;
  progress.log('tmu validation reuse', {
    scenario,
    arm,
    updateSeed: updateName(updateSeed),
    seeds: head.join(','),
    running: restReused ? 'none' : rest.join(','),
  });
  const restRun =
    restReused ??
    runInto(
      restDir,
      { ...preset, firstSeed: rest[0]!, seeds: rest.length },
      params,
      `${command} seeds ${rest.join(',')}`,
    );
  return joinSeeds([stored.row, restRun], sameTmuParams);
}

const pairs: PairedRun[] = [];
type ArmMeans = { agreement: number | null; avgGap: number | null; predictorAuroc: number | null };
const perScenario: Record<string, Record<string, { base: ArmMeans; variant: ArmMeans }>> = {};
const means = (method: MethodReport): ArmMeans => ({
  agreement: method.agreement.mean,
  avgGap: method.avgGap.mean,
  predictorAuroc: method.predictor?.auroc.mean ?? null,
});
// Every base run first, then every variant run: the arms may differ in the twin's options, and a model's
// cache holds one twin, so interleaving them would rebuild it at every step.
const runsOf = (arm: 'base' | 'variant'): Map<string, MethodReport> =>
  new Map(
    scenarios.flatMap((scenario) =>
      updateSeeds.map(
        (updateSeed) => [`${scenario}/${updateName(updateSeed)}`, armReport(scenario, arm, updateSeed)] as const,
      ),
    ),
  );
const baseRuns = runsOf('base');
const variantRuns = runsOf('variant');
for (const scenario of scenarios) {
  perScenario[scenario] = {};
  for (const updateSeed of updateSeeds) {
    const key = `${scenario}/${updateName(updateSeed)}`;
    const base = baseRuns.get(key)!;
    const variant = variantRuns.get(key)!;
    pairs.push(...pairRuns(scenario, presetSeeds(presetOf(scenario)), base, variant, updateSeed));
    perScenario[scenario]![updateName(updateSeed)] = { base: means(base), variant: means(variant) };
  }
}
const result = {
  base: armParams.base,
  variant: armParams.variant,
  scenarios,
  target,
  updateSeeds,
  perScenario,
  pairs,
  verdict: judgeStanding(pairs, target, validationUnit),
  earlierRules: judge(pairs),
};
mkdirSync(out, { recursive: true });
writeTextAtomic(join(out, 'validation.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
