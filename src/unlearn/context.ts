import type { NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { PreprocessingState } from '../data/preprocessing.js';
import type { Split } from '../data/split.js';
import type { VocabularyState } from '../data/vocabulary.js';
import type { ArchitectureSpec } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';
import type { ProgressSink } from '../train/progress.js';
import type { TrainRecipe } from '../train/recipe.js';

/**
 * Everything an unlearning method may use. Methods read `original` but never modify it: they start
 * from a copy ({@link cloneClassifier}) and return a new model.
 */
export interface UnlearnContext {
  /** The original model Mo, trained on D. Read-only. */
  original: Classifier;
  architecture: ArchitectureSpec;
  /** The recipe Mo was trained with (retrain reuses it). */
  recipe: TrainRecipe;
  /** Train partition (D and H are subsets of it) and test partition. */
  train: Dataset;
  test: Dataset;
  normalize: NormalizeOptions;
  split: Split;
  /** Df: the ids to forget (members). */
  forgetIds: readonly string[];
  /** Dr = D \ Df, in member order. */
  retainIds: readonly string[];
  /** H: train-partition samples Mo never saw. */
  holdoutIds: readonly string[];
  /** Seed of the method's own randomness (sampling, noise, initialisation). */
  seed: number;
  progress: ProgressSink;
  /**
   * Mo's directory, where amortised artefacts (TMU's twin) are cached, or null for a model held only
   * in memory (then nothing is cached).
   */
  modelDir: string | null;
  /** Mo's digest, which keys those caches (null when unknown). */
  originalDigest: string | null;
  /** Mo's early-epoch checkpoint kept by its training run (TMU's curriculum model), or null. */
  curriculum: { path: string; epoch: number } | null;
  /**
   * Intra-op threads Mo was trained with (null when unknown): a replay of its training run with the same
   * threads reproduces its weights bit for bit.
   */
  trainingThreads: number | null;
  /**
   * For a table model: the preprocessing refitted on Dr. `original` is then Mo with the change folded
   * into its first layer and `train`/`test` are encoded with it; the unlearned model is saved with it.
   */
  preprocessing?: PreprocessingState;
  /**
   * For a text model: the vocabulary refitted on Dr (tokens only Df had removed). `original` is then Mo
   * with their embedding rows cleared; the unlearned model is saved with it.
   */
  vocabulary?: VocabularyState;
}

/**
 * A method's per-sample account of the forget set: how likely it judged each sample to be classified
 * correctly by the gold model, and which it therefore made wrong. Evaluation runs score it against the
 * real gold model.
 */
export interface ForgetDiagnostics {
  ids: readonly string[];
  /** P(easy): the method's estimate that the gold model classifies the sample correctly. */
  easyProbability: Float32Array;
  /** 1 where the method made the sample wrong (predicted hard). */
  predictedHard: Uint8Array;
  /** 1 where the method decided without an estimate (a class forgotten entirely is hard by definition). */
  bypassed: Uint8Array;
  /** The inputs of the estimate, [n, featureNames.length] (for plots). */
  features: Float32Array;
  featureNames: readonly string[];
}

/** What a method returns. */
export interface UnlearnResult {
  /** The unlearned model Mu (a new model; Mo is untouched). */
  model: Classifier;
  /** Method-specific facts for the report and the sidecar (sizes, steps, per-step seconds...). */
  summary: Record<string, unknown>;
  /**
   * The summary's main facts as a few sentences for people (`tmu unlearn` prints them instead of every
   * field, which `--json` and the sidecar keep); absent: the fields are printed as they are.
   */
  highlights?: string[];
  /** Per-sample diagnostics, from methods whose capabilities say they have them (not persisted with the model). */
  diagnostics?: ForgetDiagnostics;
}
