import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { intFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { METHOD_PARAM_FLAGS, methodParamsFromFlags } from '../methodFlags.js';

/**
 * `tmu twin`: builds TMU's twin and predictor for a model ahead of its first deletion request, or lists
 * the twins cached beside it.
 */
export const twinCommand: Command = {
  name: 'twin',
  summary:
    "build TMU's twin problem and predictor for a model ahead of its first deletion request, or list the twins cached beside it",
  details: [
    'The twin depends on the model and its holdout only, so it is built once and reused by every request with the same',
    'twin options and seed (docs/tmu.md, "Amortisation"). Without this command the first request builds it.',
    'Examples:',
    '  tmu twin --model runs/original',
    '  tmu twin --model runs/original --param twinPerClass=500 --features distance,adversarial,curriculum,neighbourhood',
    '  tmu twin --model runs/original --list',
  ].join('\n'),
  flags: {
    model: { type: 'string', description: 'the trained (original) model directory', value: 'DIR' },
    ...METHOD_PARAM_FLAGS,
    seed: {
      type: 'string',
      description: 'the seed the deletion requests will use (tmu unlearn --seed): the twin is drawn with it',
      default: '0',
      value: 'N',
    },
    'data-dir': {
      type: 'string',
      description: 'dataset folder, if not where the model was trained from',
      value: 'DIR',
    },
    list: {
      type: 'boolean',
      description: 'list the cached twins (usable or not, options, size) instead of building one',
    },
  },
  async run(flags) {
    const modelDir = requireString(flags, 'model');
    if (!existsSync(modelDir)) throw new Error(`model directory ${modelDir} does not exist`);
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { isModelDir, readSidecar } = await import('../../train/modelStore.js');
    if (!isModelDir(modelDir)) throw new Error(`${modelDir} holds no model (no model.json)`);
    if (flags.list) {
      if (flags.param !== undefined || flags.features !== undefined)
        throw new UsageError('--list takes no --param or --features: it lists every cached twin');
      const { listCachedTwins } = await import('../../unlearn/tmu/twin.js');
      const twins = listCachedTwins(modelDir, readSidecar(modelDir).digest);
      const human =
        twins.length === 0
          ? `no twin cached beside ${modelDir}`
          : twins
              .map((twin) =>
                [
                  `${twin.dir}: ${twin.usable ? 'usable' : `not usable (${twin.reason})`}, ${(twin.bytes / 2 ** 20).toFixed(1)} MiB, ${twin.predictors} predictor(s)${twin.buildSeconds === null ? '' : `, built in ${twin.buildSeconds.toFixed(1)} s`}`,
                  ...(twin.options
                    ? [
                        `  options: ${Object.entries(twin.options)
                          .map(([key, value]) => `${key}=${String(value)}`)
                          .join(', ')}`,
                      ]
                    : []),
                ].join('\n'),
              )
              .join('\n');
      printResult(flags, { model: modelDir, twins }, human);
      return 0;
    }
    const rawParams = methodParamsFromFlags(flags);
    const { resolveParams } = await import('../../unlearn/params.js');
    const { prepareTwin, tmu } = await import('../../unlearn/tmu/tmu.js');
    const params = resolveParams(tmu, rawParams);
    const seed = intFlag(flags, 'seed', 0, 0);
    const { consoleProgress } = await import('../../train/progress.js');
    const { modelContext, prepareOriginal } = await import('../../unlearn/run.js');
    const dataDir = optionalString(flags, 'data-dir');
    const original = prepareOriginal(modelDir, dataDir ? { dataDir } : {});
    try {
      const progress = consoleProgress({ json: flags.json === true });
      const prepared = prepareTwin(modelContext(original, { seed, progress }), params);
      const { twin, predictor } = prepared;
      printResult(
        flags,
        { model: modelDir, ...prepared },
        [
          `twin: ${twin.cached ? 'already cached' : 'built'} in ${join(modelDir, prepared.cacheDir)}${twin.builtBecause ? `, because: ${twin.builtBecause}` : ''}`,
          `  ${twin.samples} samples, hard rate ${(100 * twin.hardRate).toFixed(1)}%, ${twin.buildSeconds.total.toFixed(1)} s to build; curriculum model: epoch ${twin.curriculumEpoch}, ${twin.curriculum === 'original-run' ? "kept by Mo's training run" : "replayed from Mo's recipe"}`,
          `predictor: ${predictor.features.join(', ')} (${predictor.scaler} scaling), ${predictor.cached ? 'already cached' : 'trained'}; on the twin's held-out samples accuracy ${predictor.heldOutAccuracy.toFixed(2)}%, AUROC ${predictor.heldOutAuroc.toFixed(3)}`,
          `requests with these TMU parameters and --seed ${seed} reuse both; ${prepared.seconds.toFixed(1)} s`,
        ].join('\n'),
      );
    } finally {
      original.loaded.model.dispose();
    }
    return 0;
  },
};
