import { z } from 'zod';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { deriveSeed, sgd } from './shared.js';

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
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
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
    const { steps } = fit(model, sgd(model, params), {
      name: 'gradient-ascent',
      epochs: params.epochs,
      batches: sampleBatches(ctx, ctx.forgetIds, {
        batchSize: params.batchSize,
        seed: deriveSeed(ctx.seed, 'gradient-ascent/order'),
      }),
      loss: (batch) => classificationLoss(model, batch).neg(),
      progress: ctx.progress,
    });
    return { model, summary: { steps, forgetSamplesSeen: ctx.forgetIds.length * params.epochs } };
  },
});
