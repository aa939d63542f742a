import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Random } from '../../data/random.js';
import { createModel } from '../../models/architecture.js';
import type { Classifier } from '../../models/classifier.js';
import { loadSafetensors, saveSafetensors } from '../../nn/safetensors.js';
import { Adam, CosineAnnealingLR, SGD } from '../../optim/index.js';
import { crossEntropy, dispose, getNumThreads, setNumThreads, type Tensor, tensor, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { fileDigest, loadWeightsInto } from '../../train/modelStore.js';
import { initialiseSeed, train } from '../../train/trainer.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import type { UnlearnContext } from '../context.js';
import {
  adversarialFeature,
  curriculumFeature,
  distanceFeature,
  type FeatureName,
  neighbourhoodFeature,
} from './features.js';
import { correctness, type ModelOutputs, maxSoftmaxRow, modelOutputs } from './outputs.js';

/** How the twin problem is built. */
export interface TwinOptions {
  /** Twin-forget samples drawn from the holdout per class (capped by what H holds). */
  perClass: number;
  /** Fine-tuning of Mo into the twin original Mt, on Dt plus `retainMultiple` x |Dt| members of D. */
  epochs: number;
  retainMultiple: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  /**
   * The fine-tuning's learning rate over its epochs: `constant` (absent: constant), or `cosine`, annealed
   * per epoch to near 0 like Mo's own training, so Mt ends converged as Mo did.
   */
  schedule?: 'constant' | 'cosine';
  batchSize: number;
  /** PGD of the adversarial feature. */
  pgdEps: number;
  pgdSteps: number;
  /** Neighbours of the distance feature. */
  neighbours: number;
  /** Neighbours (of any class) of the neighbourhood feature. */
  classNeighbours: number;
  /** Epoch of Mo's training run whose weights are the curriculum model. */
  curriculumEpoch: number;
  seed: number;
}

/** Raw (unscaled) feature columns of a set of samples. */
export type FeatureColumns = Record<FeatureName, Float32Array>;

/**
 * The twin unlearning problem, whose gold answer is known: Mo plays the twin's gold model (it never saw
 * Dt), Mt = Mo fine-tuned on Dt plays the twin's original. It depends on Mo and H only, so it is built
 * once per original model and reused by every deletion request.
 */
export interface TwinProblem {
  originalDigest: string | null;
  options: TwinOptions;
  /** Dt, drawn from H, stratified by class. */
  ids: string[];
  labels: Int32Array;
  /** g(x) = [Mo(x) = y] on Dt: 1 = easy (a model that never trained on x still gets it right). */
  generalisation: Uint8Array;
  /** Features of Dt computed in the twin problem (with Mt and the curriculum model). */
  features: FeatureColumns;
  /** 1 - acc(Mo, H of class c): the share a gold model gets wrong, per class (NaN where H has none). */
  hardRateByClass: number[];
  /**
   * Mo's mean confidence (largest softmax probability) on the samples of H of class c it classifies
   * correctly: how sure Mo is of a sample it gets right by generalisation, not by having trained on it
   * (NaN where there are none).
   */
  holdoutConfidenceByClass: number[];
  /** Mo's penultimate features over D (split.member order), the reference set of the distance feature. */
  originalFeatures: { ids: string[]; labels: Int32Array; features: Float32Array; featureSize: number };
  /** The twin original Mt (Mo fine-tuned on Dt). Owned by the twin: release with {@link disposeTwin}. */
  model: Classifier;
  /** The early-epoch model of the curriculum feature. */
  curriculum: Classifier;
  /** Where it came from: the checkpoint Mo's training run kept, or a replay of that run to the epoch. */
  curriculumSource: CurriculumSource;
  /** The epoch of Mo's run it is: `options.curriculumEpoch`, capped by the run's length. */
  curriculumEpoch: number;
  /**
   * Digest of the curriculum model's weights file (Mo's kept checkpoint, or the replay cached beside the
   * twin; null for a replay that was not cached): a cached twin whose curriculum file changed is rebuilt.
   */
  curriculumDigest: string | null;
  twinModelDigest: string | null;
  seconds: { twinModel: number; curriculum: number; features: number; total: number };
  /** Whether this came from the cache. */
  cached: boolean;
  /**
   * The twin's folder in the cache beside Mo (`<model>/twin/<options key>/`), where what depends on the
   * twin (the predictor, the calibrations) is cached too; null for a twin that is not cached.
   */
  cacheDir: string | null;
  /**
   * Why `loadOrBuildTwin` built instead of reading the cache (the first failed check: no cache, another
   * Mo, other options, a file that fails its digest, ..., or `rebuildTwin=true`); null for a cached twin and
   * for a direct `buildTwin`, which consults no cache.
   */
  builtBecause: string | null;
}

/** The checkpoint Mo's training run kept, or a replay of that run (cached with the twin). */
export type CurriculumSource = 'original-run' | 'replayed';

const TWIN_FORMAT = 'tmu-twin/6';
const TWIN_DIR = 'twin';
/** Files a tmu older than the keyed layout wrote directly into `twin/`, one twin per model. */
const LEGACY_FILE =
  /^(twin\.json|members\.json|features\.safetensors|twin-model\.safetensors|curriculum\.safetensors|predictor-[0-9a-f]+\.safetensors|(share-)?calibration-[0-9a-f]+\.json)$/;
const STAGING = /\.tmp-/;

function optionsKey(options: TwinOptions): string {
  return createHash('sha256').update(JSON.stringify(options)).digest('hex').slice(0, 16);
}

/**
 * The folder of the twin built with these options beside the model in `modelDir`: one per option set, so
 * that requests with other twin options (a larger twin, another curriculum epoch) each reuse their own
 * twin instead of rebuilding one shared slot.
 */
export function twinCacheDir(modelDir: string, options: TwinOptions): string {
  return join(modelDir, TWIN_DIR, optionsKey(options));
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
  const ids = [...twinIds, ...memberSample];
  model.train();
  const optimizer =
    options.optimizer === 'adam'
      ? new Adam(model.parameters(), { lr: options.lr })
      : new SGD(model.parameters(), { lr: options.lr, momentum: 0.9, weightDecay: 5e-4 });
  const scheduler = options.schedule === 'cosine' ? new CosineAnnealingLR(optimizer, { tMax: options.epochs }) : null;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const task = ctx.progress.task(
        `tmu twin model epoch ${epoch + 1}/${options.epochs}`,
        batchCount(ids.length, options.batchSize),
      );
      forEachBatch(ctx, ids, { batchSize: options.batchSize, epoch, seed: options.seed }, (batch) => {
        tidy(() => {
          optimizer.zeroGrad();
          const { inputs, labels } = batchTensors(batch);
          crossEntropy(model.forward(inputs), labels).backward();
          optimizer.step();
        });
        task.tick();
      });
      task.done();
      scheduler?.step();
    }
  } finally {
    optimizer.dispose();
  }
  model.eval();
  return model;
}

/**
 * The curriculum model: Mo's own training run at the end of epoch `epoch` (capped by the run's length).
 * That is the checkpoint the run kept when it kept that epoch, at no cost; otherwise the run is replayed
 * to that epoch (same recipe, seed, members and, where known, threads, so the replay has the weights the
 * run had) and cached beside the twin.
 */
/** The epoch of Mo's run the curriculum model is: the one asked for, capped by the run's length. */
function curriculumTarget(ctx: UnlearnContext, options: TwinOptions): number {
  return Math.min(options.curriculumEpoch, ctx.recipe.epochs);
}

function curriculumModel(
  ctx: UnlearnContext,
  target: number,
  cacheDir: string | null,
): { model: Classifier; source: CurriculumSource; seconds: number; digest: string | null } {
  if (ctx.curriculum && ctx.curriculum.epoch === target && existsSync(ctx.curriculum.path)) {
    return {
      model: loadWeightsInto(createModel(ctx.architecture), ctx.curriculum.path),
      source: 'original-run',
      seconds: 0,
      digest: fileDigest(ctx.curriculum.path),
    };
  }
  ctx.progress.log('tmu curriculum replay', {
    epoch: target,
    of: ctx.recipe.epochs,
    kept: ctx.curriculum?.epoch ?? 'none',
  });
  const started = performance.now();
  const threads = getNumThreads();
  if (ctx.trainingThreads !== null) setNumThreads(ctx.trainingThreads);
  let model: Classifier;
  try {
    initialiseSeed(ctx.recipe.seed);
    model = createModel(ctx.architecture);
    train({
      model,
      dataset: ctx.train,
      ids: ctx.split.member,
      recipe: ctx.recipe,
      normalize: ctx.normalize,
      progress: ctx.progress,
      stopAfterEpoch: target,
    });
  } finally {
    setNumThreads(threads);
  }
  let digest: string | null = null;
  if (cacheDir) {
    const path = join(cacheDir, 'curriculum.safetensors');
    saveSafetensors(path, model.stateDict(), {});
    digest = fileDigest(path);
  }
  return { model, source: 'replayed', seconds: (performance.now() - started) / 1000, digest };
}

/** Builds the twin problem (no cache). */
export function buildTwin(ctx: UnlearnContext, options: TwinOptions, cacheDir: string | null = null): TwinProblem {
  const started = performance.now();
  const random = new Random(options.seed).fork('tmu/twin');
  const ids = drawTwinIds(ctx, options.perClass, random);
  if (ids.length < 20)
    throw new Error(
      `tmu: the holdout set has only ${ids.length} samples; the twin problem needs a holdout (train the model with a holdout split)`,
    );
  const twinStarted = performance.now();
  const twinModel = fineTuneTwin(ctx, ids, options, random);
  const twinSeconds = (performance.now() - twinStarted) / 1000;
  const curriculum = curriculumModel(ctx, curriculumTarget(ctx, options), cacheDir);
  const featuresStarted = performance.now();
  const task = ctx.progress.task('tmu twin features', 5);
  // The twin's gold model is Mo: its correctness on Dt is the generalisation label.
  // Dt is drawn from H, so one pass of Mo over H gives both g(Dt) and the per-class hard rates.
  const originalOnHoldout = modelOutputs(ctx.original, ctx.train, ctx.holdoutIds, ctx.normalize);
  const holdoutRight = correctness(originalOnHoldout);
  const holdoutRow = new Map(ctx.holdoutIds.map((id, i) => [id, i]));
  const twinLabels = Int32Array.from(ids, (id) => originalOnHoldout.labels[holdoutRow.get(id)!]!);
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
  const adversarial = adversarialFeature(twinModel, ctx.train, ids, ctx.normalize, {
    eps: options.pgdEps,
    steps: options.pgdSteps,
    stepSize: options.pgdEps / 3,
  });
  task.tick();
  const curriculumOnTwin = modelOutputs(curriculum.model, ctx.train, ids, ctx.normalize);
  const curriculumValues = curriculumFeature(
    curriculumOnTwin.logits,
    curriculumOnTwin.labels,
    curriculumOnTwin.numClasses,
  );
  task.tick();
  const originalOnMembers = modelOutputs(ctx.original, ctx.train, ctx.split.member, ctx.normalize);
  task.done();
  // The hard rate per class is Mo's error on all of H, not only on Dt: the same quantity with a
  // fifth of the sampling error (300 samples put a rate of 20% within about ±5 pp).
  const hardRateByClass = errorRateByClass(holdoutRight, originalOnHoldout.labels, ctx.train.numClasses);
  const holdoutConfidenceByClass = confidenceByClass(originalOnHoldout, holdoutRight, ctx.train.numClasses);
  let twinModelDigest: string | null = null;
  if (cacheDir) {
    const path = join(cacheDir, 'twin-model.safetensors');
    saveSafetensors(path, twinModel.stateDict(), {});
    twinModelDigest = fileDigest(path);
  }
  const featureSeconds = (performance.now() - featuresStarted) / 1000;
  return {
    originalDigest: ctx.originalDigest,
    options,
    ids,
    labels: twinLabels,
    generalisation,
    features: { distance, adversarial, curriculum: curriculumValues, neighbourhood },
    hardRateByClass,
    holdoutConfidenceByClass,
    originalFeatures: {
      ids: [...ctx.split.member],
      labels: originalOnMembers.labels,
      features: originalOnMembers.features,
      featureSize: originalOnMembers.featureSize,
    },
    model: twinModel,
    curriculum: curriculum.model,
    curriculumSource: curriculum.source,
    curriculumEpoch: curriculumTarget(ctx, options),
    curriculumDigest: curriculum.digest,
    twinModelDigest,
    seconds: {
      twinModel: twinSeconds,
      curriculum: curriculum.seconds,
      features: featureSeconds,
      total: (performance.now() - started) / 1000,
    },
    cached: false,
    cacheDir: null,
    builtBecause: null,
  };
}

interface TwinJson {
  format: string;
  originalDigest: string | null;
  optionsKey: string;
  options: TwinOptions;
  ids: string[];
  generalisation: number[];
  hardRateByClass: (number | null)[];
  holdoutConfidenceByClass: (number | null)[];
  curriculumSource: CurriculumSource;
  curriculumDigest: string | null;
  twinModelDigest: string | null;
  featuresDigest: string;
  seconds: TwinProblem['seconds'];
}

function float32(value: Tensor): Float32Array {
  return value.toTypedArray() as Float32Array;
}

/**
 * Writes the twin into `<modelDir>/twin/<options key>/` atomically (a temporary folder renamed into
 * place), then removes what no longer belongs to this model: twins built for another Mo digest and the
 * single-twin layout of older versions.
 */
function saveTwin(modelDir: string, twin: TwinProblem, stagingDir: string): void {
  const tensors = new Map<string, Tensor>([
    ['twin.labels', tensor(twin.labels)],
    ['twin.distance', tensor(twin.features.distance)],
    ['twin.adversarial', tensor(twin.features.adversarial)],
    ['twin.curriculum', tensor(twin.features.curriculum)],
    ['twin.neighbourhood', tensor(twin.features.neighbourhood)],
    ['original.labels', tensor(twin.originalFeatures.labels)],
    [
      'original.features',
      tensor(twin.originalFeatures.features, {
        shape: [twin.originalFeatures.ids.length, twin.originalFeatures.featureSize],
      }),
    ],
  ]);
  const featuresPath = join(stagingDir, 'features.safetensors');
  try {
    saveSafetensors(featuresPath, tensors, {});
  } finally {
    dispose([...tensors.values()]);
  }
  const json: TwinJson = {
    format: TWIN_FORMAT,
    originalDigest: twin.originalDigest,
    optionsKey: optionsKey(twin.options),
    options: twin.options,
    ids: twin.ids,
    generalisation: Array.from(twin.generalisation),
    hardRateByClass: twin.hardRateByClass.map((rate) => (Number.isNaN(rate) ? null : rate)),
    holdoutConfidenceByClass: twin.holdoutConfidenceByClass.map((value) => (Number.isNaN(value) ? null : value)),
    curriculumSource: twin.curriculumSource,
    curriculumDigest: twin.curriculumDigest,
    twinModelDigest: twin.twinModelDigest,
    featuresDigest: fileDigest(featuresPath),
    seconds: twin.seconds,
  };
  writeFileSync(join(stagingDir, 'twin.json'), `${JSON.stringify(json)}\n`);
  writeFileSync(join(stagingDir, 'members.json'), `${JSON.stringify(twin.originalFeatures.ids)}\n`);
  const target = twinCacheDir(modelDir, twin.options);
  mkdirSync(join(modelDir, TWIN_DIR), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(stagingDir, target);
  pruneTwinCache(modelDir, twin.originalDigest);
}

/**
 * Removes the cache entries of another original model (the model file was replaced, so they can never
 * be used again), entries that cannot be read, and the legacy single-twin files. Entries of this model
 * with other options stay; so do other processes' staging folders.
 */
function pruneTwinCache(modelDir: string, originalDigest: string | null): void {
  const root = join(modelDir, TWIN_DIR);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (!entry.isDirectory()) {
      if (LEGACY_FILE.test(entry.name)) rmSync(path, { force: true });
      continue;
    }
    if (STAGING.test(entry.name)) continue;
    let digest: unknown;
    try {
      digest = (JSON.parse(readFileSync(join(path, 'twin.json'), 'utf8')) as Partial<TwinJson>).originalDigest;
    } catch {
      // Unreadable or missing twin.json: the entry cannot serve any request, whatever wrote it.
      digest = undefined;
    }
    if (digest !== originalDigest) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Reads a cached twin if it was built for this Mo (digest) with these options; else the reason it cannot
 * be used, so that a rebuild says why.
 */
function loadCachedTwin(ctx: UnlearnContext, options: TwinOptions): TwinProblem | { miss: string } {
  if (!ctx.modelDir) return { miss: 'the model has no directory to cache a twin in' };
  const dir = twinCacheDir(ctx.modelDir, options);
  const jsonPath = join(dir, 'twin.json');
  if (!existsSync(jsonPath)) {
    if (existsSync(join(ctx.modelDir, TWIN_DIR, 'twin.json')))
      return { miss: 'the cached twin is in the single-twin layout of an older tmu' };
    const others = cachedTwinCount(ctx.modelDir);
    return {
      miss:
        others === 0
          ? 'no cached twin'
          : `no cached twin with these twin options (${others} cached with other twin options)`,
    };
  }
  let json: TwinJson;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as TwinJson;
  } catch (error) {
    return { miss: `${jsonPath} is unreadable (${(error as Error).message})` };
  }
  // The cache is keyed by Mo's digest: a changed model (or other twin options) means a rebuild.
  if (json.format !== TWIN_FORMAT)
    return { miss: `the cached twin has format ${String(json.format)}, this tmu writes ${TWIN_FORMAT}` };
  if (json.originalDigest !== ctx.originalDigest)
    return { miss: `the cached twin was built for another original model (digest ${String(json.originalDigest)})` };
  if (json.optionsKey !== optionsKey(options)) return { miss: 'the cached twin was built with other twin options' };
  const featuresPath = join(dir, 'features.safetensors');
  if (!existsSync(featuresPath)) return { miss: `${featuresPath} is missing` };
  if (fileDigest(featuresPath) !== json.featuresDigest) return { miss: `${featuresPath} fails its digest` };
  const membersPath = join(dir, 'members.json');
  let members: string[];
  try {
    members = JSON.parse(readFileSync(membersPath, 'utf8')) as string[];
  } catch (error) {
    return { miss: `${membersPath} is unreadable (${(error as Error).message})` };
  }
  if (members.length !== ctx.split.member.length || members.some((id, i) => id !== ctx.split.member[i]))
    return { miss: "the cached twin's member set is not the model's" };
  const curriculumPath =
    json.curriculumSource === 'replayed' ? join(dir, 'curriculum.safetensors') : ctx.curriculum?.path;
  if (!curriculumPath || !existsSync(curriculumPath))
    return { miss: `the curriculum model ${curriculumPath ?? "(the original run's checkpoint)"} is missing` };
  if (!json.curriculumDigest || fileDigest(curriculumPath) !== json.curriculumDigest)
    return { miss: `${curriculumPath} fails its digest` };
  const twinModelPath = join(dir, 'twin-model.safetensors');
  if (!json.twinModelDigest || !existsSync(twinModelPath)) return { miss: `${twinModelPath} is missing` };
  if (fileDigest(twinModelPath) !== json.twinModelDigest) return { miss: `${twinModelPath} fails its digest` };
  const { tensors } = loadSafetensors(featuresPath);
  try {
    const get = (name: string): Tensor => {
      const value = tensors.get(name);
      if (!value) throw new Error(`${featuresPath}: missing tensor ${name}`);
      return value;
    };
    const originalFeatures = get('original.features');
    const twinModel = loadWeightsInto(createModel(ctx.architecture), twinModelPath);
    twinModel.eval();
    return {
      originalDigest: json.originalDigest,
      options: json.options,
      ids: json.ids,
      labels: get('twin.labels').toTypedArray() as Int32Array,
      generalisation: Uint8Array.from(json.generalisation),
      features: {
        distance: float32(get('twin.distance')),
        adversarial: float32(get('twin.adversarial')),
        curriculum: float32(get('twin.curriculum')),
        neighbourhood: float32(get('twin.neighbourhood')),
      },
      hardRateByClass: json.hardRateByClass.map((rate) => (rate === null ? Number.NaN : rate)),
      holdoutConfidenceByClass: json.holdoutConfidenceByClass.map((value) => (value === null ? Number.NaN : value)),
      originalFeatures: {
        ids: members,
        labels: get('original.labels').toTypedArray() as Int32Array,
        features: float32(originalFeatures),
        featureSize: originalFeatures.size(1),
      },
      model: twinModel,
      curriculum: loadWeightsInto(createModel(ctx.architecture), curriculumPath),
      curriculumSource: json.curriculumSource,
      curriculumEpoch: curriculumTarget(ctx, json.options),
      curriculumDigest: json.curriculumDigest,
      twinModelDigest: json.twinModelDigest,
      seconds: json.seconds,
      cached: true,
      cacheDir: dir,
      builtBecause: null,
    };
  } finally {
    dispose([...tensors.values()]);
  }
}

/** The twin folders beside the model, whatever their Mo or options (staging folders excluded). */
function twinFolders(modelDir: string): string[] {
  const root = join(modelDir, TWIN_DIR);
  if (!existsSync(root)) return [];
  if (!statSync(root).isDirectory())
    throw new Error(`${root}: TMU caches its twins in this folder, but it is a file; move it away`);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !STAGING.test(entry.name))
    .map((entry) => join(root, entry.name));
}

/** How many twins are cached beside the model (folders with a twin.json, whatever their Mo or options). */
function cachedTwinCount(modelDir: string): number {
  return twinFolders(modelDir).filter((dir) => existsSync(join(dir, 'twin.json'))).length;
}

/** A twin cached beside a model, as `tmu twin --list` shows it. */
export interface CachedTwinEntry {
  /** The folder, `<model>/twin/<key>`. */
  dir: string;
  key: string;
  /** Whether a request on this model can use it: built for the model's digest, in this tmu's format. */
  usable: boolean;
  /** Why not, when it is not usable. */
  reason: string | null;
  options: TwinOptions | null;
  /** Seconds its build took. */
  buildSeconds: number | null;
  /** Predictors cached with it (one per feature set and predictor options). */
  predictors: number;
  bytes: number;
}

/**
 * The twins cached beside the model in `modelDir`, read from their `twin.json` without loading any
 * weights; `originalDigest` is the model's, to tell which a request could use.
 */
export function listCachedTwins(modelDir: string, originalDigest: string | null): CachedTwinEntry[] {
  const entries: CachedTwinEntry[] = [];
  for (const dir of twinFolders(modelDir)) {
    const key = basename(dir);
    const files = readdirSync(dir, { withFileTypes: true }).filter((file) => file.isFile());
    const bytes = files.reduce((sum, file) => sum + statSync(join(dir, file.name)).size, 0);
    const predictors = files.filter((file) => /^predictor-[0-9a-f]+\.safetensors$/.test(file.name)).length;
    let json: Partial<TwinJson> | null = null;
    let reason: string | null = null;
    try {
      json = JSON.parse(readFileSync(join(dir, 'twin.json'), 'utf8')) as Partial<TwinJson>;
    } catch (error) {
      reason = `twin.json is unreadable (${(error as Error).message})`;
    }
    if (json && !reason) {
      if (json.format !== TWIN_FORMAT) reason = `format ${String(json.format)}, this tmu reads ${TWIN_FORMAT}`;
      else if (json.originalDigest !== originalDigest)
        reason = `built for another original model (digest ${String(json.originalDigest)})`;
      else if (!json.options || optionsKey(json.options) !== key) reason = 'its options do not match its folder';
    }
    entries.push({
      dir,
      key,
      usable: reason === null,
      reason,
      options: json?.options ?? null,
      buildSeconds: json?.seconds?.total ?? null,
      predictors,
      bytes,
    });
  }
  entries.sort((a, b) => a.key.localeCompare(b.key));
  // An older tmu kept one twin directly in twin/: shown so that its disk use is not a surprise.
  const root = join(modelDir, TWIN_DIR);
  const legacy = existsSync(root)
    ? readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isFile() && LEGACY_FILE.test(entry.name))
    : [];
  if (legacy.length > 0) {
    entries.push({
      dir: root,
      key: '(single-twin layout)',
      usable: false,
      reason: 'the single-twin layout of an older tmu; the next twin built for this model removes it',
      options: null,
      buildSeconds: null,
      predictors: legacy.filter((file) => /^predictor-/.test(file.name)).length,
      bytes: legacy.reduce((sum, file) => sum + statSync(join(root, file.name)).size, 0),
    });
  }
  return entries;
}

/** Releases the twin's models (Mt and the curriculum model). */
export function disposeTwin(twin: TwinProblem): void {
  twin.model.dispose();
  twin.curriculum.dispose();
}

/**
 * The twin problem for Mo: from the cache beside Mo when it was built for this exact model (same
 * digest) and options, else built now and cached. `rebuild` forces a new build.
 */
export function loadOrBuildTwin(ctx: UnlearnContext, options: TwinOptions, rebuild = false): TwinProblem {
  const cached: TwinProblem | { miss: string } = rebuild ? { miss: 'rebuildTwin=true' } : loadCachedTwin(ctx, options);
  if (!('miss' in cached)) return cached;
  ctx.progress.log('tmu twin build', { because: cached.miss });
  if (!ctx.modelDir) return { ...buildTwin(ctx, options, null), builtBecause: cached.miss };
  // Staged beside the model, not inside twin/, so that a build that fails leaves no twin/ folder behind.
  const staging = join(ctx.modelDir, `${TWIN_DIR}-${optionsKey(options)}.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const twin = { ...buildTwin(ctx, options, staging), builtBecause: cached.miss };
    saveTwin(ctx.modelDir, twin, staging);
    return { ...twin, cacheDir: twinCacheDir(ctx.modelDir, options) };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
