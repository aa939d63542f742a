import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { loadSafetensors, saveSafetensors } from '../../nn/safetensors.js';
import { dispose } from '../../tensor/index.js';
import { DEFAULT_CURRICULUM_EPOCH } from '../../train/recipe.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import { defineMethod } from '../method.js';
import { type AlignedUpdateOptions, alignedUpdate } from './alignedUpdate.js';
import { calibrateHardRepeat, type RepeatCalibration } from './calibration.js';
import { easyTargets } from './easyTargets.js';
import { DEFAULT_FEATURES, FEATURE_NAMES, type FeatureName } from './features.js';
import { forgetFeatures } from './forgetFeatures.js';
import { modelOutputs, runnerUpRow } from './outputs.js';
import { GeneralisationPredictor, type TrainedPredictor, trainPredictor } from './predictor.js';
import { applyScaler, type FeatureScaler, fitScaler, SCALER_KINDS } from './scaler.js';
import { calibrateHardShare, offsetRates, type ShareCalibration } from './shareCalibration.js';
import {
  confidenceWeights,
  expectedHardRate,
  forgottenShares,
  goldShiftedRates,
  massShiftedRates,
  splitEasyHard,
  twinHardRate,
} from './transfer.js';
import { disposeTwin, loadOrBuildTwin, type TwinOptions, type TwinProblem } from './twin.js';

const params = z
  .object({
    features: z
      .array(z.enum(FEATURE_NAMES))
      .min(1)
      .default([...DEFAULT_FEATURES])
      .describe(
        'features of the predictor (any of distance, adversarial, curriculum, neighbourhood; default the first three)',
      ),
    threshold: z
      .union([z.literal('rate'), z.number().gt(0).lt(1)])
      .default('rate')
      .describe(
        "easy/hard split: 'rate' (hard share = the twin's measured hard rate) or a probability threshold (the reference: 0.5)",
      ),
    hardRateCalibration: z
      .enum(['none', 'twin', 'twin-exact'])
      .default('none')
      .describe(
        "threshold 'rate' (ignored with a probability threshold): 'none' (each class's hard rate as the twin measured it; the default, again since session 16), 'twin' (per class, the rate moved by the offset (hardRateOffsets) whose update, run on the class's twin request split at the class's rate, leaves the twin original as accurate on it as the twin's gold model; cached beside the twin per class; the default in sessions 14-15) or 'twin-exact' (the same with the twin request split at the twin gold model's own error on it, so the offset measures the update alone)",
      ),
    hardRateCalibrationSeeds: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(1)
      .describe(
        "hardRateCalibration twin and twin-exact: updates run per candidate offset, with Mo's seed, +1, ..., whose mean accuracy the offset is judged by (1: one update, as until session 15); the calibration's cost grows with it",
      ),
    hardRateCalibrationGate: z
      .number()
      .min(0)
      .default(0)
      .describe(
        "hardRateCalibration twin and twin-exact: standard errors (over the hardRateCalibrationSeeds updates) the twin's gap at the offset nearest 0 must exceed before a class's offset may move (0: no gate, as until session 16; above 0 needs hardRateCalibrationSeeds >= 2)",
      ),
    hardRateOffsets: z
      .array(z.number().gt(-1).lt(1))
      .min(1)
      .default([-0.04, -0.02, 0, 0.02, 0.04])
      .describe(
        "candidates of hardRateCalibration twin and twin-exact, as shares of the class (walked from the one nearest 0 towards the twin's gold accuracy until it is passed)",
      ),
    hardRateShift: z
      .enum(['none', 'predictor-mass'])
      .default('none')
      .describe(
        "threshold 'rate': 'predictor-mass' moves each class's hard rate (after hardRateSlope) by how much harder the predictor finds Df's samples of the class than the twin's, mean(1 − P(easy)) over Df_c minus the same over Dt_c, for a forget set that is a harder or easier draw than the class's holdout (session 18); 'none': the rate as measured",
      ),
    hardRateSlope: z
      .number()
      .min(0)
      .default(0)
      .describe(
        "threshold 'rate': rise of a class's hard rate per unit share of its members forgotten, for the gold model's smaller class (rate_c + hardRateSlope × |Df_c|/|D_c|); 0: the twin's rate as measured",
      ),
    hardLabel: z
      .enum(['runner-up', 'random'])
      .default('runner-up')
      .describe(
        "wrong label for predicted-hard samples: Mo's runner-up class, or a random wrong class (the reference)",
      ),
    updateEpochs: z.number().int().min(1).default(3).describe('epochs of the aligned update'),
    updateLr: z.number().positive().default(0.003).describe('SGD learning rate of the aligned update'),
    updateMomentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum of the aligned update'),
    updateWeightDecay: z.number().min(0).default(5e-4).describe('weight decay of the aligned update'),
    updateBatchSize: z.number().int().min(1).default(64).describe('batch size of the aligned update'),
    retainMultiple: z
      .number()
      .min(0)
      .default(5)
      .describe('retain samples per forget sample in the update (0: all of Dr)'),
    easyNoise: z
      .number()
      .min(0)
      .default(0.5)
      .describe('std of the Gaussian input noise on predicted-easy samples (normalised units)'),
    updateSelect: z
      .enum(['split', 'last'])
      .default('last')
      .describe(
        "model the update returns: 'last' (after the final step) or 'split' (the checked model whose right/wrong on Df best matches the predicted easy/hard split)",
      ),
    updateCheckEvery: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe("steps between checks (updateSelect 'split', updateStop 'share')"),
    updateAverage: z
      .enum(['none', 'tail'])
      .default('none')
      .describe(
        "weights the update returns (updateSelect 'last', updateStop 'epochs'): 'none' (the final step's) or 'tail' (the mean over the last epoch's steps)",
      ),
    updateStop: z
      .enum(['epochs', 'share'])
      .default('epochs')
      .describe(
        "when the update stops: 'epochs' (after updateEpochs) or 'share' (at the first check where Df's error reaches the predicted hard share, at most updateEpochs)",
      ),
    hardLoss: z
      .enum(['label', 'hinge'])
      .default('label')
      .describe(
        "how predicted-hard samples are forgotten: 'label' (cross-entropy towards their wrong label) or 'hinge' (pushed until wrong by hingeMargin, then left alone)",
      ),
    easyLoss: z
      .enum(['label', 'hinge', 'distill'])
      .default('distill')
      .describe(
        "how predicted-easy samples are kept: 'label' (cross-entropy towards their label, inputs with easyNoise), 'hinge' (held right by hingeMargin, no push beyond) or 'distill' (KL to Mo's output softened by easyTemperature, clean inputs)",
      ),
    easyTemperature: z
      .union([z.number().min(1), z.literal('holdout')])
      .default('holdout')
      .describe(
        "easyLoss 'distill': temperature T of Mo's output, or 'holdout' (per class, the T at which Mo is as confident on the easy samples as on the holdout samples of their class it gets right)",
      ),
    hingeMargin: z.number().min(0).default(1).describe('margin of the hinge losses, in logits'),
    hardRepeat: z
      .union([z.number().int().min(1), z.literal('twin')])
      .default(1)
      .describe(
        "times each predicted-hard sample is presented per update epoch (1 since session 11; 2 from session 6), or 'twin': per class, the candidate (hardRepeatCandidates) whose update agrees best with the twin's gold model on the twin problem (cached beside the twin)",
      ),
    hardRepeatCandidates: z
      .array(z.number().int().min(1))
      .min(1)
      .default([1, 2, 3])
      .describe('candidates of hardRepeat=twin (ties go to the smallest; classes forgotten entirely take the largest)'),
    retainLoss: z
      .enum(['label', 'distill'])
      .default('distill')
      .describe(
        "how the retain sample is fitted: 'label' (cross-entropy towards its label) or 'distill' (KL to Mo's outputs)",
      ),
    splitWeight: z
      .enum(['uniform', 'confidence'])
      .default('confidence')
      .describe(
        "weight of each Df sample's loss in the update: 'confidence' (the predictor's confidence in its side, P(easy) or 1 − P(easy), rescaled to mean 1 per side; the default since session 11) or 'uniform'",
      ),
    splitWeightPower: z
      .number()
      .positive()
      .default(1)
      .describe(
        "splitWeight 'confidence': the confidence is raised to this power before the rescaling (1: as is; above 1 the samples near the threshold weigh less)",
      ),
    retainFocus: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "share of the retain sample drawn from Df's classes and the hard samples' new classes (0: uniform over Dr)",
      ),
    updateSeed: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .describe(
        "seed of the update's own randomness (retain sample, batch order, input noise, random wrong labels), with the twin and predictor unchanged; null: the request's seed",
      ),
    twinPerClass: z.number().int().min(1).default(300).describe('twin-forget samples drawn from the holdout per class'),
    twinEpochs: z.number().int().min(1).default(5).describe('epochs of fine-tuning Mo into the twin original Mt'),
    twinRetainMultiple: z.number().min(0).default(4).describe('member samples per twin sample in that fine-tuning'),
    twinOptimizer: z
      .enum(['sgd', 'adam'])
      .default('sgd')
      .describe('optimizer of the twin fine-tuning (the reference: adam, lr 1e-4)'),
    twinLr: z.number().positive().default(0.01).describe('learning rate of the twin fine-tuning'),
    twinSchedule: z
      .enum(['constant', 'cosine'])
      .default('constant')
      .describe(
        "learning-rate schedule of the twin fine-tuning: 'constant', or 'cosine' (annealed per epoch, as Mo's training)",
      ),
    twinBatchSize: z.number().int().min(1).default(64).describe('batch size of the twin fine-tuning'),
    pgdEps: z
      .number()
      .positive()
      .default(4 / 255)
      .describe('PGD radius of the adversarial feature, in [0,1] pixel units'),
    pgdSteps: z.number().int().min(1).default(5).describe('PGD steps of the adversarial feature'),
    neighbours: z.number().int().min(1).default(5).describe('nearest same-class neighbours of the distance feature'),
    classNeighbours: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe('nearest neighbours (any class) of the neighbourhood feature'),
    curriculumEpoch: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CURRICULUM_EPOCH)
      .describe(
        "epoch of Mo's own training run whose weights give the curriculum feature (capped by the run's length): the checkpoint the run kept when it kept that epoch, else a replay of the run to it, cached with the twin (the reference: a 2-epoch model)",
      ),
    scaler: z
      .enum(SCALER_KINDS)
      .default('quantile')
      .describe(
        "how features are scaled for the predictor, fitted on the twin: 'quantile' (each value's position in the twin's distribution) or 'tukey' (clipped to the Tukey fences and min-max scaled: the reference)",
      ),
    predictorEpochs: z.number().int().min(1).default(200).describe('epochs of predictor training'),
    predictorLr: z.number().positive().default(0.01).describe('Adam learning rate of the predictor'),
    predictorBatchSize: z.number().int().min(1).default(128).describe('batch size of the predictor'),
    predictorFolds: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(1)
      .describe(
        'cross-fitting folds of the predictor: 1, one MLP trained on 80% of the twin and measured on the rest; F >= 2, F MLPs each trained with one fold held out, measured out of fold on the whole twin, averaged',
      ),
    predictorHidden: z.array(z.number().int().min(1)).default([32, 16]).describe('hidden widths of the predictor MLP'),
    rebuildTwin: z.boolean().default(false).describe('rebuild the cached twin even if it matches Mo'),
  })
  .strict()
  .superRefine((p, issues) => {
    if (p.hardRateCalibration !== 'none' && p.hardRepeat === 'twin') {
      issues.addIssue({
        code: 'custom',
        path: ['hardRateCalibration'],
        message: `'${p.hardRateCalibration}' calibrates the hard share at a fixed hardRepeat: with hardRepeat 'twin' set hardRateCalibration 'none'`,
      });
    }
    if (p.hardRateCalibrationGate > 0 && p.hardRateCalibrationSeeds < 2) {
      issues.addIssue({
        code: 'custom',
        path: ['hardRateCalibrationGate'],
        message: `a gate of ${p.hardRateCalibrationGate} standard errors needs hardRateCalibrationSeeds >= 2 to measure them`,
      });
    }
    if (p.updateAverage === 'tail' && (p.updateSelect !== 'last' || p.updateStop !== 'epochs')) {
      issues.addIssue({
        code: 'custom',
        path: ['updateAverage'],
        message: "'tail' averages the whole last epoch: it needs updateSelect 'last' and updateStop 'epochs'",
      });
    }
  });

/** TMU's parameters, validated. */
export type TmuParams = z.infer<typeof params>;

/** Per-sample output of the transfer step, for diagnostics and reports (not stored in the sidecar). */
export interface TmuDetails {
  ids: string[];
  /** Scaled features, [n, features.length]. */
  features: Float32Array;
  featureNames: FeatureName[];
  easyProbability: Float32Array;
  predictedHard: Uint8Array;
  /** Samples whose whole class is forgotten (predictor bypassed). */
  bypassed: Uint8Array;
  predictorHeldOutAccuracy: number;
  predictorHeldOutAuroc: number;
}

/**
 * Trains the generalisation-label predictor, or reuses the one stored beside the twin (keyed by the twin,
 * the features and the predictor's options), so that a later request costs only its own features and
 * update.
 */
function predictorFor(
  _ctx: UnlearnContext,
  twin: TwinProblem,
  p: TmuParams,
  seed: number,
): { scaler: FeatureScaler; trained: TrainedPredictor; cached: boolean; key: string } {
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        twin.originalDigest,
        twin.ids.length,
        twin.options,
        p.features,
        p.scaler,
        p.predictorEpochs,
        p.predictorLr,
        p.predictorBatchSize,
        p.predictorHidden,
        ...(p.predictorFolds > 1 ? [p.predictorFolds] : []),
        seed,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const path = twin.cacheDir ? join(twin.cacheDir, `predictor-${key}.safetensors`) : null;
  if (path && twin.cached && existsSync(path)) {
    const { tensors, metadata } = loadSafetensors(path);
    const predictor = new GeneralisationPredictor(p.features.length, p.predictorHidden, p.predictorFolds);
    try {
      predictor.loadStateDict(tensors);
    } finally {
      dispose([...tensors.values()]);
    }
    const info = JSON.parse(metadata.predictor ?? '{}') as {
      scaler?: FeatureScaler;
      heldOutAccuracy: number;
      heldOutAuroc: number;
      trainSamples: number;
      heldOutSamples: number;
    };
    // A file written before scalers had kinds (or by another kind) is retrained over, not misread.
    if (info.scaler?.kind === p.scaler) {
      return {
        scaler: info.scaler,
        trained: {
          predictor,
          heldOutAccuracy: info.heldOutAccuracy,
          heldOutAuroc: info.heldOutAuroc,
          trainSamples: info.trainSamples,
          heldOutSamples: info.heldOutSamples,
        },
        cached: true,
        key,
      };
    }
    predictor.dispose();
  }
  const columns = p.features.map((name) => twin.features[name]);
  const scaler = fitScaler(columns, p.scaler);
  const trained = trainPredictor(applyScaler(scaler, columns), twin.generalisation, p.features.length, {
    hidden: p.predictorHidden,
    lr: p.predictorLr,
    epochs: p.predictorEpochs,
    batchSize: p.predictorBatchSize,
    heldOutFraction: 0.2,
    folds: p.predictorFolds,
    seed,
  });
  if (path && existsSync(dirname(path))) {
    const { predictor, ...rest } = trained;
    saveSafetensors(path, predictor.stateDict(), { predictor: JSON.stringify({ scaler, ...rest }) });
  }
  return { scaler, trained, cached: false, key };
}

/** The twin and the predictor {@link prepareTwin} built or found. */
export interface TwinPreparation {
  /** The twin's folder relative to the model's (`twin/<key>`). */
  cacheDir: string;
  twin: {
    cached: boolean;
    builtBecause: string | null;
    samples: number;
    hardRate: number;
    buildSeconds: TwinProblem['seconds'];
    curriculum: TwinProblem['curriculumSource'];
    curriculumEpoch: number;
  };
  predictor: {
    features: FeatureName[];
    scaler: TmuParams['scaler'];
    folds: number;
    cached: boolean;
    heldOutAccuracy: number;
    heldOutAuroc: number;
  };
  /** Seconds this call took (about 0 when both were cached). */
  seconds: number;
}

/**
 * Builds, or finds in the cache beside Mo, the twin and the predictor that a TMU request with these
 * parameters and the same seed will reuse, so that the first deletion request costs only its own
 * features and update. What is calibrated per class (`hardRateCalibration`, `hardRepeat=twin`) is left
 * to the first request that touches the class.
 */
export function prepareTwin(ctx: UnlearnContext, p: TmuParams): TwinPreparation {
  if (!ctx.modelDir) throw new Error('prepareTwin: the model has no directory to cache its twin in');
  const started = performance.now();
  const twin = loadOrBuildTwin(ctx, twinOptions(p, ctx.seed), p.rebuildTwin);
  try {
    const { trained, cached } = predictorFor(ctx, twin, p, ctx.seed);
    trained.predictor.dispose();
    return {
      cacheDir: relative(ctx.modelDir, twin.cacheDir ?? ctx.modelDir),
      twin: {
        cached: twin.cached,
        builtBecause: twin.builtBecause,
        samples: twin.ids.length,
        hardRate: Number(twinHardRate(twin.generalisation).toFixed(4)),
        buildSeconds: twin.seconds,
        curriculum: twin.curriculumSource,
        curriculumEpoch: twin.curriculumEpoch,
      },
      predictor: {
        features: p.features,
        scaler: p.scaler,
        folds: p.predictorFolds,
        cached,
        heldOutAccuracy: trained.heldOutAccuracy,
        heldOutAuroc: trained.heldOutAuroc,
      },
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    };
  } finally {
    disposeTwin(twin);
  }
}

/** The twin-building options within TMU's parameters. */
export function twinOptions(p: TmuParams, seed: number): TwinOptions {
  return {
    perClass: p.twinPerClass,
    epochs: p.twinEpochs,
    retainMultiple: p.twinRetainMultiple,
    optimizer: p.twinOptimizer,
    lr: p.twinLr,
    // Only a non-default schedule enters the options (and the cache key), so twins cached before it existed stay valid.
    ...(p.twinSchedule === 'constant' ? {} : { schedule: p.twinSchedule }),
    batchSize: p.twinBatchSize,
    pgdEps: p.pgdEps,
    pgdSteps: p.pgdSteps,
    neighbours: p.neighbours,
    classNeighbours: p.classNeighbours,
    curriculumEpoch: p.curriculumEpoch,
    seed,
  };
}

/**
 * The aligned update's options within TMU's parameters (`hardRepeat=twin` starts from the smallest
 * candidate; the calibration sets the per-class repeats), for the update's seed.
 */
export function alignedUpdateOptions(p: TmuParams, seed: number): AlignedUpdateOptions {
  return {
    epochs: p.updateEpochs,
    lr: p.updateLr,
    momentum: p.updateMomentum,
    weightDecay: p.updateWeightDecay,
    batchSize: p.updateBatchSize,
    retainMultiple: p.retainMultiple,
    easyNoise: p.easyNoise,
    select: p.updateSelect,
    checkEvery: p.updateCheckEvery,
    stop: p.updateStop,
    average: p.updateAverage,
    hardLoss: p.hardLoss,
    easyLoss: p.easyLoss,
    hingeMargin: p.hingeMargin,
    hardRepeat: p.hardRepeat === 'twin' ? Math.min(...p.hardRepeatCandidates) : p.hardRepeat,
    retainLoss: p.retainLoss,
    retainFocus: p.retainFocus,
    seed,
  };
}

/** Labels of the members D (which include Df), in member order. */
function memberLabels(ctx: UnlearnContext): Int32Array {
  return Int32Array.from(ctx.split.member, (id) => ctx.train.labels[ctx.train.indexOf(id)]!);
}

/**
 * Twin Machine Unlearning. (1) The twin problem (cached per Mo); (2) distance, adversarial and curriculum
 * features of Df under Mo; (3)-(4) the generalisation-label predictor trained on the twin, applied to
 * Df: Df_easy (the gold model would still classify it right) and Df_hard; (5) the aligned update.
 */
export const tmu = defineMethod({
  name: 'tmu',
  description:
    'Twin Machine Unlearning: learns on a twin problem with a known answer which forget samples a retrained model would still classify correctly, keeps those right and forgets the rest, aligning the unlearned model with the gold model.',
  reference:
    'Jiang et al., "Machine Unlearning via Twin Machine Unlearning" (TMU), 2024; see docs/tmu.md for tmu\'s measured choices',
  params,
  prepare(ctx, p) {
    const prepared = prepareTwin(ctx, p);
    return {
      seconds: prepared.seconds,
      reused: prepared.twin.cached && prepared.predictor.cached,
      summary: { ...prepared },
    };
  },
  unlearn(ctx, p) {
    const seconds: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string): void => {
      const now = performance.now();
      seconds[name] = Number(((now - mark) / 1000).toFixed(3));
      mark = now;
    };
    // A step split in two by a calibration (paid once per model, not per request) counts both halves.
    const lapMore = (name: string): void => {
      const before = seconds[name] ?? 0;
      lap(name);
      seconds[name] = Number((before + seconds[name]!).toFixed(3));
    };
    const twin = loadOrBuildTwin(ctx, twinOptions(p, ctx.seed), p.rebuildTwin);
    lap('twin');
    ctx.progress.log('tmu twin', {
      cached: twin.cached ? 'yes' : 'no',
      samples: twin.ids.length,
      seconds: twin.seconds.total,
    });
    let twinReleased = false;
    const releaseTwin = (): void => {
      if (twinReleased) return;
      twinReleased = true;
      disposeTwin(twin);
    };
    try {
      let calibration: RepeatCalibration | null = null;
      let shareCalibration: ShareCalibration | null = null;
      const { scaler, trained, cached: predictorCached, key: predictorKey } = predictorFor(ctx, twin, p, ctx.seed);
      lap('predictor');

      // Features of the real problem: Df under Mo.
      const forget = [...ctx.forgetIds];
      const onForget = modelOutputs(ctx.original, ctx.train, forget, ctx.normalize);
      const rows = applyScaler(
        scaler,
        forgetFeatures(ctx, twin, onForget, p.features, {
          neighbours: p.neighbours,
          classNeighbours: p.classNeighbours,
          pgd: { eps: p.pgdEps, steps: p.pgdSteps, stepSize: p.pgdEps / 3 },
        }),
      );
      lap('features');

      // Transfer: P(easy) for Df, split by the twin's hard rate for Df's class mix.
      const easyProbability = trained.predictor.predict(rows);
      const calibratesShare = p.hardRateCalibration !== 'none' && p.threshold === 'rate';
      const shiftsShare = p.hardRateShift !== 'none' && p.threshold === 'rate';
      const twinEasyProbability =
        p.hardRepeat === 'twin' || calibratesShare || shiftsShare
          ? trained.predictor.predict(
              applyScaler(
                scaler,
                p.features.map((name) => twin.features[name]),
              ),
            )
          : null;
      trained.predictor.dispose();
      const shares = forgottenShares(onForget.labels, memberLabels(ctx), onForget.numClasses);
      // Classes whose every member is in the forget set: the gold model cannot know them at all.
      const whole = new Set(shares.flatMap((share, label) => (share === 1 ? [label] : [])));
      const bypassed = Uint8Array.from(onForget.labels, (label) => (whole.has(label) ? 1 : 0));
      const globalRate = twinHardRate(twin.generalisation);
      lap('transfer');
      let measuredRates = twin.hardRateByClass;
      if (calibratesShare && twinEasyProbability) {
        // The calibration belongs to Mo like the twin: it runs with Mo's seed, whatever the request's update seed.
        const shareUpdate = alignedUpdateOptions(p, ctx.seed);
        const cacheKey = createHash('sha256')
          .update(
            JSON.stringify([
              'share',
              twin.originalDigest,
              twin.twinModelDigest,
              predictorKey,
              shareUpdate,
              p.easyLoss === 'distill' ? p.easyTemperature : null,
              p.splitWeight,
              p.splitWeightPower,
              [...p.hardRateOffsets].sort((a, b) => a - b),
              ...(p.hardRateCalibration === 'twin' ? [] : [p.hardRateCalibration]),
              ...(p.hardRateCalibrationSeeds === 1 ? [] : [p.hardRateCalibrationSeeds]),
              ...(p.hardRateCalibrationGate === 0 ? [] : [{ gate: p.hardRateCalibrationGate }]),
            ]),
          )
          .digest('hex')
          .slice(0, 16);
        shareCalibration = calibrateHardShare(ctx, twin, {
          classes: [...new Set(Array.from(onForget.labels).filter((_, i) => !bypassed[i]))],
          twinEasyProbability,
          update: shareUpdate,
          easyTemperature: p.easyTemperature,
          splitWeight: p.splitWeight,
          splitWeightPower: p.splitWeightPower,
          offsets: p.hardRateOffsets,
          seeds: p.hardRateCalibrationSeeds,
          gate: p.hardRateCalibrationGate,
          cacheKey,
          from: p.hardRateCalibration === 'twin-exact' ? 'twin-error' : 'holdout-rate',
          cachePath: twin.cacheDir ? join(twin.cacheDir, `share-calibration-${cacheKey}.json`) : null,
        });
        measuredRates = offsetRates(twin.hardRateByClass, shareCalibration.byClass);
        lap('shareCalibration');
      }
      const slopedRates =
        p.hardRateSlope > 0 ? goldShiftedRates(measuredRates, shares, p.hardRateSlope) : measuredRates;
      const classRates =
        shiftsShare && twinEasyProbability
          ? massShiftedRates(
              slopedRates,
              { easyProbability, labels: onForget.labels, bypassed },
              { easyProbability: twinEasyProbability, labels: twin.labels },
            )
          : slopedRates;
      const hardRate = expectedHardRate(classRates, globalRate, onForget.labels, bypassed);
      const scoredIndices = forget.map((_, i) => i).filter((i) => !bypassed[i]);
      const scoredHard = splitEasyHard(
        Float32Array.from(scoredIndices, (i) => easyProbability[i]!),
        p.threshold === 'rate' ? { kind: 'rate', hardRate } : { kind: 'probability', threshold: p.threshold },
      );
      const predictedHard = Uint8Array.from(bypassed);
      scoredIndices.forEach((i, k) => {
        predictedHard[i] = scoredHard[k]!;
      });
      lapMore('transfer');

      // Wrong labels for the hard samples, fixed once.
      const k = onForget.numClasses;
      const hardLabels = new Map<string, number>();
      const easyIds: string[] = [];
      const updateSeed = p.updateSeed ?? ctx.seed;
      const labelRandom = (index: number): number => {
        const value = createHash('sha256').update(`${updateSeed}/${forget[index]}`).digest().readUInt32LE(0);
        const wrong = value % (k - 1);
        return wrong >= onForget.labels[index]! ? wrong + 1 : wrong;
      };
      forget.forEach((id, i) => {
        if (!predictedHard[i]) {
          easyIds.push(id);
          return;
        }
        if (p.hardLabel === 'random') {
          hardLabels.set(id, labelRandom(i));
          return;
        }
        hardLabels.set(id, runnerUpRow(onForget.logits, k, i, onForget.labels[i]!));
      });
      const easyDistill =
        p.easyLoss === 'distill'
          ? easyTargets(
              onForget,
              forget.flatMap((_, i) => (predictedHard[i] ? [] : [i])),
              p.easyTemperature,
              twin.holdoutConfidenceByClass,
            )
          : null;
      const weights =
        p.splitWeight === 'confidence'
          ? confidenceWeights(easyProbability, predictedHard, bypassed, p.splitWeightPower)
          : null;
      const updateOptions: AlignedUpdateOptions = {
        ...alignedUpdateOptions(p, updateSeed),
        ...(easyDistill ? { easyTargets: easyDistill.targets } : {}),
        ...(weights ? { forgetWeights: new Map(forget.map((id, i) => [id, weights[i]!])) } : {}),
      };
      if (p.hardRepeat === 'twin' && twinEasyProbability) {
        const hardClasses = new Set(
          forget.flatMap((_, i) => (predictedHard[i] && !bypassed[i] ? [onForget.labels[i]!] : [])),
        );
        const {
          hardRepeat: _varied,
          hardRepeatByClass: _none,
          easyTargets: _request,
          forgetWeights: _weights,
          ...fixed
        } = updateOptions;
        const cacheKey = createHash('sha256')
          .update(
            JSON.stringify([
              twin.originalDigest,
              twin.twinModelDigest,
              predictorKey,
              fixed,
              p.easyLoss === 'distill' ? p.easyTemperature : null,
              p.splitWeight,
              ...(p.splitWeightPower === 1 ? [] : [p.splitWeightPower]),
              [...p.hardRepeatCandidates].sort((a, b) => a - b),
            ]),
          )
          .digest('hex')
          .slice(0, 16);
        calibration = calibrateHardRepeat(ctx, twin, {
          classes: [...hardClasses],
          twinEasyProbability,
          update: updateOptions,
          easyTemperature: p.easyTemperature,
          splitWeightPower: p.splitWeightPower,
          candidates: p.hardRepeatCandidates,
          cacheKey,
          cachePath: twin.cacheDir ? join(twin.cacheDir, `calibration-${cacheKey}.json`) : null,
        });
        const byClass = new Map([...calibration.byClass].map(([label, value]) => [label, value.repeat]));
        // A class forgotten entirely has no sample the gold model gets right: forget it at full strength.
        for (const label of whole) byClass.set(label, Math.max(...p.hardRepeatCandidates));
        updateOptions.hardRepeatByClass = byClass;
        lap('calibration');
      }
      // Mt and the curriculum model are no longer needed: free them before the update.
      releaseTwin();
      const model = cloneClassifier(ctx.original, ctx.architecture);
      const update = alignedUpdate(ctx, model, easyIds, hardLabels, updateOptions);
      lap('update');
      const details: TmuDetails = {
        ids: forget,
        features: rows,
        featureNames: [...p.features],
        easyProbability,
        predictedHard,
        bypassed,
        predictorHeldOutAccuracy: trained.heldOutAccuracy,
        predictorHeldOutAuroc: trained.heldOutAuroc,
      };
      const bypassedCount = bypassed.reduce((sum, v) => sum + v, 0);
      const perRequestSeconds = Number((seconds.features! + seconds.transfer! + seconds.update!).toFixed(3));
      const percent = (value: number, digits = 1): string => `${(100 * value).toFixed(digits)}%`;
      const highlights = [
        `Df: ${easyIds.length} predicted easy (kept), ${hardLabels.size} predicted hard (forgotten); expected hard share ${percent(hardRate)}`,
        ...(shareCalibration
          ? [
              `hard rate per class moved on the twin (${shareCalibration.calibrated.length > 0 ? `calibrated ${shareCalibration.calibrated.join(', ')} in ${shareCalibration.seconds.toFixed(1)} s` : 'cached'}): ${[...shareCalibration.byClass].map(([label, value]) => `class ${label} ${value.offset >= 0 ? '+' : ''}${(100 * value.offset).toFixed(1)} pp`).join(', ')}`,
            ]
          : []),
        ...(bypassedCount > 0
          ? [
              `${bypassedCount} samples belong to classes forgotten entirely: the gold model gets them wrong, so they are all hard (predictor bypassed)`,
            ]
          : []),
        `twin: ${twin.cached ? 'reused' : 'built'} (${twin.ids.length} samples, ${twin.seconds.total.toFixed(1)} s to build; curriculum model: epoch ${twin.curriculumEpoch}, ${twin.curriculumSource === 'original-run' ? "kept by Mo's training run" : "replayed from Mo's recipe"})`,
        `predictor: ${p.features.join(', ')} (${p.scaler} scaling${p.predictorFolds > 1 ? `, ${p.predictorFolds} cross-fitted MLPs` : ''}), ${predictorCached ? 'reused' : 'trained'}; on the twin's held-out samples${p.predictorFolds > 1 ? ' (out of fold)' : ''} accuracy ${percent(trained.heldOutAccuracy / 100)}, AUROC ${trained.heldOutAuroc.toFixed(3)}`,
        `update: ${update.steps} steps over Df and ${update.retainUsed} retain samples (${percent(update.retainFraction)} of Dr)${p.updateSelect === 'split' ? `, model of step ${update.selectedStep} (matches the split on ${update.splitMatch.toFixed(1)}% of Df)` : ''}${update.stoppedEarly ? ', stopped early' : ''}`,
        `seconds: ${Object.entries(seconds)
          .map(([step, value]) => `${step} ${value.toFixed(1)}`)
          .join(', ')}; per request ${perRequestSeconds.toFixed(1)}`,
      ];
      return {
        model,
        highlights,
        summary: {
          easy: easyIds.length,
          hard: hardLabels.size,
          ...(bypassedCount > 0
            ? {
                note: `${bypassedCount} samples belong to classes forgotten entirely: the gold model's accuracy on them is ~0, so the predictor is bypassed and they are all hard`,
              }
            : {}),
          expectedHardRate: Number(hardRate.toFixed(4)),
          twin: {
            cached: twin.cached,
            ...(twin.builtBecause ? { builtBecause: twin.builtBecause } : {}),
            ...(twin.cacheDir && ctx.modelDir ? { cacheDir: relative(ctx.modelDir, twin.cacheDir) } : {}),
            samples: twin.ids.length,
            hardRate: Number(globalRate.toFixed(4)),
            buildSeconds: twin.seconds,
            curriculum: twin.curriculumSource,
            curriculumEpoch: twin.curriculumEpoch,
          },
          predictor: {
            features: p.features,
            scaler: p.scaler,
            folds: p.predictorFolds,
            cached: predictorCached,
            heldOutAccuracy: trained.heldOutAccuracy,
            heldOutAuroc: trained.heldOutAuroc,
          },
          retainUsed: update.retainUsed,
          retainFraction: Number(update.retainFraction.toFixed(4)),
          updateSteps: update.steps,
          updateSelectedStep: update.selectedStep,
          updateSplitMatch: Number(update.splitMatch.toFixed(2)),
          updateStoppedEarly: update.stoppedEarly,
          ...(weights
            ? { splitWeightRange: [Number(Math.min(...weights).toFixed(4)), Number(Math.max(...weights).toFixed(4))] }
            : {}),
          ...(easyDistill
            ? {
                easyTemperatureByClass: Object.fromEntries(
                  [...easyDistill.temperatureByClass].map(([label, t]) => [String(label), Number(t.toFixed(3))]),
                ),
                easyDistilled: easyDistill.targets.size,
              }
            : {}),
          ...(classRates !== slopedRates
            ? {
                hardRateShiftByClass: Object.fromEntries(
                  [...new Set(Array.from(onForget.labels).filter((_, i) => !bypassed[i]))]
                    .sort((a, b) => a - b)
                    .map((label) => [String(label), Number((classRates[label]! - slopedRates[label]!).toFixed(4))]),
                ),
              }
            : {}),
          ...(shareCalibration
            ? {
                hardRateOffsetByClass: Object.fromEntries(
                  [...shareCalibration.byClass].map(([label, value]) => [String(label), value.offset]),
                ),
                shareCalibration: {
                  calibrated: shareCalibration.calibrated,
                  seconds: Number(shareCalibration.seconds.toFixed(3)),
                  byClass: Object.fromEntries(
                    [...shareCalibration.byClass].map(([label, value]) => [String(label), value]),
                  ),
                },
              }
            : {}),
          ...(calibration
            ? {
                hardRepeatByClass: Object.fromEntries(
                  [...(updateOptions.hardRepeatByClass ?? [])].map(([label, repeat]) => [String(label), repeat]),
                ),
                calibration: {
                  calibrated: calibration.calibrated,
                  seconds: Number(calibration.seconds.toFixed(3)),
                  byClass: Object.fromEntries([...calibration.byClass].map(([label, value]) => [String(label), value])),
                },
              }
            : {}),
          seconds,
          // The calibrations, like the twin, are paid once per original model and class (cached), not per request.
          perRequestSeconds,
        },
        details,
      };
    } finally {
      releaseTwin();
    }
  },
});
