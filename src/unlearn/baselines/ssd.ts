import { z } from 'zod';
import type { Classifier } from '../../models/classifier.js';
import { crossEntropy, dispose, gt, minimum, noGrad, type Tensor, tidy, where, zerosLike } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { defineMethod } from '../method.js';
import { deriveSeed, sampleMember } from './shared.js';

/**
 * Diagonal Fisher importances of `ids`: the squared gradient of the mean batch loss of every weight,
 * averaged over batches (SSD's `calc_importance`), computed in eval mode. Aligned with
 * `model.parameters()`; the caller disposes them.
 */
export function fisherImportances(
  ctx: UnlearnContext,
  model: Classifier,
  ids: readonly string[],
  batchSize: number,
  label: string,
): Tensor[] {
  const parameters = model.parameters();
  const sums = tidy(() => parameters.map((p) => zerosLike(p)));
  const wasTraining = model.training;
  model.eval();
  let batchesSeen = 0;
  try {
    const batches = sampleBatches(ctx, ids, { batchSize, seed: deriveSeed(ctx.seed, `ssd/${label}`) });
    for (const batch of batches.epoch(0)) {
      tidy(() => {
        model.zeroGrad();
        const { inputs, labels } = batchTensors(batch);
        crossEntropy(model.forward(inputs), labels).backward();
        noGrad(() => {
          parameters.forEach((p, k) => {
            const gradient = p.grad;
            if (gradient !== null) sums[k]!.add_(gradient.square());
          });
        });
      });
      batchesSeen++;
    }
  } finally {
    model.zeroGrad();
    model.train(wasTraining);
  }
  noGrad(() => {
    for (const sum of sums) sum.div_(Math.max(1, batchesSeen));
  });
  return sums;
}

/**
 * Selective Synaptic Dampening: no training. Weights far more important to Df than to D (Fisher
 * importance ratio above alpha) are scaled down in proportion to that ratio.
 */
export const ssd = defineMethod({
  name: 'ssd',
  description:
    'Selective Synaptic Dampening: compute diagonal Fisher importances (mean squared gradient of the batch loss) on Df and on D (a random sample of memberMultiple x |Df| member samples, 0 = all of D, Df included as in the reference); for every weight whose Df importance exceeds alpha times its D importance, multiply it by min(lambda * imp_D / imp_Df, 1). No gradient steps are taken: a one-shot edit, retrain-free.',
  reference:
    'Foster et al., "Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening", AAAI 2024',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      alpha: z.number().positive().default(100).describe('selection weighting: dampen where imp_Df > alpha * imp_D'),
      lambda: z.number().positive().default(1).describe('dampening constant: factor min(lambda * imp_D / imp_Df, 1)'),
      memberMultiple: z
        .number()
        .min(0)
        .default(20)
        .describe('D sample size for imp_D as a multiple of |Df| (0 = all of D)'),
      batchSize: z.number().int().min(1).default(64).describe('batch size of both importance passes'),
    })
    .strict(),
  unlearn(ctx, params) {
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const member = sampleMember(ctx, params.memberMultiple, 'ssd');
    const task = ctx.progress.task('ssd importances', 2);
    const forgetImportance = fisherImportances(ctx, model, ctx.forgetIds, params.batchSize, 'forget');
    task.tick();
    const memberImportance = fisherImportances(ctx, model, member, params.batchSize, 'member');
    task.done();
    let dampened = 0;
    let total = 0;
    try {
      noGrad(() => {
        model.parameters().forEach((p, k) => {
          const hits = tidy(() => {
            const fimp = forgetImportance[k]!;
            const dimp = memberImportance[k]!;
            const selected = gt(fimp, dimp.mul(params.alpha));
            const factor = minimum(dimp.mul(params.lambda).div(fimp), 1);
            p.copy_(where(selected, p.mul(factor), p));
            return selected.sum().item();
          });
          dampened += hits;
          total += p.numel;
        });
      });
    } finally {
      dispose([forgetImportance, memberImportance]);
    }
    model.eval();
    return {
      model,
      summary: {
        dampenedWeights: dampened,
        totalWeights: total,
        dampenedShare: dampened / total,
        memberSamples: member.length,
      },
    };
  },
});
