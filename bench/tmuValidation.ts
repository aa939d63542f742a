/**
 * TMU's validation protocol as one command: a variant of TMU's parameters against a base (the defaults
 * unless given) on the validation scenarios, which are never the reported ones (docs/tmu.md): 10% and
 * 30% of class 3, 1% and 5% of the members drawn at random; small CNN, 10 epochs, seeds 0..N-1, each
 * with its gold model from `tmu bench`'s cache. Prints, and writes to OUT/validation.json, the per-seed
 * pairs of agreement and Avg.Gap and the verdict of both acceptance rules (bench/lib/pairedRule.ts).
 * Each arm's reports go to OUT/<scenario>/<arm>/; an arm whose report already holds the same resolved
 * parameters is reused (TMU is deterministic), so a second variant against the same base costs only
 * its own runs.
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuValidation.js --out DIR --variant k=v [--variant k=v ...]
 *     [--base k=v ...] [--scenarios c3,c3x3,r1,r5] [--seeds 2] [--cache runs/cache]
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../src/data/files.js';
import { runPreset } from '../src/eval/presetRun.js';
import { PRESETS, type BenchmarkPreset } from '../src/eval/presets.js';
import type { MethodReport, Report } from '../src/eval/report.js';
import { consoleProgress } from '../src/train/progress.js';
import { parseParamPairs, resolveParams } from '../src/unlearn/params.js';
import { tmu } from '../src/unlearn/tmu/tmu.js';
import { judge, pairRuns, type PairedRun } from './lib/pairedRule.js';

/** The validation scenarios, by the names docs/tmu.md uses. */
const SCENARIOS: Record<string, Pick<BenchmarkPreset, 'scenario' | 'classes' | 'fraction'>> = {
  c3: { scenario: 'subclass', classes: [3], fraction: 0.1 },
  c3x3: { scenario: 'subclass', classes: [3], fraction: 0.3 },
  r1: { scenario: 'random', classes: [], fraction: 0.01 },
  r5: { scenario: 'random', classes: [], fraction: 0.05 },
};

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' }, variant: { type: 'string', multiple: true }, base: { type: 'string', multiple: true },
    scenarios: { type: 'string', default: Object.keys(SCENARIOS).join(',') }, seeds: { type: 'string', default: '2' }, cache: { type: 'string', default: 'runs/cache' },
  },
});
if (!args.out || !args.variant?.length) throw new Error('usage: tmuValidation --out DIR --variant k=v [--variant k=v ...] [--base k=v ...] [--scenarios c3,c3x3,r1,r5] [--seeds 2] [--cache DIR]');
const scenarios = args.scenarios.split(',').map((name) => name.trim()).filter(Boolean);
for (const name of scenarios) if (!SCENARIOS[name]) throw new Error(`--scenarios: unknown '${name}' (known: ${Object.keys(SCENARIOS).join(', ')})`);
const seeds = Number(args.seeds);
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, got ${args.seeds}`);
const baseRaw = parseParamPairs(args.base ?? []);
const arms = { base: baseRaw, variant: { ...baseRaw, ...parseParamPairs(args.variant) } };
// Validated before anything runs: a typo fails now, not after the base arm's runs.
const resolved = { base: resolveParams(tmu, arms.base), variant: resolveParams(tmu, arms.variant) };
const progress = consoleProgress();

/** TMU's report for one scenario and arm: reused when the stored one ran with the same parameters. */
function armReport(scenario: string, arm: 'base' | 'variant'): MethodReport {
  const dir = join(args.out!, scenario, arm);
  const path = join(dir, 'report.json');
  const sameParams = (report: Report): MethodReport | undefined => {
    const method = report.methods.find((m) => m.name === 'tmu');
    return method && JSON.stringify(method.params) === JSON.stringify(resolved[arm]) && method.agreement.values.length === seeds ? method : undefined;
  };
  if (existsSync(path)) {
    const reused = sameParams(JSON.parse(readFileSync(path, 'utf8')) as Report);
    if (reused) {
      progress.log('tmu validation reuse', { scenario, arm });
      return reused;
    }
  }
  mkdirSync(dir, { recursive: true });
  const preset: BenchmarkPreset = { ...PRESETS.paper, ...SCENARIOS[scenario]!, seeds, methods: ['tmu'] };
  const { reports } = runPreset(preset, {
    out: dir, cacheDir: args.cache!, dataDir: null, params: { tmu: arms[arm] }, progress, command: `tmuValidation ${scenario} ${arm}`,
  });
  const method = sameParams(reports[0]!.report);
  if (!method) throw new Error(`${path}: the run did not record TMU with the requested parameters`);
  return method;
}

const pairs: PairedRun[] = [];
type ArmMeans = { agreement: number | null; avgGap: number | null; predictorAuroc: number | null };
const perScenario: Record<string, { base: ArmMeans; variant: ArmMeans }> = {};
const means = (method: MethodReport): ArmMeans => ({ agreement: method.agreement.mean, avgGap: method.avgGap.mean, predictorAuroc: method.predictor?.auroc.mean ?? null });
// Every base arm first, then every variant arm: the arms may differ in the twin's options, and a model's
// cache holds one twin, so interleaving them would rebuild it at every step.
const baseReports = new Map(scenarios.map((scenario) => [scenario, armReport(scenario, 'base')]));
for (const scenario of scenarios) {
  const base = baseReports.get(scenario)!;
  const variant = armReport(scenario, 'variant');
  pairs.push(...pairRuns(scenario, base, variant));
  perScenario[scenario] = { base: means(base), variant: means(variant) };
}
const result = { base: arms.base, variant: arms.variant, scenarios, seeds, perScenario, pairs, verdict: judge(pairs) };
mkdirSync(args.out, { recursive: true });
writeTextAtomic(join(args.out, 'validation.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
