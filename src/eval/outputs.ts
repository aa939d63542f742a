/**
 * What evaluation reads of a model: its logits and the true labels on the forget set Df, the retain set
 * Dr and the test set T. Every metric is a pure function of these arrays; {@link collectOutputs} is the
 * one place that runs a model (in `collect.ts`).
 *
 * @module
 */

import { rowCount } from './probabilities.js';

/** A model's outputs on one set of samples. */
export interface SetOutputs {
  /** Sample ids, row order (optional; when present, models are checked to be compared on the same rows). */
  ids?: readonly string[];
  /** True class of each row. */
  labels: Int32Array;
  /** Row-major [n, numClasses] logits. */
  logits: Float32Array;
  numClasses: number;
}

/** A model's outputs on the three sets of an evaluation. */
export interface SplitOutputs {
  /** Df. */
  forget: SetOutputs;
  /**
   * Dr, or a sample of it: the retain accuracy and the members of the MIA attack come from it. A seeded
   * sample of a few thousand is enough; the same ids for every model of a seed.
   */
  retain: SetOutputs;
  /** T: the test accuracy, and the non-members (population) of both MIA attacks. */
  test: SetOutputs;
}

/** The names of the three sets, in report order. */
export const SPLIT_NAMES = ['forget', 'retain', 'test'] as const;
/** One of {@link SPLIT_NAMES}. */
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * Checks that `a` and `b` are outputs on the same rows (count, classes, labels, and ids when both
 * have them), so that row-wise comparisons (agreement, distances) are meaningful.
 *
 * @throws Error naming `what` and the first difference
 */
export function checkSameRows(a: SetOutputs, b: SetOutputs, what: string): void {
  const n = rowCount(a.logits, a.numClasses);
  if (a.labels.length !== n) throw new Error(`${what}: ${a.labels.length} labels for ${n} logit rows`);
  const m = rowCount(b.logits, b.numClasses);
  if (b.labels.length !== m) throw new Error(`${what}: ${b.labels.length} labels for ${m} logit rows`);
  if (n !== m) throw new Error(`${what}: ${n} rows against ${m}`);
  if (a.numClasses !== b.numClasses) throw new Error(`${what}: ${a.numClasses} classes against ${b.numClasses}`);
  for (let i = 0; i < n; i++) {
    if (a.labels[i] !== b.labels[i])
      throw new Error(`${what}: row ${i} has label ${a.labels[i]} against ${b.labels[i]}`);
  }
  if (a.ids && b.ids) {
    for (let i = 0; i < n; i++) {
      if (a.ids[i] !== b.ids[i]) throw new Error(`${what}: row ${i} is ${a.ids[i]} against ${b.ids[i]}`);
    }
  }
}
