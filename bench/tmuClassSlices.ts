/**
 * TMU's update, sliced by class: for one deletion request with a known gold model (a `gold-*` folder of
 * `tmu bench --cache`), runs TMU once per arm (a set of parameters) and reports, for every class of Df,
 * what `tmu bench` reports for Df as a whole: accuracy of Mo, Mg and Mu, |Δ Df|, agreement with Mg,
 * easy-recall (of the samples Mg gets right, the share Mu gets right) and hard-forget (of those Mg gets
 * wrong, the share Mu gets wrong). The retrain noise floor (the `-floor` model beside the gold one, when
 * present) is sliced the same way.
 *
 * Why: a random deletion request (`--scenario random`) holds samples of every class, the confusable ones
 * included, so its per-class slices show how an update treats each class inside a validation scenario,
 * which the whole-Df means of `tmu bench` average away (docs/tmu.md, session 8).
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuClassSlices.js --model MO_DIR --gold GOLD_DIR
 *     --arm NAME[:k=v k=v ...] [--arm ...] [--seed N]
 *
 * An arm with no parameters runs TMU's defaults. The seed defaults to Mo's training seed, as `tmu bench`
 * runs TMU with it. Prints one JSON object.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Classifier } from '../src/models/classifier.js';
import { loadModel, MODEL_FILES } from '../src/train/modelStore.js';
import { consoleProgress } from '../src/train/progress.js';
import { parseParamPairs } from '../src/unlearn/params.js';
import { runMethod } from '../src/unlearn/run.js';
import { argmaxRow, modelOutputs } from '../src/unlearn/tmu/outputs.js';
import { tmu } from '../src/unlearn/tmu/tmu.js';
import { type ClassSlice, parseArm, sliceByClass } from './lib/classSlices.js';
import { loadGoldRequest } from './lib/goldRequest.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    gold: { type: 'string' },
    arm: { type: 'string', multiple: true },
    seed: { type: 'string' },
  },
});
const usage = 'usage: tmuClassSlices --model MO_DIR --gold GOLD_DIR --arm NAME[:k=v k=v ...] [--arm ...] [--seed N]';
if (!args.model || !args.gold || !args.arm?.length) throw new Error(usage);
const arms = args.arm.map(parseArm);
const progress = consoleProgress();

const { gold, forgetIds, seed, ctx } = loadGoldRequest(args.model, args.gold, args.seed, progress);

function predictions(model: Classifier): Int32Array {
  const outputs = modelOutputs(model, ctx.train, forgetIds, ctx.normalize);
  return Int32Array.from({ length: forgetIds.length }, (_, i) => argmaxRow(outputs.logits, outputs.numClasses, i));
}
const labels = modelOutputs(ctx.original, ctx.train, forgetIds, ctx.normalize).labels;
const goldPredictions = predictions(gold.model);
const originalPredictions = predictions(ctx.original);
gold.model.dispose();

const slices: Record<string, ClassSlice[]> = { original: sliceByClass(labels, goldPredictions, originalPredictions) };
const floorDir = `${args.gold.replace(/\/+$/, '')}-floor`;
if (existsSync(join(floorDir, MODEL_FILES.sidecar))) {
  const floor = loadModel(floorDir);
  slices.floor = sliceByClass(labels, goldPredictions, predictions(floor.model));
  floor.model.dispose();
}
const seconds: Record<string, number> = {};
for (const arm of arms) {
  progress.log('tmu class slices arm', { arm: arm.name });
  const result = runMethod(ctx, tmu, parseParamPairs(arm.params));
  slices[arm.name] = sliceByClass(labels, goldPredictions, predictions(result.model));
  seconds[arm.name] = Number(result.seconds.toFixed(2));
  result.model.dispose();
}
console.log(
  JSON.stringify({ model: args.model, gold: args.gold, seed, forget: forgetIds.length, arms, seconds, slices }),
);
ctx.original.dispose();
