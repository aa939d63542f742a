/**
 * Helpers shared by the optimizer tests: PyTorch fixture loading, tensors from fixture data, and
 * closeness checks.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { type Tensor, tensor } from '../../src/tensor/index.js';

/** A tensor as the fixture generator writes it. */
export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64';
  data: number[];
}

/** One optimizer step of a fixture: the gradients set, then the parameters and state after step(). */
export interface OptimizerFixtureStep {
  grads: Record<string, FixtureTensor>;
  params: Record<string, FixtureTensor>;
  state: Record<string, Record<string, FixtureTensor>>;
}

/** An optimizer fixture (`sgd_*`, `adam*`): hyper-parameters in PyTorch's names, start values, steps. */
export interface OptimizerFixture {
  op: string;
  params: Record<string, number | boolean | number[]>;
  inputs: Record<string, FixtureTensor>;
  steps: OptimizerFixtureStep[];
}

/** A learning-rate schedule fixture (`lr_*`). */
export interface ScheduleFixture {
  params: Record<string, number | string>;
  outputs: { lr: FixtureTensor; lr_closed_form?: FixtureTensor };
}

// Tests run from dist/test/optim; the fixtures stay in the source tree.
const FIXTURES = new URL('../../../test/fixtures/torch/', import.meta.url);

/**
 * Reads `test/fixtures/torch/<name>.json`.
 *
 * @param name - file name without `.json`
 */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as T;
}

/**
 * A tensor with a fixture tensor's exact values (float32 data widened to doubles narrows back exactly).
 *
 * @param t - the fixture tensor
 * @param requiresGrad - whether the tensor is a parameter
 */
export function fromFixture(t: FixtureTensor, requiresGrad = false): Tensor {
  const data = t.dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data);
  return tensor(data, { shape: t.shape, requiresGrad });
}

/**
 * Asserts that every element of `actual` is within `tolerance` of `expected`, absolutely plus
 * relatively (`|a - e| <= tol + tol * |e|`), naming the first element that is not.
 *
 * @param actual - values computed here
 * @param expected - reference values
 * @param tolerance - absolute and relative tolerance
 * @param what - what is compared, for the message
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(
      Math.abs(a - e) <= tolerance + tolerance * Math.abs(e),
      `${what}[${i}]: ${a} differs from ${e} by more than ${tolerance}`,
    );
  }
}

/**
 * Asserts two tensors hold bit-identical values.
 *
 * @param actual - one tensor
 * @param expected - the other
 * @param what - what is compared, for the message
 */
export function assertBitIdentical(actual: Tensor, expected: Tensor, what: string): void {
  const bytes = (t: Tensor): Uint8Array => {
    const data = t.toTypedArray();
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  assert.deepEqual(bytes(actual), bytes(expected), `${what}: values differ`);
}
