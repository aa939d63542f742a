/**
 * Schedules run one after another (torch.optim.lr_scheduler.SequentialLR), e.g. a warm-up then a decay.
 *
 * @module
 */

import { checkInteger, LRScheduler } from './lrScheduler.js';
import type { Optimizer } from './optimizer.js';
import { checkKnownKeys } from './optimizer.js';

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** The schedules, in order, all built on the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which each schedule after the first takes over (one fewer than schedulers). */
  milestones: readonly number[];
}

/**
 * Runs `schedulers[i]` from `milestones[i - 1]` on, restarting its own epoch count at 0 there (as
 * PyTorch's `scheduler.step(0)` does), all from the same base learning rates. The parts are only used
 * as formulas: step the SequentialLR, not them.
 */
export class SequentialLR extends LRScheduler<SequentialLROptions> {
  /**
   * @param optimizer - the optimizer to drive (the one every part was built on)
   * @param options - the schedules and the milestones between them
   */
  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    checkKnownKeys('SequentialLR', options, ['schedulers', 'milestones']);
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0)
      throw new RangeError('SequentialLR: schedulers must be a non-empty array');
    schedulers.forEach((scheduler: LRScheduler, i) => {
      if (!(scheduler instanceof LRScheduler))
        throw new TypeError(`SequentialLR: schedulers[${i}] is not a learning-rate scheduler`);
      if (scheduler.optimizer !== optimizer)
        throw new RangeError(`SequentialLR: schedulers[${i}] drives a different optimizer`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${JSON.stringify(milestones)}`,
      );
    }
    for (const [i, milestone] of (milestones as unknown[]).entries()) {
      checkInteger('SequentialLR', `milestones[${i}]`, milestone, i === 0 ? 1 : milestones[i - 1]! + 1);
    }
    super('SequentialLR', optimizer, { schedulers: [...schedulers], milestones: [...milestones] });
  }

  /** The active part's closed form, at the epoch counted from its milestone. */
  override lrAt(baseLr: number, epoch: number): number {
    const { schedulers, milestones } = this.options;
    let part = 0;
    while (part < milestones.length && milestones[part]! <= epoch) part++;
    const start = part === 0 ? 0 : milestones[part - 1]!;
    return schedulers[part]!.lrAt(baseLr, epoch - start);
  }
}
