import { type Batch, Batches } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { UnlearnContext } from './context.js';

/**
 * The mini-batches of a training run, epoch by epoch: what {@link fit} iterates. `epoch(e)` yields epoch
 * e's batches lazily (a loop that stops early builds no further batch); `count(e)` says how many it has.
 */
export interface BatchStream<B> {
  count(epoch: number): number;
  epoch(epoch: number): Iterable<B>;
}

/** Options of {@link sampleBatches}. */
export interface SampleBatchOptions {
  batchSize: number;
  /** With the epoch it fixes the order, so methods are reproducible. */
  seed: number;
  /** Visit the samples in a fresh random order each epoch (default true). */
  shuffle?: boolean;
  /** The dataset the ids belong to (default: the train partition). */
  dataset?: Dataset;
}

/**
 * Mini-batches of `ids`, normalised as Mo was trained, in a seeded order that depends only on the seed
 * and the epoch number.
 */
export function sampleBatches(
  ctx: UnlearnContext,
  ids: readonly string[],
  options: SampleBatchOptions,
): BatchStream<Batch> {
  const batches = new Batches(options.dataset ?? ctx.train, ids, {
    batchSize: options.batchSize,
    shuffle: options.shuffle ?? true,
    seed: options.seed,
    normalize: ctx.normalize,
  });
  return { count: () => batchCount(ids.length, options.batchSize), epoch: (epoch) => batches.epoch(epoch) };
}

/**
 * Endless shuffled mini-batches of `ids` (epoch after epoch, each in a fresh order): the second stream
 * of methods that pair every batch of one set with a batch of another.
 */
export function* cycleBatches(
  ctx: UnlearnContext,
  ids: readonly string[],
  options: { batchSize: number; seed: number },
): Generator<Batch, never> {
  if (ids.length === 0) throw new RangeError('cycleBatches: no samples');
  const batches = new Batches(ctx.train, ids, {
    batchSize: options.batchSize,
    shuffle: true,
    seed: options.seed,
    normalize: ctx.normalize,
  });
  for (let epoch = 0; ; epoch++) yield* batches.epoch(epoch);
}

/** A stream whose every batch is `transform(batch)`, with the same counts. */
export function mapBatches<A, B>(stream: BatchStream<A>, transform: (batch: A) => B): BatchStream<B> {
  return {
    count: (epoch) => stream.count(epoch),
    *epoch(epoch) {
      for (const batch of stream.epoch(epoch)) yield transform(batch);
    },
  };
}

/** Number of batches of `size` samples at `batchSize` per batch (the last one may be smaller). */
export function batchCount(size: number, batchSize: number): number {
  return Math.ceil(size / batchSize);
}
