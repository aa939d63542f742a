/**
 * Per-sample alignment with the gold model on Df: does Mu predict what Mg predicts?
 *
 * All three are percentages; NaN when the set they average over is empty.
 *
 * @module
 */

function checkLengths(...arrays: ArrayLike<number>[]): number {
  const n = arrays[0]!.length;
  for (const array of arrays)
    if (array.length !== n) throw new RangeError(`agreement: arrays of ${n} and ${array.length} rows`);
  return n;
}

/** Agreement = percentage of Df where argmax Mu = argmax Mg. */
export function agreement(unlearned: Int32Array, gold: Int32Array): number {
  const n = checkLengths(unlearned, gold);
  if (n === 0) return Number.NaN;
  let same = 0;
  for (let i = 0; i < n; i++) if (unlearned[i] === gold[i]) same++;
  return (100 * same) / n;
}

/** Easy-recall = percentage of the Df samples Mg gets right that Mu gets right too. */
export function easyRecall(labels: Int32Array, unlearned: Int32Array, gold: Int32Array): number {
  const n = checkLengths(labels, unlearned, gold);
  let easy = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (gold[i] !== labels[i]) continue;
    easy++;
    if (unlearned[i] === labels[i]) kept++;
  }
  return easy === 0 ? Number.NaN : (100 * kept) / easy;
}

/** Hard-forget = percentage of the Df samples Mg gets wrong that Mu gets wrong too (any wrong class). */
export function hardForget(labels: Int32Array, unlearned: Int32Array, gold: Int32Array): number {
  const n = checkLengths(labels, unlearned, gold);
  let hard = 0;
  let forgotten = 0;
  for (let i = 0; i < n; i++) {
    if (gold[i] === labels[i]) continue;
    hard++;
    if (unlearned[i] !== labels[i]) forgotten++;
  }
  return hard === 0 ? Number.NaN : (100 * forgotten) / hard;
}
