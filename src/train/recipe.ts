/**
 * The epoch whose weights a training run keeps for TMU's curriculum feature, capped by the run's length:
 * the reference's "model trained for 2 epochs", and TMU's default `curriculumEpoch` (docs/tmu.md has the
 * measurement against epoch 4).
 */
export const DEFAULT_CURRICULUM_EPOCH = 2;

/** Optimizers a recipe can name. */
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
/** Learning-rate schedules a recipe can name (stepped once per epoch). */
export const SCHEDULES = ['cosine', 'step', 'constant'] as const;

/** How a model is trained: everything that, with the data and the seed, determines the weights. */
export interface TrainRecipe {
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  weightDecay: number;
  schedule: (typeof SCHEDULES)[number];
  /** Linear warm-up epochs before the cosine schedule. */
  warmupEpochs: number;
  /** StepLR period and factor. */
  stepSize: number;
  gamma: number;
  /** Random crop (padding 4) and horizontal flip. */
  augment: boolean;
  /** Seed of initialisation, data order, augmentation and dropout. */
  seed: number;
}

/**
 * The default recipe of a fastText model: that of tables for 10 epochs at lr 0.01, since the embedding rows of rare
 * tokens see few gradient steps.
 */
export function textRecipe(): TrainRecipe {
  return { ...tableRecipe(), epochs: 10, lr: 0.01 };
}

/**
 * The default recipe of an MLP on a table's encoded rows: Adam at 1e-3 for 30 epochs of 64 rows, cosine
 * schedule, light weight decay, no augmentation (there is none for rows).
 */
export function tableRecipe(): TrainRecipe {
  return {
    epochs: 30,
    batchSize: 64,
    optimizer: 'adam',
    lr: 1e-3,
    momentum: 0.9,
    weightDecay: 1e-4,
    schedule: 'cosine',
    warmupEpochs: 0,
    stepSize: 5,
    gamma: 0.1,
    augment: false,
    seed: 0,
  };
}

/**
 * The default recipe: SGD with momentum 0.9, weight decay 5e-4 and a cosine schedule, batch 128 (the
 * standard CIFAR recipe, also used by the unlearning literature). lr 0.05 for the small CNN and MLP,
 * 0.1 for the ResNets.
 */
export function defaultRecipe(arch: string, augment: boolean): TrainRecipe {
  return {
    epochs: arch.startsWith('resnet') ? 15 : 10,
    batchSize: 128,
    optimizer: 'sgd',
    lr: arch.startsWith('resnet') ? 0.1 : 0.05,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: 'cosine',
    warmupEpochs: 0,
    stepSize: 5,
    gamma: 0.1,
    augment,
    seed: 0,
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(`recipe: ${message}`);
}

/** Validates a recipe (from flags or a sidecar), naming the bad field. */
export function checkRecipe(recipe: TrainRecipe): TrainRecipe {
  check(
    Number.isInteger(recipe.epochs) && recipe.epochs >= 1,
    `epochs must be a positive integer, got ${recipe.epochs}`,
  );
  check(
    Number.isInteger(recipe.batchSize) && recipe.batchSize >= 1,
    `batchSize must be a positive integer, got ${recipe.batchSize}`,
  );
  check(
    OPTIMIZERS.includes(recipe.optimizer),
    `optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${recipe.optimizer}'`,
  );
  check(
    SCHEDULES.includes(recipe.schedule),
    `schedule must be one of ${SCHEDULES.join(', ')}, got '${recipe.schedule}'`,
  );
  check(recipe.lr > 0 && Number.isFinite(recipe.lr), `lr must be positive, got ${recipe.lr}`);
  check(recipe.momentum >= 0 && recipe.momentum < 1, `momentum must be in [0, 1), got ${recipe.momentum}`);
  check(recipe.weightDecay >= 0, `weightDecay must be >= 0, got ${recipe.weightDecay}`);
  check(
    Number.isInteger(recipe.warmupEpochs) && recipe.warmupEpochs >= 0 && recipe.warmupEpochs < recipe.epochs,
    `warmupEpochs must be an integer in [0, epochs), got ${recipe.warmupEpochs}`,
  );
  check(
    Number.isInteger(recipe.stepSize) && recipe.stepSize >= 1,
    `stepSize must be a positive integer, got ${recipe.stepSize}`,
  );
  check(recipe.gamma > 0 && recipe.gamma <= 1, `gamma must be in (0, 1], got ${recipe.gamma}`);
  check(Number.isInteger(recipe.seed) && recipe.seed >= 0, `seed must be a non-negative integer, got ${recipe.seed}`);
  return recipe;
}
