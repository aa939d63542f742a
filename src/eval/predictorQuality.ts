/**
 * Quality of TMU's generalisation-label predictor on the real forget set: how well P(easy) and the
 * easy/hard split foretell whether the gold model classifies each Df sample correctly.
 *
 * @module
 */

import { auroc } from '../train/metrics.js';

/** Accuracy (percent) and AUROC (in [0, 1]) of the predictor against Mg's real correctness. */
export interface PredictorQuality {
  /** Percentage of samples where "predicted easy" equals "Mg correct"; NaN for no samples. */
  accuracy: number;
  /** AUROC of P(easy) for Mg-correct samples; NaN when Mg is right on all or none of them. */
  auroc: number;
  /** Samples scored. */
  samples: number;
}

/**
 * Scores the predictor. `include` (1 = scored) leaves out samples the predictor did not decide, such as
 * TMU's bypassed samples of a class forgotten entirely (always hard, which would flatter the accuracy).
 */
export function predictorQuality(
  easyProbability: ArrayLike<number>,
  predictedHard: ArrayLike<number>,
  goldCorrect: ArrayLike<number>,
  include?: ArrayLike<number>,
): PredictorQuality {
  const n = goldCorrect.length;
  if (easyProbability.length !== n || predictedHard.length !== n || (include && include.length !== n)) {
    throw new RangeError(
      `predictorQuality: arrays of different lengths (${easyProbability.length}, ${predictedHard.length}, ${n})`,
    );
  }
  const scores: number[] = [];
  const truth: number[] = [];
  let right = 0;
  for (let i = 0; i < n; i++) {
    if (include && !include[i]) continue;
    const easy = predictedHard[i] ? 0 : 1;
    const correct = goldCorrect[i] ? 1 : 0;
    if (easy === correct) right++;
    scores.push(easyProbability[i]!);
    truth.push(correct);
  }
  const samples = scores.length;
  return { accuracy: samples === 0 ? Number.NaN : (100 * right) / samples, auroc: auroc(scores, truth), samples };
}
