import { type Batch, Batches } from '../data/batches.js';
import type { ImageDataset } from '../data/dataset.js';
import type { UnlearnContext } from './context.js';

/** Options of {@link forEachBatch}. */
export interface BatchLoopOptions {
  batchSize: number;
  /** Epoch number: with the seed it fixes the order, so methods are reproducible. */
  epoch?: number;
  shuffle?: boolean;
  seed: number;
  augment?: boolean;
  dataset?: ImageDataset;
}

/**
 * Calls `step` for each mini-batch of `ids` (from the train partition unless `dataset` is given),
 * normalised as Mo was trained. The step converts the batch to tensors inside its own tidy scope; it
 * returns `false` to stop the loop early (no further batch is made). Returns the number of steps run.
 */
export function forEachBatch(
  ctx: UnlearnContext,
  ids: readonly string[],
  options: BatchLoopOptions,
  step: (batch: Batch, index: number) => unknown,
): number {
  const batches = new Batches(options.dataset ?? ctx.train, ids, {
    batchSize: options.batchSize,
    shuffle: options.shuffle ?? true,
    seed: options.seed,
    normalize: ctx.normalize,
    ...(options.augment ? { augment: { padding: 4, horizontalFlip: true } } : {}),
  });
  let index = 0;
  for (const batch of batches.epoch(options.epoch ?? 0)) if (step(batch, index++) === false) break;
  return index;
}

/** Number of batches {@link forEachBatch} makes. */
export function batchCount(size: number, batchSize: number): number {
  return Math.ceil(size / batchSize);
}
