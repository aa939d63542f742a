import { z } from 'zod';
import type { Classifier } from '../../models/classifier.js';
import {
  abs,
  cat,
  crossEntropy,
  dispose,
  noGrad,
  splitWithSizes,
  type Tensor,
  tidy,
  topk,
  zerosLike,
} from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { defineMethod } from '../method.js';
import { deriveSeed, randomLabelFineTune } from './shared.js';

/**
 * Weight saliency masks: |gradient of the Df loss| accumulated over Df; the top `fraction` of all
 * weights (one global ranking across every parameter, ties at the threshold broken by topk) are
 * salient. One float 0/1 mask per parameter, in `parameters()` order.
 */
export function saliencyMasks(
  ctx: UnlearnContext,
  model: Classifier,
  fraction: number,
  batchSize: number,
): { masks: Tensor[]; threshold: number; salient: number; total: number } {
  const parameters = model.parameters();
  const wasTraining = model.training;
  model.eval();
  model.zeroGrad();
  const batches = sampleBatches(ctx, ctx.forgetIds, {
    batchSize,
    seed: deriveSeed(ctx.seed, 'salun/saliency'),
    shuffle: false,
  });
  for (const batch of batches.epoch(0)) {
    tidy(() => {
      const { inputs, labels } = batchTensors(batch);
      // SalUn's forget loss is the negated cross-entropy; only its magnitude matters here.
      crossEntropy(model.forward(inputs), labels, null, 'sum').neg().backward();
    });
  }
  const result = tidy(() =>
    noGrad(() => {
      const magnitudes = parameters.map((p) => {
        const gradient = p.grad;
        return gradient === null ? zerosLike(p) : abs(gradient);
      });
      const flat = cat(magnitudes.map((m) => m.reshape([-1])));
      const total = flat.numel;
      const k = Math.max(1, Math.min(total, Math.round(fraction * total)));
      // Exactly the k largest: a threshold alone would also take every tie at it (often the many exact
      // zeros of dead units when Df is small), so the mask is built from the top-k indices.
      const [values, indices] = topk(flat, k, 0, true, true);
      const threshold = values.select(0, k - 1).item();
      const chosen = zerosLike(flat).scatterValue(0, indices, 1);
      const masks = splitWithSizes(
        chosen,
        parameters.map((p) => p.numel),
        0,
      ).map((part, i) => part.reshape(parameters[i]!.shape));
      return { masks, threshold, salient: k, total };
    }),
  );
  model.zeroGrad();
  model.train(wasTraining);
  return result;
}

/**
 * SalUn: random-label unlearning restricted to the weights most salient for Df. The saliency map is
 * the magnitude of the forget-loss gradient; only the top `saliencyFraction` of weights (by a global
 * percentile threshold) receive gradient updates.
 */
export const salun = defineMethod({
  name: 'salun',
  description:
    'SalUn (saliency unlearning): compute the gradient of the forget loss over Df with respect to every weight, keep the top saliencyFraction of weights by |gradient| (one global percentile threshold) as a 0/1 mask, then run random-label fine-tuning (Df with random wrong labels plus a Dr sample of retainMultiple x |Df|, 0 = all of Dr) in which gradients are multiplied by the mask before each SGD step, so only salient weights change (weight decay still applies to all).',
  reference:
    'Fan et al., "SalUn: Empowering Machine Unlearning via Gradient-based Weight Saliency in Both Image Classification and Generation", ICLR 2024',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      saliencyFraction: z
        .number()
        .gt(0)
        .max(1)
        .default(0.5)
        .describe('share of weights (by |grad of the forget loss|) that may change'),
      epochs: z.number().int().min(1).default(1).describe('epochs over Df plus the Dr sample'),
      retainMultiple: z.number().min(0).default(50).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      lr: z.number().positive().default(0.01).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(64).describe('batch size'),
    })
    .strict(),
  unlearn(ctx, params) {
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const task = ctx.progress.task('salun saliency', 1);
    const { masks, threshold, salient, total } = saliencyMasks(ctx, model, params.saliencyFraction, 256);
    task.done({ salient, total });
    try {
      const summary = randomLabelFineTune(ctx, model, { ...params, label: 'salun', masks });
      return {
        model,
        summary: { ...summary, saliencyThreshold: threshold, salientWeights: salient, totalWeights: total },
      };
    } finally {
      dispose(masks);
    }
  },
});
