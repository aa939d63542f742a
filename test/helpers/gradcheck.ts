/**
 * Finite-difference gradient checking for any differentiable op (torch.autograd.gradcheck's idea):
 * the autograd gradient of `sum(f(x) * u)` for a random upstream `u` must match central differences.
 *
 * @module
 */

import { AssertionError } from 'node:assert/strict';

import { grad, isFloatingPoint, noGrad, type Tensor, tensor, tidy } from '../../src/tensor/index.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Indices of the inputs to differentiate. Default: every floating-point input. */
  wrt?: readonly number[];
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-6. */
  atol?: number;
  /** Relative tolerance (of the numeric gradient). Default 1e-6. */
  rtol?: number;
  /** Seed of the upstream gradient `u` (a JS generator, so libtorch's global one is untouched). Default 1. */
  seed?: number;
}

/** What {@link gradcheck} compared. */
export interface GradcheckResult {
  /** Number of gradient elements compared. */
  checked: number;
  /** Largest |analytic - numeric|. */
  maxAbsError: number;
}

/** Deterministic standard normal samples (mulberry32 + Box-Muller). */
export function normalSamples(count: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) out[k] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/**
 * Checks autograd's gradients of `fn` against central differences, in float64.
 * Throws an AssertionError listing the worst mismatches; returns what was compared otherwise.
 *
 * @param fn - the function under test; it must not draw random numbers (the check calls it many times)
 * @param inputs - its arguments; the ones differentiated must be float64 (a 1e-6 step is noise in float32)
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const wrt = options.wrt ?? inputs.flatMap((input, index) => (isFloatingPoint(input.dtype) ? [index] : []));
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-6;
  for (const index of wrt) {
    const input = inputs[index];
    if (input === undefined) throw new RangeError(`gradcheck: no input ${index}`);
    if (input.dtype !== 'float64')
      throw new TypeError(`gradcheck: input ${index} is ${input.dtype}; differentiated inputs must be float64`);
  }
  return tidy(() => {
    const leaves = inputs.map((input, index) =>
      wrt.includes(index) ? input.detach().clone().requiresGrad_(true) : input,
    );
    const output = fn(...leaves);
    const upstream = tensor(normalSamples(output.numel, options.seed ?? 1), { shape: output.shape, dtype: 'float64' });
    const analytic = grad(
      output.mul(upstream).sum(),
      wrt.map((index) => leaves[index]!),
    ).map((g) => g.toTypedArray() as Float64Array);

    const lossAt = (replaced: number, values: Float64Array): number =>
      tidy(() => {
        const args = inputs.map((input, index) =>
          index === replaced ? tensor(values, { shape: input.shape, dtype: 'float64' }) : input,
        );
        return fn(...args)
          .mul(upstream)
          .sum()
          .item();
      });

    const failures: string[] = [];
    let checked = 0;
    let maxAbsError = 0;
    noGrad(() => {
      wrt.forEach((index, position) => {
        const values = Float64Array.from(inputs[index]!.toTypedArray() as Float64Array);
        const expected = analytic[position]!;
        for (let k = 0; k < values.length; k++) {
          const original = values[k]!;
          values[k] = original + eps;
          const plus = lossAt(index, values);
          values[k] = original - eps;
          const minus = lossAt(index, values);
          values[k] = original;
          const numeric = (plus - minus) / (2 * eps);
          const error = Math.abs(expected[k]! - numeric);
          maxAbsError = Math.max(maxAbsError, error);
          checked += 1;
          if (!(error <= atol + rtol * Math.abs(numeric))) {
            failures.push(
              `input ${index} element ${k}: autograd ${expected[k]}, numeric ${numeric} (|diff| ${error.toExponential(2)})`,
            );
          }
        }
      });
    });
    if (failures.length > 0) {
      throw new AssertionError({
        message: `gradcheck: ${failures.length} of ${checked} gradient elements differ (atol ${atol}, rtol ${rtol}):\n  ${failures.slice(0, 10).join('\n  ')}`,
      });
    }
    return { checked, maxAbsError };
  });
}
