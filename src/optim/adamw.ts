/**
 * AdamW: Adam with decoupled weight decay (torch.optim.AdamW, Loshchilov & Hutter).
 *
 * @module
 */

import { Adam } from './adam.js';

/**
 * torch.optim.AdamW (without amsgrad): before the Adam update each parameter shrinks by
 * `p *= 1 - lr * weightDecay` instead of the decay being added to the gradient, so the decay is not
 * rescaled by the adaptive denominator. Options as {@link Adam}, with weightDecay defaulting to 0.01.
 */
export class AdamW extends Adam {
  /** The name recorded in state dicts. */
  static override readonly optimizerName: string = 'AdamW';
  /** PyTorch's AdamW default. */
  static override readonly defaultWeightDecay: number = 0.01;
  /** The decoupled rule. */
  static override readonly decoupledWeightDecay: boolean = true;
}
