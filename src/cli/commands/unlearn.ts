import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadForget } from '../../data/forget.js';
import { consoleProgress } from '../../train/progress.js';
import { resolveParams } from '../../unlearn/params.js';
import type { Command } from '../command.js';
import { intFlag, optionalString, printResult, requireString, UsageError } from '../command.js';
import { METHOD_PARAM_FLAGS, methodParamsFromFlags } from '../methodFlags.js';

/** `tmu unlearn`: removes a forget set from a model with a method, writing a new model version. */
export const unlearnCommand: Command = {
  name: 'unlearn',
  summary: 'forget a set of samples from a trained model (writes a new model; the original is untouched)',
  details: [
    'Examples:',
    '  tmu unlearn --model runs/original --forget runs/forget.json --method tmu --out runs/tmu',
    '  tmu unlearn --model runs/original --forget runs/forget.json --method finetune --param epochs=3 --out runs/ft',
    'tmu methods lists the methods and their parameters.',
  ].join('\n'),
  flags: {
    model: { type: 'string', description: 'the trained (original) model directory', value: 'DIR' },
    forget: {
      type: 'string',
      description: 'forget-set file ({"ids": [...]} or a JSON array of member ids)',
      value: 'FILE',
    },
    method: { type: 'string', description: 'unlearning method (see tmu methods)', default: 'tmu', value: 'NAME' },
    ...METHOD_PARAM_FLAGS,
    out: { type: 'string', description: 'directory for the unlearned model', value: 'DIR' },
    seed: { type: 'string', description: "seed of the method's randomness", default: '0', value: 'N' },
    'data-dir': {
      type: 'string',
      description: 'dataset folder, if not where the model was trained from',
      value: 'DIR',
    },
    force: { type: 'boolean', description: 'overwrite a model in --out' },
    gold: {
      type: 'string',
      description:
        "evaluation runs: the gold model (retrained without the forget set), to report accuracy on Df against it and, for TMU, the predictor's accuracy and AUROC against its real correctness",
      value: 'DIR',
    },
  },
  async run(flags) {
    const modelDir = requireString(flags, 'model');
    const out = requireString(flags, 'out');
    const forgetFile = requireString(flags, 'forget');
    if (resolve(out) === resolve(modelDir))
      throw new UsageError('--out must differ from --model: the original model is never overwritten');
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { idsDigest, isModelDir, loadModel } = await import('../../train/modelStore.js');
    const { getMethod } = await import('../../unlearn/methods.js');
    const { accuracy, predict } = await import('../../train/predict.js');
    const { buildContext, prepareOriginal, releaseContext, runMethod, saveUnlearned } = await import(
      '../../unlearn/run.js'
    );
    const { loadModelData } = await import('../../train/modelData.js');
    const { predictorQuality } = await import('../../eval/predictorQuality.js');
    if (isModelDir(out) && !flags.force)
      throw new UsageError(`${out} already holds a model; use --force to overwrite it`);
    const method = getMethod(optionalString(flags, 'method') ?? 'tmu');
    const rawParams = methodParamsFromFlags(flags);
    resolveParams(method, rawParams);
    const seed = intFlag(flags, 'seed', 0, 0);
    const forget = loadForget(forgetFile);
    if (!existsSync(modelDir)) throw new Error(`model directory ${modelDir} does not exist`);
    const dataDir = optionalString(flags, 'data-dir');
    const original = prepareOriginal(modelDir, dataDir ? { dataDir } : {});
    const progress = consoleProgress({ json: flags.json === true });
    const ctx = buildContext(original, forget.ids, { seed, progress });
    progress.log('unlearn', { method: method.name, forget: ctx.forgetIds.length, retain: ctx.retainIds.length });
    const result = runMethod(ctx, method, rawParams);
    const testAcc = accuracy(predict(result.model, ctx.test, ctx.split.test, { normalize: ctx.normalize }));
    const forgetAcc = accuracy(predict(result.model, ctx.train, ctx.forgetIds, { normalize: ctx.normalize }));
    let diagnostics: Record<string, number> = {};
    const goldDir = optionalString(flags, 'gold');
    if (goldDir) {
      const gold = loadModel(goldDir);
      try {
        if (gold.sidecar.excluded?.digest !== idsDigest(ctx.forgetIds))
          throw new UsageError(`--gold ${goldDir} was not trained without exactly this forget set`);
        // A table's gold model reads the rows through its own preprocessing (fitted on Dr when it was trained).
        const goldTrain = gold.sidecar.dataset.table ? loadModelData(gold.sidecar.dataset).train : ctx.train;
        const goldOnForget = predict(gold.model, goldTrain, ctx.forgetIds, {
          normalize: gold.sidecar.dataset.normalize,
        });
        const muOnForget = predict(result.model, ctx.train, ctx.forgetIds, { normalize: ctx.normalize });
        const goldCorrect = Uint8Array.from(goldOnForget.labels, (label, i) =>
          goldOnForget.predicted[i] === label ? 1 : 0,
        );
        let agree = 0;
        muOnForget.predicted.forEach((value, i) => {
          if (value === goldOnForget.predicted[i]) agree++;
        });
        diagnostics = {
          goldForgetAcc: accuracy(goldOnForget),
          forgetGap: Math.abs(forgetAcc - accuracy(goldOnForget)),
          agreement: (100 * agree) / ctx.forgetIds.length,
        };
        const details = result.diagnostics;
        if (details) {
          const quality = predictorQuality(
            details.easyProbability,
            details.predictedHard,
            goldCorrect,
            Uint8Array.from(details.bypassed, (b) => 1 - b),
          );
          diagnostics = { ...diagnostics, predictorAccuracy: quality.accuracy, predictorAuroc: quality.auroc };
        }
      } finally {
        gold.model.dispose();
      }
    }
    const sidecar = saveUnlearned(out, original, ctx, method, result, { testAcc, forgetAcc });
    result.model.dispose();
    releaseContext(ctx, original);
    original.loaded.model.dispose();
    const summary = {
      out,
      digest: sidecar.digest,
      parent: sidecar.parent,
      method: method.name,
      params: result.params,
      seconds: Number(result.seconds.toFixed(3)),
      forget: ctx.forgetIds.length,
      testAcc,
      forgetAcc,
      summary: result.summary,
      ...(goldDir ? { gold: diagnostics } : {}),
    };
    printResult(
      flags,
      summary,
      [
        `${method.name}: forgot ${ctx.forgetIds.length} samples in ${summary.seconds} s; forget acc ${forgetAcc.toFixed(2)}%, test acc ${testAcc.toFixed(2)}%`,
        ...(goldDir
          ? [
              `  against the gold model: ${Object.entries(diagnostics)
                .map(([key, value]) => `${key} ${value.toFixed(3)}`)
                .join(', ')}`,
            ]
          : []),
        ...(
          result.highlights ??
          Object.entries(result.summary).map(
            ([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
          )
        ).map((line) => `  ${line}`),
        `model ${out} (sha256 ${sidecar.digest}, parent ${sidecar.parent})`,
      ].join('\n'),
    );
    return 0;
  },
};
