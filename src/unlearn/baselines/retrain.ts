import { z } from 'zod';
import { createModel } from '../../models/architecture.js';
import { initialiseSeed, train } from '../../train/trainer.js';
import { defineMethod } from '../method.js';

/**
 * Retraining from scratch on Dr with Mo's own recipe: exact unlearning, the gold model Mg. Every other
 * method is judged by how close it comes to this model, at what fraction of its cost.
 */
export const retrain = defineMethod({
  name: 'retrain',
  description:
    'Train a fresh model from scratch on the retain set Dr with the original recipe (initialisation seed, optimizer, schedule, epochs): exact unlearning, the gold model, and the cost every other method is measured against (RTE = seconds / seconds of retrain).',
  reference:
    'Exact unlearning by retraining (the reference point of e.g. Bourtoule et al., "Machine Unlearning", IEEE S&P 2021)',
  capabilities: { needsHoldout: false, diagnostics: false, exact: true },
  params: z
    .object({
      epochs: z.number().int().min(0).default(0).describe("epochs; 0 = the original recipe's (the gold model)"),
    })
    .strict(),
  unlearn(ctx, params) {
    const recipe = params.epochs > 0 ? { ...ctx.recipe, epochs: params.epochs } : ctx.recipe;
    // The same seeding as `tmu train`: with the recipe's seed this reproduces the gold model exactly.
    initialiseSeed(recipe.seed);
    const model = createModel(ctx.architecture);
    let result: ReturnType<typeof train>;
    try {
      result = train({
        model,
        dataset: ctx.train,
        ids: ctx.retainIds,
        recipe,
        normalize: ctx.normalize,
        progress: ctx.progress,
      });
    } catch (error) {
      model.dispose();
      throw error;
    }
    model.eval();
    return {
      model,
      summary: {
        retainSamplesSeen: ctx.retainIds.length * recipe.epochs,
        epochs: recipe.epochs,
        trainSeconds: result.seconds,
      },
    };
  },
});
