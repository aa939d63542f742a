import { existsSync, renameSync } from 'node:fs';
import { Batches, type NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { Random } from '../data/random.js';
import type { Classifier } from '../models/classifier.js';
import { saveSafetensors } from '../nn/safetensors.js';
import { crossEntropy, getNumThreads, manualSeed, tidy } from '../tensor/index.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { batchTensors } from './inputs.js';
import { idsDigest, removeIfExists } from './modelStore.js';
import { type ProgressSink, silentProgress } from './progress.js';
import { checkRecipe, type TrainRecipe } from './recipe.js';
import { buildOptimizer, buildSchedule } from './recipeOptimizer.js';

/** Options of {@link train}. */
export interface TrainOptions {
  /** A freshly initialised model (see {@link initialiseSeed}); trained in place. */
  model: Classifier;
  dataset: Dataset;
  /** Training ids (D for the original model, D \ Df for the gold model). */
  ids: readonly string[];
  recipe: TrainRecipe;
  normalize: NormalizeOptions;
  /** Where to write the checkpoint after every epoch (removed when training completes). */
  checkpointPath?: string;
  /** Continue from `checkpointPath` instead of starting over. */
  resume?: boolean;
  /** Save the weights after this epoch to `path` (TMU's curriculum model). */
  curriculum?: { epoch: number; path: string };
  /**
   * Stop after this epoch, with the learning-rate schedule still that of `recipe.epochs`: the run's
   * weights at that epoch, as a full run would have them (replaying a run to one of its epochs).
   */
  stopAfterEpoch?: number;
  progress?: ProgressSink;
  /** Called after each epoch with the model in train mode (e.g. to measure test accuracy). */
  onEpochEnd?: (epoch: number, log: Record<string, number>) => void;
}

/** What a training run did. */
export interface TrainResult {
  seconds: number;
  threads: number;
  /** Per-epoch log: epoch, lr, loss, train accuracy, seconds, images per second. */
  epochs: Record<string, number>[];
  /** Whether the curriculum checkpoint was written (the run reached its epoch). */
  curriculumSaved: boolean;
}

/** Seeds libtorch for model initialisation: call before building the model. */
export function initialiseSeed(seed: number): void {
  manualSeed(new Random(seed).fork('torch/init').nextUint32());
}

function epochSeed(seed: number, epoch: number): number {
  return new Random(seed).fork(`torch/epoch/${epoch}`).nextUint32();
}

/**
 * Trains `model` with the recipe: cross-entropy, the recipe's optimizer and per-epoch schedule,
 * shuffled (and optionally augmented) mini-batches. Deterministic for a seed and thread count: data
 * order and augmentation come from the seed and the epoch number alone, and libtorch is reseeded at each
 * epoch, so resuming from an epoch checkpoint continues bit-identically.
 */
export function train(options: TrainOptions): TrainResult {
  const recipe = checkRecipe(options.recipe);
  const { model, dataset } = options;
  const progress = options.progress ?? silentProgress;
  if (options.ids.length === 0) throw new RangeError('train: no training samples');
  const lastEpoch = options.stopAfterEpoch ?? recipe.epochs;
  if (!Number.isInteger(lastEpoch) || lastEpoch < 1 || lastEpoch > recipe.epochs)
    throw new RangeError(`train: stopAfterEpoch must be an integer in [1, ${recipe.epochs}], got ${lastEpoch}`);
  const optimizer = buildOptimizer(recipe, model.parameters());
  const scheduler = buildSchedule(recipe, optimizer);
  const digest = idsDigest(options.ids);
  let startEpoch = 0;
  let epochs: Record<string, number>[] = [];
  let secondsBefore = 0;
  try {
    if (options.resume) {
      if (!options.checkpointPath) throw new Error('train: resume needs a checkpoint path');
      const info = loadCheckpoint(options.checkpointPath, model, optimizer, scheduler, { recipe, idsDigest: digest });
      startEpoch = info.epoch;
      epochs = info.epochs;
      secondsBefore = info.seconds;
      progress.log('resume', { epoch: startEpoch, of: recipe.epochs });
    }
    const batches = new Batches(dataset, options.ids, {
      batchSize: recipe.batchSize,
      shuffle: true,
      seed: recipe.seed,
      normalize: options.normalize,
      ...(recipe.augment ? { augment: { padding: 4, horizontalFlip: true } } : {}),
    });
    const started = performance.now();
    let curriculumSaved =
      options.curriculum !== undefined && startEpoch >= options.curriculum.epoch && existsSync(options.curriculum.path);
    model.train();
    for (let epoch = startEpoch; epoch < lastEpoch; epoch++) {
      manualSeed(epochSeed(recipe.seed, epoch));
      const epochStarted = performance.now();
      const lr = optimizer.lr;
      const task = progress.task(`epoch ${epoch + 1}/${recipe.epochs}`, batches.length);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (const batch of batches.epoch(epoch)) {
        const [loss, hits] = tidy(() => {
          optimizer.zeroGrad();
          const { inputs, labels } = batchTensors(batch);
          const logits = model.forward(inputs);
          const batchLoss = crossEntropy(logits, labels);
          batchLoss.backward();
          optimizer.step();
          return [batchLoss.item(), logits.argmax(1).eq(labels).sum().item()] as const;
        });
        if (!Number.isFinite(loss))
          throw new Error(`train: the loss became ${loss} at epoch ${epoch + 1}; lower the learning rate`);
        lossSum += loss * batch.labels.length;
        correct += hits;
        seen += batch.labels.length;
        task.tick(1, { loss: lossSum / seen, acc: (100 * correct) / seen });
      }
      scheduler?.step();
      const seconds = (performance.now() - epochStarted) / 1000;
      const log = {
        epoch: epoch + 1,
        lr,
        loss: lossSum / seen,
        trainAcc: (100 * correct) / seen,
        seconds,
        imgPerS: seen / seconds,
      };
      task.done({ loss: log.loss, acc: log.trainAcc, 'img/s': Math.round(log.imgPerS) });
      options.onEpochEnd?.(epoch + 1, log);
      epochs.push(log);
      if (options.curriculum && epoch + 1 === options.curriculum.epoch) {
        // Written before the epoch checkpoint, so a checkpoint past this epoch implies the file exists.
        const temp = `${options.curriculum.path}.tmp-${process.pid}`;
        saveSafetensors(temp, model.stateDict(), { curriculumEpoch: String(epoch + 1) });
        renameSync(temp, options.curriculum.path);
        curriculumSaved = true;
      }
      if (options.checkpointPath) {
        const elapsed = secondsBefore + (performance.now() - started) / 1000;
        saveCheckpoint(options.checkpointPath, model, optimizer, scheduler, {
          epoch: epoch + 1,
          recipe,
          idsDigest: digest,
          epochs,
          seconds: elapsed,
        });
      }
    }
    model.eval();
    return {
      seconds: secondsBefore + (performance.now() - started) / 1000,
      threads: getNumThreads(),
      epochs,
      curriculumSaved,
    };
  } finally {
    optimizer.dispose();
  }
}

/** Deletes a finished run's checkpoint. */
export function removeCheckpoint(path: string): void {
  removeIfExists(path);
}
