import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { NormalizeOptions } from '../data/batches.js';
import { writeTextAtomic } from '../data/files.js';
import type { PreprocessingState } from '../data/preprocessing.js';
import { loadSplit, type Split, saveSplit, splitDigest } from '../data/split.js';
import type { TableRef } from '../data/tableSource.js';
import type { VocabularyState } from '../data/vocabulary.js';
import { type ArchitectureSpec, checkArchitecture, createModel } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';
import { ScriptClassifier } from '../models/scriptClassifier.js';
import { loadSafetensors, saveSafetensors } from '../nn/safetensors.js';
import { saveTorchStateDict } from '../nn/torchStateDict.js';
import { dispose } from '../tensor/index.js';
import type { TrainRecipe } from './recipe.js';

/** File names inside a model directory. */
export const MODEL_FILES = {
  weights: 'model.safetensors',
  sidecar: 'model.json',
  split: 'split.json',
  excluded: 'excluded.json',
  curriculum: 'curriculum.safetensors',
  checkpoint: 'checkpoint.safetensors',
  /** The TorchScript archive of an imported TorchScript model (its code, with the current weights). */
  script: 'model.pt',
  /** The weights of an imported state-dict model in `torch.save` format (what PyTorch loads back). */
  torchStateDict: 'model.pth',
} as const;

/** The forms a model can be brought in with `tmu import` (and is written back in). */
export const ORIGIN_FORMATS = ['torchscript', 'torch-state-dict', 'safetensors'] as const;
/** One of {@link ORIGIN_FORMATS}. */
export type OriginFormat = (typeof ORIGIN_FORMATS)[number];

/** Where an imported model came from. */
export interface ModelOrigin {
  /** The form of the user's file; unlearned versions are written in the same form. */
  format: OriginFormat;
  /** The user's file as given to `tmu import`. */
  file: string;
  /** SHA-256 of the user's file. */
  digest: string;
}

/** Sidecar format tag; bumped on incompatible changes. */
export const MODEL_FORMAT = 'tmu-model/1';

/** The dataset a model was trained on, enough to reload it. */
export interface DatasetRef {
  name: string;
  /** Folder given with --data-dir, or null for the dataset's default location. */
  dataDir: string | null;
  normalize: NormalizeOptions;
  /** For a model of a table: the file, its digest and how it is read. */
  table?: TableRef;
  /** For a model of a table: the preprocessing fitted on its members (refitted by each deletion). */
  preprocessing?: PreprocessingState;
  /** For a text model: the vocabulary fitted on its member documents (refitted by each deletion). */
  vocabulary?: VocabularyState;
}

/** What unlearning produced a model (set by the unlearn layer). */
export interface UnlearningRecord {
  method: string;
  params: Record<string, unknown>;
  /** Number of forgotten ids and the digest of their sorted list. */
  forgetCount: number;
  forgetDigest: string;
  seconds: number;
  summary?: Record<string, unknown>;
}

/** The JSON sidecar beside the weights: provenance and metrics. */
export interface ModelSidecar {
  format: typeof MODEL_FORMAT;
  /** SHA-256 of model.safetensors. */
  digest: string;
  architecture: ArchitectureSpec;
  dataset: DatasetRef;
  split: { file: string; digest: string };
  /** Member ids left out of training (the forget set of a gold model), or null. */
  excluded: { file: string; count: number; digest: string } | null;
  /** The user's model file, for a model brought in with `tmu import` (and its unlearned versions). */
  origin?: ModelOrigin | null;
  /** Digest of the model this one was derived from (unlearning), or null. */
  parent: string | null;
  recipe: TrainRecipe | null;
  /** The early-epoch checkpoint kept for TMU's curriculum feature. */
  curriculum: { file: string; epoch: number; digest: string } | null;
  training: { seconds: number; threads: number; epochs: Record<string, number>[] } | null;
  unlearning: UnlearningRecord | null;
  metrics: Record<string, number>;
  createdAt: string;
}

/** SHA-256 (hex) of a file's bytes. */
export function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** SHA-256 (hex) of a list of ids, order-independent. */
export function idsDigest(ids: readonly string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');
}

function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Whether `dir` holds a complete model (its sidecar exists). */
export function isModelDir(dir: string): boolean {
  return existsSync(join(dir, MODEL_FILES.sidecar));
}

/** What {@link saveModel} writes besides the weights. */
export interface SaveModelInput {
  sidecar: Omit<ModelSidecar, 'format' | 'digest' | 'split' | 'excluded' | 'curriculum' | 'createdAt'>;
  split: Split;
  excludedIds?: readonly string[];
  /** Weights of the curriculum checkpoint (already saved by training), with its epoch. */
  curriculum?: { path: string; epoch: number } | null;
}

/**
 * Writes a model directory: weights (safetensors, deterministic bytes so equal weights give equal
 * digests), split, excluded ids, then the sidecar. Every file is written to a temporary name and renamed,
 * and the sidecar comes last, so a crash leaves either the previous complete model or no sidecar.
 */
export function saveModel(dir: string, model: Classifier, input: SaveModelInput): ModelSidecar {
  mkdirSync(dir, { recursive: true });
  const weightsPath = join(dir, MODEL_FILES.weights);
  const state = model.stateDict();
  let architecture = input.sidecar.architecture;
  if (architecture.name === 'torchscript') {
    if (!(model instanceof ScriptClassifier))
      throw new TypeError(
        `saveModel: a torchscript architecture needs a ScriptClassifier, got ${model.constructor.name}`,
      );
    const temporary = join(dir, `${MODEL_FILES.script}.tmp-${process.pid}`);
    model.save(temporary);
    renameSync(temporary, join(dir, MODEL_FILES.script));
    architecture = { ...architecture, file: MODEL_FILES.script };
  }
  if (input.sidecar.origin?.format === 'torch-state-dict')
    saveTorchStateDict(join(dir, MODEL_FILES.torchStateDict), state);
  saveSafetensors(weightsPath, state, {
    format: MODEL_FORMAT,
    architecture: JSON.stringify(architecture),
  });
  const splitPath = join(dir, MODEL_FILES.split);
  saveSplit(splitPath, input.split);
  let excluded: ModelSidecar['excluded'] = null;
  if (input.excludedIds && input.excludedIds.length > 0) {
    writeJsonAtomic(join(dir, MODEL_FILES.excluded), { ids: input.excludedIds });
    excluded = { file: MODEL_FILES.excluded, count: input.excludedIds.length, digest: idsDigest(input.excludedIds) };
  }
  let curriculum: ModelSidecar['curriculum'] = null;
  if (input.curriculum) {
    const target = join(dir, MODEL_FILES.curriculum);
    if (input.curriculum.path !== target) renameSync(input.curriculum.path, target);
    curriculum = { file: MODEL_FILES.curriculum, epoch: input.curriculum.epoch, digest: fileDigest(target) };
  }
  const sidecar: ModelSidecar = {
    format: MODEL_FORMAT,
    digest: fileDigest(weightsPath),
    ...input.sidecar,
    architecture,
    split: { file: MODEL_FILES.split, digest: splitDigest(input.split) },
    excluded,
    curriculum,
    createdAt: new Date().toISOString(),
  };
  writeJsonAtomic(join(dir, MODEL_FILES.sidecar), sidecar);
  return sidecar;
}

/** Reads and validates a model's sidecar, naming the file and the problem. */
export function readSidecar(dir: string): ModelSidecar {
  const path = join(dir, MODEL_FILES.sidecar);
  if (!existsSync(path)) {
    throw new Error(
      existsSync(dir)
        ? `${dir} is not a tmu model: ${MODEL_FILES.sidecar} is missing (incomplete or interrupted write?)`
        : `model directory ${dir} does not exist`,
    );
  }
  let sidecar: ModelSidecar;
  try {
    sidecar = JSON.parse(readFileSync(path, 'utf8')) as ModelSidecar;
  } catch (error) {
    throw new Error(`${path}: invalid JSON (${(error as Error).message})`);
  }
  if (sidecar.format !== MODEL_FORMAT)
    throw new Error(`${path}: unsupported format '${String(sidecar.format)}' (expected ${MODEL_FORMAT})`);
  try {
    checkArchitecture(sidecar.architecture);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  // A TorchScript model's code sits beside the sidecar: the in-memory spec names it by its full path.
  if (sidecar.architecture.file !== undefined && !isAbsolute(sidecar.architecture.file))
    sidecar.architecture = { ...sidecar.architecture, file: resolve(dir, sidecar.architecture.file) };
  if (typeof sidecar.digest !== 'string' || !/^[0-9a-f]{64}$/.test(sidecar.digest))
    throw new Error(`${path}: digest must be a SHA-256 hex string`);
  return sidecar;
}

/** A loaded model with its provenance. */
export interface LoadedModel {
  model: Classifier;
  sidecar: ModelSidecar;
  split: Split;
  dir: string;
}

/**
 * Loads a model directory, checking that the weights still have the digest the sidecar recorded
 * (a modified or half-written file is refused) and that they fit the architecture.
 */
export function loadModel(dir: string): LoadedModel {
  const sidecar = readSidecar(dir);
  const weightsPath = join(dir, MODEL_FILES.weights);
  if (!existsSync(weightsPath)) throw new Error(`${dir}: ${MODEL_FILES.weights} is missing`);
  const actual = fileDigest(weightsPath);
  if (actual !== sidecar.digest) {
    throw new Error(
      `${weightsPath}: SHA-256 ${actual.slice(0, 12)}... does not match the sidecar's ${sidecar.digest.slice(0, 12)}... (file modified or partly written)`,
    );
  }
  const split = loadSplit(join(dir, sidecar.split.file));
  const model = loadWeightsInto(createModel(sidecar.architecture), weightsPath);
  return { model, sidecar, split, dir };
}

/** Loads safetensors weights into a model (strict: every key present with the right shape). */
export function loadWeightsInto<M extends Classifier>(model: M, path: string): M {
  const { tensors } = loadSafetensors(path);
  try {
    model.loadStateDict(tensors, { strict: true });
  } catch (error) {
    model.dispose();
    throw new Error(`${path}: ${(error as Error).message}`);
  } finally {
    dispose([...tensors.values()]);
  }
  return model;
}

/** The ids a gold model was trained without, from its excluded.json. */
export function readExcludedIds(dir: string, sidecar: ModelSidecar): string[] {
  if (!sidecar.excluded) return [];
  const path = join(dir, sidecar.excluded.file);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { ids?: unknown };
  if (!Array.isArray(parsed.ids) || !parsed.ids.every((id) => typeof id === 'string'))
    throw new Error(`${path}: expected {"ids": [strings]}`);
  return parsed.ids as string[];
}

/** Removes a file if present (cleanup of temporary training files). */
export function removeIfExists(path: string): void {
  rmSync(path, { force: true });
}
