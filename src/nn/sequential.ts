/**
 * A chain of modules (torch.nn.Sequential).
 *
 * @module
 */

import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/**
 * Applies its modules in order. They are registered as children named "0", "1", ... like PyTorch's,
 * so a Sequential's state-dict keys (`"0.weight"`, `"1.running_mean"`) match the PyTorch model's.
 */
export class Sequential extends Module {
  // The children registry is the single source of truth, so replacing child "1" through
  // registerModule changes what forward runs, as assigning seq[1] does in PyTorch.
  #length = 0;

  constructor(...modules: Module[]) {
    super();
    for (const module of modules) this.append(module);
  }

  /** Adds a module at the end (named by its index). Returns this Sequential. */
  append(module: Module): this {
    this.registerModule(String(this.#length), module);
    this.#length += 1;
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.#length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const position = index < 0 ? this.#length + index : index;
    if (!Number.isInteger(position) || position < 0 || position >= this.#length) {
      throw new RangeError(`Sequential: index ${index} out of range for ${this.#length} modules`);
    }
    return this.getSubmodule(String(position));
  }

  /** Iterates over the modules in order. */
  *[Symbol.iterator](): IterableIterator<Module> {
    for (let index = 0; index < this.#length; index++) yield this.getSubmodule(String(index));
  }

  override forward(x: Tensor): Tensor {
    let out = x;
    for (const module of this) out = module.call(out);
    return out;
  }
}
