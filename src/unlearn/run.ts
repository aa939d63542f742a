import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { checkForgetIds, retainIds } from '../data/forget.js';
import type { LoadedDataset } from '../data/registry.js';
import type { Split } from '../data/split.js';
import { ScriptClassifier } from '../models/scriptClassifier.js';
import { loadModelData } from '../train/modelData.js';
import {
  idsDigest,
  type LoadedModel,
  loadModel,
  MODEL_FILES,
  type ModelSidecar,
  readExcludedIds,
  saveModel,
} from '../train/modelStore.js';
import { type ProgressSink, silentProgress } from '../train/progress.js';
import type { UnlearnContext, UnlearnResult } from './context.js';
import type { MethodPreparation, UnlearningMethod } from './method.js';
import { resolveParams } from './params.js';
import {
  clearRemovedInputs,
  clearRemovedTokens,
  foldPreprocessing,
  foldVocabulary,
  isTableData,
  isTextData,
} from './preprocessingFold.js';

/** An original model loaded with its data, ready for deletion requests. */
export interface PreparedOriginal {
  /** The model; for an already unlearned version, `split.member` no longer holds what it forgot. */
  loaded: LoadedModel;
  data: LoadedDataset<Dataset>;
  /** Ids earlier versions already forgot (empty for a trained model). */
  forgotten: string[];
  /** The split as trained (members include what was forgotten since). */
  fullSplit: Split;
}

/** Loads Mo and the dataset it was trained on. */
export function prepareOriginal(modelDir: string, options: { dataDir?: string } = {}): PreparedOriginal {
  const loaded = loadModel(modelDir);
  const ref = loaded.sidecar.dataset;
  if (loaded.sidecar.excluded && !loaded.sidecar.unlearning) {
    loaded.model.dispose();
    throw new Error(
      `${modelDir} was trained without ${loaded.sidecar.excluded.count} samples (a gold model); unlearn from the original model`,
    );
  }
  const data = loadModelData(ref, options.dataDir);
  // An unlearned version can take further requests: what it already forgot is no longer a member.
  const forgotten = loaded.sidecar.unlearning ? readExcludedIds(modelDir, loaded.sidecar) : [];
  const fullSplit = loaded.split;
  if (forgotten.length > 0) {
    const gone = new Set(forgotten);
    loaded.split = { ...loaded.split, member: loaded.split.member.filter((id) => !gone.has(id)) };
  }
  return { loaded, data, forgotten, fullSplit };
}

/**
 * The context for forgetting `forgetIds` from a prepared original. The ids are validated first:
 * unknown, non-member or duplicate ids, an empty set or one as large as D are errors listing them. For a
 * table model, the preprocessing is refitted on Dr and folded into a copy of Mo first
 * ({@link foldPreprocessing}); release it with {@link releaseContext}.
 */
export function buildContext(
  original: PreparedOriginal,
  forgetIds: readonly string[],
  options: { seed?: number; progress?: ProgressSink } = {},
): UnlearnContext {
  checkForgetIds(original.loaded.split, original.data.train, forgetIds);
  const remaining = retainIds(original.loaded.split, forgetIds);
  const ctx = modelContext(original, options);
  if (isTextData(original.data)) {
    const fold = foldVocabulary(ctx.original, ctx.architecture, original.data, remaining);
    return {
      ...ctx,
      original: fold.model,
      train: fold.data.train,
      test: fold.data.test,
      vocabulary: fold.state,
      forgetIds,
      retainIds: remaining,
    };
  }
  if (!isTableData(original.data)) return { ...ctx, forgetIds, retainIds: remaining };
  const fold = foldPreprocessing(ctx.original, ctx.architecture, original.data, remaining);
  return {
    ...ctx,
    original: fold.model,
    train: fold.data.train,
    test: fold.data.test,
    preprocessing: fold.state,
    forgetIds,
    retainIds: remaining,
  };
}

/**
 * Frees what {@link buildContext} made for the context alone (a table model's folded copy of Mo); the
 * prepared original itself stays the caller's.
 */
export function releaseContext(ctx: UnlearnContext, original: PreparedOriginal): void {
  if (ctx.original !== original.loaded.model) ctx.original.dispose();
}

/**
 * The context of the model alone, with no forget set (Df empty, Dr = D): for the steps that depend on Mo
 * and the holdout only, such as building TMU's twin ahead of the first request.
 */
export function modelContext(
  original: PreparedOriginal,
  options: { seed?: number; progress?: ProgressSink } = {},
): UnlearnContext {
  const { loaded, data } = original;
  const sidecar = loaded.sidecar;
  if (!sidecar.recipe) throw new Error(`${loaded.dir}: the model has no training recipe in its sidecar`);
  return {
    original: loaded.model,
    architecture: sidecar.architecture,
    recipe: sidecar.recipe,
    train: data.train,
    test: data.test,
    normalize: sidecar.dataset.normalize,
    split: loaded.split,
    forgetIds: [],
    retainIds: [...loaded.split.member],
    holdoutIds: loaded.split.holdout,
    seed: options.seed ?? 0,
    progress: options.progress ?? silentProgress,
    modelDir: loaded.dir,
    originalDigest: sidecar.digest,
    curriculum: sidecar.curriculum
      ? { path: join(loaded.dir, sidecar.curriculum.file), epoch: sidecar.curriculum.epoch }
      : null,
    trainingThreads: sidecar.training?.threads ?? null,
  };
}

/** A method's output with its cost. */
export interface TimedResult extends UnlearnResult {
  seconds: number;
  params: Record<string, unknown>;
}

/** Validates the parameters, runs the method and times it. Mo is left untouched. */
export function runMethod(
  ctx: UnlearnContext,
  method: UnlearningMethod,
  rawParams: Record<string, unknown> = {},
): TimedResult {
  const params = resolveParams(method, rawParams) as Record<string, unknown>;
  const started = performance.now();
  const result = method.unlearn(ctx, params);
  // A method that re-initialises weights (retrain) would give a removed category's column weights again.
  if (ctx.preprocessing) clearRemovedInputs(result.model, ctx.preprocessing);
  if (ctx.vocabulary) clearRemovedTokens(result.model, ctx.vocabulary);
  const seconds = (performance.now() - started) / 1000;
  return { ...result, seconds, params };
}

/**
 * Runs a method's prepare step (what it amortises across a model's requests, e.g. TMU's twin) on the
 * model's own context with validated parameters; null for a method with nothing to prepare.
 */
export function prepareMethod(
  ctx: UnlearnContext,
  method: UnlearningMethod,
  rawParams: Record<string, unknown> = {},
): MethodPreparation | null {
  if (!method.prepare) return null;
  const params = resolveParams(method, rawParams) as Record<string, unknown>;
  return method.prepare(ctx, params);
}

/** Writes the unlearned model as a child version of Mo (parent digest, method, forgotten ids). */
export function saveUnlearned(
  out: string,
  original: PreparedOriginal,
  ctx: UnlearnContext,
  method: UnlearningMethod,
  result: TimedResult,
  metrics: Record<string, number> = {},
): ModelSidecar {
  const parent = original.loaded.sidecar;
  return saveModel(out, result.model, {
    sidecar: {
      architecture: parent.architecture,
      dataset: {
        ...parent.dataset,
        ...(ctx.preprocessing ? { preprocessing: ctx.preprocessing } : {}),
        ...(ctx.vocabulary ? { vocabulary: ctx.vocabulary } : {}),
      },
      origin: parent.origin ?? null,
      parent: parent.digest,
      recipe: parent.recipe,
      training: null,
      unlearning: {
        method: method.name,
        params: result.params,
        forgetCount: ctx.forgetIds.length,
        forgetDigest: idsDigest(ctx.forgetIds),
        seconds: result.seconds,
        // For a user's TorchScript model, where the penultimate features came from (see ScriptClassifier).
        summary:
          original.loaded.model instanceof ScriptClassifier
            ? { ...result.summary, featureSource: original.loaded.model.featureSource }
            : result.summary,
      },
      metrics,
    },
    split: original.fullSplit,
    excludedIds: [...original.forgotten, ...ctx.forgetIds],
    curriculum: null,
  });
}

/** File name of the forgotten ids in an unlearned model's directory. */
export const FORGOTTEN_FILE = MODEL_FILES.excluded;
