import { join, resolve } from 'node:path';
import { renderMarkdown } from '../../eval/markdown.js';
import { type BenchmarkPreset, PRESETS } from '../../eval/presets.js';
import { ARCHITECTURES } from '../../models/architectureSpec.js';
import { consoleProgress } from '../../train/progress.js';
import { parseParamValue } from '../../unlearn/params.js';
import type { Command, FlagValues } from '../command.js';
import { choiceFlag, intFlag, numberFlag, optionalString, printResult, requireString, UsageError } from '../command.js';

function list(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** `--param method.key=value` pairs into per-method parameter objects; `checkMethod` rejects unknown names. */
function methodParams(
  flags: FlagValues,
  checkMethod: (name: string) => unknown,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const pair of (flags.param as string[] | undefined) ?? []) {
    const match = /^([a-z0-9-]+)\.([A-Za-z0-9]+)=(.*)$/.exec(pair);
    if (!match) throw new UsageError(`--param must be method.key=value, got '${pair}'`);
    const [, method, key, value] = match;
    checkMethod(method!);
    out[method!] = { ...out[method!], [key!]: parseParamValue(value!) };
  }
  return out;
}

/** The protocol from --preset and the flags that override it. */
export function presetFromFlags(flags: FlagValues, fallback: keyof typeof PRESETS): BenchmarkPreset {
  const name = choiceFlag(flags, 'preset', Object.keys(PRESETS) as (keyof typeof PRESETS)[], fallback);
  const preset = { ...PRESETS[name] };
  if (flags.dataset !== undefined) preset.dataset = requireString(flags, 'dataset');
  if (flags.arch !== undefined) preset.arch = choiceFlag(flags, 'arch', ARCHITECTURES, preset.arch);
  if (flags.epochs !== undefined) preset.epochs = intFlag(flags, 'epochs', 10, 1, 1000);
  if (flags.scenario !== undefined)
    preset.scenario = choiceFlag(flags, 'scenario', ['subclass', 'class', 'random'] as const, preset.scenario);
  if (flags.class !== undefined) {
    preset.classes = list(requireString(flags, 'class')).map((value) => {
      if (!/^\d+$/.test(value)) throw new UsageError(`--class must be class indices, got '${value}'`);
      return Number(value);
    });
  }
  if (flags.fraction !== undefined) preset.fraction = numberFlag(flags, 'fraction', preset.fraction, 0, 1);
  if (flags.seeds !== undefined) preset.seeds = intFlag(flags, 'seeds', preset.seeds, 1, 100);
  if (flags['first-seed'] !== undefined) preset.firstSeed = intFlag(flags, 'first-seed', 0, 0, 1_000_000);
  if (flags.methods !== undefined) preset.methods = list(requireString(flags, 'methods'));
  if (flags['train-limit'] !== undefined) preset.trainLimit = intFlag(flags, 'train-limit', 0, 100);
  if (flags['test-limit'] !== undefined) preset.testLimit = intFlag(flags, 'test-limit', 0, 100);
  if (flags['no-noise-floor']) preset.noiseFloor = false;
  return preset;
}

/** Flags shared by bench and demo. */
export const BENCH_FLAGS: Command['flags'] = {
  preset: {
    type: 'string',
    description: `protocol: ${Object.entries(PRESETS)
      .map(([name, preset]) => `${name} (${preset.description})`)
      .join('; ')}`,
    value: 'NAME',
  },
  dataset: { type: 'string', description: 'dataset (overrides the preset)', value: 'NAME' },
  'data-dir': { type: 'string', description: 'dataset folder', value: 'DIR' },
  arch: { type: 'string', description: `architecture: ${ARCHITECTURES.join(', ')}`, value: 'NAME' },
  width: { type: 'string', description: 'ResNet-18 width multiplier', value: 'W' },
  epochs: { type: 'string', description: 'epochs of the original and gold models', value: 'N' },
  scenario: { type: 'string', description: 'forget scenario: subclass, class, random', value: 'NAME' },
  class: { type: 'string', description: 'class index, or a list (0,2,4,6): one report per class', value: 'C' },
  fraction: { type: 'string', description: 'fraction to forget', value: 'F' },
  seeds: { type: 'string', description: 'number of seeds (S..S+N-1, S from --first-seed)', value: 'N' },
  'first-seed': {
    type: 'string',
    description: 'first seed (default 0): held-out seeds give other splits, forget sets and models',
    value: 'S',
  },
  methods: { type: 'string', description: "methods, comma-separated, or 'all'", value: 'LIST' },
  param: { type: 'string', multiple: true, description: 'method parameter method.key=value', value: 'M.K=V' },
  'train-limit': { type: 'string', description: 'use only the first N training images', value: 'N' },
  'test-limit': { type: 'string', description: 'use only the first N test images', value: 'N' },
  'no-noise-floor': { type: 'boolean', description: 'skip the second gold model (retrain noise floor)' },
  cache: {
    type: 'string',
    description: 'where trained original and gold models are cached',
    default: 'runs/cache',
    value: 'DIR',
  },
  out: { type: 'string', description: 'output directory for report.json, report.md, report.html', value: 'DIR' },
};

/** `tmu bench`: the comparison benchmark. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'compare unlearning methods against the gold model: report.json, report.md, report.html',
  details: [
    'Examples:',
    '  tmu bench --scenario subclass --class 6 --fraction 0.1 --seeds 3 --methods all --out runs/class6',
    '  tmu bench --preset quick --out runs/quick      # smoke test on an under-fit model: not a comparison',
    '  tmu bench --preset paper --out runs/paper',
    'Original and gold models are cached per seed under --cache, so adding a method does not retrain them.',
  ].join('\n'),
  flags: BENCH_FLAGS,
  async run(flags) {
    const out = requireString(flags, 'out');
    const preset = presetFromFlags(flags, 'standard');
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { getMethod } = await import('../../unlearn/methods.js');
    const { runPreset } = await import('../../eval/presetRun.js');
    const params = methodParams(flags, getMethod);
    const width = flags.width !== undefined ? numberFlag(flags, 'width', 1, Number.MIN_VALUE, 16) : undefined;
    const progress = consoleProgress({ json: flags.json === true });
    const result = runPreset(preset, {
      out,
      cacheDir: optionalString(flags, 'cache') ?? 'runs/cache',
      dataDir: optionalString(flags, 'data-dir') ?? null,
      ...(width ? { width } : {}),
      params,
      progress,
      command: `tmu bench ${process.argv.slice(3).join(' ')}`.trim(),
    });
    const summary = {
      out: resolve(out),
      seconds: Number(result.seconds.toFixed(1)),
      reports: result.reports.map(({ dir }) => ({
        json: join(dir, 'report.json'),
        markdown: join(dir, 'report.md'),
        html: join(dir, 'report.html'),
      })),
    };
    printResult(
      flags,
      summary,
      [
        ...result.reports.map(({ report }) => renderMarkdown(report)),
        '',
        `reports: ${summary.reports.map((r) => r.html).join(', ')} (${summary.seconds} s)`,
      ].join('\n'),
    );
    return 0;
  },
};
