/**
 * Step 5 of TMU: the aligned update. Starting from Mo, fine-tune on a sample of Dr held at Mo's own
 * outputs, the predicted-easy forget samples held at Mo's prediction with a member's confidence taken
 * away, the ones Mo already misclassifies held as they are, and the remaining predicted-hard ones fitted
 * to a wrong label, so the model gets right what the gold model would and forgets the rest.
 *
 * @module
 */

import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { klDiv, logSoftmax, softmax } from '../../nn/functional.js';
import { SGD } from '../../optim/index.js';
import { crossEntropy, manualSeed, tensor } from '../../tensor/index.js';
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
  seed: number;
}

/** What the update does with each forget sample. */
export interface UpdateTargets {
  /**
   * The forget samples held where they are: per id, the logits its output is distilled towards (Mo's
   * own, softened for the predicted-easy samples).
   */
  held: ReadonlyMap<string, Float32Array>;
  /** The forget samples to forget: per id, the wrong class it is fitted to. */
  hardLabels: ReadonlyMap<string, number>;
  /** Per forget id, the weight of its loss term (the predictor's confidence in its side; 1 where absent). */
  weights: ReadonlyMap<string, number>;
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

/**
 * The aligned update, in place on `model` (a copy of Mo): fine-tunes on a random sample of Dr distilled
 * towards Mo's outputs, KL(Mo(x) ‖ model(x)), which holds Mo's whole output where the relabelled samples
 * pull the boundaries; the held forget samples distilled towards their targets; and the hard ones
 * fitted to their wrong labels. Nothing is fitted to its true label: the update only forgets.
 */
export function alignedUpdate(
  ctx: UnlearnContext,
  model: Classifier,
  targets: UpdateTargets,
  options: AlignedUpdateOptions,
): AlignedUpdateReport {
  const random = new Random(options.seed).fork('tmu/aligned-update');
  const forgetIds = [...targets.held.keys(), ...targets.hardLabels.keys()];
  for (const id of ctx.forgetIds)
    if (!targets.held.has(id) && !targets.hardLabels.has(id))
      throw new RangeError(`alignedUpdate: forget sample ${id} is neither held nor given a wrong label`);
  for (const [id, weight] of targets.weights)
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new RangeError(`alignedUpdate: the weight of ${id} must be finite and >= 0, got ${weight}`);
  const retainCount =
    options.retainMultiple > 0
      ? Math.min(ctx.retainIds.length, Math.round(options.retainMultiple * forgetIds.length))
      : ctx.retainIds.length;
  const retain =
    retainCount === ctx.retainIds.length
      ? [...ctx.retainIds]
      : random.fork('retain').sample(ctx.retainIds, retainCount);
  // Mo's logits on the retain sample, once: the distillation target does not change during the update.
  const teacher = modelOutputs(ctx.original, ctx.train, retain, ctx.normalize);
  const teacherRow = new Map(retain.map((id, i) => [id, i]));
  const k = ctx.architecture.numClasses;
  manualSeed(random.fork('torch').nextUint32());
  const optimizer = new SGD(model.parameters(), {
    lr: options.lr,
    momentum: UPDATE_MOMENTUM,
    weightDecay: UPDATE_WEIGHT_DECAY,
  });
  const { steps } = fit(model, optimizer, {
    name: 'tmu update',
    epochs: options.epochs,
    batches: sampleBatches(ctx, [...retain, ...forgetIds], { batchSize: options.batchSize, seed: options.seed }),
    loss: (batch) => {
      const n = batch.ids.length;
      const labels = new BigInt64Array(n);
      // Per row, the weight of its cross-entropy term and of its distillation term, and the target of the latter.
      const ceWeight = new Float32Array(n);
      const distillWeight = new Float32Array(n);
      const targetLogits = new Float32Array(n * k);
      batch.ids.forEach((id, i) => {
        const hard = targets.hardLabels.get(id);
        labels[i] = BigInt(hard ?? batch.labels[i]!);
        const held = targets.held.get(id);
        const teacherIndex = teacherRow.get(id);
        const weight = targets.weights.get(id) ?? 1;
        if (hard !== undefined) ceWeight[i] = weight;
        else if (held) {
          distillWeight[i] = weight;
          targetLogits.set(held, i * k);
        } else {
          distillWeight[i] = 1;
          targetLogits.set(teacher.logits.subarray(teacherIndex! * k, (teacherIndex! + 1) * k), i * k);
        }
      });
      const logits = model.forward(tensor(batch.inputs, { shape: batch.shape }));
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
