/**
 * Step 1 of TMU: the twin unlearning problem, whose gold answer is known. Mo plays the twin's gold model
 * (it never saw the twin-forget set Dt, drawn from the holdout H), and Mt = Mo fine-tuned on Dt plays
 * the twin's original model. Each x in Dt then has a known generalisation label g(x) = [Mo(x) = y], and
 * the features of Dt computed with Mt are the predictor's training data.
 *
 * @module
 */

import { join } from 'node:path';
import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { loadSafetensors, saveSafetensors } from '../../nn/safetensors.js';
import { SGD } from '../../optim/index.js';
import { dispose, manualSeed, type Tensor, tensor } from '../../tensor/index.js';
import { sampleBatches } from '../batches.js';
import type { EntryCodec } from '../cache.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { fit } from '../fit.js';
import { classificationLoss } from '../losses.js';
import {
  adversarialFeature,
  curriculumFeature,
  distanceFeature,
  FEATURE_NAMES,
  type FeatureColumns,
  neighbourhoodFeature,
} from './features.js';
import { correctness, type ModelOutputs, maxSoftmaxRow, modelOutputs } from './outputs.js';

/** How the twin problem is built. */
export interface TwinOptions {
  /** Twin-forget samples drawn from the holdout per class (capped by what H holds). */
  perClass: number;
  /** Fine-tuning of Mo into Mt, on Dt plus `retainMultiple` x |Dt| members of D. */
  epochs: number;
  lr: number;
  retainMultiple: number;
  /** PGD of the adversarial feature, in [0, 1] pixel units. */
  pgdEps: number;
  pgdSteps: number;
  /** Same-class neighbours of the distance feature. */
  neighbours: number;
  /** Neighbours (of any class) of the neighbourhood feature. */
  classNeighbours: number;
  seed: number;
}

/** The twin's fine-tuning: SGD at this momentum and weight decay, in batches of this size. */
const TWIN_MOMENTUM = 0.9;
const TWIN_WEIGHT_DECAY = 5e-4;
const TWIN_BATCH_SIZE = 64;

/**
 * The twin problem. It depends on Mo and H only, so it is built once per original model (TMU's prepare
 * step) and reused by every deletion request.
 */
export interface TwinProblem {
  /** Dt, drawn from H, stratified by class. */
  ids: string[];
  labels: Int32Array;
  /** g(x) = [Mo(x) = y] on Dt: 1 = easy (a model that never trained on x still gets it right). */
  generalisation: Uint8Array;
  /** Raw features of Dt in the twin problem (Mt and the curriculum model). */
  features: FeatureColumns;
  /** 1 - acc(Mo, H of class c): the share a gold model gets wrong, per class (NaN where H has none). */
  hardRateByClass: number[];
  /**
   * Mo's mean confidence (largest softmax probability) on the samples of H of class c it classifies
   * correctly: how sure Mo is of a sample it gets right by generalisation (NaN where there are none).
   */
  holdoutConfidenceByClass: number[];
  /**
   * Mo's penultimate features over D (split.member order): the reference set the real problem's distance
   * and neighbourhood features are measured against, once Df is taken out.
   */
  reference: { labels: Int32Array; features: Float32Array; featureSize: number };
}

/** Draws Dt: up to `perClass` holdout samples of each class, stratified so every class is covered. */
function drawTwinIds(ctx: UnlearnContext, perClass: number, random: Random): string[] {
  const byClass = new Map<number, string[]>();
  for (const id of ctx.holdoutIds) {
    const label = ctx.train.labels[ctx.train.indexOf(id)]!;
    const list = byClass.get(label) ?? [];
    list.push(id);
    byClass.set(label, list);
  }
  const ids: string[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(label)!;
    ids.push(...random.fork(`twin/class/${label}`).sample(list, Math.min(perClass, list.length)));
  }
  return ids;
}

/** The share of wrong predictions per class (NaN for a class without samples). */
export function errorRateByClass(right: Uint8Array, labels: ArrayLike<number>, numClasses: number): number[] {
  const wrong = new Array<number>(numClasses).fill(0);
  const total = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    total[label]!++;
    if (!right[i]) wrong[label]!++;
  }
  return total.map((count, c) => (count > 0 ? wrong[c]! / count : Number.NaN));
}

/** Mean largest softmax probability per class over the samples marked in `select` (NaN for none). */
export function confidenceByClass(outputs: ModelOutputs, select: Uint8Array, numClasses: number): number[] {
  const sum = new Array<number>(numClasses).fill(0);
  const count = new Array<number>(numClasses).fill(0);
  const k = outputs.numClasses;
  for (let i = 0; i < outputs.ids.length; i++) {
    if (!select[i]) continue;
    const label = outputs.labels[i]!;
    sum[label]! += maxSoftmaxRow(outputs.logits, k, i);
    count[label]!++;
  }
  return sum.map((value, c) => (count[c]! > 0 ? value / count[c]! : Number.NaN));
}

/** Mo fine-tuned on Dt ∪ (a sample of D): the twin's original model, which has memorised Dt. */
function fineTuneTwin(
  ctx: UnlearnContext,
  twinIds: readonly string[],
  options: TwinOptions,
  random: Random,
): Classifier {
  const model = cloneClassifier(ctx.original, ctx.architecture);
  const memberSample = random
    .fork('twin/members')
    .sample(
      [...ctx.split.member],
      Math.min(ctx.split.member.length, Math.round(options.retainMultiple * twinIds.length)),
    );
  // Seeds layers that draw random numbers while training (dropout), so the twin is the same in every process.
  manualSeed(random.fork('twin/torch').nextUint32());
  const optimizer = new SGD(model.parameters(), {
    lr: options.lr,
    momentum: TWIN_MOMENTUM,
    weightDecay: TWIN_WEIGHT_DECAY,
  });
  fit(model, optimizer, {
    name: 'tmu twin',
    epochs: options.epochs,
    batches: sampleBatches(ctx, [...twinIds, ...memberSample], { batchSize: TWIN_BATCH_SIZE, seed: options.seed }),
    loss: (batch) => classificationLoss(model, batch),
    progress: ctx.progress,
  });
  return model;
}

/**
 * Builds the twin problem for Mo: draws Dt from H, fine-tunes Mt, and computes Dt's features in the twin
 * problem (with Mt, and with `curriculum`, the early-epoch model of Mo's training run).
 */
export function buildTwin(ctx: UnlearnContext, options: TwinOptions, curriculum: Classifier): TwinProblem {
  const random = new Random(options.seed).fork('tmu/twin');
  const ids = drawTwinIds(ctx, options.perClass, random);
  if (ids.length < 20)
    throw new Error(
      `tmu: the holdout set has only ${ids.length} samples; the twin problem needs a holdout (train the model with a holdout split)`,
    );
  const twinModel = fineTuneTwin(ctx, ids, options, random);
  try {
    const task = ctx.progress.task('tmu twin features', 5);
    // The twin's gold model is Mo: its correctness on Dt is the generalisation label. Dt is drawn from
    // H, so one pass of Mo over H gives both g(Dt) and the per-class hard rates.
    const originalOnHoldout = modelOutputs(ctx.original, ctx.train, ctx.holdoutIds, ctx.normalize);
    const holdoutRight = correctness(originalOnHoldout);
    const holdoutRow = new Map(ctx.holdoutIds.map((id, i) => [id, i]));
    const labels = Int32Array.from(ids, (id) => originalOnHoldout.labels[holdoutRow.get(id)!]!);
    const generalisation = Uint8Array.from(ids, (id) => holdoutRight[holdoutRow.get(id)!]!);
    task.tick();
    const twinOnTwin = modelOutputs(twinModel, ctx.train, ids, ctx.normalize);
    const twinOnMembers = modelOutputs(twinModel, ctx.train, ctx.split.member, ctx.normalize);
    task.tick();
    const distance = distanceFeature(twinOnTwin, twinOnMembers, twinOnTwin.featureSize, options.neighbours);
    const neighbourhood = neighbourhoodFeature(
      twinOnTwin,
      twinOnMembers,
      twinOnTwin.featureSize,
      options.classNeighbours,
    );
    const pgd = { eps: options.pgdEps, steps: options.pgdSteps, stepSize: options.pgdEps / 3 };
    const adversarial = adversarialFeature(twinModel, ctx.train, ids, ctx.normalize, pgd);
    task.tick();
    const curriculumOnTwin = modelOutputs(curriculum, ctx.train, ids, ctx.normalize);
    const curriculumValues = curriculumFeature(
      curriculumOnTwin.logits,
      curriculumOnTwin.labels,
      curriculumOnTwin.numClasses,
    );
    task.tick();
    const originalOnMembers = modelOutputs(ctx.original, ctx.train, ctx.split.member, ctx.normalize);
    task.done();
    return {
      ids,
      labels,
      generalisation,
      features: { distance, adversarial, curriculum: curriculumValues, neighbourhood },
      // Mo's error on all of H, not only on Dt: the same quantity with a fifth of the sampling error.
      hardRateByClass: errorRateByClass(holdoutRight, originalOnHoldout.labels, ctx.train.numClasses),
      holdoutConfidenceByClass: confidenceByClass(originalOnHoldout, holdoutRight, ctx.train.numClasses),
      reference: {
        labels: originalOnMembers.labels,
        features: originalOnMembers.features,
        featureSize: originalOnMembers.featureSize,
      },
    };
  } finally {
    twinModel.dispose();
  }
}

/** The twin's overall hard rate: the share of Dt that Mo (the twin's gold model) gets wrong. */
export function twinHardRate(generalisation: Uint8Array): number {
  if (generalisation.length === 0) return 0;
  return generalisation.reduce((wrong, g) => wrong + (g ? 0 : 1), 0) / generalisation.length;
}

interface TwinMeta {
  ids: string[];
  generalisation: number[];
  hardRateByClass: (number | null)[];
  holdoutConfidenceByClass: (number | null)[];
}

const nullable = (values: number[]): (number | null)[] => values.map((value) => (Number.isNaN(value) ? null : value));
const numeric = (values: (number | null)[]): number[] => values.map((value) => value ?? Number.NaN);

/** How a twin problem is stored in the preparation cache: its arrays as safetensors, the rest as meta. */
export function twinCodec(build: () => TwinProblem): EntryCodec<TwinProblem> {
  return {
    build,
    write(twin, dir) {
      const tensors = new Map<string, Tensor>([
        ['twin.labels', tensor(twin.labels)],
        ...FEATURE_NAMES.map((name) => [`twin.${name}`, tensor(twin.features[name])] as [string, Tensor]),
        ['reference.labels', tensor(twin.reference.labels)],
        [
          'reference.features',
          tensor(twin.reference.features, { shape: [twin.reference.labels.length, twin.reference.featureSize] }),
        ],
      ]);
      try {
        saveSafetensors(join(dir, 'twin.safetensors'), tensors, {});
      } finally {
        dispose([...tensors.values()]);
      }
      const meta: TwinMeta = {
        ids: twin.ids,
        generalisation: Array.from(twin.generalisation),
        hardRateByClass: nullable(twin.hardRateByClass),
        holdoutConfidenceByClass: nullable(twin.holdoutConfidenceByClass),
      };
      return meta;
    },
    read(dir, stored) {
      const meta = stored as TwinMeta;
      const path = join(dir, 'twin.safetensors');
      const { tensors } = loadSafetensors(path);
      try {
        const get = (name: string): Tensor => {
          const value = tensors.get(name);
          if (!value) throw new Error(`${path}: missing tensor ${name}`);
          return value;
        };
        const float32 = (name: string): Float32Array => get(name).toTypedArray() as Float32Array;
        const reference = get('reference.features');
        return {
          ids: meta.ids,
          labels: get('twin.labels').toTypedArray() as Int32Array,
          generalisation: Uint8Array.from(meta.generalisation),
          features: Object.fromEntries(FEATURE_NAMES.map((name) => [name, float32(`twin.${name}`)])) as FeatureColumns,
          hardRateByClass: numeric(meta.hardRateByClass),
          holdoutConfidenceByClass: numeric(meta.holdoutConfidenceByClass),
          reference: {
            labels: get('reference.labels').toTypedArray() as Int32Array,
            features: reference.toTypedArray() as Float32Array,
            featureSize: reference.size(1),
          },
        };
      } finally {
        dispose([...tensors.values()]);
      }
    },
  };
}
