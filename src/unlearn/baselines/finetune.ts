import { z } from 'zod';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { sgd } from './shared.js';

/**
 * Fine-tuning (FT): continue training Mo on the retain set only, relying on catastrophic forgetting
 * to erase Df. Warnecke et al. 2023 / Jia et al. 2023 ("Model sparsity can simplify machine unlearning").
 */
export const finetune = defineMethod({
  name: 'finetune',
  description:
    'Fine-tune the original model on the retain set Dr with SGD, so that what only Df supported fades through catastrophic forgetting.',
  reference: 'Warnecke et al., "Machine Unlearning of Features and Labels", NDSS 2023; Jia et al., NeurIPS 2023',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
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
    fit(model, sgd(model, params), {
      name: 'finetune',
      epochs: params.epochs,
      batches: sampleBatches(ctx, ctx.retainIds, { batchSize: params.batchSize, seed: ctx.seed }),
      loss: (batch) => classificationLoss(model, batch),
      progress: ctx.progress,
    });
    return { model, summary: { retainSamplesSeen: ctx.retainIds.length * params.epochs } };
  },
});
