/**
 * Cosine annealing of the learning rate (torch.optim.lr_scheduler.CosineAnnealingLR).
 *
 * @module
 */

import { checkInteger, LRScheduler } from './lrScheduler.js';
import type { Optimizer } from './optimizer.js';
import { checkKnownKeys, checkNumber } from './optimizer.js';

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Epochs of the half cosine from the base lr down to etaMin. */
  tMax: number;
  /** The lowest learning rate. Default 0. */
  etaMin?: number;
}

/**
 * `lr(e) = etaMin + (base - etaMin) * (1 + cos(pi * e / tMax)) / 2`, PyTorch's closed form. Past
 * `tMax` it rises again along the cosine, as PyTorch's does.
 */
export class CosineAnnealingLR extends LRScheduler<Required<CosineAnnealingLROptions>> {
  /**
   * @param optimizer - the optimizer to drive
   * @param options - tMax and etaMin
   */
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    checkKnownKeys('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    const { tMax, etaMin = 0 } = options;
    checkInteger('CosineAnnealingLR', 'tMax', tMax, 1);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin);
    super('CosineAnnealingLR', optimizer, { tMax, etaMin });
  }

  /** The closed form at `epoch`. */
  override lrAt(baseLr: number, epoch: number): number {
    const { tMax, etaMin } = this.options;
    return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
  }
}
