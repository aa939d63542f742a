/**
 * Flattening layer (torch.nn.Flatten).
 *
 * @module
 */

import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';
import { checkInt } from './validate.js';

/** Merges dimensions `startDim..endDim` into one; the default keeps the batch dimension: `[N, ...]` to `[N, -1]`. */
export class Flatten extends Module {
  /** First dimension merged. */
  readonly startDim: number;
  /** Last dimension merged (negative counts from the end). */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    checkInt('Flatten', 'startDim', startDim);
    checkInt('Flatten', 'endDim', endDim);
    this.startDim = startDim;
    this.endDim = endDim;
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
