/**
 * The one optimisation loop of the unlearning methods: for every mini-batch, zero the gradients, compute
 * the method's loss, back-propagate, optionally touch the gradients, step. Methods differ only in their
 * batches and their loss, which is what they pass in.
 *
 * @module
 */

import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/index.js';
import { type Tensor, tidy } from '../tensor/index.js';
import type { ProgressSink } from '../train/progress.js';
import type { BatchStream } from './batches.js';

/** What {@link fit} runs. */
export interface FitOptions<B> {
  /** Shown in progress as `<name> epoch e/E`. */
  name: string;
  epochs: number;
  batches: BatchStream<B>;
  /**
   * The batch's scalar loss, built inside the step's tidy scope (everything it creates is freed after
   * the step); `fit` calls its backward.
   */
  loss(batch: B, step: number): Tensor;
  /** Runs between backward and the optimizer step, inside the step's scope: gradient masks. */
  beforeStep?(): void;
  /** Runs after each step, outside its scope; returning `false` ends the loop. */
  afterStep?(step: number): boolean | undefined;
  /** Runs after each epoch (learning-rate schedules). */
  afterEpoch?(epoch: number): void;
  progress: ProgressSink;
}

/** What {@link fit} did. */
export interface FitReport {
  steps: number;
  /** Whether `afterStep` ended the loop before its last batch. */
  stopped: boolean;
  /** Mean loss over the last epoch's steps (NaN when none ran). */
  lastEpochLoss: number;
}

/**
 * Trains `model` with `optimizer` for `options.epochs` epochs over `options.batches`: in train mode during
 * the loop, in eval mode after it. The optimizer is released when the loop ends, whichever way.
 */
export function fit<B>(model: Module, optimizer: Optimizer, options: FitOptions<B>): FitReport {
  let steps = 0;
  let stopped = false;
  let lastEpochLoss = Number.NaN;
  model.train();
  try {
    for (let epoch = 0; epoch < options.epochs && !stopped; epoch++) {
      const task = options.progress.task(
        `${options.name} epoch ${epoch + 1}/${options.epochs}`,
        options.batches.count(epoch),
      );
      let lossSum = 0;
      let epochSteps = 0;
      for (const batch of options.batches.epoch(epoch)) {
        const loss = tidy(() => {
          optimizer.zeroGrad();
          const value = options.loss(batch, steps);
          value.backward();
          options.beforeStep?.();
          optimizer.step();
          return value.item();
        });
        steps++;
        epochSteps++;
        lossSum += loss;
        task.tick(1, { loss });
        if (options.afterStep?.(steps) === false) {
          stopped = true;
          break;
        }
      }
      lastEpochLoss = epochSteps > 0 ? lossSum / epochSteps : Number.NaN;
      task.done({ loss: lastEpochLoss });
      options.afterEpoch?.(epoch);
    }
  } finally {
    optimizer.dispose();
  }
  model.eval();
  return { steps, stopped, lastEpochLoss };
}
