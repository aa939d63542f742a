import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Runs `fn` with gradient recording off (torch.no_grad), restoring the previous mode afterwards. */
export function noGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/**
 * Runs `fn` in inference mode (torch.inference_mode): like {@link noGrad}, and libtorch also skips
 * autograd's version counters and view tracking, which makes small-batch inference measurably faster.
 * Tensors created inside are inference tensors: they can never take part in autograd later, so use it
 * where the results leave as plain numbers (predictions, metrics), not to precompute training inputs.
 */
export function inferenceMode<T>(fn: () => T): T {
  native.enterInferenceMode();
  try {
    return fn();
  } finally {
    native.exitInferenceMode();
  }
}

/** Whether inference mode is on. */
export function isInferenceMode(): boolean {
  return native.isInferenceMode();
}

/** Runs `fn` with gradient recording on (torch.enable_grad), e.g. for PGD inside an eval loop. */
export function enableGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Whether operations are being recorded for autograd now. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** Options for {@link grad}. */
export interface GradOptions {
  /** Vectors for the vector-Jacobian product, one per output; required for non-scalar outputs. */
  gradOutputs?: readonly Tensor[];
  /** Keep the graph for another backward pass. Default false. */
  retainGraph?: boolean;
  /** Build a graph of the gradient itself (higher-order gradients). Default false. */
  createGraph?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad), returned instead of being
 * accumulated into `.grad`: input gradients for PGD/FGSM leave parameter gradients untouched.
 * An input the outputs do not depend on gets a zero gradient.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): Tensor[] {
  const outputList = outputs instanceof Tensor ? [outputs] : outputs;
  const inputList = inputs instanceof Tensor ? [inputs] : inputs;
  const gradOutputs = options.gradOutputs ?? [];
  if (gradOutputs.length !== 0 && gradOutputs.length !== outputList.length) {
    throw new RangeError(`grad: ${gradOutputs.length} gradOutputs for ${outputList.length} outputs`);
  }
  const handles = native.autogradGrad(
    outputList.map((t) => t.handle),
    inputList.map((t) => t.handle),
    gradOutputs.map((t) => t.handle),
    options.retainGraph ?? false,
    options.createGraph ?? false,
  );
  return handles.map((handle) => Tensor.fromHandle(handle));
}
