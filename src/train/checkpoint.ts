import { existsSync } from 'node:fs';
import type { Classifier } from '../models/classifier.js';
import { loadSafetensors, saveSafetensors } from '../nn/safetensors.js';
import type { LRScheduler, LRSchedulerStateJson, Optimizer, OptimizerStateJson } from '../optim/index.js';
import { dispose, type Tensor } from '../tensor/index.js';
import type { TrainRecipe } from './recipe.js';

/** The JSON part of a training checkpoint (stored in the safetensors metadata, so one file is one atomic write). */
export interface CheckpointInfo {
  /** Epochs completed. */
  epoch: number;
  recipe: TrainRecipe;
  /** Digest of the training ids, so a resume cannot silently switch data. */
  idsDigest: string;
  optimizer: OptimizerStateJson;
  scheduler: LRSchedulerStateJson | null;
  epochs: Record<string, number>[];
  seconds: number;
}

const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.';

/** Writes model weights, optimizer state and progress to one file, atomically. */
export function saveCheckpoint(
  path: string,
  model: Classifier,
  optimizer: Optimizer,
  scheduler: LRScheduler | null,
  info: Omit<CheckpointInfo, 'optimizer' | 'scheduler'>,
): void {
  const tensors = new Map<string, Tensor>();
  for (const [name, value] of model.stateDict()) tensors.set(MODEL_PREFIX + name, value);
  const optimizerState = optimizer.stateDict();
  for (const [name, value] of optimizerState.tensors) tensors.set(OPTIMIZER_PREFIX + name, value);
  const full: CheckpointInfo = {
    ...info,
    optimizer: optimizerState.json,
    scheduler: scheduler ? scheduler.stateDict() : null,
  };
  saveSafetensors(path, tensors, { checkpoint: JSON.stringify(full) });
}

/**
 * Restores a checkpoint into a freshly built model, optimizer and scheduler. Checks that the recipe and
 * the training ids are the ones the checkpoint was made with.
 */
export function loadCheckpoint(
  path: string,
  model: Classifier,
  optimizer: Optimizer,
  scheduler: LRScheduler | null,
  expected: { recipe: TrainRecipe; idsDigest: string },
): CheckpointInfo {
  if (!existsSync(path)) throw new Error(`--resume: no checkpoint at ${path}`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const raw = metadata.checkpoint;
    if (raw === undefined) throw new Error(`${path}: not a training checkpoint (no checkpoint metadata)`);
    const info = JSON.parse(raw) as CheckpointInfo;
    if (JSON.stringify(info.recipe) !== JSON.stringify(expected.recipe)) {
      throw new Error(
        `${path}: the checkpoint was made with another recipe (${JSON.stringify(info.recipe)}); resume with the same flags`,
      );
    }
    if (info.idsDigest !== expected.idsDigest)
      throw new Error(
        `${path}: the checkpoint was made on other training ids; resume with the same split and --exclude`,
      );
    const modelState = new Map<string, Tensor>();
    const optimizerTensors = new Map<string, Tensor>();
    for (const [name, value] of tensors) {
      if (name.startsWith(MODEL_PREFIX)) modelState.set(name.slice(MODEL_PREFIX.length), value);
      else if (name.startsWith(OPTIMIZER_PREFIX)) optimizerTensors.set(name.slice(OPTIMIZER_PREFIX.length), value);
    }
    model.loadStateDict(modelState, { strict: true });
    optimizer.loadStateDict({ json: info.optimizer, tensors: optimizerTensors });
    if (scheduler && info.scheduler) scheduler.loadStateDict(info.scheduler);
    return info;
  } finally {
    dispose([...tensors.values()]);
  }
}
