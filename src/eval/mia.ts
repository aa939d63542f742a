/**
 * MIA-efficacy, as in the unlearning literature (Jia et al., "Model sparsity can simplify machine
 * unlearning", NeurIPS 2023; Fan et al., SalUn, ICLR 2024): a membership-inference attack is trained on
 * the evaluated model's own outputs to tell members (a sample of the retain set Dr) from non-members (the
 * test set T), then applied to the forget set Df. MIA-efficacy is the percentage of Df it calls
 * non-member: how much Df looks unseen. A gold model scores high; the original model low.
 *
 * The attack is a logistic regression on the four {@link attackFeatures} (confidence, entropy, modified
 * entropy, loss), standardised, trained on balanced classes: the larger of the two sets is subsampled
 * (seeded) to the size of the smaller. Deterministic for a seed.
 *
 * @module
 */

import { Random } from '../data/random.js';
import { ATTACK_FEATURES, attackFeatures } from './attackFeatures.js';
import { fitLogisticRegression, predictLogisticRegression } from './logisticRegression.js';
import type { SetOutputs } from './outputs.js';

/** The model's outputs the attack needs. */
export interface MiaInputs {
  /** Members: Dr or a sample of it. */
  members: SetOutputs;
  /** Non-members: T. */
  nonMembers: SetOutputs;
  /** Where the attack is applied: Df. */
  target: SetOutputs;
}

/** What the attack found. */
export interface MiaResult {
  /** Percentage of the target set predicted non-member (P(member) < 0.5). */
  efficacy: number;
  /** Percentage of the balanced training set the attack classifies correctly (how strong it is). */
  attackAccuracy: number;
  /** Training samples per class. */
  samplesPerClass: number;
}

/** Rows `indices` of row-major `rows` of width `d`. */
function pick(rows: Float64Array, d: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * d);
  for (let i = 0; i < indices.length; i++) out.set(rows.subarray(indices[i]! * d, (indices[i]! + 1) * d), i * d);
  return out;
}

/**
 * Trains the attack (members vs non-members) and applies it to the target set.
 *
 * @param seed - seed of the balancing subsample
 * @throws RangeError when the members, non-members or target set are empty
 */
export function miaEfficacy(inputs: MiaInputs, seed: number): MiaResult {
  const d = ATTACK_FEATURES.length;
  const members = attackFeatures(inputs.members);
  const nonMembers = attackFeatures(inputs.nonMembers);
  const target = attackFeatures(inputs.target);
  const nm = inputs.members.labels.length;
  const nn = inputs.nonMembers.labels.length;
  if (nm === 0 || nn === 0 || inputs.target.labels.length === 0) {
    throw new RangeError(
      `miaEfficacy: needs members, non-members and targets (got ${nm}, ${nn}, ${inputs.target.labels.length})`,
    );
  }
  const m = Math.min(nm, nn);
  const random = new Random(seed);
  const memberRows = nm > m ? pick(members, d, random.fork('mia/members').permutation(nm).subarray(0, m)) : members;
  const nonMemberRows =
    nn > m ? pick(nonMembers, d, random.fork('mia/non-members').permutation(nn).subarray(0, m)) : nonMembers;
  const rows = new Float64Array(2 * m * d);
  rows.set(memberRows, 0);
  rows.set(nonMemberRows, m * d);
  const labels = new Uint8Array(2 * m);
  labels.fill(1, 0, m);
  const attack = fitLogisticRegression(rows, labels, d);
  const trainProbability = predictLogisticRegression(attack, rows);
  let right = 0;
  trainProbability.forEach((q, i) => {
    if ((q >= 0.5 ? 1 : 0) === labels[i]) right++;
  });
  const targetProbability = predictLogisticRegression(attack, target);
  let unseen = 0;
  for (const q of targetProbability) if (q < 0.5) unseen++;
  return {
    efficacy: (100 * unseen) / targetProbability.length,
    attackAccuracy: (100 * right) / (2 * m),
    samplesPerClass: m,
  };
}
