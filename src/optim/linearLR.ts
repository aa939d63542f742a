/**
 * Linear ramp of the learning rate, typically a warm-up (torch.optim.lr_scheduler.LinearLR).
 *
 * @module
 */

import { checkInteger, LRScheduler } from './lrScheduler.js';
import type { Optimizer } from './optimizer.js';
import { checkKnownKeys } from './optimizer.js';

/** Options of {@link LinearLR}; the defaults are PyTorch's. */
export interface LinearLROptions {
  /** Factor of the base lr at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor reached at `totalIters` and kept after, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the ramp. Default 5. */
  totalIters?: number;
}

/** `lr(e) = base * (startFactor + (endFactor - startFactor) * min(e, totalIters) / totalIters)`. */
export class LinearLR extends LRScheduler<Required<LinearLROptions>> {
  /**
   * @param optimizer - the optimizer to drive
   * @param options - startFactor, endFactor and totalIters
   */
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    checkKnownKeys('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    // PyTorch's bounds: a zero start factor would make the warm-up's first epoch a no-op.
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${String(startFactor)}`);
    }
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) {
      throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${String(endFactor)}`);
    }
    checkInteger('LinearLR', 'totalIters', totalIters, 1);
    super('LinearLR', optimizer, { startFactor, endFactor, totalIters });
  }

  /** The closed form at `epoch`. */
  override lrAt(baseLr: number, epoch: number): number {
    const { startFactor, endFactor, totalIters } = this.options;
    return baseLr * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, epoch)) / totalIters);
  }
}
