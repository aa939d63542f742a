import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { intFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { METHOD_PARAM_FLAGS, methodParamsFromFlags } from '../methodFlags.js';

/**
 * `tmu prepare`: runs a method's prepare step for a model ahead of its first deletion request (TMU: the
 * twin problem and its predictor), or lists what is cached beside the model.
 */
export const prepareCommand: Command = {
  name: 'prepare',
  summary:
    "build what a method reuses across a model's deletion requests (TMU: its twin and predictor) ahead of the first one, or list what is cached",
  details: [
    'What a method prepares depends on the model and its holdout only, so it is built once and reused by every',
    'request with the same parameters and seed. Without this command the first request builds it.',
    'Examples:',
    '  tmu prepare --model runs/original',
    '  tmu prepare --model runs/original --param twinPerClass=500 --features distance,adversarial,curriculum',
    '  tmu prepare --model runs/original --list',
  ].join('\n'),
  flags: {
    model: { type: 'string', description: 'the trained (original) model directory', value: 'DIR' },
    method: { type: 'string', description: 'unlearning method (see tmu methods)', default: 'tmu', value: 'NAME' },
    ...METHOD_PARAM_FLAGS,
    seed: {
      type: 'string',
      description: 'the seed the deletion requests will use (tmu unlearn --seed)',
      default: '0',
      value: 'N',
    },
    'data-dir': {
      type: 'string',
      description: 'dataset folder, if not where the model was trained from',
      value: 'DIR',
    },
    list: { type: 'boolean', description: 'list what is cached beside the model instead of building' },
  },
  async run(flags) {
    const modelDir = requireString(flags, 'model');
    if (!existsSync(modelDir)) throw new Error(`model directory ${modelDir} does not exist`);
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { isModelDir, readSidecar } = await import('../../train/modelStore.js');
    if (!isModelDir(modelDir)) throw new Error(`${modelDir} holds no model (no model.json)`);
    if (flags.list) {
      if (flags.param !== undefined || flags.features !== undefined)
        throw new UsageError('--list takes no --param or --features: it lists every cached entry');
      const { PreparationCache } = await import('../../unlearn/cache.js');
      const { silentProgress } = await import('../../train/progress.js');
      const entries = new PreparationCache(modelDir, readSidecar(modelDir).digest, silentProgress).list();
      const human =
        entries.length === 0
          ? `nothing cached beside ${modelDir}`
          : entries
              .map(
                (entry) =>
                  `${entry.dir}: ${entry.kind}, ${entry.current ? 'for this model' : 'for replaced weights (removed at the next build)'}, ${(entry.bytes / 2 ** 20).toFixed(1)} MiB${entry.seconds === null ? '' : `, built in ${entry.seconds.toFixed(1)} s`}`,
              )
              .join('\n');
      printResult(flags, { model: modelDir, entries }, human);
      return 0;
    }
    const { getMethod } = await import('../../unlearn/methods.js');
    const method = getMethod(optionalString(flags, 'method') ?? 'tmu');
    if (!method.prepare) {
      printResult(
        flags,
        { model: modelDir, method: method.name, prepared: null },
        `${method.name} has nothing to prepare`,
      );
      return 0;
    }
    const rawParams = methodParamsFromFlags(flags);
    const seed = intFlag(flags, 'seed', 0, 0);
    const { consoleProgress } = await import('../../train/progress.js');
    const { modelContext, prepareMethod, prepareOriginal } = await import('../../unlearn/run.js');
    const dataDir = optionalString(flags, 'data-dir');
    const original = prepareOriginal(modelDir, dataDir ? { dataDir } : {});
    try {
      const progress = consoleProgress({ json: flags.json === true });
      const prepared = prepareMethod(modelContext(original, { seed, progress }), method, rawParams)!;
      printResult(
        flags,
        { model: modelDir, method: method.name, ...prepared },
        [
          `${method.name}: ${prepared.reused ? 'already prepared' : `prepared in ${prepared.seconds.toFixed(1)} s`} (building it takes ${prepared.buildSeconds.toFixed(1)} s)`,
          ...Object.entries(prepared.summary).map(
            ([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
          ),
          `requests with these parameters and --seed ${seed} reuse it`,
        ].join('\n'),
      );
    } finally {
      original.loaded.model.dispose();
    }
    return 0;
  },
};
