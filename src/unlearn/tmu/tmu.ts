/**
 * Twin Machine Unlearning (Ji, Lin, Sun, Fei, Wang, Gao and Niu, "Towards Aligned Data Removal via
 * Twin Machine Unlearning", arXiv:2408.11433, 2024). The gold model Mg (retrained without Df) is unknown, so TMU
 * learns on a twin problem whose gold answer is known which forget samples a retrained model would still
 * classify correctly, and fine-tunes Mo so that it keeps those right and forgets the rest:
 *
 * 1. the twin problem (twin.ts), 2. the features (features.ts, forgetFeatures.ts), 3. the
 * generalisation-label predictor (predictor.ts), 4. the transfer to Df (transfer.ts), 5. the aligned
 * update (alignedUpdate.ts). Steps 1-3 depend on Mo and its holdout only: they are TMU's prepare step,
 * built once per model and cached beside it (preparation.ts).
 *
 * @module
 */

import { cloneClassifier } from '../clone.js';
import type { ForgetDiagnostics, UnlearnContext } from '../context.js';
import { defineMethod } from '../method.js';
import { alignedUpdate } from './alignedUpdate.js';
import { easyTargets } from './easyTargets.js';
import { forgetFeatures } from './forgetFeatures.js';
import { modelOutputs } from './outputs.js';
import { type TmuParams, tmuParams } from './parameters.js';
import { prepareTmu, releasePreparation, type TmuPreparation, type TmuPreparationSummary } from './preparation.js';
import { applyScaler } from './scaler.js';
import { confidenceWeights, type ForgetSplit, transfer } from './transfer.js';

/** What a TMU request reports (`UnlearnResult.summary`, kept in the model's sidecar and in reports). */
export interface TmuSummary extends TmuPreparationSummary {
  /** Df samples predicted easy (kept right) and hard (wrong after the update). */
  easy: number;
  hard: number;
  /** Of the hard ones, those Mo already misclassifies (left as they are). */
  keptWrong: number;
  /** The hard share the split aimed at. */
  expectedHardRate: number;
  /** Present when classes were forgotten entirely (their samples are hard without the predictor). */
  note?: string;
  retainUsed: number;
  retainFraction: number;
  updateSteps: number;
  /** Temperature of the easy samples' targets per class. */
  easyTemperatureByClass: Record<string, number>;
  /** Seconds of each step of this request: preparation (about 0 when cached), features, transfer, update. */
  seconds: Record<string, number>;
  /** Seconds of the request's own steps (features, transfer, update). */
  perRequestSeconds: number;
  /** Seconds building the per-model preparation takes (paid once per model, not per request). */
  preparationSeconds: number;
}

/** Labels of the members D (which include Df), in member order. */
function memberLabels(ctx: UnlearnContext): Int32Array {
  return Int32Array.from(ctx.split.member, (id) => ctx.train.labels[ctx.train.indexOf(id)]!);
}

/** Wall-clock seconds of each named step, in order. */
function stopwatch(): { lap(step: string): void; seconds: Record<string, number> } {
  const seconds: Record<string, number> = {};
  let mark = performance.now();
  return {
    seconds,
    lap(step) {
      const now = performance.now();
      seconds[step] = Number(((now - mark) / 1000).toFixed(3));
      mark = now;
    },
  };
}

/** What a person reads after a request: the split, the preparation, the update and the costs. */
function highlights(
  prepared: TmuPreparation,
  split: ForgetSplit,
  update: ReturnType<typeof alignedUpdate>,
  seconds: Record<string, number>,
): string[] {
  const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;
  const bypassed = split.bypassed.reduce((sum, v) => sum + v, 0);
  const { predictor } = prepared;
  return [
    `Df: ${split.easyIds.length} predicted easy (kept), ${split.hardLabels.size + split.keptWrongIds.length} predicted hard (${split.keptWrongIds.length} of them already misclassified by Mo, left as they are; ${split.hardLabels.size} forgotten); expected hard share ${percent(split.hardRate)}`,
    ...(bypassed > 0
      ? [
          `${bypassed} samples belong to classes forgotten entirely: the gold model gets them wrong, so they are all hard`,
        ]
      : []),
    `preparation (once per model): ${prepared.reused ? 'reused from the cache' : `built in ${prepared.seconds.toFixed(1)} s`}; curriculum model: epoch ${prepared.curriculum.epoch}, ${prepared.curriculum.source === 'original-run' ? "kept by Mo's training run" : "replayed from Mo's recipe"}`,
    `predictor: ${predictor.features.join(', ')} (${predictor.scaler.kind} scaling); on the twin's held-out samples accuracy ${predictor.heldOutAccuracy.toFixed(1)}%, AUROC ${predictor.heldOutAuroc.toFixed(3)}`,
    `update: ${update.steps} steps over Df and ${update.retainUsed} retain samples (${percent(update.retainFraction)} of Dr)`,
    `seconds per request: ${Object.entries(seconds)
      .filter(([step]) => step !== 'preparation')
      .map(([step, value]) => `${step} ${value.toFixed(1)}`)
      .join(', ')}`,
  ];
}

/** Twin Machine Unlearning. */
export const tmu = defineMethod({
  name: 'tmu',
  description:
    'Twin Machine Unlearning: learns on a twin problem with a known answer which forget samples a retrained model would still classify correctly, keeps those right and forgets the rest, aligning the unlearned model with the gold model.',
  reference:
    'Ji, Lin, Sun, Fei, Wang, Gao and Niu, "Towards Aligned Data Removal via Twin Machine Unlearning", arXiv:2408.11433, 2024; tmu\'s measured choices: docs/tmu.md',
  params: tmuParams,
  capabilities: { needsHoldout: true, diagnostics: true, exact: false },
  prepare(ctx, p) {
    const prepared = prepareTmu(ctx, p);
    releasePreparation(prepared);
    return {
      seconds: prepared.seconds,
      buildSeconds: prepared.buildSeconds,
      reused: prepared.reused,
      summary: { ...prepared.summary },
    };
  },
  unlearn(ctx, p: TmuParams) {
    const clock = stopwatch();
    // 1-3. The twin problem and the predictor trained on it: prepared once per model, reused here.
    const prepared = prepareTmu(ctx, p);
    clock.lap('preparation');
    try {
      // 2. The features of the real problem: Df under Mo, measured as the twin measured Dt under Mt.
      const onForget = modelOutputs(ctx.original, ctx.train, ctx.forgetIds, ctx.normalize);
      const features = applyScaler(
        prepared.predictor.scaler,
        forgetFeatures(ctx, prepared.twin, prepared.curriculum.model, onForget, p.features, {
          neighbours: p.neighbours,
          classNeighbours: p.classNeighbours,
          pgd: { eps: p.pgdEps, steps: p.pgdSteps, stepSize: p.pgdEps / 3 },
        }),
      );
      clock.lap('features');

      // 4. Transfer: which of Df the gold model would still classify correctly.
      const updateSeed = p.updateSeed ?? ctx.seed;
      const split = transfer(
        onForget,
        prepared.predictor.predictor.predict(features),
        prepared.twin,
        memberLabels(ctx),
        {
          threshold: p.threshold,
          hardRateSlope: p.hardRateSlope,
          hardLabel: p.hardLabel,
          seed: updateSeed,
        },
      );
      clock.lap('transfer');

      // 5. The aligned update: keep the easy samples at Mo's prediction (softened to the confidence of an
      // unseen sample), leave those Mo already gets wrong as they are, forget the rest of the hard ones.
      const row = new Map(split.ids.map((id, i) => [id, i]));
      const easy = easyTargets(
        onForget,
        split.easyIds.map((id) => row.get(id)!),
        p.easyTemperature,
        prepared.twin.holdoutConfidenceByClass,
      );
      const k = onForget.numClasses;
      const held = new Map(easy.targets);
      for (const id of split.keptWrongIds)
        held.set(id, onForget.logits.slice(row.get(id)! * k, (row.get(id)! + 1) * k));
      // Weighted on the sides the predictor decided (easy, flipped); the rest at 1.
      const undecided = Uint8Array.from(split.ids, (id, i) =>
        split.bypassed[i] || (!split.hardLabels.has(id) && !easy.targets.has(id)) ? 1 : 0,
      );
      const weights = confidenceWeights(split.easyProbability, split.predictedHard, undecided);
      const model = cloneClassifier(ctx.original, ctx.architecture);
      const update = alignedUpdate(
        ctx,
        model,
        { held, hardLabels: split.hardLabels, weights: new Map(split.ids.map((id, i) => [id, weights[i]!])) },
        {
          epochs: p.updateEpochs,
          lr: p.updateLr,
          batchSize: p.updateBatchSize,
          retainMultiple: p.retainMultiple,
          seed: updateSeed,
        },
      );
      clock.lap('update');

      const { seconds } = clock;
      const bypassed = split.bypassed.reduce((sum, v) => sum + v, 0);
      const diagnostics: ForgetDiagnostics = {
        ids: split.ids,
        easyProbability: split.easyProbability,
        predictedHard: split.predictedHard,
        bypassed: split.bypassed,
        features,
        featureNames: [...p.features],
      };
      return {
        model,
        highlights: highlights(prepared, split, update, seconds),
        diagnostics,
        summary: {
          easy: split.easyIds.length,
          hard: split.hardLabels.size + split.keptWrongIds.length,
          keptWrong: split.keptWrongIds.length,
          expectedHardRate: Number(split.hardRate.toFixed(4)),
          ...(bypassed > 0
            ? {
                note: `${bypassed} samples belong to classes forgotten entirely: the gold model's accuracy on them is ~0, so the predictor is bypassed and they are all hard`,
              }
            : {}),
          ...prepared.summary,
          retainUsed: update.retainUsed,
          retainFraction: Number(update.retainFraction.toFixed(4)),
          updateSteps: update.steps,
          easyTemperatureByClass: Object.fromEntries(
            [...easy.temperatureByClass].map(([label, t]) => [String(label), Number(t.toFixed(3))]),
          ),
          seconds,
          // What this request cost beyond the per-model preparation (which the cache makes a one-off).
          perRequestSeconds: Number((seconds.features! + seconds.transfer! + seconds.update!).toFixed(3)),
          preparationSeconds: Number(prepared.buildSeconds.toFixed(3)),
        } satisfies TmuSummary,
      };
    } finally {
      releasePreparation(prepared);
    }
  },
});
