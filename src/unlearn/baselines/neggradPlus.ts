import { z } from 'zod';
import { cycleBatches, mapBatches, sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { deriveSeed, sampleRetain, sgd } from './shared.js';

/**
 * NegGrad+: every step descends the loss on a Dr batch and ascends it on a Df batch, weighted
 * alpha : (1 - alpha), so Df is pushed away while Dr anchors the rest of the model.
 */
export const neggradPlus = defineMethod({
  name: 'neggrad-plus',
  description:
    'NegGrad+: fine-tune on the loss alpha * CE(Dr batch) - (1 - alpha) * CE(Df batch), pairing every retain batch with a forget batch (Df cycled). The Dr term keeps utility while the negated Df term erases the forget set. Trains on a random Dr sample of retainMultiple x |Df| (0: all of Dr).',
  reference: 'Kurmanji et al., "Towards Unbounded Machine Unlearning", NeurIPS 2023 (NegGrad+ baseline)',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      epochs: z.number().int().min(1).default(1).describe('epochs over the Dr sample'),
      retainMultiple: z.number().min(0).default(20).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      alpha: z
        .number()
        .min(0)
        .max(1)
        .default(0.95)
        .describe('weight of the Dr loss; 1 - alpha weighs the negated Df loss'),
      lr: z.number().positive().default(0.01).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(64).describe('Dr samples per step'),
      forgetBatchSize: z.number().int().min(1).default(64).describe('Df samples per step'),
    })
    .strict(),
  unlearn(ctx, params) {
    const retain = sampleRetain(ctx, params.retainMultiple, 'neggrad-plus');
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const forgetStream = cycleBatches(ctx, ctx.forgetIds, {
      batchSize: params.forgetBatchSize,
      seed: deriveSeed(ctx.seed, 'neggrad-plus/forget'),
    });
    // Every retain batch is paired with the next batch of the cycled forget set.
    const pairs = mapBatches(
      sampleBatches(ctx, retain.ids, {
        batchSize: params.batchSize,
        seed: deriveSeed(ctx.seed, 'neggrad-plus/retain'),
      }),
      (batch) => ({ retain: batch, forget: forgetStream.next().value }),
    );
    const { steps } = fit(model, sgd(model, params), {
      name: 'neggrad-plus',
      epochs: params.epochs,
      batches: pairs,
      loss: (pair) =>
        classificationLoss(model, pair.retain)
          .mul(params.alpha)
          .sub(classificationLoss(model, pair.forget).mul(1 - params.alpha)),
      progress: ctx.progress,
    });
    return {
      model,
      summary: {
        steps,
        retainSamples: retain.ids.length,
        retainShare: retain.share,
        retainSamplesSeen: retain.ids.length * params.epochs,
      },
    };
  },
});
