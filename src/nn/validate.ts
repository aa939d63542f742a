/**
 * Argument checks shared by the functional API and the layers, so a bad option fails in TypeScript
 * with a message naming the function and the option, before it reaches libtorch.
 *
 * @module
 */

import type { Reduction } from '../tensor/index.js';

/** A size or a per-dimension pair of sizes, as PyTorch's `_pair` arguments. */
export type Size2 = number | readonly [number, number];

const REDUCTIONS: readonly Reduction[] = ['none', 'mean', 'sum'];

/** Checks a loss reduction name. */
export function checkReduction(caller: string, reduction: string, allowed: readonly string[] = REDUCTIONS): void {
  if (!allowed.includes(reduction)) {
    throw new RangeError(
      `${caller}: reduction must be one of ${allowed.map((name) => `'${name}'`).join(', ')}, got '${reduction}'`,
    );
  }
}

/** Checks that `value` is a finite number within [min, max]. */
export function checkRange(caller: string, option: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new RangeError(`${caller}: ${option} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Checks that `value` is a finite number greater than 0. */
export function checkPositive(caller: string, option: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${caller}: ${option} must be a positive number, got ${String(value)}`);
  }
}

/** Checks an integer option (`min`, when given, is the smallest allowed value). */
export function checkInt(caller: string, option: string, value: number, min?: number): void {
  if (!Number.isInteger(value) || (min !== undefined && value < min)) {
    const what = min === undefined ? 'an integer' : `an integer >= ${min}`;
    throw new RangeError(`${caller}: ${option} must be ${what}, got ${String(value)}`);
  }
}

/** Expands a size or pair to a pair of integers >= `min`. */
export function pair(caller: string, option: string, value: Size2, min: number): [number, number] {
  const values: readonly number[] = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(values) || values.length !== 2 || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new RangeError(
      `${caller}: ${option} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`,
    );
  }
  return [values[0]!, values[1]!];
}
