/**
 * Pass-through layer (torch.nn.Identity).
 *
 * @module
 */

import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/** Returns its input unchanged (the same tensor): a placeholder, e.g. to drop a classifier head. */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
