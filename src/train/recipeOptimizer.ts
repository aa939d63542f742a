/**
 * The optimizer and learning-rate schedule a {@link TrainRecipe} names. Apart from recipe.ts, which
 * describes and validates recipes without loading libtorch.
 *
 * @module
 */

import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  type LRScheduler,
  type Optimizer,
  SGD,
  StepLR,
  warmupCosine,
} from '../optim/index.js';
import type { Tensor } from '../tensor/index.js';
import type { TrainRecipe } from './recipe.js';

/** The recipe's optimizer over `parameters`. */
export function buildOptimizer(recipe: TrainRecipe, parameters: readonly Tensor[]): Optimizer {
  switch (recipe.optimizer) {
    case 'sgd':
      return new SGD(parameters, { lr: recipe.lr, momentum: recipe.momentum, weightDecay: recipe.weightDecay });
    case 'adam':
      return new Adam(parameters, { lr: recipe.lr, weightDecay: recipe.weightDecay });
    case 'adamw':
      return new AdamW(parameters, { lr: recipe.lr, weightDecay: recipe.weightDecay });
  }
}

/** The recipe's per-epoch schedule, or null for a constant learning rate. */
export function buildSchedule(recipe: TrainRecipe, optimizer: Optimizer): LRScheduler | null {
  switch (recipe.schedule) {
    case 'cosine':
      return recipe.warmupEpochs > 0
        ? warmupCosine(optimizer, { warmupEpochs: recipe.warmupEpochs, epochs: recipe.epochs })
        : new CosineAnnealingLR(optimizer, { tMax: recipe.epochs });
    case 'step':
      return new StepLR(optimizer, { stepSize: recipe.stepSize, gamma: recipe.gamma });
    case 'constant':
      return null;
  }
}
