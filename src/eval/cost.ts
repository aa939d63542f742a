/**
 * Cost of a method relative to exact unlearning.
 *
 * @module
 */

/**
 * RTE (relative time of execution) = seconds(method) / seconds(retrain), the gold model's training time
 * on the same machine and seed: 1 costs a retrain, 0.05 a twentieth of one. NaN when the retrain time
 * is not positive.
 */
export function relativeTime(seconds: number, retrainSeconds: number): number {
  return retrainSeconds > 0 ? seconds / retrainSeconds : Number.NaN;
}
