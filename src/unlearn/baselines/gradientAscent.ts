import { z } from 'zod';
import { SGD } from '../../optim/index.js';
import { crossEntropy, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';
import { deriveSeed } from './shared.js';

/**
 * Gradient ascent (GA): maximise the loss on Df for a fixed budget, with no term keeping Dr. Cheap and
 * effective at erasing Df, but nothing stops it from overshooting the gold model (forgetting too much)
 * and damaging the rest of the model.
 */
export const gradientAscent = defineMethod({
  name: 'gradient-ascent',
  description:
    'Gradient ascent on the forget set: SGD steps that increase the cross-entropy of Df under its true labels, for a fixed number of epochs over Df. Nothing anchors Dr, so it trades utility for forgetting; see gradient-ascent-calibrated for a stopping rule.',
  reference:
    'Thudi et al., "Unrolling SGD: Understanding Factors Influencing Machine Unlearning", EuroS&P 2022; Graves et al., AAAI 2021',
  params: z
    .object({
      epochs: z.number().int().min(1).default(1).describe('epochs over Df'),
      lr: z.number().positive().default(0.002).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(0).describe('weight decay'),
      batchSize: z.number().int().min(1).default(64).describe('batch size (Df samples per step)'),
    })
    .strict(),
  unlearn(ctx, params) {
    const model = cloneClassifier(ctx.original, ctx.architecture);
    model.train();
    const optimizer = new SGD(model.parameters(), {
      lr: params.lr,
      momentum: params.momentum,
      weightDecay: params.weightDecay,
    });
    const seed = deriveSeed(ctx.seed, 'gradient-ascent/order');
    let steps = 0;
    try {
      for (let epoch = 0; epoch < params.epochs; epoch++) {
        const task = ctx.progress.task(
          `gradient-ascent epoch ${epoch + 1}/${params.epochs}`,
          batchCount(ctx.forgetIds.length, params.batchSize),
        );
        forEachBatch(ctx, ctx.forgetIds, { batchSize: params.batchSize, epoch, seed }, (batch) => {
          const loss = tidy(() => {
            optimizer.zeroGrad();
            const { inputs, labels } = batchTensors(batch);
            const forgetLoss = crossEntropy(model.forward(inputs), labels);
            forgetLoss.neg().backward();
            optimizer.step();
            return forgetLoss.item();
          });
          steps++;
          task.tick(1, { forgetLoss: loss });
        });
        task.done();
      }
    } finally {
      optimizer.dispose();
    }
    model.eval();
    return { model, summary: { steps, forgetSamplesSeen: ctx.forgetIds.length * params.epochs } };
  },
});
