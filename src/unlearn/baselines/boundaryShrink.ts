import { z } from 'zod';
import { crossEntropy, grad, noGrad, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { fit } from '../fit.js';
import { attackSurface, clampToBox } from '../inputBox.js';
import { classificationLoss } from '../losses.js';
import { defineMethod } from '../method.js';
import { deriveSeed, frozenCopy, relabel, sgd } from './shared.js';

/**
 * The nearest wrong class of each Df sample under Mo, found by one FGSM step of `epsilon` (in [0, 1]
 * pixel units): the class the attacked input is predicted as, or, where the attack did not change the
 * prediction, the attacked input's highest-scoring wrong class.
 */
export function nearestWrongLabels(
  ctx: UnlearnContext,
  epsilon: number,
  batchSize: number,
): { labels: Map<string, number>; flipped: number } {
  const attacker = frozenCopy(ctx);
  const labels = new Map<string, number>();
  let flipped = 0;
  try {
    for (const batch of sampleBatches(ctx, ctx.forgetIds, {
      batchSize,
      seed: deriveSeed(ctx.seed, 'boundary-shrink/attack'),
      shuffle: false,
    }).epoch(0)) {
      const [nearest, hits] = tidy(() => {
        // FGSM in the space the model sees: a pixel step eps is eps/std there, and the attacked image
        // stays inside the valid pixel range; a table's numeric values move by eps standard deviations, a
        // text's mean embedding by eps.
        const { inputs, labels: truth } = batchTensors(batch);
        const surface = attackSurface(attacker, ctx.train, inputs, ctx.normalize, epsilon, epsilon);
        const start = surface.start.detach().requiresGrad_();
        const [gradient] = grad(crossEntropy(surface.forward(start), truth), start);
        return noGrad(() => {
          const attacked = clampToBox(start.detach().add(gradient!.sign().mul(surface.box.step)), surface.box);
          const logits = surface.forward(attacked);
          const predicted = logits.argmax(1);
          const wrong = logits.scatterValue(1, truth.unsqueeze(1), Number.NEGATIVE_INFINITY).argmax(1);
          return [Array.from(wrong.toTypedArray() as BigInt64Array, Number), predicted.ne(truth).sum().item()] as const;
        });
      });
      for (const [i, id] of batch.ids.entries()) labels.set(id, nearest[i]!);
      flipped += hits;
    }
  } finally {
    attacker.dispose();
  }
  return { labels, flipped };
}

/**
 * Boundary Shrink: move each Df sample across the nearest decision boundary by fine-tuning on it with
 * its nearest wrong class (found by FGSM on Mo) as the label.
 */
export const boundaryShrink = defineMethod({
  name: 'boundary-shrink',
  description:
    "Boundary Shrink: relabel each Df sample with its nearest wrong class, the class Mo predicts for the sample after one FGSM step of epsilon (pixel units; where the step does not flip Mo's prediction, the attacked input's top wrong class), then fine-tune on Df with those labels so the forgotten samples fall just across the closest decision boundary.",
  reference:
    'Chen et al., "Boundary Unlearning: Rapid Forgetting of Deep Networks via Shifting the Decision Space", CVPR 2023',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      epsilon: z.number().positive().default(0.1).describe('FGSM step in [0, 1] pixel units'),
      epochs: z.number().int().min(1).default(1).describe('epochs over Df'),
      lr: z.number().positive().default(1e-4).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      batchSize: z.number().int().min(1).default(64).describe('batch size'),
    })
    .strict(),
  unlearn(ctx, params) {
    const attackTask = ctx.progress.task('boundary-shrink nearest labels', 1);
    const { labels: nearest, flipped } = nearestWrongLabels(ctx, params.epsilon, 256);
    attackTask.done({ flipped });
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const { steps } = fit(model, sgd(model, params), {
      name: 'boundary-shrink',
      epochs: params.epochs,
      batches: sampleBatches(ctx, ctx.forgetIds, {
        batchSize: params.batchSize,
        seed: deriveSeed(ctx.seed, 'boundary-shrink/order'),
      }),
      loss: (batch) => classificationLoss(model, relabel(batch, nearest)),
      progress: ctx.progress,
    });
    return {
      model,
      summary: {
        steps,
        attackFlipped: flipped,
        attackFlipRate: flipped / ctx.forgetIds.length,
        forgetSamplesSeen: ctx.forgetIds.length * params.epochs,
      },
    };
  },
});
