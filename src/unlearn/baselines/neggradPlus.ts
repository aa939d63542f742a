import { z } from 'zod';
import { SGD } from '../../optim/index.js';
import { crossEntropy, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';
import { cycleBatches, deriveSeed, sampleRetain } from './shared.js';

/**
 * NegGrad+: every step descends the loss on a Dr batch and ascends it on a Df batch, weighted
 * alpha : (1 - alpha), so Df is pushed away while Dr anchors the rest of the model.
 */
export const neggradPlus = defineMethod({
  name: 'neggrad-plus',
  description:
    'NegGrad+: fine-tune on the loss alpha * CE(Dr batch) - (1 - alpha) * CE(Df batch), pairing every retain batch with a forget batch (Df cycled). The Dr term keeps utility while the negated Df term erases the forget set. Trains on a random Dr sample of retainMultiple x |Df| (0: all of Dr).',
  reference: 'Kurmanji et al., "Towards Unbounded Machine Unlearning", NeurIPS 2023 (NegGrad+ baseline)',
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
    model.train();
    const optimizer = new SGD(model.parameters(), {
      lr: params.lr,
      momentum: params.momentum,
      weightDecay: params.weightDecay,
    });
    const forgetStream = cycleBatches(ctx, ctx.forgetIds, {
      batchSize: params.forgetBatchSize,
      seed: deriveSeed(ctx.seed, 'neggrad-plus/forget'),
    });
    const seed = deriveSeed(ctx.seed, 'neggrad-plus/retain');
    let steps = 0;
    try {
      for (let epoch = 0; epoch < params.epochs; epoch++) {
        const task = ctx.progress.task(
          `neggrad-plus epoch ${epoch + 1}/${params.epochs}`,
          batchCount(retain.ids.length, params.batchSize),
        );
        forEachBatch(ctx, retain.ids, { batchSize: params.batchSize, epoch, seed }, (batch) => {
          const forgetBatch = forgetStream.next().value;
          tidy(() => {
            optimizer.zeroGrad();
            const r = batchTensors(batch);
            const f = batchTensors(forgetBatch);
            const retainLoss = crossEntropy(model.forward(r.inputs), r.labels);
            const forgetLoss = crossEntropy(model.forward(f.inputs), f.labels);
            retainLoss
              .mul(params.alpha)
              .sub(forgetLoss.mul(1 - params.alpha))
              .backward();
            optimizer.step();
          });
          steps++;
          task.tick();
        });
        task.done();
      }
    } finally {
      optimizer.dispose();
    }
    model.eval();
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
