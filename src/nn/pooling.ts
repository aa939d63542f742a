/**
 * 2-d pooling layers (torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d).
 *
 * @module
 */

import type { Tensor } from '../tensor/index.js';
import { type AvgPool2dOptions, adaptiveAvgPool2d, avgPool2d, type MaxPool2dOptions, maxPool2d } from './functional.js';
import { Module } from './module.js';
import { pair, type Size2 } from './validate.js';

/** Maximum over `kernelSize` windows; stride defaults to the kernel size. */
export class MaxPool2d extends Module {
  /** Window height and width. */
  readonly kernelSize: [number, number];
  /** Vertical and horizontal stride. */
  readonly stride: [number, number];
  /** Vertical and horizontal padding. */
  readonly padding: [number, number];
  /** Vertical and horizontal dilation. */
  readonly dilation: [number, number];
  /** Whether output sizes round up. */
  readonly ceilMode: boolean;

  constructor(kernelSize: Size2, options: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = pair('MaxPool2d', 'kernelSize', kernelSize, 1);
    this.stride = options.stride === undefined ? this.kernelSize : pair('MaxPool2d', 'stride', options.stride, 1);
    this.padding = pair('MaxPool2d', 'padding', options.padding ?? 0, 0);
    this.dilation = pair('MaxPool2d', 'dilation', options.dilation ?? 1, 1);
    this.ceilMode = options.ceilMode ?? false;
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }

  override extraRepr(): string {
    return `kernel_size=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')}), padding=(${this.padding.join(', ')})`;
  }
}

/** Mean over `kernelSize` windows; stride defaults to the kernel size, padding counts as zeros by default. */
export class AvgPool2d extends Module {
  /** Window height and width. */
  readonly kernelSize: [number, number];
  /** Vertical and horizontal stride. */
  readonly stride: [number, number];
  /** Vertical and horizontal padding. */
  readonly padding: [number, number];
  /** Whether output sizes round up. */
  readonly ceilMode: boolean;
  /** Whether padded zeros count in the denominator. */
  readonly countIncludePad: boolean;

  constructor(kernelSize: Size2, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = pair('AvgPool2d', 'kernelSize', kernelSize, 1);
    this.stride = options.stride === undefined ? this.kernelSize : pair('AvgPool2d', 'stride', options.stride, 1);
    this.padding = pair('AvgPool2d', 'padding', options.padding ?? 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernel_size=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')}), padding=(${this.padding.join(', ')})`;
  }
}

/** Mean pooling to a fixed output size, whatever the input size (e.g. 1 x 1 global pooling). */
export class AdaptiveAvgPool2d extends Module {
  /** Output height and width. */
  readonly outputSize: [number, number];

  constructor(outputSize: Size2) {
    super();
    this.outputSize = pair('AdaptiveAvgPool2d', 'outputSize', outputSize, 1);
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=(${this.outputSize.join(', ')})`;
  }
}
