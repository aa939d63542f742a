/**
 * Dropout layer (torch.nn.Dropout).
 *
 * @module
 */

import type { Tensor } from '../tensor/index.js';
import { dropout } from './functional.js';
import { Module } from './module.js';
import { checkRange } from './validate.js';

/**
 * In training mode zeroes each element with probability `p` (from the global generator) and scales
 * the rest by 1 / (1 - p); in evaluation mode returns the input unchanged.
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;

  constructor(p = 0.5) {
    super();
    checkRange('Dropout', 'p', p, 0, 1);
    this.p = p;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
