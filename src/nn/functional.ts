/**
 * The functional neural-network API, as torch.nn.functional: stateless layers and losses with
 * PyTorch's defaults and option objects in place of keyword arguments. Options are validated here,
 * the computation is libtorch's (the generated tensor ops), so results and gradients are PyTorch's.
 *
 * Import it as a namespace, like `F` in PyTorch: `import * as F from 'tmu/nn/functional'` or
 * `nn.functional` from the nn index (its names overlap the tensor ops).
 *
 * @module
 */

import type { Reduction, Tensor } from '../tensor/index.js';
import * as ops from '../tensor/index.js';
import { checkInt, checkPositive, checkRange, checkReduction, pair, type Size2 } from './validate.js';

export type { Size2 } from './validate.js';

/** `input @ weight^T + bias` (torch.nn.functional.linear). `weight` is `[out, in]`. */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return ops.linear(input, weight, bias);
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step of the kernel. Default 1. */
  stride?: Size2;
  /** Implicit zero padding on both sides. Default 0. */
  padding?: Size2;
  /** Spacing between kernel elements. Default 1. */
  dilation?: Size2;
  /** Number of channel groups; in and out channels must divide by it. Default 1. */
  groups?: number;
}

/**
 * 2-d convolution (torch.nn.functional.conv2d) of `[N, Cin, H, W]` (or unbatched `[Cin, H, W]`) input
 * with a `[Cout, Cin / groups, kH, kW]` weight and optional `[Cout]` bias.
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const groups = options.groups ?? 1;
  checkInt('conv2d', 'groups', groups, 1);
  return ops.conv2d(
    input,
    weight,
    bias,
    pair('conv2d', 'stride', options.stride ?? 1, 1),
    pair('conv2d', 'padding', options.padding ?? 0, 0),
    pair('conv2d', 'dilation', options.dilation ?? 1, 1),
    groups,
  );
}

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Step of the window. Default: the kernel size. */
  stride?: Size2;
  /** Implicit -infinity padding on both sides, at most half the kernel. Default 0. */
  padding?: Size2;
  /** Spacing between window elements. Default 1. */
  dilation?: Size2;
  /** Round the output size up instead of down. Default false. */
  ceilMode?: boolean;
}

/** 2-d max pooling (torch.nn.functional.max_pool2d). */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const kernel = pair('maxPool2d', 'kernelSize', kernelSize, 1);
  return ops.maxPool2d(
    input,
    kernel,
    options.stride === undefined ? kernel : pair('maxPool2d', 'stride', options.stride, 1),
    pair('maxPool2d', 'padding', options.padding ?? 0, 0),
    pair('maxPool2d', 'dilation', options.dilation ?? 1, 1),
    options.ceilMode ?? false,
  );
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** Step of the window. Default: the kernel size. */
  stride?: Size2;
  /** Implicit zero padding on both sides, at most half the kernel. Default 0. */
  padding?: Size2;
  /** Round the output size up instead of down. Default false. */
  ceilMode?: boolean;
  /** Count padded zeros in the average's denominator. Default true (PyTorch's default). */
  countIncludePad?: boolean;
}

/** 2-d average pooling (torch.nn.functional.avg_pool2d). */
export function avgPool2d(input: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const kernel = pair('avgPool2d', 'kernelSize', kernelSize, 1);
  return ops.avgPool2d(
    input,
    kernel,
    options.stride === undefined ? kernel : pair('avgPool2d', 'stride', options.stride, 1),
    pair('avgPool2d', 'padding', options.padding ?? 0, 0),
    options.ceilMode ?? false,
    options.countIncludePad ?? true,
  );
}

/** Adaptive 2-d average pooling to a fixed output size (torch.nn.functional.adaptive_avg_pool2d). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Size2): Tensor {
  return ops.adaptiveAvgPool2d(input, pair('adaptiveAvgPool2d', 'outputSize', outputSize, 1));
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Per-channel scale (gamma). Default none. */
  weight?: Tensor | null;
  /** Per-channel shift (beta). Default none. */
  bias?: Tensor | null;
  /** Normalise with batch statistics (and update the running ones) instead of the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch statistics in the running-average update. Default 0.1. */
  momentum?: number;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

/**
 * Batch normalisation over dimension 1 (torch.nn.functional.batch_norm). In training mode the batch
 * statistics are used and, when given, `runningMean` / `runningVar` are updated in place
 * (`running = (1 - momentum) * running + momentum * batch`, with the unbiased batch variance).
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  checkRange('batchNorm', 'momentum', momentum, 0, 1);
  checkPositive('batchNorm', 'eps', eps);
  if (!training && (runningMean === null || runningVar === null)) {
    throw new TypeError('batchNorm: evaluation mode (training false) needs runningMean and runningVar');
  }
  if (training) {
    // One value per channel has zero variance: the normalised output would be all zeros (PyTorch refuses too).
    const shape = input.shape;
    const perChannel = shape.reduce((product, size, dim) => (dim === 1 ? product : product * size), 1);
    if (perChannel === 1)
      throw new RangeError(
        `batchNorm: expected more than 1 value per channel when training, got input [${shape.join(', ')}]`,
      );
  }
  return ops.batchNorm(
    input,
    runningMean,
    runningVar,
    options.weight ?? null,
    options.bias ?? null,
    training,
    momentum,
    eps,
  );
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element. Default 0.5. */
  p?: number;
  /** Apply dropout (scaling survivors by 1 / (1 - p)); when false the input is returned as is. Default true. */
  training?: boolean;
}

/** Dropout (torch.nn.functional.dropout), drawing from the global generator. */
export function dropout(input: Tensor, options: DropoutOptions = {}): Tensor {
  const p = options.p ?? 0.5;
  checkRange('dropout', 'p', p, 0, 1);
  return ops.dropout(input, p, options.training ?? true);
}

/** max(x, 0). */
export function relu(input: Tensor): Tensor {
  return ops.relu(input);
}

/** x for x >= 0, negativeSlope * x otherwise (torch.nn.functional.leaky_relu). */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  if (!Number.isFinite(negativeSlope))
    throw new RangeError(`leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  return ops.leakyRelu(input, negativeSlope);
}

/** 1 / (1 + exp(-x)). */
export function sigmoid(input: Tensor): Tensor {
  return ops.sigmoid(input);
}

/** Hyperbolic tangent. */
export function tanh(input: Tensor): Tensor {
  return ops.tanh(input);
}

/** Softmax along `dim` (negative counts from the end). */
export function softmax(input: Tensor, dim: number): Tensor {
  checkInt('softmax', 'dim', dim);
  return ops.softmax(input, dim);
}

/** Log-softmax along `dim`, computed stably (not log(softmax(x))). */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  checkInt('logSoftmax', 'dim', dim);
  return ops.logSoftmax(input, dim);
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Per-class weights `[C]`. Default none. */
  weight?: Tensor | null;
  /** `mean` (default; weighted mean when `weight` is given), `sum` or `none`. */
  reduction?: Reduction;
  /** Target class whose samples are skipped (class-index targets only). Default -100. */
  ignoreIndex?: number;
  /** Mix the target with the uniform distribution by this amount, in [0, 1]. Default 0. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `[N, C, ...]` and int64 class indices `[N, ...]` or class probabilities
 * shaped like the logits (torch.nn.functional.cross_entropy).
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const labelSmoothing = options.labelSmoothing ?? 0;
  checkReduction('crossEntropy', reduction);
  checkInt('crossEntropy', 'ignoreIndex', ignoreIndex);
  checkRange('crossEntropy', 'labelSmoothing', labelSmoothing, 0, 1);
  return ops.crossEntropy(input, target, options.weight ?? null, reduction, ignoreIndex, labelSmoothing);
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions {
  /** Per-class weights `[C]`. Default none. */
  weight?: Tensor | null;
  /** `mean` (default; weighted mean when `weight` is given), `sum` or `none`. */
  reduction?: Reduction;
  /** Target class whose samples are skipped. Default -100. */
  ignoreIndex?: number;
}

/** Negative log-likelihood of log-probabilities `[N, C, ...]` at int64 targets (torch.nn.functional.nll_loss). */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkReduction('nllLoss', reduction);
  checkInt('nllLoss', 'ignoreIndex', ignoreIndex);
  return ops.nllLoss(input, target, options.weight ?? null, reduction, ignoreIndex);
}

/** How {@link klDiv} reduces: `batchmean` divides the sum by the batch size (the true KL per sample). */
export type KlDivReduction = Reduction | 'batchmean';

/** Options of {@link klDiv}. */
export interface KlDivOptions {
  /**
   * `mean` (PyTorch's default: the mean over all elements, which is not the KL divergence),
   * `batchmean` (sum / batch size: the KL divergence per sample), `sum` or `none`.
   */
  reduction?: KlDivReduction;
  /** The target is given as log-probabilities. Default false. */
  logTarget?: boolean;
}

/**
 * KL(target || input) with `input` given as log-probabilities (torch.nn.functional.kl_div):
 * pointwise `target * (log(target) - input)`.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('klDiv', reduction, ['none', 'mean', 'sum', 'batchmean']);
  return ops.klDiv(input, target, reduction, options.logTarget ?? false);
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions {
  /** Per-element weights, broadcast to the input. Default none. */
  weight?: Tensor | null;
  /** Weight of the positive term, per class (broadcast along the last dimension). Default none. */
  posWeight?: Tensor | null;
  /** `mean` (default), `sum` or `none`. */
  reduction?: Reduction;
}

/**
 * Binary cross-entropy of logits against targets in [0, 1], computed stably from the logits
 * (torch.nn.functional.binary_cross_entropy_with_logits).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('binaryCrossEntropyWithLogits', reduction);
  return ops.binaryCrossEntropyWithLogits(input, target, options.weight ?? null, options.posWeight ?? null, reduction);
}

/** Options of {@link mseLoss}. */
export interface MseLossOptions {
  /** `mean` (default), `sum` or `none`. */
  reduction?: Reduction;
}

/** Squared error (torch.nn.functional.mse_loss). */
export function mseLoss(input: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  return ops.mseLoss(input, target, reduction);
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Norm exponent. Default 2. */
  p?: number;
  /** Dimension along which vectors are normalised. Default 1. */
  dim?: number;
  /** Lower bound of the norm, avoiding division by zero. Default 1e-12. */
  eps?: number;
}

/** `x / max(||x||_p, eps)` along `dim` (torch.nn.functional.normalize). */
export function normalize(input: Tensor, options: NormalizeOptions = {}): Tensor {
  const p = options.p ?? 2;
  const dim = options.dim ?? 1;
  const eps = options.eps ?? 1e-12;
  checkPositive('normalize', 'p', p);
  checkInt('normalize', 'dim', dim);
  checkPositive('normalize', 'eps', eps);
  return ops.normalize(input, p, dim, eps);
}

/** Options of {@link cdist}. */
export interface CdistOptions {
  /** Norm exponent, >= 0. Default 2. */
  p?: number;
}

/** Pairwise p-norm distances between the rows of `x1` `[..., P, M]` and `x2` `[..., R, M]` (torch.cdist): `[..., P, R]`. */
export function cdist(x1: Tensor, x2: Tensor, options: CdistOptions = {}): Tensor {
  const p = options.p ?? 2;
  checkRange('cdist', 'p', p, 0, Infinity);
  return ops.cdist(x1, x2, p);
}
