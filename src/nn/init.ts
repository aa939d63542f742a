/**
 * Weight initialisation, as torch.nn.init: in-place fills that record no gradient, with PyTorch's fan
 * and gain conventions, so that a model initialised here is distributed exactly like PyTorch's (and,
 * drawing from the same libtorch generator in the same order, equal to it under the same seed).
 *
 * @module
 */

import { noGrad, type Tensor } from '../tensor/index.js';

/** Non-linearities {@link calculateGain} knows (torch.nn.init.calculate_gain's names). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Which fan Kaiming initialisation preserves the variance of. */
export type FanMode = 'fan_in' | 'fan_out';

/** Fan-in and fan-out of a weight tensor. */
export interface Fans {
  /** Inputs feeding one output unit: `shape[1]` times the receptive-field size. */
  fanIn: number;
  /** Outputs one input unit feeds: `shape[0]` times the receptive-field size. */
  fanOut: number;
}

/**
 * Fan-in and fan-out as torch.nn.init._calculate_fan_in_and_fan_out: for a `[out, in, ...kernel]`
 * weight, `fanIn = in * prod(kernel)` and `fanOut = out * prod(kernel)`.
 *
 * @throws RangeError for tensors with fewer than 2 dimensions
 */
export function calculateFanInAndFanOut(tensor: Tensor): Fans {
  const shape = tensor.shape;
  if (shape.length < 2) {
    throw new RangeError(
      `fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [${shape.join(', ')}])`,
    );
  }
  const receptiveField = shape.slice(2).reduce((product, size) => product * size, 1);
  return { fanIn: shape[1]! * receptiveField, fanOut: shape[0]! * receptiveField };
}

/**
 * The recommended gain for a non-linearity (torch.nn.init.calculate_gain): 1 for linear, conv and
 * sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu, 3/4 for selu.
 *
 * @param param - leaky_relu's negative slope (default 0.01)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope))
        throw new RangeError(`calculateGain: negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** Options for {@link kaimingUniform_} and {@link kaimingNormal_}. */
export interface KaimingOptions {
  /** Negative slope of the leaky_relu that follows (only with `nonlinearity: 'leaky_relu'`). Default 0. */
  a?: number;
  /** Preserve the variance of the forward (`fan_in`, default) or backward (`fan_out`) pass. */
  mode?: FanMode;
  /** The non-linearity that follows. Default `leaky_relu` (PyTorch's default). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, options: KaimingOptions, caller: string): number {
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out')
    throw new RangeError(`${caller}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const fans = calculateFanInAndFanOut(tensor);
  const fan = mode === 'fan_in' ? fans.fanIn : fans.fanOut;
  // An empty tensor has nothing to fill; PyTorch warns and returns it unchanged.
  if (fan === 0) return 0;
  return calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
}

/** Fills with U(a, b) in place. Returns the tensor. */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  if (!(a <= b)) throw new RangeError(`uniform_: need a <= b, got a=${a}, b=${b}`);
  return noGrad(() => tensor.uniform_(a, b));
}

/** Fills with N(mean, std^2) in place. Returns the tensor. */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be >= 0, got ${std}`);
  return noGrad(() => tensor.normal_(mean, std));
}

/** Fills with a constant in place. Returns the tensor. */
export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value));
}

/** Fills with zeros in place. Returns the tensor. */
export function zeros_(tensor: Tensor): Tensor {
  return noGrad(() => tensor.zero_());
}

/** Fills with ones in place. Returns the tensor. */
export function ones_(tensor: Tensor): Tensor {
  return noGrad(() => tensor.fill_(1));
}

/**
 * He initialisation, uniform (torch.nn.init.kaiming_uniform_): U(-bound, bound) with
 * `bound = gain * sqrt(3 / fan)`. Returns the tensor.
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(tensor, options, 'kaimingUniform_');
  return noGrad(() => tensor.uniform_(-bound, bound));
}

/** He initialisation, normal (torch.nn.init.kaiming_normal_): N(0, gain^2 / fan). Returns the tensor. */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(tensor, options, 'kaimingNormal_');
  return noGrad(() => tensor.normal_(0, std));
}

/**
 * Glorot initialisation, uniform (torch.nn.init.xavier_uniform_): U(-a, a) with
 * `a = gain * sqrt(6 / (fanIn + fanOut))`. Returns the tensor.
 */
export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const bound = fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(6 / (fanIn + fanOut));
  return noGrad(() => tensor.uniform_(-bound, bound));
}

/** Glorot initialisation, normal (torch.nn.init.xavier_normal_): N(0, 2 gain^2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(2 / (fanIn + fanOut));
  return noGrad(() => tensor.normal_(0, std));
}

/**
 * PyTorch's default initialisation of a Linear or Conv weight and bias (their `reset_parameters`):
 * weight from kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), then the bias from
 * the same bound. The order (weight first) matches PyTorch's draws from the generator.
 */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias === null) return;
  const { fanIn } = calculateFanInAndFanOut(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  uniform_(bias, -bound, bound);
}
