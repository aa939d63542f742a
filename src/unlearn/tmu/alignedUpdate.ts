/**
 * Step 5 of TMU: the aligned update. Starting from Mo, fine-tune on a sample of Dr held at Mo's own
 * outputs, the predicted-easy forget samples held at Mo's prediction with a member's confidence taken
 * away, and the predicted-hard ones fitted to a wrong label, so the model gets right what the gold model
 * would and forgets the rest.
 *
 * @module
 */

import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { klDiv, logSoftmax, softmax } from '../../nn/functional.js';
import { SGD } from '../../optim/index.js';
import { crossEntropy, manualSeed, randnLike, tensor } from '../../tensor/index.js';
import { sampleBatches } from '../batches.js';
import type { UnlearnContext } from '../context.js';
import { fit } from '../fit.js';
import { modelOutputs } from './outputs.js';

/** Hyper-parameters of the aligned update. */
export interface AlignedUpdateOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  /** Retain samples per forget sample (a random subset of Dr); 0: all of Dr. */
  retainMultiple: number;
  /**
   * Per predicted-easy id that Mo classifies correctly: the target logits (Mo's logits divided by a
   * temperature). An easy sample without one is fitted to its label.
   */
  easyTargets: ReadonlyMap<string, Float32Array>;
  /** Per forget id, the weight of its loss term (the predictor's confidence in its side). */
  forgetWeights: ReadonlyMap<string, number>;
  seed: number;
}

/** What the update trained on. */
export interface AlignedUpdateReport {
  retainUsed: number;
  retainFraction: number;
  steps: number;
}

/** SGD of the update. */
const UPDATE_MOMENTUM = 0.9;
const UPDATE_WEIGHT_DECAY = 5e-4;
/** Standard deviation of the input noise on easy samples fitted to their label, in normalised units. */
const EASY_NOISE = 0.5;

/**
 * The aligned update, in place on `model` (a copy of Mo): fine-tunes on Dr' ∪ Df_easy ∪ Df_hard, where
 * Dr' is a random sample of Dr distilled towards Mo's outputs, KL(Mo(x) ‖ model(x)), which holds Mo's
 * whole output where the relabelled samples pull the boundaries; Df_easy is distilled towards its
 * softened target (`easyTargets`); and each Df_hard sample is fitted to its wrong label (`hardLabels`).
 * The forget samples' terms are weighted by `forgetWeights`.
 */
export function alignedUpdate(
  ctx: UnlearnContext,
  model: Classifier,
  easyIds: readonly string[],
  hardLabels: ReadonlyMap<string, number>,
  options: AlignedUpdateOptions,
): AlignedUpdateReport {
  const random = new Random(options.seed).fork('tmu/aligned-update');
  const forgetCount = easyIds.length + hardLabels.size;
  const retainCount =
    options.retainMultiple > 0
      ? Math.min(ctx.retainIds.length, Math.round(options.retainMultiple * forgetCount))
      : ctx.retainIds.length;
  const retain =
    retainCount === ctx.retainIds.length
      ? [...ctx.retainIds]
      : random.fork('retain').sample(ctx.retainIds, retainCount);
  const easy = new Set(easyIds);
  // Mo's logits on the retain sample, once: the distillation target does not change during the update.
  const teacher = modelOutputs(ctx.original, ctx.train, retain, ctx.normalize);
  const teacherRow = new Map(retain.map((id, i) => [id, i]));
  const k = ctx.architecture.numClasses;
  manualSeed(random.fork('noise').nextUint32());
  const optimizer = new SGD(model.parameters(), {
    lr: options.lr,
    momentum: UPDATE_MOMENTUM,
    weightDecay: UPDATE_WEIGHT_DECAY,
  });
  const { steps } = fit(model, optimizer, {
    name: 'tmu update',
    epochs: options.epochs,
    batches: sampleBatches(ctx, [...retain, ...easyIds, ...hardLabels.keys()], {
      batchSize: options.batchSize,
      seed: options.seed,
    }),
    loss: (batch) => {
      const n = batch.ids.length;
      const labels = new BigInt64Array(n);
      const noise = new Float32Array(n);
      // Per row, the weight of its cross-entropy term and of its distillation term, and the target of the latter.
      const ceWeight = new Float32Array(n);
      const distillWeight = new Float32Array(n);
      const targetLogits = new Float32Array(n * k);
      batch.ids.forEach((id, i) => {
        const hard = hardLabels.get(id);
        labels[i] = BigInt(hard ?? batch.labels[i]!);
        const easyTarget = easy.has(id) ? options.easyTargets.get(id) : undefined;
        const teacherIndex = teacherRow.get(id);
        if (easyTarget) {
          distillWeight[i] = 1;
          targetLogits.set(easyTarget, i * k);
        } else if (hard === undefined && !easy.has(id) && teacherIndex !== undefined) {
          distillWeight[i] = 1;
          targetLogits.set(teacher.logits.subarray(teacherIndex * k, (teacherIndex + 1) * k), i * k);
        } else {
          ceWeight[i] = 1;
          // An easy sample fitted to its label sees noisy inputs, so it is fitted like an unseen one.
          if (easy.has(id)) noise[i] = EASY_NOISE;
        }
        const weight = options.forgetWeights.get(id);
        if (weight !== undefined) {
          ceWeight[i]! *= weight;
          distillWeight[i]! *= weight;
        }
      });
      let inputs = tensor(batch.inputs, { shape: batch.shape });
      if (noise.some((v) => v > 0)) inputs = inputs.add(randnLike(inputs).mul(tensor(noise, { shape: [n, 1, 1, 1] })));
      const logits = model.forward(inputs);
      const target = softmax(tensor(targetLogits, { shape: [n, k] }), 1);
      return crossEntropy(logits, tensor(labels), null, 'none')
        .mul(tensor(ceWeight))
        .add(klDiv(logSoftmax(logits, 1), target, { reduction: 'none' }).sum([1]).mul(tensor(distillWeight)))
        .mean();
    },
    progress: ctx.progress,
  });
  return { retainUsed: retain.length, retainFraction: retain.length / Math.max(1, ctx.retainIds.length), steps };
}
