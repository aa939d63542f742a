/**
 * The common recipe of a linear warm-up followed by cosine annealing, as one scheduler.
 *
 * @module
 */

import { CosineAnnealingLR } from './cosineAnnealingLR.js';
import { LinearLR } from './linearLR.js';
import { checkInteger } from './lrScheduler.js';
import type { Optimizer } from './optimizer.js';
import { checkKnownKeys } from './optimizer.js';
import { SequentialLR } from './sequentialLR.js';

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Epochs of linear warm-up (at least 1). */
  warmupEpochs: number;
  /** Total epochs, warm-up included; the cosine reaches etaMin at the last epoch's end. */
  epochs: number;
  /** Factor of the base lr in the first warm-up epoch, in (0, 1]. Default 0.1. */
  warmupStartFactor?: number;
  /** The lowest learning rate. Default 0. */
  etaMin?: number;
}

/**
 * `SequentialLR([LinearLR(warmupStartFactor -> 1 over warmupEpochs), CosineAnnealingLR(tMax =
 * epochs - warmupEpochs, etaMin)], milestones [warmupEpochs])`: the lr climbs to the base lr over the
 * warm-up, then decays along a half cosine.
 *
 * @param optimizer - the optimizer to drive
 * @param options - warm-up length, total length, start factor and floor
 */
export function warmupCosine(optimizer: Optimizer, options: WarmupCosineOptions): SequentialLR {
  checkKnownKeys('warmupCosine', options, ['warmupEpochs', 'epochs', 'warmupStartFactor', 'etaMin']);
  const { warmupEpochs, epochs, warmupStartFactor = 0.1, etaMin = 0 } = options;
  checkInteger('warmupCosine', 'warmupEpochs', warmupEpochs, 1);
  checkInteger('warmupCosine', 'epochs', epochs, warmupEpochs + 1);
  const warmup = new LinearLR(optimizer, { startFactor: warmupStartFactor, endFactor: 1, totalIters: warmupEpochs });
  const cosine = new CosineAnnealingLR(optimizer, { tMax: epochs - warmupEpochs, etaMin });
  return new SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [warmupEpochs] });
}
