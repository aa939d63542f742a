/**
 * Softened targets for the predicted-easy forget samples (`easyLoss=distill`): Mo's own output divided
 * by a temperature T, so the update keeps Mo's prediction on a sample the gold model would still get
 * right while lowering its confidence to that of a sample Mo never trained on.
 *
 * @module
 */

import { argmaxRow, type ModelOutputs, maxSoftmaxRow } from './outputs.js';

/** Mean largest softmax probability of `logits / temperature` over `rows` of a [n, k] matrix. */
export function meanConfidence(logits: Float32Array, k: number, rows: readonly number[], temperature: number): number {
  if (rows.length === 0) return Number.NaN;
  let sum = 0;
  for (const row of rows) sum += maxSoftmaxRow(logits, k, row, temperature);
  return sum / rows.length;
}

/**
 * The temperature T >= 1 at which the mean confidence over `rows` falls to `target` (bisection: the
 * confidence decreases as T grows). T = 1 when the rows are no more confident than the target already,
 * `maxTemperature` when even it leaves them above.
 */
export function temperatureForConfidence(
  logits: Float32Array,
  k: number,
  rows: readonly number[],
  target: number,
  maxTemperature = 100,
): number {
  if (!(target > 0 && target <= 1))
    throw new RangeError(`temperatureForConfidence: target must be in (0, 1], got ${target}`);
  if (rows.length === 0 || meanConfidence(logits, k, rows, 1) <= target) return 1;
  if (meanConfidence(logits, k, rows, maxTemperature) >= target) return maxTemperature;
  let low = 1;
  let high = maxTemperature;
  for (let step = 0; step < 50; step++) {
    const middle = (low + high) / 2;
    if (meanConfidence(logits, k, rows, middle) > target) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The targets of the predicted-easy samples and the temperature used for each class. */
export interface EasyTargets {
  /** Per easy id that Mo classifies correctly: its logits divided by its class's temperature. */
  targets: Map<string, Float32Array>;
  temperatureByClass: Map<number, number>;
}

/**
 * Targets for the easy samples at `easyRows` of Mo's outputs on Df. `temperature` is a fixed T, or
 * `holdout`: per class c, the T at which Mo's mean confidence on the class's easy samples equals its mean
 * confidence on the samples of H of class c it gets right (`holdoutConfidenceByClass`, from the twin).
 * Samples Mo gets wrong are left out (their output is no target).
 */
export function easyTargets(
  onForget: ModelOutputs,
  easyRows: readonly number[],
  temperature: number | 'holdout',
  holdoutConfidenceByClass: readonly number[],
): EasyTargets {
  const k = onForget.numClasses;
  const right = easyRows.filter((row) => argmaxRow(onForget.logits, k, row) === onForget.labels[row]);
  const byClass = new Map<number, number[]>();
  for (const row of right) {
    const label = onForget.labels[row]!;
    const rows = byClass.get(label) ?? [];
    rows.push(row);
    byClass.set(label, rows);
  }
  const temperatureByClass = new Map<number, number>();
  for (const [label, rows] of byClass) {
    const target = holdoutConfidenceByClass[label];
    temperatureByClass.set(
      label,
      temperature !== 'holdout'
        ? temperature
        : target === undefined || Number.isNaN(target)
          ? 1
          : temperatureForConfidence(onForget.logits, k, rows, target),
    );
  }
  const targets = new Map<string, Float32Array>();
  for (const row of right) {
    const t = temperatureByClass.get(onForget.labels[row]!)!;
    targets.set(
      onForget.ids[row]!,
      Float32Array.from(onForget.logits.subarray(row * k, (row + 1) * k), (value) => value / t),
    );
  }
  return { targets, temperatureByClass };
}
