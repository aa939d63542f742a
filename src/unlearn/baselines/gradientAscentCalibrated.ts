import { z } from 'zod';
import { cycleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { accuracyOn, deriveSeed, holdoutAccuracyForForgetClasses, sgd } from './shared.js';

/**
 * Gradient ascent with a stopping rule calibrated on the holdout set: a model that never saw Df is
 * expected to score on Df what Mo scores on unseen samples of the same classes (H), so ascend the Df
 * loss only until Df accuracy falls to that level. A few steps, a fraction of a percent of a retrain.
 */
export const gradientAscentCalibrated = defineMethod({
  name: 'gradient-ascent-calibrated',
  description:
    "Gradient ascent on Df that stops as soon as Mu's accuracy on Df falls to Mo's accuracy on the holdout samples of Df's classes (weighted by Df's class shares): the accuracy the gold model is expected to have on Df. Df accuracy is checked after every checkEvery steps; maxSteps bounds the run.",
  reference:
    'Gradient ascent (Thudi et al., EuroS&P 2022) with a stop calibrated on the holdout, a tmu baseline; cf. the early-stopped GA of Jia et al., NeurIPS 2023',
  capabilities: { needsHoldout: true, diagnostics: false, exact: false },
  params: z
    .object({
      lr: z.number().positive().default(0.01).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      batchSize: z.number().int().min(1).default(64).describe('Df samples per ascent step'),
      checkEvery: z.number().int().min(1).default(1).describe('measure Df accuracy after every this many steps'),
      maxSteps: z
        .number()
        .int()
        .min(1)
        .default(200)
        .describe('give up after this many steps (the summary says whether the target was reached)'),
    })
    .strict(),
  unlearn(ctx, params) {
    const model = cloneClassifier(ctx.original, ctx.architecture);
    // Mu is still a copy of Mo here: the target is Mo's holdout accuracy on Df's classes.
    const { target, perClass } = holdoutAccuracyForForgetClasses(ctx, model);
    const initialAcc = accuracyOn(ctx, model, ctx.forgetIds);
    const history: number[] = [initialAcc];
    let forgetAcc = initialAcc;
    let steps = 0;
    if (forgetAcc > target) {
      const stream = cycleBatches(ctx, ctx.forgetIds, {
        batchSize: params.batchSize,
        seed: deriveSeed(ctx.seed, 'gradient-ascent-calibrated/order'),
      });
      ({ steps } = fit(model, sgd(model, params), {
        name: 'gradient-ascent-calibrated',
        epochs: 1,
        batches: {
          count: () => params.maxSteps,
          *epoch() {
            for (let step = 0; step < params.maxSteps; step++) yield stream.next().value;
          },
        },
        loss: (batch) => classificationLoss(model, batch).neg(),
        afterStep: (step) => {
          if (step % params.checkEvery !== 0 && step !== params.maxSteps) return true;
          forgetAcc = accuracyOn(ctx, model, ctx.forgetIds);
          history.push(forgetAcc);
          return forgetAcc > target;
        },
        progress: ctx.progress,
      }));
    }
    return {
      model,
      summary: {
        target,
        targetPerClass: perClass,
        initialForgetAcc: initialAcc,
        forgetAcc,
        steps,
        reached: forgetAcc <= target,
        forgetAccHistory: history,
      },
    };
  },
});
