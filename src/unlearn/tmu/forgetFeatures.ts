/**
 * Step 2 of TMU on the real problem: the features of Df under Mo, measured as the twin measured Dt's
 * under Mt, so that the predictor trained on the twin applies.
 *
 * @module
 */

import type { Classifier } from '../../models/classifier.js';
import type { UnlearnContext } from '../context.js';
import {
  adversarialFeature,
  curriculumFeature,
  distanceFeature,
  type FeatureName,
  neighbourhoodFeature,
  type PgdOptions,
} from './features.js';
import { type ModelOutputs, modelOutputs } from './outputs.js';
import type { TwinProblem } from './twin.js';

/** How the real problem's features are computed (the settings the twin used). */
export interface ForgetFeatureOptions {
  /** Same-class neighbours of the distance feature. */
  neighbours: number;
  /** Neighbours of any class of the neighbourhood feature. */
  classNeighbours: number;
  pgd: PgdOptions;
}

/**
 * The raw features of Df, one column per name: the distance and neighbourhood features against Mo's
 * penultimate features of what remains of D (the twin's reference set without Df), the adversarial
 * feature by attacking Mo, the curriculum feature under the curriculum model.
 *
 * @param onForget - Mo's outputs on Df
 */
export function forgetFeatures(
  ctx: UnlearnContext,
  twin: TwinProblem,
  curriculum: Classifier,
  onForget: ModelOutputs,
  names: readonly FeatureName[],
  options: ForgetFeatureOptions,
): Float32Array[] {
  const forget = [...onForget.ids];
  const removed = new Set(forget);
  const keepRows: number[] = [];
  ctx.split.member.forEach((id, i) => {
    if (!removed.has(id)) keepRows.push(i);
  });
  const size = twin.reference.featureSize;
  const referenceFeatures = new Float32Array(keepRows.length * size);
  for (const [i, row] of keepRows.entries()) {
    referenceFeatures.set(twin.reference.features.subarray(row * size, (row + 1) * size), i * size);
  }
  const reference = {
    features: referenceFeatures,
    labels: Int32Array.from(keepRows, (row) => twin.reference.labels[row]!),
  };
  const columns: Record<FeatureName, () => Float32Array> = {
    distance: () => distanceFeature(onForget, reference, size, options.neighbours),
    neighbourhood: () => neighbourhoodFeature(onForget, reference, size, options.classNeighbours),
    adversarial: () => adversarialFeature(ctx.original, ctx.train, forget, ctx.normalize, options.pgd),
    curriculum: () => {
      const out = modelOutputs(curriculum, ctx.train, forget, ctx.normalize);
      return curriculumFeature(out.logits, out.labels, out.numClasses);
    },
  };
  return names.map((name) => columns[name]());
}
