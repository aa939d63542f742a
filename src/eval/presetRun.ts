/**
 * A benchmark preset run end to end: every scenario of the preset through the benchmark, aggregated
 * into reports written atomically (report.json, report.md, report.html per scenario, and a summary
 * across scenarios). What `tmu bench` and `tmu demo` run.
 *
 * @module
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextAtomic } from '../data/files.js';
import type { ProgressSink } from '../train/progress.js';
import { getMethod, listMethods } from '../unlearn/methods.js';
import { type BenchmarkOptions, runBenchmark } from './benchmark.js';
import { evaluateSeed, type SeedResult } from './evaluate.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { BenchmarkPreset } from './presets.js';
import { aggregateRuns, type Report } from './report.js';
import { renderScenarioSummary } from './summary.js';

/** Method names: `all` expands to every registered method. Unknown names are rejected. */
function resolveMethods(names: readonly string[]): string[] {
  const resolved = names.includes('all') ? listMethods().map((method) => method.name) : [...names];
  for (const name of resolved) getMethod(name);
  return resolved;
}

/** The seeds a preset runs: `seeds` consecutive integers from `firstSeed` (default 0). */
export function presetSeeds(preset: Pick<BenchmarkPreset, 'seeds' | 'firstSeed'>): number[] {
  const first = preset.firstSeed ?? 0;
  if (!Number.isInteger(first) || first < 0)
    throw new RangeError(`firstSeed must be a non-negative integer, got ${first}`);
  if (!Number.isInteger(preset.seeds) || preset.seeds < 1)
    throw new RangeError(`seeds must be a positive integer, got ${preset.seeds}`);
  return Array.from({ length: preset.seeds }, (_, i) => first + i);
}

/** Runs a preset and writes report.json, report.md and report.html per scenario into `out`. */
export function runPreset(
  preset: BenchmarkPreset,
  options: {
    out: string;
    cacheDir: string;
    dataDir: string | null;
    width?: number;
    params: Record<string, Record<string, unknown>>;
    progress: ProgressSink;
    command: string;
  },
): { reports: { dir: string; report: Report }[]; seconds: number } {
  const started = performance.now();
  const methods = resolveMethods(preset.methods);
  const reports: { dir: string; report: Report }[] = [];
  const scenarios = preset.scenario === 'random' ? [null] : preset.classes;
  for (const cls of scenarios) {
    const scenario: BenchmarkOptions['scenario'] =
      preset.scenario === 'random'
        ? { scenario: 'random', fraction: preset.fraction }
        : preset.scenario === 'class'
          ? { scenario: 'class', class: cls! }
          : { scenario: 'subclass', class: cls!, fraction: preset.fraction };
    const results: SeedResult[] = [];
    const { data } = runBenchmark(
      {
        dataset: preset.dataset,
        dataDir: options.dataDir,
        arch: preset.arch,
        ...(options.width ? { width: options.width } : {}),
        ...(preset.epochs ? { epochs: preset.epochs } : {}),
        ...(preset.trainLimit ? { trainLimit: preset.trainLimit } : {}),
        ...(preset.testLimit ? { testLimit: preset.testLimit } : {}),
        scenario,
        seeds: presetSeeds(preset),
        methods,
        methodParams: options.params,
        retainEvalSize: preset.retainEvalSize,
        cacheDir: options.cacheDir,
        noiseFloor: preset.noiseFloor,
        progress: options.progress,
      },
      (seed) => results.push(evaluateSeed(seed.input)),
    );
    const report = aggregateRuns(results, {
      dataset: preset.dataset,
      arch: preset.arch,
      scenario: {
        name: scenario.scenario,
        ...(cls !== null ? { class: cls, className: data.train.classNames[cls] ?? String(cls) } : {}),
        ...('fraction' in scenario ? { fraction: scenario.fraction } : {}),
      },
      createdAt: new Date().toISOString(),
      command: options.command,
    });
    const dir =
      scenarios.length > 1 ? join(options.out, preset.scenario === 'random' ? 'random' : `class-${cls}`) : options.out;
    mkdirSync(dir, { recursive: true });
    writeTextAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeTextAtomic(join(dir, 'report.md'), renderMarkdown(report));
    writeTextAtomic(join(dir, 'report.html'), renderHtml(report));
    reports.push({ dir, report });
  }
  if (reports.length > 1) {
    const summary = renderScenarioSummary(reports.map(({ report }) => report));
    writeTextAtomic(join(options.out, 'summary.md'), summary);
    writeTextAtomic(
      join(options.out, 'report.md'),
      [summary, ...reports.map(({ report }) => renderMarkdown(report))].join('\n\n'),
    );
  }
  return { reports, seconds: (performance.now() - started) / 1000 };
}
