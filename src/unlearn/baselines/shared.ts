/**
 * Helpers shared by the baseline methods: derived seeds, Dr subsamples, frozen copies of Mo, batch
 * streams that pair Dr with Df, relabelling, distillation and per-set accuracy.
 *
 * @module
 */

import { type Batch, Batches } from '../../data/batches.js';
import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { SGD } from '../../optim/index.js';
import { crossEntropy, klDiv, logSoftmax, noGrad, type Tensor, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { accuracy, predict } from '../../train/predict.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';

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

/**
 * Endless shuffled mini-batches of `ids` (epoch after epoch, each with a fresh order), normalised as
 * Mo was trained: the second stream of methods that pair every Dr batch with a Df batch.
 */
export function* cycleBatches(
  ctx: UnlearnContext,
  ids: readonly string[],
  options: { batchSize: number; seed: number },
): Generator<Batch, never> {
  if (ids.length === 0) throw new RangeError('cycleBatches: no samples');
  const batches = new Batches(ctx.train, ids, {
    batchSize: options.batchSize,
    shuffle: true,
    seed: options.seed,
    normalize: ctx.normalize,
  });
  for (let epoch = 0; ; epoch++) yield* batches.epoch(epoch);
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

/**
 * Distillation loss KL(teacher || student) at temperature T, averaged over the batch and scaled by T^2
 * (Hinton et al.; SCRUB's DistillKL).
 */
export function distillKL(studentLogits: Tensor, teacherLogits: Tensor, temperature: number): Tensor {
  const student = logSoftmax(studentLogits.div(temperature), 1);
  const teacher = logSoftmax(teacherLogits.div(temperature), 1);
  return klDiv(student, teacher, 'batchmean', true).mul(temperature * temperature);
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
  const ids = [...retain.ids, ...ctx.forgetIds];
  const parameters = model.parameters();
  if (options.masks && options.masks.length !== parameters.length)
    throw new RangeError(`${options.label}: ${options.masks.length} masks for ${parameters.length} parameters`);
  model.train();
  const optimizer = new SGD(parameters, {
    lr: options.lr,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
  });
  const seed = deriveSeed(ctx.seed, `${options.label}/order`);
  let steps = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const task = ctx.progress.task(
        `${options.label} epoch ${epoch + 1}/${options.epochs}`,
        batchCount(ids.length, options.batchSize),
      );
      forEachBatch(ctx, ids, { batchSize: options.batchSize, epoch, seed }, (batch) => {
        tidy(() => {
          optimizer.zeroGrad();
          const { inputs, labels } = batchTensors(relabel(batch, wrong));
          crossEntropy(model.forward(inputs), labels).backward();
          if (options.masks) {
            for (let k = 0; k < parameters.length; k++) {
              const gradient = parameters[k]!.grad;
              if (gradient !== null) noGrad(() => gradient.mul_(options.masks![k]!));
            }
          }
          optimizer.step();
        });
        steps++;
        task.tick();
      });
      task.done();
    }
  } finally {
    optimizer.dispose();
  }
  model.eval();
  return {
    steps,
    retainSamples: retain.ids.length,
    retainShare: retain.share,
    retainSamplesSeen: retain.ids.length * options.epochs,
    forgetSamplesSeen: ctx.forgetIds.length * options.epochs,
  };
}
