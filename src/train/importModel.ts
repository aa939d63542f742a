/**
 * Bringing a user's own model into the model store: a TorchScript archive, a `torch.save` state dict or
 * a safetensors file of a built-in architecture (torchvision's ResNets), with what tmu cannot guess
 * (dataset, normalisation, split, recipe). The library form of `tmu import`.
 *
 * @module
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizeOptions } from '../data/batches.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Split } from '../data/split.js';
import { type ArchitectureSpec, createModel } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';
import { ScriptClassifier } from '../models/scriptClassifier.js';
import { decodeSafetensors, saveSafetensors } from '../nn/safetensors.js';
import { loadScript } from '../nn/scriptModule.js';
import { decodeTorchStateDict } from '../nn/torchStateDict.js';
import { zipEntryNames } from '../nn/zipArchive.js';
import { dispose, type Tensor, tidy } from '../tensor/index.js';
import { fileDigest, type ModelOrigin, type ModelSidecar, type OriginFormat, saveModel } from './modelStore.js';
import { accuracy, predict } from './predict.js';
import { DEFAULT_CURRICULUM_EPOCH, type TrainRecipe } from './recipe.js';

/** A model file or its metadata that cannot be imported; the message names the file and the problem. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** What {@link importModel} needs. */
export interface ImportOptions {
  /** The user's model file. */
  modelFile: string;
  /**
   * For a state dict or safetensors file: the built-in architecture it belongs to (e.g. resnet18, CIFAR
   * stem); the input and class counts come from the dataset. Ignored for a TorchScript archive.
   */
  architecture?: Pick<ArchitectureSpec, 'name' | 'width' | 'stem' | 'hidden'>;
  dataset: { name: string; dataDir: string | null; train: ImageDataset; test: ImageDataset };
  /** What the model receives: (pixel in [0, 1] - mean) / std per channel; mean 0, std 1 for none. */
  normalize: NormalizeOptions;
  /** The ids the model was trained on (member), never saw (holdout), and the test ids. */
  split: Split;
  /** How methods that fine-tune or retrain the model train it. */
  recipe: TrainRecipe;
  /** An early checkpoint of the user's training run, in the model's own format, for TMU's curriculum feature. */
  curriculumFile?: string;
  out: string;
}

/** The form of a model file, from its bytes. */
export function detectFormat(path: string, bytes: Uint8Array): OriginFormat {
  if (bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const names = zipEntryNames(bytes, path);
    if (names.some((name) => /(^|\/)constants\.pkl$/.test(name) || /(^|\/)code\//.test(name))) return 'torchscript';
    if (names.some((name) => name.endsWith('data.pkl'))) return 'torch-state-dict';
    throw new ImportError(`${path}: a zip archive, but neither a TorchScript archive nor a torch.save file`);
  }
  if (bytes.byteLength >= 9 && bytes[8] === 0x7b) return 'safetensors';
  throw new ImportError(
    `${path}: not a TorchScript archive, torch.save state dict or safetensors file (save it with torch.jit.script(model).save(path) or torch.save(model.state_dict(), path))`,
  );
}

function checkSplit(split: Split, train: ImageDataset, test: ImageDataset, source: string): void {
  for (const [field, ids, dataset] of [
    ['member', split.member, train],
    ['holdout', split.holdout, train],
    ['test', split.test, test],
  ] as const) {
    const missing = ids.filter((id) => !dataset.has(id));
    if (missing.length > 0)
      throw new ImportError(
        `${source}: ${missing.length} "${field}" id(s) are not in ${dataset.name}/${dataset.partition}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
      );
  }
}

function readState(path: string, format: OriginFormat): Map<string, Tensor> {
  const bytes = readFileSync(path);
  return format === 'safetensors' ? decodeSafetensors(bytes, path).tensors : decodeTorchStateDict(bytes, path);
}

/** Loads the user's file as a classifier of the dataset's shape, with its own weights. */
function loadUserModel(path: string, format: OriginFormat, spec: ArchitectureSpec): Classifier {
  if (format === 'torchscript') {
    return new ScriptClassifier(loadScript(path), {
      inputShape: [spec.inChannels, spec.imageSize, spec.imageSize],
      numClasses: spec.numClasses,
      source: path,
    });
  }
  const state = readState(path, format);
  const model = createModel(spec);
  try {
    model.loadStateDict(state);
  } catch (error) {
    model.dispose();
    throw new ImportError(`${path}: ${(error as Error).message.replace(/^loadStateDict: /, '')}`);
  } finally {
    dispose([...state.values()]);
  }
  const nan = [...model.stateDict()].filter(
    ([, t]) => t.dtype.startsWith('float') && tidy(() => t.isnan().any().item()),
  );
  if (nan.length > 0) {
    model.dispose();
    throw new ImportError(`${path}: NaN values in ${nan.map(([name]) => name).join(', ')}`);
  }
  return model;
}

/**
 * Writes a model directory for a user's model: its weights (safetensors) and, in its own form, the
 * TorchScript archive or `torch.save` state dict; the split, normalisation, recipe, the origin (format,
 * file, digest) and the holdout and test accuracy. Everything is checked before anything is written.
 *
 * @throws ImportError (or the readers' own errors) naming the file and the problem
 */
export function importModel(options: ImportOptions): ModelSidecar {
  const { modelFile, dataset, split } = options;
  const bytes = readFileSync(modelFile);
  const format = detectFormat(modelFile, bytes);
  const base = {
    inChannels: dataset.train.channels,
    numClasses: dataset.train.numClasses,
    imageSize: dataset.train.height,
  };
  let spec: ArchitectureSpec;
  if (format === 'torchscript') {
    spec = { name: 'torchscript', file: modelFile, ...base };
  } else {
    if (!options.architecture)
      throw new ImportError(
        `${modelFile}: a state dict holds weights only: name its architecture with --arch (e.g. resnet18 --stem cifar)`,
      );
    spec = { ...options.architecture, ...base };
  }
  if (split.dataset !== dataset.train.name)
    throw new ImportError(`the split is for ${split.dataset}, not ${dataset.train.name}`);
  checkSplit(split, dataset.train, dataset.test, 'the split');
  if (options.normalize.mean.length !== base.inChannels || options.normalize.std.length !== base.inChannels)
    throw new ImportError(
      `--normalize gives ${options.normalize.mean.length} mean(s) and ${options.normalize.std.length} std(s); ${dataset.train.name} has ${base.inChannels} channel(s)`,
    );

  const model = loadUserModel(modelFile, format, spec);
  let curriculum: Classifier | null = null;
  try {
    if (options.curriculumFile !== undefined) {
      const curriculumFormat = detectFormat(options.curriculumFile, readFileSync(options.curriculumFile));
      curriculum = loadUserModel(options.curriculumFile, curriculumFormat, { ...spec, file: options.curriculumFile });
      const own = [...model.stateDict()].map(([name, t]) => `${name}:${t.shape.join('x')}`).join(',');
      const theirs = [...curriculum.stateDict()].map(([name, t]) => `${name}:${t.shape.join('x')}`).join(',');
      if (own !== theirs)
        throw new ImportError(
          `${options.curriculumFile}: the curriculum checkpoint's parameters differ from the model's (not the same architecture)`,
        );
    }
    model.eval();
    const normalize = options.normalize;
    const holdoutAcc =
      split.holdout.length > 0 ? accuracy(predict(model, dataset.train, split.holdout, { normalize })) : Number.NaN;
    const testAcc =
      split.test.length > 0 ? accuracy(predict(model, dataset.test, split.test, { normalize })) : Number.NaN;
    const origin: ModelOrigin = { format, file: modelFile, digest: fileDigest(modelFile) };
    const curriculumPath = curriculum !== null ? join(options.out, 'curriculum.import.safetensors') : null;
    const epoch = Math.min(DEFAULT_CURRICULUM_EPOCH, options.recipe.epochs);
    return saveModelWithCurriculum(options.out, model, curriculum, curriculumPath, epoch, {
      architecture: spec,
      dataset: { name: dataset.name, dataDir: dataset.dataDir, normalize },
      origin,
      parent: null,
      recipe: options.recipe,
      training: null,
      unlearning: null,
      metrics: { holdoutAcc, testAcc },
      split,
    });
  } finally {
    model.dispose();
    curriculum?.dispose();
  }
}

/** Writes the model directory; a curriculum checkpoint is written first, and saveModel moves it into place. */
function saveModelWithCurriculum(
  out: string,
  model: Classifier,
  curriculum: Classifier | null,
  curriculumPath: string | null,
  epoch: number,
  input: Omit<ModelSidecar, 'format' | 'digest' | 'split' | 'excluded' | 'curriculum' | 'createdAt'> & {
    split: Split;
  },
): ModelSidecar {
  const { split, ...sidecar } = input;
  if (curriculum !== null && curriculumPath !== null) {
    mkdirSync(out, { recursive: true });
    saveSafetensors(curriculumPath, curriculum.stateDict());
  }
  return saveModel(out, model, {
    sidecar,
    split,
    curriculum: curriculumPath !== null ? { path: curriculumPath, epoch } : null,
  });
}
