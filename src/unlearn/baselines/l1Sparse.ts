import { z } from 'zod';
import type { Tensor } from '../../tensor/index.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { deriveSeed, sampleRetain, sgd } from './shared.js';

/** The l1 norm of every parameter together (Jia et al.'s `l1_regularization`). */
function l1Norm(parameters: readonly Tensor[]): Tensor {
  let total = parameters[0]!.abs().sum();
  for (let k = 1; k < parameters.length; k++) total = total.add(parameters[k]!.abs().sum());
  return total;
}

/**
 * l1-sparse: fine-tuning on Dr with an l1 penalty on the weights whose strength decays linearly to
 * zero: sparsity first pushes out what only Df supported, then the model settles on Dr.
 */
export const l1Sparse = defineMethod({
  name: 'l1-sparse',
  description:
    'l1-sparse unlearning: fine-tune on Dr (a sample of retainMultiple x |Df|, 0 = all of Dr) with SGD on CE + gamma_t * ||theta||_1, the l1 strength gamma_t decaying linearly from l1 to 0 over the run (per step), so a sparsity-promoting phase that erodes weights only Df needed is followed by plain fine-tuning.',
  reference: 'Jia et al., "Model Sparsity Can Simplify Machine Unlearning", NeurIPS 2023',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      l1: z.number().min(0).default(1e-4).describe('initial l1 strength gamma (decays linearly to 0)'),
      epochs: z.number().int().min(1).default(2).describe('epochs over the Dr sample'),
      retainMultiple: z.number().min(0).default(20).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      lr: z.number().positive().default(0.01).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(128).describe('batch size'),
    })
    .strict(),
  unlearn(ctx, params) {
    const retain = sampleRetain(ctx, params.retainMultiple, 'l1-sparse');
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const parameters = model.parameters();
    const batches = sampleBatches(ctx, retain.ids, {
      batchSize: params.batchSize,
      seed: deriveSeed(ctx.seed, 'l1-sparse/order'),
    });
    const totalSteps = batches.count(0) * params.epochs;
    const { steps } = fit(model, sgd(model, params), {
      name: 'l1-sparse',
      epochs: params.epochs,
      batches,
      loss: (batch, step) => {
        const gamma = params.l1 * (1 - step / totalSteps);
        const loss = classificationLoss(model, batch);
        return gamma > 0 ? loss.add(l1Norm(parameters).mul(gamma)) : loss;
      },
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
