/**
 * 2-d convolution layer (torch.nn.Conv2d).
 *
 * @module
 */

import { empty, type Tensor } from '../tensor/index.js';
import { conv2d } from './functional.js';
import { defaultLayerInit_ } from './init.js';
import { type FactoryOptions, Module } from './module.js';
import { checkInt, pair, type Size2 } from './validate.js';

/** Options of {@link Conv2d}. */
export interface Conv2dLayerOptions extends FactoryOptions {
  /** Step of the kernel. Default 1. */
  stride?: Size2;
  /** Implicit zero padding on both sides. Default 0. */
  padding?: Size2;
  /** Spacing between kernel elements. Default 1. */
  dilation?: Size2;
  /** Channel groups; both channel counts must divide by it. Default 1. */
  groups?: number;
  /** Learn an additive per-channel bias. Default true. */
  bias?: boolean;
}

/**
 * Convolution of `[N, inChannels, H, W]` input to `[N, outChannels, H', W']`. Parameters `weight`
 * `[outChannels, inChannels / groups, kH, kW]` and `bias` `[outChannels]`, initialised as PyTorch's
 * (U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = inChannels / groups * kH * kW).
 */
export class Conv2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel height and width. */
  readonly kernelSize: [number, number];
  /** Vertical and horizontal stride. */
  readonly stride: [number, number];
  /** Vertical and horizontal zero padding. */
  readonly padding: [number, number];
  /** Vertical and horizontal dilation. */
  readonly dilation: [number, number];
  /** Channel groups. */
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkInt('Conv2d', 'inChannels', inChannels, 1);
    checkInt('Conv2d', 'outChannels', outChannels, 1);
    checkInt('Conv2d', 'groups', groups, 1);
    if (inChannels % groups !== 0)
      throw new RangeError(`Conv2d: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0)
      throw new RangeError(`Conv2d: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1, 1);
    this.padding = pair('Conv2d', 'padding', options.padding ?? 0, 0);
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1, 1);
    this.groups = groups;
    const dtype = options.dtype ?? 'float32';
    const device = options.device ?? 'cpu';
    this.registerParameter('weight', empty([outChannels, inChannels / groups, ...this.kernelSize], dtype, device));
    if (options.bias ?? true) this.registerParameter('bias', empty([outChannels], dtype, device));
    this.resetParameters();
  }

  /** The `[outChannels, inChannels / groups, kH, kW]` weight. */
  get weight(): Tensor {
    return this.getParameter('weight');
  }

  /** The `[outChannels]` bias, or null when created with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasParameter('bias') ? this.getParameter('bias') : null;
  }

  /** Redraws the parameters from PyTorch's default distribution. */
  resetParameters(): void {
    defaultLayerInit_(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const [kh, kw] = this.kernelSize;
    let text = `${this.inChannels}, ${this.outChannels}, kernel_size=(${kh}, ${kw}), stride=(${this.stride.join(', ')})`;
    if (this.padding.some((p) => p !== 0)) text += `, padding=(${this.padding.join(', ')})`;
    if (this.dilation.some((d) => d !== 1)) text += `, dilation=(${this.dilation.join(', ')})`;
    if (this.groups !== 1) text += `, groups=${this.groups}`;
    if (this.bias === null) text += ', bias=False';
    return text;
  }
}
