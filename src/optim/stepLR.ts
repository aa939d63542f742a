/**
 * Step decay of the learning rate (torch.optim.lr_scheduler.StepLR).
 *
 * @module
 */

import { checkInteger, LRScheduler } from './lrScheduler.js';
import type { Optimizer } from './optimizer.js';
import { checkKnownKeys, checkNumber } from './optimizer.js';

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Factor applied at each decay. Default 0.1. */
  gamma?: number;
}

/** `lr(e) = base * gamma ^ floor(e / stepSize)`. */
export class StepLR extends LRScheduler<Required<StepLROptions>> {
  /**
   * @param optimizer - the optimizer to drive
   * @param options - stepSize and gamma
   */
  constructor(optimizer: Optimizer, options: StepLROptions) {
    checkKnownKeys('StepLR', options, ['stepSize', 'gamma']);
    const { stepSize, gamma = 0.1 } = options;
    checkInteger('StepLR', 'stepSize', stepSize, 1);
    checkNumber('StepLR', 'gamma', gamma);
    super('StepLR', optimizer, { stepSize, gamma });
  }

  /** The closed form at `epoch`. */
  override lrAt(baseLr: number, epoch: number): number {
    const { stepSize, gamma } = this.options;
    return baseLr * gamma ** Math.floor(epoch / stepSize);
  }
}
