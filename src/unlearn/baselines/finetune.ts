import { z } from 'zod';
import { SGD } from '../../optim/index.js';
import { crossEntropy, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';

/**
 * Fine-tuning (FT): continue training Mo on the retain set only, relying on catastrophic forgetting
 * to erase Df. Warnecke et al. 2023 / Jia et al. 2023 ("Model sparsity can simplify machine unlearning").
 */
export const finetune = defineMethod({
  name: 'finetune',
  description:
    'Fine-tune the original model on the retain set Dr with SGD, so that what only Df supported fades through catastrophic forgetting.',
  reference: 'Warnecke et al., "Machine Unlearning of Features and Labels", NDSS 2023; Jia et al., NeurIPS 2023',
  params: z
    .object({
      epochs: z.number().int().min(1).default(2).describe('epochs over Dr'),
      lr: z.number().positive().default(0.01).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(128).describe('batch size'),
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
    try {
      for (let epoch = 0; epoch < params.epochs; epoch++) {
        const task = ctx.progress.task(
          `finetune epoch ${epoch + 1}/${params.epochs}`,
          batchCount(ctx.retainIds.length, params.batchSize),
        );
        forEachBatch(ctx, ctx.retainIds, { batchSize: params.batchSize, epoch, seed: ctx.seed }, (batch) => {
          tidy(() => {
            optimizer.zeroGrad();
            const { inputs, labels } = batchTensors(batch);
            crossEntropy(model.forward(inputs), labels).backward();
            optimizer.step();
          });
          task.tick();
        });
        task.done();
      }
    } finally {
      optimizer.dispose();
    }
    model.eval();
    return { model, summary: { retainSamplesSeen: ctx.retainIds.length * params.epochs } };
  },
});
