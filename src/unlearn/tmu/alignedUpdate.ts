import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { klDiv, logSoftmax, softmax } from '../../nn/functional.js';
import { SGD, WeightAverage } from '../../optim/index.js';
import {
  crossEntropy,
  keep,
  manualSeed,
  maxDim,
  noGrad,
  randnLike,
  type Tensor,
  tensor,
  tidy,
} from '../../tensor/index.js';
import { predict } from '../../train/predict.js';
import { batchCount, forEachBatch } from '../batches.js';
import type { UnlearnContext } from '../context.js';
import { modelOutputs } from './outputs.js';
import { sampleRetain } from './retainSample.js';

/** Hyper-parameters of the aligned update. */
export interface AlignedUpdateOptions {
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** Retain samples per forget sample (a random subset of Dr); 0 or less: all of Dr. */
  retainMultiple: number;
  /** Standard deviation of the Gaussian noise on predicted-easy inputs, in normalised input units. */
  easyNoise: number;
  /**
   * Which model to return: `last`, the model after the final step; `split`, of the models after every
   * `checkEvery` steps, the one whose right/wrong pattern on Df best matches the predicted split (easy
   * right, hard wrong). The split is the update's only target, so it is also its stopping rule.
   */
  select: 'last' | 'split';
  /** Steps between checks (with `select: 'split'` or `stop: 'share'`). */
  checkEvery: number;
  /**
   * When the update stops: `epochs`, after `epochs` epochs; `share`, at the first check where the share
   * of Df the model gets wrong (clean inputs) reaches the predicted hard share, or after `epochs` epochs.
   * The hard share is the predictor's estimate of the gold model's error on Df, so this aims the update's
   * strength at it whatever the request: an update that over-forgets stops early, one that under-forgets
   * runs its epochs.
   */
  stop: 'epochs' | 'share';
  /**
   * The weights returned with `select: 'last'`: `none`, the final step's; `tail`, the mean of the weights
   * after every step of the last epoch (stochastic weight averaging over its final epoch), which averages
   * out where the last mini-batches happened to leave the model. Buffers (batch-norm statistics) are the
   * final step's. Needs `stop: 'epochs'` and `select: 'last'`.
   */
  average: 'none' | 'tail';
  /**
   * How predicted-hard samples are forgotten: `label`, cross-entropy towards their fixed wrong label;
   * `hinge`, max(0, m + z_y − max_{j≠y} z_j): pushed until wrong by the margin m, then left alone.
   */
  hardLoss: 'label' | 'hinge';
  /**
   * How predicted-easy samples are kept: `label`, cross-entropy towards their true label (inputs with
   * `easyNoise`); `hinge`, max(0, m + max_{j≠y} z_j − z_y): held right by the margin m, with no push
   * beyond it; `distill`, KL(softmax(Mo(x) / T) ‖ model(x)) on the clean input, towards the softened
   * outputs given in `easyTargets` (Mo's prediction kept, at the confidence of an unseen sample).
   */
  easyLoss: 'label' | 'hinge' | 'distill';
  /**
   * With `easyLoss: 'distill'`: per predicted-easy id, the target logits (Mo's logits divided by T). An
   * easy sample without one (Mo gets it wrong, so its output is no target) is fitted to its label.
   */
  easyTargets?: ReadonlyMap<string, Float32Array>;
  /** The margin m of the hinge losses, in logits. */
  hingeMargin: number;
  /**
   * Times each predicted-hard sample is presented per epoch (1: once, like every other sample). The hard
   * samples are a few percent of the update's data, so each wrong label gets few gradient steps.
   */
  hardRepeat: number;
  /**
   * Per-class override of `hardRepeat`, keyed by the hard sample's true class (TMU's `hardRepeat=twin`
   * calibrates it on the twin problem); classes not in the map use `hardRepeat`.
   */
  hardRepeatByClass?: ReadonlyMap<number, number>;
  /**
   * How the retain sample is fitted: `label`, cross-entropy towards its true label; `distill`,
   * KL(Mo(x) ‖ model(x)), which holds Mo's whole output (the order of the runner-up classes too)
   * where the relabelled samples pull the boundaries.
   */
  retainLoss: 'label' | 'distill';
  /**
   * Share of the retain sample drawn from the classes the update moves: Df's classes and the classes
   * the hard samples are relabelled to, in proportion to how many samples each has there; the rest is
   * drawn from all of Dr. 0: a uniform sample of Dr.
   */
  retainFocus: number;
  /**
   * Per forget id, the weight of its loss term (1 where absent): TMU's `splitWeight=confidence` weighs
   * each Df sample by the predictor's confidence in its side of the split. Finite and non-negative.
   */
  forgetWeights?: ReadonlyMap<string, number>;
  seed: number;
}

/** What the update trained on. */
export interface AlignedUpdateReport {
  retainUsed: number;
  retainFraction: number;
  steps: number;
  /** The step whose model was returned (= steps with `select: 'last'`). */
  selectedStep: number;
  /** Percent of Df where the returned model's right/wrong matches the predicted split. */
  splitMatch: number;
  /** Whether `stop: 'share'` ended the update before its last epoch's last step. */
  stoppedEarly: boolean;
}

/**
 * The aligned update, in place on `model` (a copy of Mo): fine-tune on Dr' ∪ Df_easy ∪ Df_hard where
 * Dr' is a subset of Dr held at Mo's own outputs (`retainLoss: 'distill'`, KL(Mo(x) ‖ model(x))) or
 * fitted to its labels, Df_easy keeps its true labels but its inputs get Gaussian noise (so it is fit
 * like unseen data of its class, without member-level confidence), and each Df_hard sample carries a
 * wrong label fixed once (`hardLabels`), presented `hardRepeat` times per epoch, so the model stops
 * getting it right, as the gold model would.
 */
export function alignedUpdate(
  ctx: UnlearnContext,
  model: Classifier,
  easyIds: readonly string[],
  hardLabels: ReadonlyMap<string, number>,
  options: AlignedUpdateOptions,
): AlignedUpdateReport {
  const random = new Random(options.seed).fork('tmu/aligned-update');
  const forgetIds = [...easyIds, ...hardLabels.keys()];
  const retainCount =
    options.retainMultiple > 0
      ? Math.min(ctx.retainIds.length, Math.round(options.retainMultiple * forgetIds.length))
      : ctx.retainIds.length;
  const repeats = [options.hardRepeat, ...(options.hardRepeatByClass?.values() ?? [])];
  for (const repeat of repeats)
    if (!Number.isInteger(repeat) || repeat < 1)
      throw new RangeError(`alignedUpdate: hardRepeat must be an integer >= 1, got ${repeat}`);
  if (!(options.retainFocus >= 0 && options.retainFocus <= 1))
    throw new RangeError(`alignedUpdate: retainFocus must be in [0, 1], got ${options.retainFocus}`);
  if (options.average === 'tail' && (options.select !== 'last' || options.stop !== 'epochs'))
    throw new RangeError(
      "alignedUpdate: average 'tail' needs select 'last' and stop 'epochs' (it averages the whole last epoch)",
    );
  for (const [id, weight] of options.forgetWeights ?? [])
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new RangeError(`alignedUpdate: forgetWeights of '${id}' must be finite and >= 0, got ${weight}`);
  const retain =
    retainCount === ctx.retainIds.length
      ? [...ctx.retainIds]
      : sampleRetain(
          ctx.train,
          ctx.retainIds,
          { forgetIds, hardLabels, count: retainCount, focus: options.retainFocus },
          random.fork('retain'),
        );
  const hardIds = [...hardLabels.keys()];
  const repeatOf = (id: string): number =>
    options.hardRepeatByClass?.get(ctx.train.labels[ctx.train.indexOf(id)]!) ?? options.hardRepeat;
  // Pass k holds the hard samples presented at least k times, so a uniform repeat lists them as before.
  const passes = Array.from({ length: Math.max(...repeats) }, (_, k) => hardIds.filter((id) => repeatOf(id) > k));
  const ids = [...retain, ...easyIds, ...passes.flat()];
  const easy = new Set(easyIds);
  // Mo's logits on the retain sample, once: the distillation target does not change during the update.
  const teacher =
    options.retainLoss === 'distill' ? modelOutputs(ctx.original, ctx.train, retain, ctx.normalize) : null;
  const teacherRow = new Map(teacher ? retain.map((id, i) => [id, i]) : []);
  const easyTargets = options.easyLoss === 'distill' ? options.easyTargets : undefined;
  if (options.easyLoss === 'distill' && !easyTargets)
    throw new RangeError("alignedUpdate: easyLoss 'distill' needs easyTargets");
  const numClasses = ctx.architecture.numClasses;
  const distilling = teacher !== null || (easyTargets !== undefined && easyIds.length > 0);
  manualSeed(random.fork('noise').nextUint32());
  model.train();
  const optimizer = new SGD(model.parameters(), {
    lr: options.lr,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
  });
  // On clean inputs: the percent of Df where the model is right exactly on the predicted-easy samples,
  // and the share of Df it gets wrong.
  const measure = (): { splitMatch: number; wrongShare: number } => {
    const predictions = predict(model, ctx.train, forgetIds, { normalize: ctx.normalize });
    let matches = 0;
    let wrong = 0;
    for (let i = 0; i < forgetIds.length; i++) {
      const right = predictions.predicted[i] === predictions.labels[i];
      if (!right) wrong++;
      if (right === !hardLabels.has(forgetIds[i]!)) matches++;
    }
    return forgetIds.length
      ? { splitMatch: (100 * matches) / forgetIds.length, wrongShare: wrong / forgetIds.length }
      : { splitMatch: 100, wrongShare: 0 };
  };
  const hardShare = forgetIds.length ? hardLabels.size / forgetIds.length : 0;
  let best: { step: number; match: number; state: Map<string, Tensor> | null } = {
    step: 0,
    match: Number.NEGATIVE_INFINITY,
    state: null,
  };
  const snapshot = (): Map<string, Tensor> =>
    noGrad(() => new Map([...model.stateDict()].map(([key, value]) => [key, keep(value.detach().clone())])));
  const disposeState = (state: Map<string, Tensor> | null): void => {
    for (const value of state?.values() ?? []) value.dispose();
  };
  // Returns whether the update should stop here.
  const check = (step: number): boolean => {
    const { splitMatch: match, wrongShare } = measure();
    // Ties keep the earlier model: fewer steps, less drift on Dr.
    if (options.select === 'split' && match > best.match) {
      disposeState(best.state);
      best = { step, match, state: snapshot() };
    }
    return options.stop === 'share' && wrongShare >= hardShare;
  };
  const checking = options.select === 'split' || options.stop === 'share';
  let tail: WeightAverage | null = null;
  let steps = 0;
  let stopped = false;
  let checkedAt = -1;
  try {
    // Mo itself (step 0) is never a candidate: it would return the request unlearned in name only.
    for (let epoch = 0; epoch < options.epochs && !stopped; epoch++) {
      if (options.average === 'tail' && epoch === options.epochs - 1) tail = new WeightAverage(model.parameters());
      const task = ctx.progress.task(
        `tmu update epoch ${epoch + 1}/${options.epochs}`,
        batchCount(ids.length, options.batchSize),
      );
      forEachBatch(ctx, ids, { batchSize: options.batchSize, epoch, seed: options.seed }, (batch) => {
        const n = batch.ids.length;
        const labels = new BigInt64Array(n);
        const trueLabels = new BigInt64Array(n);
        const noiseMask = new Float32Array(n);
        // Per row, the weight of each loss term: cross-entropy, hinge towards wrong, hinge towards right, distillation.
        const ceWeight = new Float32Array(n);
        const forgetWeight = new Float32Array(n);
        const keepWeight = new Float32Array(n);
        const distillWeight = new Float32Array(n);
        const teacherLogits = distilling ? new Float32Array(n * numClasses) : null;
        batch.ids.forEach((id, i) => {
          const hard = hardLabels.get(id);
          labels[i] = BigInt(hard ?? batch.labels[i]!);
          trueLabels[i] = BigInt(batch.labels[i]!);
          const easyTarget = easy.has(id) ? easyTargets?.get(id) : undefined;
          // A softened target is defined on the clean input: no noise there.
          noiseMask[i] = easy.has(id) && !easyTarget ? options.easyNoise : 0;
          if (hard !== undefined && options.hardLoss === 'hinge') forgetWeight[i] = 1;
          else if (easy.has(id) && options.easyLoss === 'hinge') keepWeight[i] = 1;
          else if (easyTarget && teacherLogits) {
            distillWeight[i] = 1;
            teacherLogits.set(easyTarget, i * numClasses);
          } else if (teacher && teacherLogits && hard === undefined && !easy.has(id)) {
            distillWeight[i] = 1;
            const row = teacherRow.get(id)!;
            teacherLogits.set(teacher.logits.subarray(row * numClasses, (row + 1) * numClasses), i * numClasses);
          } else ceWeight[i] = 1;
          const weight = easy.has(id) || hard !== undefined ? options.forgetWeights?.get(id) : undefined;
          if (weight !== undefined) {
            ceWeight[i]! *= weight;
            forgetWeight[i]! *= weight;
            keepWeight[i]! *= weight;
            distillWeight[i]! *= weight;
          }
        });
        const distill = distillWeight.some((v) => v > 0);
        const perRow =
          distill ||
          options.forgetWeights !== undefined ||
          forgetWeight.some((v) => v > 0) ||
          keepWeight.some((v) => v > 0);
        tidy(() => {
          optimizer.zeroGrad();
          let inputs = tensor(batch.inputs, { shape: batch.shape });
          if (options.easyNoise > 0 && noiseMask.some((v) => v > 0)) {
            inputs = inputs.add(randnLike(inputs).mul(tensor(noiseMask, { shape: [n, 1, 1, 1] })));
          }
          const logits = model.forward(inputs);
          if (!perRow) {
            crossEntropy(logits, tensor(labels)).backward();
          } else {
            const target =
              distill && teacherLogits ? softmax(tensor(teacherLogits, { shape: [n, numClasses] }), 1) : null;
            // margin_i = z_y − max_{j≠y} z_j: positive where the model is right.
            const index = tensor(trueLabels, { shape: [n, 1] });
            const trueLogit = logits.gather(1, index).squeeze(1);
            const otherLogit = maxDim(logits.scatterValue(1, index, Number.NEGATIVE_INFINITY), 1)[0];
            const margin = trueLogit.sub(otherLogit);
            crossEntropy(logits, tensor(labels), null, 'none')
              .mul(tensor(ceWeight))
              .add(margin.add(options.hingeMargin).relu().mul(tensor(forgetWeight)))
              .add(margin.neg().add(options.hingeMargin).relu().mul(tensor(keepWeight)))
              .add(
                target
                  ? klDiv(logSoftmax(logits, 1), target, { reduction: 'none' }).sum([1]).mul(tensor(distillWeight))
                  : tensor(new Float32Array(n)),
              )
              .mean()
              .backward();
          }
          optimizer.step();
        });
        tail?.update();
        steps++;
        task.tick();
        if (checking && steps % options.checkEvery === 0) {
          checkedAt = steps;
          stopped = check(steps);
        }
        return !stopped;
      });
      task.done();
    }
    if (options.select === 'split' && checkedAt !== steps) check(steps);
    if (options.select === 'split' && best.state) model.loadStateDict(best.state);
    if (tail && tail.count > 0) tail.copyTo();
  } finally {
    optimizer.dispose();
    disposeState(best.state);
    tail?.dispose();
  }
  model.eval();
  const selectedStep = options.select === 'split' ? best.step : steps;
  return {
    retainUsed: retain.length,
    retainFraction: retain.length / Math.max(1, ctx.retainIds.length),
    steps,
    // Measured again on the returned model, so the report describes what was returned.
    selectedStep,
    splitMatch: measure().splitMatch,
    stoppedEarly: stopped && steps < options.epochs * batchCount(ids.length, options.batchSize),
  };
}
