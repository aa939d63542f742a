/**
 * Batch normalisation over the channels of image batches (torch.nn.BatchNorm2d).
 *
 * @module
 */

import { noGrad, ones, type Tensor, zeros } from '../tensor/index.js';
import { batchNorm } from './functional.js';
import { ones_, zeros_ } from './init.js';
import { type FactoryOptions, Module } from './module.js';
import { checkInt, checkPositive, checkRange } from './validate.js';

/** Options of {@link BatchNorm2d}. */
export interface BatchNorm2dOptions extends FactoryOptions {
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
  /**
   * Weight of each batch's statistics in the running averages. Default 0.1. `null` gives the
   * cumulative average (each batch weighted 1 / num_batches_tracked), as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` and shift `bias`. Default true. */
  affine?: boolean;
  /**
   * Keep running statistics (buffers `running_mean`, `running_var`, `num_batches_tracked`) for
   * evaluation. Default true; without them batch statistics are used in both modes.
   */
  trackRunningStats?: boolean;
}

/**
 * Normalises each channel of `[N, C, H, W]` input to zero mean and unit variance, then scales and
 * shifts it. In training mode it uses the batch's statistics and updates the running ones in place
 * (the variance update uses the unbiased batch variance) and increments `num_batches_tracked`;
 * in evaluation mode it uses the running statistics.
 */
export class BatchNorm2d extends Module {
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Running-average weight of each batch; null for the cumulative average. */
  readonly momentum: number | null;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    checkInt('BatchNorm2d', 'numFeatures', numFeatures, 1);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    checkPositive('BatchNorm2d', 'eps', this.eps);
    if (this.momentum !== null) checkRange('BatchNorm2d', 'momentum', this.momentum, 0, 1);
    const dtype = options.dtype ?? 'float32';
    const device = options.device ?? 'cpu';
    // Registration order gives PyTorch's state-dict order: weight, bias, running_mean, running_var, num_batches_tracked.
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures], dtype, device));
      this.registerParameter('bias', zeros([numFeatures], dtype, device));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], dtype, device));
      this.registerBuffer('running_var', ones([numFeatures], dtype, device));
      this.registerBuffer('num_batches_tracked', zeros([], 'int64', device));
    }
  }

  /** The per-channel scale (gamma), or null without `affine`. */
  get weight(): Tensor | null {
    return this.hasParameter('weight') ? this.getParameter('weight') : null;
  }

  /** The per-channel shift (beta), or null without `affine`. */
  get bias(): Tensor | null {
    return this.hasParameter('bias') ? this.getParameter('bias') : null;
  }

  /** The running mean, or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.hasBuffer('running_mean') ? this.getBuffer('running_mean') : null;
  }

  /** The running (unbiased) variance, or null without `trackRunningStats`. */
  get runningVar(): Tensor | null {
    return this.hasBuffer('running_var') ? this.getBuffer('running_var') : null;
  }

  /** How many training batches updated the running statistics (int64 scalar), or null. */
  get numBatchesTracked(): Tensor | null {
    return this.hasBuffer('num_batches_tracked') ? this.getBuffer('num_batches_tracked') : null;
  }

  /** Resets the running statistics to mean 0, variance 1, and the batch count to 0. */
  resetRunningStats(): void {
    const [mean, variance, count] = [this.runningMean, this.runningVar, this.numBatchesTracked];
    if (mean !== null) zeros_(mean);
    if (variance !== null) ones_(variance);
    if (count !== null) zeros_(count);
  }

  /** Resets the running statistics, and the affine parameters to weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    const [weight, bias] = [this.weight, this.bias];
    if (weight !== null) ones_(weight);
    if (bias !== null) zeros_(bias);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 4)
      throw new RangeError(`BatchNorm2d: expected 4D input [N, C, H, W], got ${x.ndim}D input [${x.shape.join(', ')}]`);
    if (x.size(1) !== this.numFeatures) {
      throw new RangeError(`BatchNorm2d: expected ${this.numFeatures} channels, got input [${x.shape.join(', ')}]`);
    }
    return this.normalize(x);
  }

  /** Normalises over every dimension but the second (the features), updating the running statistics in training. */
  protected normalize(x: Tensor): Tensor {
    const [runningMean, runningVar, count] = [this.runningMean, this.runningVar, this.numBatchesTracked];
    let momentum = this.momentum ?? 0;
    if (this.training && count !== null) {
      noGrad(() => count.add_(1));
      if (this.momentum === null) momentum = 1 / count.item();
    }
    // Without running statistics there is nothing to evaluate with: batch statistics in both modes.
    const useBatchStats = this.training || runningMean === null;
    return batchNorm(x, runningMean, runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}
