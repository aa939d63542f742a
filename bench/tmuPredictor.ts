/**
 * TMU's generalisation-label predictor against a gold model, without running the update: how well each
 * feature and each predictor variant (feature set x scaler) ranks the forget samples the gold model gets
 * wrong, how accurate the easy/hard split at the twin's hard rate is, and the agreement with the gold
 * model a perfect implementation of that split would reach (easy samples keep their label, hard ones take
 * Mo's runner-up), and the default features' predictor trained on the twin samples of Df's classes alone.
 * Near the threshold (session 17): the share of the gold model's errors among the marked samples closest
 * to it (`band.inside`, the easier half of the marks) and among the unmarked samples just past it
 * (`band.outside`, as many as half the marks), and an exact split's agreement when the hard share moves
 * by `sweep` points around the rate: what moving the share can gain with that ranking.
 * The predictor's own estimate of the gold model's error on Df (session 18): `massPct`, the mean of
 * 1 − P(easy) over Df, to set beside `goldWrongPct` and the twin's rate `twinHardRatePct`; and the same
 * mean over the twin samples of Df's classes (`twinClassMassPct`, mostly the predictor's own training
 * rows) beside Mo's error on them (`twinClassWrongPct`), for a mass corrected by the twin's; and per class
 * of Df the twin's learning curve (`learningCurve`): Mo's and Mt's errors on the holdout samples outside
 * Dt, and the gold model's extra error a linear extrapolation of that gain predicts.
 * With `--dump FILE`, the four-feature predictor's per-sample view is also written to FILE (JSON, for
 * offline analysis, session 19): on Df, P(easy), the gold model's prediction, the label and Mo's
 * runner-up; on the twin samples, P(easy), Mo's correctness and the label.
 * This is how TMU's predictor choices are measured on validation scenarios
 * (docs/tmu.md); the update's own effect is measured by `tmu bench`.
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/tmuPredictor.js --model MO_DIR --gold GOLD_DIR [--seed N] [--param k=v ...] [--dump FILE]
 *
 * GOLD_DIR is a model trained with Mo's recipe without the forget set (its excluded ids are Df), e.g. the
 * `gold-*` folders `tmu bench --cache DIR` keeps beside `original/`. The seed defaults to Mo's training
 * seed, which is the seed `tmu bench` runs TMU with (so its cached twin is reused). Prints one JSON object.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../src/data/files.js';
import { consoleProgress } from '../src/train/progress.js';
import { parseParamPairs, resolveParams } from '../src/unlearn/params.js';
import { DEFAULT_FEATURES, FEATURE_NAMES, type FeatureName } from '../src/unlearn/tmu/features.js';
import { forgetFeatures } from '../src/unlearn/tmu/forgetFeatures.js';
import { argmaxRow, correctness, modelOutputs, runnerUpRow } from '../src/unlearn/tmu/outputs.js';
import { auroc, trainPredictor } from '../src/unlearn/tmu/predictor.js';
import { applyScaler, fitScaler, SCALER_KINDS } from '../src/unlearn/tmu/scaler.js';
import { tmu, twinOptions } from '../src/unlearn/tmu/tmu.js';
import { expectedHardRate, splitEasyHard, twinHardRate } from '../src/unlearn/tmu/transfer.js';
import { disposeTwin, loadOrBuildTwin } from '../src/unlearn/tmu/twin.js';
import { loadGoldRequest } from './lib/goldRequest.js';
import {
  errorsInRanks,
  exactSplitAgreement,
  extrapolatedShiftPct,
  hardMassPct,
  predictorDump,
} from './lib/predictorDiagnostics.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    gold: { type: 'string' },
    seed: { type: 'string' },
    param: { type: 'string', multiple: true },
    dump: { type: 'string' },
  },
});
if (!args.model || !args.gold)
  throw new Error('usage: tmuPredictor --model MO_DIR --gold GOLD_DIR [--seed N] [--param k=v ...] [--dump FILE]');
const p = resolveParams(tmu, parseParamPairs(args.param ?? []));
const progress = consoleProgress();

const { gold, forgetIds, seed, ctx } = loadGoldRequest(args.model, args.gold, args.seed, progress);
const twin = loadOrBuildTwin(ctx, twinOptions(p, seed));
progress.log('tmu predictor analysis', { forget: forgetIds.length, twinCached: twin.cached ? 'yes' : 'no' });

const onForget = modelOutputs(ctx.original, ctx.train, forgetIds, ctx.normalize);
const goldOnForget = modelOutputs(gold.model, ctx.train, forgetIds, ctx.normalize);
const forgetColumns = forgetFeatures(ctx, twin, onForget, FEATURE_NAMES, {
  neighbours: p.neighbours,
  classNeighbours: p.classNeighbours,
  pgd: { eps: p.pgdEps, steps: p.pgdSteps, stepSize: p.pgdEps / 3 },
});
// The learning curve the twin measures (session 18): Mt saw |Dt_c| more samples of class c than Mo, so
// on the holdout samples neither trained on, Mo's error minus Mt's is what those extra samples bought.
// Extrapolated linearly, losing f_c of the class costs gain_c x f_c / (|Dt_c| / |D_c|).
const twinIdSet = new Set(twin.ids);
const holdoutRest = ctx.holdoutIds.filter((id) => !twinIdSet.has(id));
const moOnRest = correctness(modelOutputs(ctx.original, ctx.train, holdoutRest, ctx.normalize));
const mtOnRestOutputs = modelOutputs(twin.model, ctx.train, holdoutRest, ctx.normalize);
const mtOnRest = correctness(mtOnRestOutputs);
/** Df's classes, shared by the learning curve and the twin's mass. */
const dfClasses = new Set(onForget.labels);
const countOf = (labels: Int32Array, label: number): number =>
  labels.reduce((sum, l) => sum + (l === label ? 1 : 0), 0);
const memberLabels = Int32Array.from(ctx.split.member, (id) => ctx.train.labels[ctx.train.indexOf(id)]!);
const learningCurve = [...dfClasses]
  .sort((a, b) => a - b)
  .map((label) => {
    const rows = holdoutRest.map((_, i) => i).filter((i) => mtOnRestOutputs.labels[i] === label);
    const wrong = (right: Uint8Array): number => rows.reduce((sum, i) => sum + (right[i] ? 0 : 1), 0) / rows.length;
    const [moWrong, mtWrong] = [wrong(moOnRest), wrong(mtOnRest)];
    const members = countOf(memberLabels, label);
    const added = countOf(twin.labels, label) / members;
    const forgotten = countOf(onForget.labels, label) / members;
    return {
      label,
      samples: rows.length,
      moWrongPct: round(100 * moWrong, 2),
      mtWrongPct: round(100 * mtWrong, 2),
      addedShare: round(added, 4),
      forgottenShare: round(forgotten, 4),
      predictedShiftPct: round(extrapolatedShiftPct(moWrong, mtWrong, added, forgotten), 2),
    };
  });
disposeTwin(twin);
const column = (name: FeatureName): Float32Array => forgetColumns[FEATURE_NAMES.indexOf(name)]!;

const n = forgetIds.length;
const k = onForget.numClasses;
const goldPrediction = Int32Array.from({ length: n }, (_, i) => argmaxRow(goldOnForget.logits, k, i));
const goldWrong = Uint8Array.from({ length: n }, (_, i) => (goldPrediction[i] === onForget.labels[i] ? 0 : 1));
const twinWrong = twin.generalisation.map((g) => 1 - g);
const runnerUp = Int32Array.from({ length: n }, (_, i) => runnerUpRow(onForget.logits, k, i, onForget.labels[i]!));
const agreement = (hard: Uint8Array): number =>
  round(exactSplitAgreement(hard, onForget.labels, runnerUp, goldPrediction), 2);
const accuracy = (hard: Uint8Array): number =>
  round((100 * hard.reduce((sum, h, i) => sum + (h === goldWrong[i] ? 1 : 0), 0)) / n, 2);
const count = (hard: Uint8Array): number => hard.reduce((sum, h) => sum + h, 0);
const SWEEP_POINTS = [-4, -2, 2, 4, 6];
function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

const hardRate = expectedHardRate(
  twin.hardRateByClass,
  twinHardRate(twin.generalisation),
  onForget.labels,
  new Uint8Array(n),
);
/** Twin samples of Df's classes, and the twin gold model's (Mo's) error on them. */
const twinOfClasses = twin.ids.map((_, i) => i).filter((i) => dfClasses.has(twin.labels[i]!));
const twinClassWrongPct = round(
  (100 * twinOfClasses.reduce((sum, i) => sum + twinWrong[i]!, 0)) / twinOfClasses.length,
  2,
);
const features = Object.fromEntries(
  FEATURE_NAMES.map((name) => [
    name,
    { forget: round(auroc(column(name), goldWrong)), twin: round(auroc(twin.features[name], twinWrong)) },
  ]),
);
const variants: Record<string, unknown> = {};
for (const set of [DEFAULT_FEATURES, FEATURE_NAMES]) {
  for (const kind of SCALER_KINDS) {
    const scaler = fitScaler(
      set.map((name) => twin.features[name]),
      kind,
    );
    const trained = trainPredictor(
      applyScaler(
        scaler,
        set.map((name) => twin.features[name]),
      ),
      twin.generalisation,
      set.length,
      {
        hidden: p.predictorHidden,
        lr: p.predictorLr,
        epochs: p.predictorEpochs,
        batchSize: p.predictorBatchSize,
        heldOutFraction: 0.2,
        folds: p.predictorFolds,
        seed,
      },
    );
    const easy = trained.predictor.predict(applyScaler(scaler, set.map(column)));
    const twinEasy = trained.predictor.predict(
      applyScaler(
        scaler,
        set.map((name) => twin.features[name]),
      ),
    );
    trained.predictor.dispose();
    const atRate = splitEasyHard(easy, { kind: 'rate', hardRate });
    const atHalf = splitEasyHard(easy, { kind: 'probability', threshold: 0.5 });
    const marked = count(atRate);
    const half = Math.ceil(marked / 2);
    variants[`${set.join('+')}/${kind}`] = {
      auroc: round(
        auroc(
          easy.map((v) => 1 - v),
          goldWrong,
        ),
      ),
      twinHeldOutAuroc: round(trained.heldOutAuroc),
      rate: { hard: marked, accuracy: accuracy(atRate), agreement: agreement(atRate) },
      band: {
        inside: errorsInRanks(easy, goldWrong, marked - half, marked),
        outside: errorsInRanks(easy, goldWrong, marked, marked + half),
      },
      sweep: Object.fromEntries(
        SWEEP_POINTS.map((points) => [
          points,
          agreement(splitEasyHard(easy, { kind: 'rate', hardRate: Math.max(0, hardRate + points / 100) })),
        ]),
      ),
      half: { hard: count(atHalf), accuracy: accuracy(atHalf), agreement: agreement(atHalf) },
      massPct: round(hardMassPct(easy), 2),
      twinClassMassPct: round(hardMassPct(twinEasy, twinOfClasses), 2),
    };
    if (args.dump && set === FEATURE_NAMES && kind === 'quantile') {
      const dump = predictorDump(
        { easy, goldPrediction, labels: onForget.labels, runnerUp },
        { easy: twinEasy, moRight: twin.generalisation, labels: twin.labels },
        twin.hardRateByClass,
        Array.from({ length: k }, (_, label) => countOf(memberLabels, label)),
      );
      writeTextAtomic(args.dump, `${JSON.stringify(dump)}\n`);
    }
  }
}
// Trained on the twin samples of Df's classes alone (DESIGN.md's twin is drawn like Df): the same
// features, the predictor fitted to those classes' relation between features and generalisation.
{
  const rowsOfClasses = Int32Array.from(twinOfClasses);
  const set = DEFAULT_FEATURES;
  const columns = set.map((name) => Float32Array.from(rowsOfClasses, (i) => twin.features[name][i]!));
  const scaler = fitScaler(
    set.map((name) => twin.features[name]),
    p.scaler,
  );
  const trained = trainPredictor(
    applyScaler(scaler, columns),
    Uint8Array.from(rowsOfClasses, (i) => twin.generalisation[i]!),
    set.length,
    {
      hidden: p.predictorHidden,
      lr: p.predictorLr,
      epochs: p.predictorEpochs,
      batchSize: p.predictorBatchSize,
      heldOutFraction: 0.2,
      folds: p.predictorFolds,
      seed,
    },
  );
  const easy = trained.predictor.predict(applyScaler(scaler, set.map(column)));
  trained.predictor.dispose();
  const atRate = splitEasyHard(easy, { kind: 'rate', hardRate });
  variants[`${set.join('+')}/${p.scaler}/df-classes`] = {
    auroc: round(
      auroc(
        easy.map((v) => 1 - v),
        goldWrong,
      ),
    ),
    twinHeldOutAuroc: round(trained.heldOutAuroc),
    twinSamples: rowsOfClasses.length,
    rate: { hard: count(atRate), accuracy: accuracy(atRate), agreement: agreement(atRate) },
  };
}
console.log(
  JSON.stringify({
    model: args.model,
    gold: args.gold,
    seed,
    forget: n,
    goldWrongPct: round((100 * count(goldWrong)) / n, 2),
    twinHardRatePct: round(100 * hardRate, 2),
    twinClassWrongPct,
    learningCurve,
    agreement: { oracleSplit: agreement(goldWrong), allEasy: agreement(new Uint8Array(n)) },
    featureAuroc: features,
    predictors: variants,
  }),
);
gold.model.dispose();
ctx.original.dispose();
