/**
 * Helpers of the unlearning tests: a tiny real Fashion-MNIST subset on disk, a small original model
 * trained on it in-process, the UnlearnContext for a forget set, and snapshots of model weights.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Batches } from '../../src/data/batches.js';
import { retainIds, selectForget } from '../../src/data/forget.js';
import { fitPreprocessing } from '../../src/data/preprocessing.js';
import { type LoadedDataset, loadDataset } from '../../src/data/registry.js';
import { makeSplit, type Split } from '../../src/data/split.js';
import { encodeTable } from '../../src/data/tableDataset.js';
import { describeTable } from '../../src/data/tableSource.js';
import { type ArchitectureSpec, createModel } from '../../src/models/architecture.js';
import type { Classifier } from '../../src/models/classifier.js';
import { noGrad, softmax, tidy } from '../../src/tensor/index.js';
import { batchTensors } from '../../src/train/inputs.js';
import { silentProgress } from '../../src/train/progress.js';
import { defaultRecipe, type TrainRecipe, tableRecipe } from '../../src/train/recipe.js';
import { initialiseSeed, train } from '../../src/train/trainer.js';
import { trainToDir } from '../../src/train/trainToDir.js';
import type { UnlearnContext } from '../../src/unlearn/context.js';

/** The repository root (tests run from dist/test/unlearn/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The `tmu` command. */
export const TMU_BIN = join(REPO_ROOT, 'bin', 'tmu.mjs');
/** The real Fashion-MNIST files installed by Debian's dataset-fashion-mnist. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** Sizes of the subset. */
export const SUBSET = { train: 1200, test: 1000 } as const;

/** A temporary folder removed when the test file finishes (call at the top level). */
export function tempDir(prefix = 'tmu-unlearn-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The first `count` entries of a real (gzip) IDX file, header rewritten to the new count. */
function idxPrefix(file: string, count: number): Buffer {
  const bytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, file)));
  const ndims = bytes[3]!;
  let perItem = 1;
  for (let d = 1; d < ndims; d++) perItem *= bytes.readUInt32BE(4 + 4 * d);
  const out = Buffer.from(bytes.subarray(0, 4 + 4 * ndims + count * perItem));
  out.writeUInt32BE(count, 4);
  return out;
}

/** Writes the first `sizes` (default {@link SUBSET}) train and test samples of the real Fashion-MNIST as raw IDX files. */
export function fashionSubset(dir: string, sizes: { train: number; test: number } = SUBSET): string {
  mkdirSync(dir, { recursive: true });
  for (const [partition, prefix] of [
    ['train', 'train'],
    ['test', 't10k'],
  ] as const) {
    for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
      writeFileSync(join(dir, `${prefix}-${kind}`), idxPrefix(`${prefix}-${kind}.gz`, sizes[partition]));
    }
  }
  return dir;
}

/** Everything the method tests share: data, split, Mo, and the context of one forget set. */
export interface Fixture {
  data: LoadedDataset;
  split: Split;
  architecture: ArchitectureSpec;
  recipe: TrainRecipe;
  original: Classifier;
  ctx: UnlearnContext;
}

/**
 * Trains a small CNN on the member set of the subset (seeded, a few epochs) and builds the context for
 * forgetting a share of one class's members (the subclass scenario).
 */
export function buildFixture(
  dataDir: string,
  options: { epochs: number; forgetClass: number; fraction: number },
): Fixture {
  const data = loadDataset('fashion-mnist', { dataDir });
  const split = makeSplit(data.train, data.test, { seed: 0 });
  const architecture: ArchitectureSpec = { name: 'cnn', inChannels: 1, numClasses: 10, imageSize: 28 };
  const recipe: TrainRecipe = { ...defaultRecipe('cnn', false), epochs: options.epochs };
  const normalize = { mean: data.stats.mean, std: data.stats.std };
  initialiseSeed(recipe.seed);
  const original = createModel(architecture);
  train({ model: original, dataset: data.train, ids: split.member, recipe, normalize });
  const forget = selectForget(
    split,
    data.train,
    { scenario: 'subclass', class: options.forgetClass, fraction: options.fraction },
    0,
  );
  const ctx: UnlearnContext = {
    original,
    architecture,
    recipe,
    train: data.train,
    test: data.test,
    normalize,
    split,
    forgetIds: forget.ids,
    retainIds: retainIds(split, forget.ids),
    holdoutIds: split.holdout,
    seed: 0,
    progress: silentProgress,
    modelDir: null,
    originalDigest: null,
    curriculum: null,
    trainingThreads: null,
  };
  return { data, split, architecture, recipe, original, ctx };
}

/** A copy of every state-dict value as bytes, by name. */
export function snapshot(model: Classifier): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, tensor] of model.stateDict()) {
    const data = tensor.toTypedArray();
    out.set(name, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return out;
}

/** Names of the state-dict entries whose bytes differ between two snapshots. */
export function changedEntries(before: ReadonlyMap<string, Buffer>, after: ReadonlyMap<string, Buffer>): string[] {
  return [...before.keys()].filter((name) => !before.get(name)!.equals(after.get(name)!));
}

/** Mean softmax probability of the true class over `ids` (train partition). */
export function meanTrueClassConfidence(ctx: UnlearnContext, model: Classifier, ids: readonly string[]): number {
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  const batches = new Batches(ctx.train, ids, { batchSize: 256, normalize: ctx.normalize });
  for (const batch of batches) {
    total += tidy(() =>
      noGrad(() => {
        const { inputs, labels } = batchTensors(batch);
        return softmax(model.forward(inputs), 1).gather(1, labels.unsqueeze(1)).sum().item();
      }),
    );
  }
  model.train(wasTraining);
  return total / ids.length;
}

/** SHA-256 of every file in a folder, by name. */
export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isFile())
      out[entry.name] = createHash('sha256')
        .update(readFileSync(join(dir, entry.name)))
        .digest('hex');
  }
  return out;
}

/** A table model trained for a test: the first `rows` data rows of a shared customer file, an MLP (16). */
export interface TrainedTableModel {
  modelDir: string;
  opened: ReturnType<typeof describeTable>;
  split: Split;
}

/**
 * Trains a small MLP on the first `rows` rows of `source` (a gzip CSV), preprocessing fitted on the
 * split's members, into `dir/model`.
 */
export function trainTableModel(options: {
  source: string;
  rows: number;
  label: string;
  dir: string;
  epochs: number;
  curriculumEpoch: number;
}): TrainedTableModel {
  const file = join(options.dir, `${options.label}-${options.rows}.csv`);
  const modelDir = join(options.dir, 'model');
  const lines = gunzipSync(readFileSync(options.source)).toString('utf8').split('\n');
  writeFileSync(file, `${lines.slice(0, options.rows + 1).join('\n')}\n`);
  const opened = describeTable(file, { label: options.label });
  const split = makeSplit(opened.train, opened.test, { seed: 0 });
  const data = encodeTable(opened, fitPreprocessing(opened.train, opened.train.indicesOf(split.member)));
  trainToDir({
    out: modelDir,
    dataset: {
      name: opened.train.name,
      dataDir: null,
      train: data.train,
      test: data.test,
      normalize: { mean: [0], std: [1] },
      table: opened.ref,
      preprocessing: data.preprocessing,
    },
    architecture: { name: 'mlp', inChannels: data.preprocessing.width, numClasses: 2, imageSize: 1, hidden: [16] },
    recipe: { ...tableRecipe(), epochs: options.epochs },
    split,
    curriculumEpoch: options.curriculumEpoch,
  });
  return { modelDir, opened, split };
}
