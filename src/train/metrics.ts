/**
 * Rank metrics over scores and binary labels, shared by the methods (a predictor's held-out quality)
 * and the evaluation (attacks, predictor quality against the gold model).
 *
 * @module
 */

/** Area under the ROC curve of `scores` for the binary `labels` (ties averaged); NaN with one class. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`auroc: ${n} scores for ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++)
      if (labels[order[i]!]) {
        positives++;
        rankSum += averageRank;
      }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
