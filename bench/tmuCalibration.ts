/**
 * TMU's twin calibration of the update's hard-sample strength (`hardRepeat=twin`), for every class of a
 * model at once: for each class, the agreement with the twin's gold model (Mo) that each candidate number
 * of presentations reaches on the twin problem, and the one chosen. Nothing is cached or written.
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuCalibration.js --model MO_DIR [--seed N] [--classes 0,1,...] [--param k=v ...]
 *
 * Prints one JSON object.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { consoleProgress } from '../src/train/progress.js';
import { parseParamPairs, resolveParams } from '../src/unlearn/params.js';
import { buildContext, prepareOriginal } from '../src/unlearn/run.js';
import { calibrateHardRepeat } from '../src/unlearn/tmu/calibration.js';
import { trainPredictor } from '../src/unlearn/tmu/predictor.js';
import { applyScaler, fitScaler } from '../src/unlearn/tmu/scaler.js';
import { alignedUpdateOptions, tmu, twinOptions } from '../src/unlearn/tmu/tmu.js';
import { disposeTwin, loadOrBuildTwin } from '../src/unlearn/tmu/twin.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    seed: { type: 'string' },
    classes: { type: 'string' },
    param: { type: 'string', multiple: true },
  },
});
if (!args.model)
  throw new Error('usage: tmuCalibration --model MO_DIR [--seed N] [--classes 0,1,...] [--param k=v ...]');
const p = resolveParams(tmu, parseParamPairs(args.param ?? []));
const progress = consoleProgress();
const original = prepareOriginal(args.model);
const seed = args.seed !== undefined ? Number(args.seed) : (original.loaded.sidecar.recipe?.seed ?? 0);
// The calibration depends on Mo and H only and never reads the context's forget set; one member id builds it.
const ctx = buildContext(original, [original.loaded.split.member[0]!], { seed, progress });
const twin = loadOrBuildTwin(ctx, twinOptions(p, seed));
const started = performance.now();
try {
  const columns = p.features.map((name) => twin.features[name]);
  const scaler = fitScaler(columns, p.scaler);
  const trained = trainPredictor(applyScaler(scaler, columns), twin.generalisation, p.features.length, {
    hidden: p.predictorHidden,
    lr: p.predictorLr,
    epochs: p.predictorEpochs,
    batchSize: p.predictorBatchSize,
    heldOutFraction: 0.2,
    folds: p.predictorFolds,
    seed,
  });
  const twinEasyProbability = trained.predictor.predict(applyScaler(scaler, columns));
  trained.predictor.dispose();
  const classes = args.classes
    ? args.classes.split(',').map(Number)
    : Array.from({ length: ctx.train.numClasses }, (_, c) => c);
  const calibration = calibrateHardRepeat(ctx, twin, {
    classes,
    twinEasyProbability,
    candidates: p.hardRepeatCandidates,
    cachePath: null,
    cacheKey: '',
    update: { ...alignedUpdateOptions(p, seed), hardRepeat: 1 },
  });
  console.log(
    JSON.stringify({
      model: args.model,
      seed,
      candidates: p.hardRepeatCandidates,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      byClass: Object.fromEntries([...calibration.byClass].map(([label, value]) => [String(label), value])),
    }),
  );
} finally {
  disposeTwin(twin);
  ctx.original.dispose();
}
