/**
 * The learning-rate scheduler base (torch.optim.lr_scheduler.LRScheduler): epoch counting, writing each
 * param group's `lr`, and state dicts. Each schedule is a closed form of (base lr, epoch).
 *
 * @module
 */

import type { Optimizer } from './optimizer.js';

/** A scheduler's state, JSON-able, for a training checkpoint. */
export interface LRSchedulerStateJson {
  /** Which schedule wrote it; loading checks it. */
  scheduler: string;
  /** Number of step() calls since construction (0 right after construction). */
  lastEpoch: number;
  /** Each group's base learning rate. */
  baseLrs: number[];
  /** Each group's learning rate as last set. */
  lastLr: number[];
}

/**
 * Checks that a schedule option is an integer no less than `min`.
 *
 * @param where - who is checking, for the message
 * @param name - the option's name
 * @param value - its value
 * @param min - the smallest value allowed
 */
export function checkInteger(where: string, name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/**
 * Base of the learning-rate schedules. Like PyTorch's, a scheduler takes its first step on
 * construction (epoch 0's learning rate applies at once), then `step()` once per epoch after the
 * optimizer's steps for that epoch. Unlike PyTorch's recursive updates, every schedule is computed in
 * closed form from the group's base learning rate, so a schedule never drifts and resuming from a
 * state dict gives exactly the same values. One scheduler drives an optimizer at a time (chaining two
 * on one optimizer is not supported; combine them with SequentialLR).
 *
 * @typeParam O - the schedule's options, resolved
 */
export abstract class LRScheduler<O extends object = object> {
  /** Schedule name, recorded in state dicts. */
  readonly name: string;
  /** The optimizer whose param groups' `lr` this scheduler writes. */
  readonly optimizer: Optimizer;
  /** The schedule's options, with defaults filled in. */
  readonly options: Readonly<O>;

  #lastEpoch = -1;
  #baseLrs: number[];
  #lastLr: number[] = [];

  /**
   * @param name - the schedule's name
   * @param optimizer - the optimizer to drive
   * @param options - the schedule's validated options
   */
  protected constructor(name: string, optimizer: Optimizer, options: O) {
    this.name = name;
    this.optimizer = optimizer;
    this.options = Object.freeze(options);
    // The first scheduler records each group's starting lr; later ones (e.g. the parts of a
    // SequentialLR, built after the first has changed lr) must start from the same base.
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.#baseLrs = optimizer.paramGroups.map((group) => group.initialLr!);
    this.step();
  }

  /**
   * The learning rate this schedule gives at `epoch` for a group whose base learning rate is `baseLr`.
   *
   * @param baseLr - the group's base learning rate
   * @param epoch - the epoch (0 at construction)
   */
  abstract lrAt(baseLr: number, epoch: number): number;

  /** Advances one epoch and sets every param group's learning rate for it. */
  step(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.#baseLrs.length) {
      throw new RangeError(
        `${this.name}: the optimizer has ${groups.length} param groups, the scheduler was built for ${this.#baseLrs.length}`,
      );
    }
    const epoch = this.#lastEpoch + 1;
    const lrs = this.#baseLrs.map((base) => this.lrAt(base, epoch));
    groups.forEach((group, g) => {
      group.lr = lrs[g]!;
    });
    this.#lastEpoch = epoch;
    this.#lastLr = lrs;
  }

  /** Number of step() calls since construction: the current epoch (0 right after construction). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** Each group's base learning rate. */
  get baseLrs(): number[] {
    return [...this.#baseLrs];
  }

  /** Each group's learning rate as this scheduler last set it (torch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /** The scheduler's state. Options are not included: they come from the constructor (the recipe). */
  stateDict(): LRSchedulerStateJson {
    return { scheduler: this.name, lastEpoch: this.#lastEpoch, baseLrs: [...this.#baseLrs], lastLr: [...this.#lastLr] };
  }

  /**
   * Restores the epoch and learning rates from {@link LRScheduler.stateDict} output. The optimizer's
   * learning rates are not touched: they come back with the optimizer's own state dict.
   *
   * @param state - the state to restore
   */
  loadStateDict(state: LRSchedulerStateJson): void {
    const where = `${this.name}.loadStateDict`;
    if (state.scheduler !== this.name)
      throw new TypeError(`${where}: the state was written by ${state.scheduler}, not ${this.name}`);
    checkInteger(where, 'lastEpoch', state.lastEpoch, 0);
    const groups = this.optimizer.paramGroups.length;
    for (const key of ['baseLrs', 'lastLr'] as const) {
      const values: unknown = state[key];
      if (
        !Array.isArray(values) ||
        values.length !== groups ||
        !values.every((v) => typeof v === 'number' && Number.isFinite(v))
      ) {
        throw new RangeError(
          `${where}: ${key} must hold ${groups} finite numbers (one per param group), got ${JSON.stringify(values)}`,
        );
      }
    }
    this.#lastEpoch = state.lastEpoch;
    this.#baseLrs = [...state.baseLrs];
    this.#lastLr = [...state.lastLr];
  }
}
