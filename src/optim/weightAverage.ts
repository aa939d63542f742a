/**
 * A running uniform average of parameter values: stochastic weight averaging, as PyTorch's
 * `torch.optim.swa_utils.AveragedModel` with its default (equal-weight) average, over a parameter list.
 *
 * @module
 */

import { keep, noGrad, type Tensor, tidy, zerosLike } from '../tensor/index.js';

/**
 * Averages the values a list of parameters takes: call {@link WeightAverage.update} after each optimizer
 * step to add their current values, then {@link WeightAverage.copyTo} to write the mean into them.
 * Buffers (batch-norm statistics) are not parameters and are left to the caller, as in PyTorch, where
 * they are recomputed (`update_bn`) or taken from the last model.
 */
export class WeightAverage {
  readonly #parameters: readonly Tensor[];
  readonly #sums: Tensor[];
  #count = 0;
  #disposed = false;

  constructor(parameters: readonly Tensor[]) {
    this.#parameters = [...parameters];
    this.#sums = tidy(() => this.#parameters.map((parameter) => keep(zerosLike(parameter))));
  }

  /** How many updates the average holds. */
  get count(): number {
    return this.#count;
  }

  /** Adds the parameters' current values to the average. */
  update(): void {
    this.#check();
    noGrad(() => {
      for (const [k, parameter] of this.#parameters.entries()) this.#sums[k]!.add_(parameter);
    });
    this.#count++;
  }

  /** Writes the mean of the added values into the parameters (in place). */
  copyTo(): void {
    this.#check();
    if (this.#count === 0)
      throw new RangeError('WeightAverage.copyTo: nothing was averaged (call update() after each step)');
    const count = this.#count;
    noGrad(() =>
      tidy(() => {
        for (const [k, parameter] of this.#parameters.entries()) parameter.copy_(this.#sums[k]!.div(count));
      }),
    );
  }

  /** Frees the running sums. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const sum of this.#sums) sum.dispose();
  }

  #check(): void {
    if (this.#disposed) throw new Error('WeightAverage: used after dispose()');
  }
}
