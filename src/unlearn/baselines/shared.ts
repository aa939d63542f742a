/**
 * Helpers shared by the baseline methods: derived seeds, Dr subsamples, frozen copies of Mo, batch
 * streams that pair Dr with Df, relabelling, distillation and per-set accuracy.
 *
 * @module
 */

import type { Batch } from '../../data/batches.js';
import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { SGD } from '../../optim/index.js';
import { noGrad, type Tensor } from '../../tensor/index.js';
import { accuracy, predict } from '../../train/predict.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';

/** A seed for one use (`label`) of the method's randomness, derived from the request's seed. */
export function deriveSeed(seed: number, label: string): number {
  return new Random(seed).fork(label).nextUint32();
}

/**
 * A copy of Mo in eval mode whose parameters do not require grad: the teacher, the attacked model,
 * the reference for Mo's outputs. Mo itself is never put in another mode or touched. Dispose it.
 */
export function frozenCopy(ctx: UnlearnContext): Classifier {
  const copy = cloneClassifier(ctx.original, ctx.architecture);
  copy.eval();
  copy.requiresGrad_(false);
  return copy;
}

/**
 * The retain samples a method trains on: all of Dr for `multiple` 0, else a seeded random sample of
 * `round(multiple * |Df|)` ids (capped at |Dr|). Returns the ids and what share of Dr they are.
 */
export function sampleRetain(
  ctx: UnlearnContext,
  multiple: number,
  label: string,
): { ids: readonly string[]; share: number } {
  const all = ctx.retainIds;
  if (multiple <= 0) return { ids: all, share: 1 };
  const count = Math.min(all.length, Math.max(1, Math.round(multiple * ctx.forgetIds.length)));
  if (count === all.length) return { ids: all, share: 1 };
  const ids = new Random(deriveSeed(ctx.seed, `${label}/retain-sample`)).sample(all, count);
  return { ids, share: count / all.length };
}

/** Same as {@link sampleRetain} over the member set D (Df included), for methods that need D. */
export function sampleMember(ctx: UnlearnContext, multiple: number, label: string): readonly string[] {
  const all = ctx.split.member;
  if (multiple <= 0) return all;
  const count = Math.min(all.length, Math.max(1, Math.round(multiple * ctx.forgetIds.length)));
  return count === all.length ? all : new Random(deriveSeed(ctx.seed, `${label}/member-sample`)).sample(all, count);
}

/** A uniformly random wrong class for each id (seeded), for random-label updates. */
export function randomWrongLabels(ctx: UnlearnContext, ids: readonly string[], label: string): Map<string, number> {
  const numClasses = ctx.architecture.numClasses;
  if (numClasses < 2) throw new RangeError('random wrong labels need at least two classes');
  const random = new Random(deriveSeed(ctx.seed, `${label}/wrong-labels`));
  const out = new Map<string, number>();
  for (const id of ids) {
    const truth = ctx.train.labels[ctx.train.indexOf(id)]!;
    const draw = random.nextInt(numClasses - 1);
    out.set(id, draw >= truth ? draw + 1 : draw);
  }
  return out;
}

/** The batch with the labels of the ids in `labels` replaced (a copy; the others keep theirs). */
export function relabel(batch: Batch, labels: ReadonlyMap<string, number>): Batch {
  const replaced = Int32Array.from(batch.labels);
  for (let i = 0; i < batch.ids.length; i++) {
    const label = labels.get(batch.ids[i]!);
    if (label !== undefined) replaced[i] = label;
  }
  return { ...batch, labels: replaced };
}

/** Accuracy (%) of a model on train-partition ids, in eval mode without gradients. */
export function accuracyOn(ctx: UnlearnContext, model: Classifier, ids: readonly string[]): number {
  return accuracy(predict(model, ctx.train, ids, { normalize: ctx.normalize }));
}

/**
 * Mo's accuracy on the holdout samples of Df's classes, weighted by each class's share of Df: what a
 * model that never saw Df (the gold model) is expected to score on Df. Classes with no holdout sample
 * fall back to Mo's accuracy on all of H.
 */
export function holdoutAccuracyForForgetClasses(
  ctx: UnlearnContext,
  reference: Classifier,
): { target: number; perClass: Record<string, number> } {
  const labelOf = (id: string): number => ctx.train.labels[ctx.train.indexOf(id)]!;
  const forgetCounts = new Map<number, number>();
  for (const id of ctx.forgetIds) forgetCounts.set(labelOf(id), (forgetCounts.get(labelOf(id)) ?? 0) + 1);
  const holdout = ctx.holdoutIds.filter((id) => forgetCounts.has(labelOf(id)));
  const predictions = predict(reference, ctx.train, holdout, { normalize: ctx.normalize });
  const hits = new Map<number, [number, number]>();
  for (let i = 0; i < holdout.length; i++) {
    const label = predictions.labels[i]!;
    const entry = hits.get(label) ?? [0, 0];
    entry[0] += predictions.predicted[i] === label ? 1 : 0;
    entry[1] += 1;
    hits.set(label, entry);
  }
  let overall: number | undefined;
  const perClass: Record<string, number> = {};
  let target = 0;
  for (const [label, count] of forgetCounts) {
    const entry = hits.get(label);
    let acc: number;
    if (entry && entry[1] > 0) {
      acc = (100 * entry[0]) / entry[1];
    } else {
      overall ??= accuracyOn(ctx, reference, ctx.holdoutIds);
      acc = overall;
    }
    perClass[String(label)] = acc;
    target += (acc * count) / ctx.forgetIds.length;
  }
  return { target, perClass };
}

/** Options of {@link randomLabelFineTune}. */
export interface RandomLabelOptions {
  epochs: number;
  retainMultiple: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** Method name, for progress and derived seeds. */
  label: string;
  /**
   * Per-parameter gradient masks (SalUn's saliency), aligned with `model.parameters()`: gradients are
   * multiplied by them before each optimizer step. Absent: every weight is updated.
   */
  masks?: readonly Tensor[];
}

/**
 * Random-label fine-tuning, shared by RL and SalUn: Mu (already a copy of Mo) trains with SGD on Df,
 * each sample relabelled once with a random wrong class, shuffled together with a Dr sample under
 * true labels. Returns what it saw.
 */
export function randomLabelFineTune(
  ctx: UnlearnContext,
  model: Classifier,
  options: RandomLabelOptions,
): Record<string, unknown> {
  const retain = sampleRetain(ctx, options.retainMultiple, options.label);
  const wrong = randomWrongLabels(ctx, ctx.forgetIds, options.label);
  const parameters = model.parameters();
  const masks = options.masks;
  if (masks && masks.length !== parameters.length)
    throw new RangeError(`${options.label}: ${masks.length} masks for ${parameters.length} parameters`);
  const { steps } = fit(model, sgd(model, options), {
    name: options.label,
    epochs: options.epochs,
    batches: sampleBatches(ctx, [...retain.ids, ...ctx.forgetIds], {
      batchSize: options.batchSize,
      seed: deriveSeed(ctx.seed, `${options.label}/order`),
    }),
    loss: (batch) => classificationLoss(model, relabel(batch, wrong)),
    ...(masks
      ? {
          beforeStep: () => {
            for (const [k, parameter] of parameters.entries()) {
              const gradient = parameter.grad;
              if (gradient !== null) noGrad(() => gradient.mul_(masks[k]!));
            }
          },
        }
      : {}),
    progress: ctx.progress,
  });
  return {
    steps,
    retainSamples: retain.ids.length,
    retainShare: retain.share,
    retainSamplesSeen: retain.ids.length * options.epochs,
    forgetSamplesSeen: ctx.forgetIds.length * options.epochs,
  };
}

/** SGD over the model's parameters with the method's learning rate, momentum and weight decay. */
export function sgd(model: Classifier, options: { lr: number; momentum: number; weightDecay?: number }): SGD {
  return new SGD(model.parameters(), {
    lr: options.lr,
    momentum: options.momentum,
    weightDecay: options.weightDecay ?? 0,
  });
}
