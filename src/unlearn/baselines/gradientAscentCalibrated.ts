import { z } from 'zod';
import { SGD } from '../../optim/index.js';
import { crossEntropy, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';
import { accuracyOn, cycleBatches, deriveSeed, holdoutAccuracyForForgetClasses } from './shared.js';

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
    'Gradient ascent (Thudi et al., EuroS&P 2022) with a holdout-calibrated stop, as proposed in this project (issue 5); cf. the early-stopped GA of Jia et al., NeurIPS 2023',
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
    model.train();
    const optimizer = new SGD(model.parameters(), { lr: params.lr, momentum: params.momentum });
    const task = ctx.progress.task('gradient-ascent-calibrated', params.maxSteps, {
      target: Number(target.toFixed(2)),
    });
    try {
      const stream = cycleBatches(ctx, ctx.forgetIds, {
        batchSize: params.batchSize,
        seed: deriveSeed(ctx.seed, 'gradient-ascent-calibrated/order'),
      });
      while (forgetAcc > target && steps < params.maxSteps) {
        const batch = stream.next().value;
        tidy(() => {
          optimizer.zeroGrad();
          const { inputs, labels } = batchTensors(batch);
          crossEntropy(model.forward(inputs), labels).neg().backward();
          optimizer.step();
        });
        steps++;
        if (steps % params.checkEvery === 0 || steps === params.maxSteps) {
          forgetAcc = accuracyOn(ctx, model, ctx.forgetIds);
          history.push(forgetAcc);
        }
        task.tick(1, { forgetAcc });
      }
      task.done({ steps, forgetAcc });
    } finally {
      optimizer.dispose();
    }
    model.eval();
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
