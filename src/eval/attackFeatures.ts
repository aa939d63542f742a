/**
 * What a black-box membership-inference attack sees of a model on a sample: four scores of its output
 * distribution p = softmax(z) and the true class y. Members (training samples) tend to have high
 * confidence, low entropy and low loss.
 *
 * @module
 */

import type { SetOutputs } from './outputs.js';
import { crossEntropyRows, softmaxRows } from './probabilities.js';

/** Names of the attack features, in column order. */
export const ATTACK_FEATURES = ['confidence', 'entropy', 'modifiedEntropy', 'loss'] as const;

/** Floor inside logarithms (as in Song and Mittal's code), so that log(0) stays finite. */
const LOG_FLOOR = 1e-30;

function safeLog(x: number): number {
  return Math.log(Math.max(x, LOG_FLOOR));
}

/**
 * Attack features of each row, row-major [n, 4] in {@link ATTACK_FEATURES} order:
 * - confidence p_y;
 * - entropy −Σ_i p_i log p_i;
 * - modified entropy −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i) (Song and Mittal, "Systematic
 *   evaluation of privacy risks of machine learning models", USENIX Security 2021), which, unlike the
 *   entropy, is low only for confident *correct* predictions;
 * - loss −log p_y (cross-entropy, from the logits).
 */
export function attackFeatures(outputs: SetOutputs): Float64Array {
  const k = outputs.numClasses;
  const p = softmaxRows(outputs.logits, k);
  const loss = crossEntropyRows(outputs.logits, outputs.labels, k);
  const n = outputs.labels.length;
  const out = new Float64Array(n * ATTACK_FEATURES.length);
  for (let i = 0; i < n; i++) {
    const y = outputs.labels[i]!;
    const row = i * k;
    const py = p[row + y]!;
    let entropy = 0;
    let modified = -(1 - py) * safeLog(py);
    for (let j = 0; j < k; j++) {
      const pj = p[row + j]!;
      entropy -= pj * safeLog(pj);
      if (j !== y) modified -= pj * safeLog(1 - pj);
    }
    out.set([py, entropy, modified, loss[i]!], i * ATTACK_FEATURES.length);
  }
  return out;
}
