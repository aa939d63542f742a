/**
 * The hard rate TMU transfers against the one it should match: for deletion requests with known gold
 * models, per class of Df, the error of Mo on that class's holdout samples (what `threshold=rate` marks
 * hard, measured once with the twin) against the gold model's error on Df (what it should mark) and on
 * the same holdout samples, and both models' error on the class's test samples. The retrain noise floor
 * (the `-floor` model beside a gold one, when present) is measured the same way.
 *
 * Why: if the gold model, trained without part of a class, errs more on that class's unseen samples than
 * Mo does, the twin's rate is too low by design (docs/tmu.md, session 13). The holdout and test errors
 * tell that apart from the draw of Df, whose few hundred samples move the gold model's error on Df by a
 * few points on their own.
 *
 * Since session 21 each class also gets `priorShift`: the gold model's error on the class's holdout as
 * Mo's, with the class's logit lowered by log(1 − f) for the share f of its members forgotten, on Mo's
 * temperature-calibrated logits (`calibrated`, the temperature fitted on all of H) and on its raw ones
 * (`raw`): the label-shift estimate of the gold model's weakness (`lib/priorShift.ts`), to set against
 * the measured one (`errorPct.gold.holdout − errorPct.original.holdout`).
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuHardRate.js --model MO_DIR --gold GOLD_DIR [--gold GOLD_DIR ...]
 *
 * Each GOLD_DIR excludes its own Df from Mo's members (the `gold-*` folders of `tmu bench --cache`).
 * Reads models only; trains and writes nothing. Prints one JSON object.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Classifier } from '../src/models/classifier.js';
import { loadModel, MODEL_FILES, readExcludedIds } from '../src/train/modelStore.js';
import { consoleProgress } from '../src/train/progress.js';
import { buildContext, prepareOriginal } from '../src/unlearn/run.js';
import { argmaxRow, modelOutputs } from '../src/unlearn/tmu/outputs.js';
import { fitTemperature, priorShiftedErrors } from './lib/priorShift.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string' }, gold: { type: 'string', multiple: true } },
});
if (!args.model || !args.gold?.length)
  throw new Error('usage: tmuHardRate --model MO_DIR --gold GOLD_DIR [--gold GOLD_DIR ...]');
const progress = consoleProgress();
const original = prepareOriginal(args.model);

/** Error (%) of a model on the given samples of a dataset. */
function errorPct(
  model: Classifier,
  dataset: Parameters<typeof modelOutputs>[1],
  ids: readonly string[],
  normalize: Parameters<typeof modelOutputs>[3],
): number {
  if (ids.length === 0) throw new Error('no samples to measure an error on');
  const outputs = modelOutputs(model, dataset, ids, normalize);
  let wrong = 0;
  for (let i = 0; i < ids.length; i++)
    if (argmaxRow(outputs.logits, outputs.numClasses, i) !== outputs.labels[i]) wrong++;
  return Number(((100 * wrong) / ids.length).toFixed(2));
}

// Mo's logits on the whole holdout, for the prior-shift estimate of the gold model's error (session 21).
const holdoutOutputs = modelOutputs(
  original.loaded.model,
  original.data.train,
  original.loaded.split.holdout,
  original.loaded.sidecar.dataset.normalize,
);
const temperature = fitTemperature(holdoutOutputs.logits, holdoutOutputs.numClasses, holdoutOutputs.labels);
const memberCounts = new Array<number>(holdoutOutputs.numClasses).fill(0);
{
  const labels = new Map(original.data.train.ids.map((id, i) => [id, original.data.train.labels[i]!]));
  for (const id of original.loaded.split.member) memberCounts[labels.get(id)!]!++;
}

const requests = args.gold.map((goldDir) => {
  const gold = loadModel(goldDir);
  if (!gold.sidecar.excluded) throw new Error(`${goldDir}: not a gold model (it excludes no samples)`);
  const forgetIds = readExcludedIds(goldDir, gold.sidecar);
  const ctx = buildContext(original, forgetIds, { seed: 0, progress });
  const floorDir = `${goldDir.replace(/\/$/, '')}-floor`;
  const floor = existsSync(`${floorDir}/${MODEL_FILES.weights}`) ? loadModel(floorDir) : null;
  const labelOf = (dataset: typeof ctx.train): Map<string, number> =>
    new Map(dataset.ids.map((id, i) => [id, dataset.labels[i]!]));
  const trainLabels = labelOf(ctx.train);
  const testLabels = labelOf(ctx.test);
  const classes = [...new Set(forgetIds.map((id) => trainLabels.get(id)!))].sort((a, b) => a - b);
  const byClass = classes.map((c) => {
    const forget = forgetIds.filter((id) => trainLabels.get(id) === c);
    const holdout = ctx.holdoutIds.filter((id) => trainLabels.get(id) === c);
    const test = ctx.test.ids.filter((id) => testLabels.get(id) === c);
    const measure = (model: Classifier) => ({
      forget: errorPct(model, ctx.train, forget, ctx.normalize),
      holdout: errorPct(model, ctx.train, holdout, ctx.normalize),
      test: errorPct(model, ctx.test, test, ctx.normalize),
    });
    const shares = memberCounts.map((count, k) => (k === c ? forget.length / count : 0));
    const prior = (t: number) => {
      const { shifted, original: unshifted } = priorShiftedErrors(
        holdoutOutputs.logits,
        holdoutOutputs.numClasses,
        holdoutOutputs.labels,
        t,
        shares,
      );
      return {
        temperature: Number(t.toFixed(4)),
        originalPct: Number((100 * unshifted[c]!).toFixed(2)),
        predictedGoldPct: Number((100 * shifted[c]!).toFixed(2)),
        predictedShiftPct: Number((100 * (shifted[c]! - unshifted[c]!)).toFixed(2)),
      };
    };
    return {
      class: c,
      className: ctx.train.classNames[c],
      sizes: { forget: forget.length, holdout: holdout.length, test: test.length },
      errorPct: {
        original: measure(original.loaded.model),
        gold: measure(gold.model),
        ...(floor ? { floor: measure(floor.model) } : {}),
      },
      forgottenShare: Number(shares[c]!.toFixed(4)),
      priorShift: { calibrated: prior(temperature), raw: prior(1) },
    };
  });
  gold.model.dispose();
  floor?.model.dispose();
  progress.log('hard rate measured', { gold: goldDir, forget: forgetIds.length });
  return { gold: goldDir, floor: floor ? floorDir : null, forget: forgetIds.length, byClass };
});
console.log(JSON.stringify({ model: args.model, requests }));
original.loaded.model.dispose();
