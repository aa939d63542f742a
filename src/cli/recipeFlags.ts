/**
 * The training-recipe flags shared by the commands that train (`tmu train`) or record how a model should be
 * trained (`tmu import`): optimizer, lr, momentum, weight decay, batch size, epochs, schedule, seed.
 *
 * @module
 */

import { defaultRecipe, OPTIMIZERS, SCHEDULES, type TrainRecipe, tableRecipe, textRecipe } from '../train/recipe.js';
import type { FlagSpec, FlagValues } from './command.js';
import { choiceFlag, intFlag, numberFlag } from './command.js';

/** The recipe flags with their documented defaults. */
export const RECIPE_FLAGS: Record<string, FlagSpec> = {
  epochs: { type: 'string', description: 'epochs (default: 10, ResNet 15, tables 30, text 10)', value: 'N' },
  seed: {
    type: 'string',
    description: 'training seed (initialisation, order, augmentation)',
    default: '0',
    value: 'N',
  },
  'batch-size': { type: 'string', description: 'batch size (default: 128, tables 64)', value: 'N' },
  optimizer: {
    type: 'string',
    description: `optimizer: ${OPTIMIZERS.join(', ')} (default: sgd, tables adam)`,
    value: 'NAME',
  },
  lr: {
    type: 'string',
    description: 'learning rate (default: 0.05, ResNet 0.1, tables 0.001, text 0.01)',
    value: 'LR',
  },
  momentum: { type: 'string', description: 'SGD momentum', default: '0.9', value: 'M' },
  'weight-decay': { type: 'string', description: 'weight decay (default: 0.0005, tables 0.0001)', value: 'WD' },
  schedule: {
    type: 'string',
    description: `lr schedule per epoch: ${SCHEDULES.join(', ')}`,
    default: 'cosine',
    value: 'NAME',
  },
  'warmup-epochs': { type: 'string', description: 'linear warm-up epochs before cosine', default: '0', value: 'N' },
  'step-size': { type: 'string', description: 'StepLR period in epochs', default: '5', value: 'N' },
  gamma: { type: 'string', description: 'StepLR factor', default: '0.1', value: 'G' },
  augment: { type: 'boolean', description: 'random crop + horizontal flip (default on for colour datasets)' },
  'no-augment': { type: 'boolean', description: 'no augmentation' },
};

/**
 * The recipe the flags give, with the defaults for those not given: the text classifier's, a table
 * model's (`table`), or the image architecture's.
 */
export function recipeFromFlags(flags: FlagValues, arch: string, augmentDefault: boolean, table = false): TrainRecipe {
  const defaults = arch === 'fasttext' ? textRecipe() : table ? tableRecipe() : defaultRecipe(arch, augmentDefault);
  const augment = flags.augment === true ? true : flags['no-augment'] === true ? false : defaults.augment;
  return {
    epochs: intFlag(flags, 'epochs', defaults.epochs, 1, 10_000),
    batchSize: intFlag(flags, 'batch-size', defaults.batchSize, 1, 65_536),
    optimizer: choiceFlag(flags, 'optimizer', OPTIMIZERS, defaults.optimizer),
    lr: numberFlag(flags, 'lr', defaults.lr, Number.MIN_VALUE, 10),
    momentum: numberFlag(flags, 'momentum', defaults.momentum, 0, 0.999999),
    weightDecay: numberFlag(flags, 'weight-decay', defaults.weightDecay, 0, 1),
    schedule: choiceFlag(flags, 'schedule', SCHEDULES, defaults.schedule),
    warmupEpochs: intFlag(flags, 'warmup-epochs', defaults.warmupEpochs, 0),
    stepSize: intFlag(flags, 'step-size', defaults.stepSize, 1),
    gamma: numberFlag(flags, 'gamma', defaults.gamma, Number.MIN_VALUE, 1),
    augment,
    seed: intFlag(flags, 'seed', defaults.seed, 0, 2 ** 31 - 1),
  };
}
