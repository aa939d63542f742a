import type { UnlearnContext } from '../context.js';
import {
  adversarialFeature,
  curriculumFeature,
  distanceFeature,
  type FeatureName,
  neighbourhoodFeature,
  type PgdOptions,
} from './features.js';
import type { ModelOutputs } from './outputs.js';
import { modelOutputs } from './outputs.js';
import type { TwinProblem } from './twin.js';

/** How the real problem's features are computed (the same settings the twin used). */
export interface ForgetFeatureOptions {
  /** Same-class neighbours of the distance feature. */
  neighbours: number;
  /** Neighbours of any class of the neighbourhood feature. */
  classNeighbours: number;
  pgd: PgdOptions;
}

/**
 * The features of the real problem, Df under Mo, for the features named: the distance and neighbourhood
 * features against Mo's penultimate features of what remains of D (Dr, stored with the twin), the
 * adversarial feature by attacking Mo, the curriculum feature under the twin's curriculum model. These
 * are the twin's features with Mt and Dt replaced by Mo and Df.
 *
 * @param onForget - Mo's outputs on Df (`modelOutputs(ctx.original, ..., ctx.forgetIds)`)
 */
export function forgetFeatures(
  ctx: UnlearnContext,
  twin: TwinProblem,
  onForget: ModelOutputs,
  names: readonly FeatureName[],
  options: ForgetFeatureOptions,
): Float32Array[] {
  const forget = [...onForget.ids];
  const removed = new Set(forget);
  const keepRows: number[] = [];
  twin.originalFeatures.ids.forEach((id, i) => {
    if (!removed.has(id)) keepRows.push(i);
  });
  const size = twin.originalFeatures.featureSize;
  const referenceFeatures = new Float32Array(keepRows.length * size);
  for (const [i, row] of keepRows.entries()) {
    referenceFeatures.set(twin.originalFeatures.features.subarray(row * size, (row + 1) * size), i * size);
  }
  const reference = {
    features: referenceFeatures,
    labels: Int32Array.from(keepRows, (row) => twin.originalFeatures.labels[row]!),
  };
  const columns: Record<FeatureName, () => Float32Array> = {
    distance: () => distanceFeature(onForget, reference, size, options.neighbours),
    neighbourhood: () => neighbourhoodFeature(onForget, reference, size, options.classNeighbours),
    adversarial: () => adversarialFeature(ctx.original, ctx.train, forget, ctx.normalize, options.pgd),
    curriculum: () => {
      const out = modelOutputs(twin.curriculum, ctx.train, forget, ctx.normalize);
      return curriculumFeature(out.logits, out.labels, out.numClasses);
    },
  };
  return names.map((name) => columns[name]());
}
