import { join, resolve } from 'node:path';
import { renderMarkdown } from '../../eval/markdown.js';
import { consoleProgress } from '../../train/progress.js';
import type { Command } from '../command.js';
import { optionalString, printResult } from '../command.js';
import { BENCH_FLAGS, presetFromFlags } from './bench.js';

/** `tmu demo`: the README's main job: a small real comparison on Fashion-MNIST. */
export const demoCommand: Command = {
  name: 'demo',
  summary:
    'train an original and a gold model on Fashion-MNIST, unlearn 10% of a class with TMU and baselines, and compare them',
  details:
    'Writes runs/demo/report.{json,md,html}; models are cached under runs/cache, so a second run only re-runs the methods.',
  flags: { ...BENCH_FLAGS, out: { ...BENCH_FLAGS.out!, default: 'runs/demo' } },
  async run(flags) {
    const out = optionalString(flags, 'out') ?? 'runs/demo';
    const preset = presetFromFlags(flags, 'demo');
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { runPreset } = await import('../../eval/presetRun.js');
    const progress = consoleProgress({ json: flags.json === true });
    progress.log('demo', {
      dataset: preset.dataset,
      arch: preset.arch,
      epochs: preset.epochs ?? 'default',
      class: preset.classes.join(','),
      methods: preset.methods.join(','),
    });
    const result = runPreset(preset, {
      out,
      cacheDir: optionalString(flags, 'cache') ?? 'runs/cache',
      dataDir: optionalString(flags, 'data-dir') ?? null,
      params: {},
      progress,
      command: 'tmu demo',
    });
    const html = resolve(join(result.reports[0]!.dir, 'report.html'));
    printResult(
      flags,
      { out: resolve(out), seconds: result.seconds, html },
      `${renderMarkdown(result.reports[0]!.report)}\nFull report with plots: ${html}\n(${result.seconds.toFixed(0)} s)`,
    );
    return 0;
  },
};
