import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { type ForgetSpec, retainIds, selectForget } from '../data/forget.js';
import { Random } from '../data/random.js';
import { type LoadedDataset, loadDataset } from '../data/registry.js';
import { makeSplit, type Split, splitDigest } from '../data/split.js';
import { type ArchitectureName, type ArchitectureSpec, isResNet } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';
import { idsDigest, isModelDir, loadModel, type ModelSidecar, readSidecar } from '../train/modelStore.js';
import { accuracy, predict } from '../train/predict.js';
import { type ProgressSink, silentProgress } from '../train/progress.js';
import { defaultRecipe, type TrainRecipe } from '../train/recipe.js';
import { trainToDir } from '../train/trainToDir.js';
import { getMethod } from '../unlearn/methods.js';
import {
  buildContext,
  modelContext,
  type PreparedOriginal,
  prepareMethod,
  releaseContext,
  runMethod,
} from '../unlearn/run.js';
import type { MethodRun, ModelRun, SeedInput, SeedProtocol } from './evaluate.js';
import type { SetOutputs, SplitOutputs } from './outputs.js';

/** A scenario and protocol to benchmark. */
export interface BenchmarkOptions {
  dataset: string;
  dataDir: string | null;
  arch: ArchitectureName;
  width?: number;
  /** Epochs of the original and gold models (absent: the default recipe's; the recipe is otherwise the default one). */
  epochs?: number;
  /** Use only the first N training / test samples (small presets); undefined: all. */
  trainLimit?: number;
  testLimit?: number;
  scenario: Exclude<ForgetSpec, { scenario: 'ids' }>;
  seeds: number[];
  methods: string[];
  methodParams?: Record<string, Record<string, unknown>>;
  /** Size of the random Dr sample on which retain accuracy and the MIA member side are measured. */
  retainEvalSize: number;
  /** Where Mo and Mg of each seed are cached, so adding a method does not retrain them. */
  cacheDir: string;
  /** Train a second gold model with another seed: the retrain noise floor. */
  noiseFloor: boolean;
  progress?: ProgressSink;
}

/** Everything measured for one seed, ready for {@link evaluateSeed}. */
export interface BenchmarkSeed {
  input: SeedInput;
  forgetIds: string[];
  retainSampleIds: string[];
}

function limited(dataset: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= dataset.size) return dataset;
  return dataset.subset(Int32Array.from({ length: limit }, (_, i) => i));
}

function outputsOn(
  model: Classifier,
  dataset: Dataset,
  ids: readonly string[],
  normalize: LoadedDataset['stats'],
): SetOutputs {
  const predictions = predict(model, dataset, ids, {
    normalize: { mean: normalize.mean, std: normalize.std },
    logits: true,
  });
  return { ids, labels: predictions.labels, logits: predictions.logits!, numClasses: predictions.numClasses };
}

/** Trains a model into `dir` unless a model with this recipe, split and exclusion is already there. */
function ensureModel(
  dir: string,
  expected: { recipe: TrainRecipe; split: Split; excluded: readonly string[] },
  train: () => ModelSidecar,
): ModelSidecar {
  if (isModelDir(dir)) {
    const sidecar = readSidecar(dir);
    const sameExcluded =
      expected.excluded.length === 0
        ? sidecar.excluded === null
        : sidecar.excluded?.digest === idsDigest(expected.excluded);
    if (
      JSON.stringify(sidecar.recipe) === JSON.stringify(expected.recipe) &&
      sidecar.split.digest === splitDigest(expected.split) &&
      sameExcluded
    )
      return sidecar;
  }
  return train();
}

function scenarioKey(scenario: BenchmarkOptions['scenario']): string {
  switch (scenario.scenario) {
    case 'subclass':
      return `subclass-${scenario.class}-${scenario.fraction}`;
    case 'class':
      return `class-${scenario.class}`;
    case 'random':
      return `random-${scenario.fraction}`;
    case 'where':
      return `where-${scenario.where.join('&').replace(/[^A-Za-z0-9._=&<>!-]/g, '_')}`;
  }
}

/**
 * Runs the benchmark protocol: per seed, train (or reuse) the original model Mo on D and the gold model
 * Mg on Dr (and a second gold model for the noise floor), run every method from Mo, and collect each
 * model's outputs on Df, a Dr sample and T, handed to `onSeed` (then dropped, so memory stays flat).
 */
export function runBenchmark(
  options: BenchmarkOptions,
  onSeed: (seed: BenchmarkSeed) => void,
): { data: LoadedDataset; architecture: ArchitectureSpec } {
  const progress = options.progress ?? silentProgress;
  const data = loadDataset(options.dataset, options.dataDir ? { dataDir: options.dataDir } : {});
  const train = limited(data.train, options.trainLimit);
  const test = limited(data.test, options.testLimit);
  const normalize = { mean: data.stats.mean, std: data.stats.std };
  const architecture: ArchitectureSpec = {
    name: options.arch,
    inChannels: data.train.channels,
    numClasses: data.train.numClasses,
    imageSize: data.train.height,
    ...(isResNet(options.arch) ? { width: options.width ?? 1 } : {}),
  };
  const datasetRef = { name: options.dataset, dataDir: options.dataDir, train: data.train, test: data.test, normalize };
  const epochs = options.epochs ?? defaultRecipe(options.arch, data.augmentDefault).epochs;
  const base = join(
    options.cacheDir,
    `${options.dataset}-${options.arch}${options.width ? `-w${options.width}` : ''}-e${epochs}-n${options.trainLimit ?? 'all'}`,
  );
  for (const seed of options.seeds) {
    const recipe: TrainRecipe = { ...defaultRecipe(options.arch, data.augmentDefault), epochs, seed };
    const split = makeSplit(train, test, { seed });
    const seedDir = join(base, `seed-${seed}`);
    progress.log('bench seed', {
      seed,
      member: split.member.length,
      holdout: split.holdout.length,
      test: split.test.length,
    });
    const originalDir = join(seedDir, 'original');
    const originalSidecar = ensureModel(originalDir, { recipe, split, excluded: [] }, () =>
      trainToDir({ out: originalDir, dataset: datasetRef, architecture, recipe, split, progress }),
    );
    const forget = selectForget(split, data.train, options.scenario, seed);
    const retain = retainIds(split, forget.ids);
    const retainSample = new Random(seed)
      .fork('bench/retain-sample')
      .sample(retain, Math.min(retain.length, options.retainEvalSize));
    const evaluate = (model: Classifier): SplitOutputs => ({
      forget: outputsOn(model, data.train, forget.ids, data.stats),
      retain: outputsOn(model, data.train, retainSample, data.stats),
      test: outputsOn(model, data.test, split.test, data.stats),
    });
    const goldOf = (name: string, goldRecipe: TrainRecipe): ModelRun & { seconds: number } => {
      const dir = join(seedDir, name);
      const sidecar = ensureModel(dir, { recipe: goldRecipe, split, excluded: forget.ids }, () =>
        trainToDir({
          out: dir,
          dataset: datasetRef,
          architecture,
          recipe: goldRecipe,
          split,
          excludedIds: forget.ids,
          curriculumEpoch: 0,
          progress,
        }),
      );
      const loaded = loadModel(dir);
      try {
        return {
          digest: sidecar.digest,
          seconds: sidecar.training?.seconds ?? Number.NaN,
          outputs: evaluate(loaded.model),
        };
      } finally {
        loaded.model.dispose();
      }
    };
    const key = scenarioKey(options.scenario);
    const gold = goldOf(`gold-${key}`, recipe);
    const floor = options.noiseFloor ? goldOf(`gold-${key}-floor`, { ...recipe, seed: seed + 1000 }) : null;
    const loaded = loadModel(originalDir);
    const prepared: PreparedOriginal = { loaded, data, forgotten: [], fullSplit: loaded.split };
    // How well Mo fits: its accuracy on its members against unseen samples of the same distribution.
    const sampleOf = (ids: readonly string[], label: string): string[] =>
      new Random(seed).fork(label).sample(ids, Math.min(ids.length, options.retainEvalSize));
    const accuracyOn = (ids: readonly string[]): number =>
      accuracy(predict(loaded.model, data.train, ids, { normalize }));
    const protocol: SeedProtocol = {
      members: split.member.length,
      trainImages: train.size,
      epochs,
      memberAccuracy: accuracyOn(sampleOf(split.member, 'bench/member-sample')),
      holdoutAccuracy: accuracyOn(sampleOf(split.holdout, 'bench/holdout-sample')),
    };
    const original = {
      digest: originalSidecar.digest,
      seconds: originalSidecar.training?.seconds ?? Number.NaN,
      outputs: evaluate(loaded.model),
    };
    const methods: MethodRun[] = [];
    for (const name of options.methods) {
      const method = getMethod(name);
      if (method.capabilities.exact) {
        // Retraining with Mo's recipe and seed on Dr is, by definition, the gold model: reuse it.
        methods.push({
          name,
          params: { recipe },
          seconds: gold.seconds,
          outputs: gold.outputs,
          summary: { reused: 'gold model' },
        });
        continue;
      }
      progress.log('bench method', { seed, method: name });
      const params = options.methodParams?.[name] ?? {};
      // The one-off preparation (built once per model, cached beside it) is timed apart from the request.
      const preparation = prepareMethod(modelContext(prepared, { seed, progress }), method, params);
      const ctx = buildContext(prepared, forget.ids, { seed, progress });
      const result = runMethod(ctx, method, params);
      try {
        methods.push({
          name,
          params: result.params,
          seconds: result.seconds,
          preparationSeconds: preparation?.buildSeconds ?? null,
          outputs: evaluate(result.model),
          summary: result.summary,
          predictor: result.diagnostics ?? null,
        });
      } finally {
        result.model.dispose();
        releaseContext(ctx, prepared);
      }
    }
    loaded.model.dispose();
    onSeed({
      input: { seed, original, gold, goldReplica: floor, methods, protocol },
      forgetIds: forget.ids,
      retainSampleIds: retainSample,
    });
  }
  return { data, architecture };
}
