/**
 * Fully connected layer (torch.nn.Linear).
 *
 * @module
 */

import { empty, type Tensor } from '../tensor/index.js';
import { linear } from './functional.js';
import { defaultLayerInit_ } from './init.js';
import { type FactoryOptions, Module } from './module.js';
import { checkInt } from './validate.js';

/** Options of {@link Linear}. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias. Default true. */
  bias?: boolean;
}

/**
 * `y = x W^T + b` over the last dimension: `[..., inFeatures]` to `[..., outFeatures]`.
 * Parameters `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, initialised as PyTorch's
 * (U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)) for both).
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkInt('Linear', 'inFeatures', inFeatures, 0);
    checkInt('Linear', 'outFeatures', outFeatures, 0);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    const device = options.device ?? 'cpu';
    this.registerParameter('weight', empty([outFeatures, inFeatures], dtype, device));
    if (options.bias ?? true) this.registerParameter('bias', empty([outFeatures], dtype, device));
    this.resetParameters();
  }

  /** The `[outFeatures, inFeatures]` weight. */
  get weight(): Tensor {
    return this.getParameter('weight');
  }

  /** The `[outFeatures]` bias, or null when created with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasParameter('bias') ? this.getParameter('bias') : null;
  }

  /** Redraws the parameters from PyTorch's default distribution. */
  resetParameters(): void {
    defaultLayerInit_(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}
