import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizeOptions } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { retainIds } from '../data/forget.js';
import type { PreprocessingState } from '../data/preprocessing.js';
import type { Split } from '../data/split.js';
import type { TableRef } from '../data/tableSource.js';
import type { VocabularyState } from '../data/vocabulary.js';
import { type ArchitectureSpec, createModel } from '../models/architecture.js';
import { MODEL_FILES, type ModelSidecar, saveModel } from './modelStore.js';
import { accuracy, predict } from './predict.js';
import { type ProgressSink, silentProgress } from './progress.js';
import { DEFAULT_CURRICULUM_EPOCH, type TrainRecipe } from './recipe.js';
import { initialiseSeed, removeCheckpoint, train } from './trainer.js';

/** What {@link trainToDir} needs: the data, the model, the recipe and where to write. */
export interface TrainToDirOptions {
  out: string;
  dataset: {
    name: string;
    dataDir: string | null;
    train: Dataset;
    test: Dataset;
    normalize: NormalizeOptions;
    /** For a table: the file and its preprocessing, recorded in the sidecar. */
    table?: TableRef;
    preprocessing?: PreprocessingState;
    /** For a text table: the vocabulary, recorded in the sidecar. */
    vocabulary?: VocabularyState;
  };
  architecture: ArchitectureSpec;
  recipe: TrainRecipe;
  split: Split;
  /** Member ids to leave out (the forget set, for a gold model). */
  excludedIds?: readonly string[];
  /** Epoch whose weights are kept for TMU's curriculum feature (0: none; default {@link DEFAULT_CURRICULUM_EPOCH}, capped by the run's length). */
  curriculumEpoch?: number;
  resume?: boolean;
  progress?: ProgressSink;
}

/**
 * Trains a model on D (or D minus the excluded ids) and writes its directory: weights, sidecar with
 * digest, recipe, split, metrics (holdout and test accuracy), curriculum checkpoint. Checkpoints every
 * epoch so an interrupted run can `resume`. The library form of `tmu train`.
 */
export function trainToDir(options: TrainToDirOptions): ModelSidecar {
  const progress = options.progress ?? silentProgress;
  const { out, dataset, recipe, split } = options;
  const excluded = options.excludedIds ?? [];
  const trainIds = excluded.length > 0 ? retainIds(split, excluded) : split.member;
  const curriculumEpoch = options.curriculumEpoch ?? Math.min(DEFAULT_CURRICULUM_EPOCH, recipe.epochs);
  mkdirSync(out, { recursive: true });
  const checkpointPath = join(out, MODEL_FILES.checkpoint);
  const curriculumPath = join(out, MODEL_FILES.curriculum);
  initialiseSeed(recipe.seed);
  const model = createModel(options.architecture);
  try {
    progress.log('train', {
      model: options.architecture.name,
      dataset: dataset.name,
      samples: trainIds.length,
      excluded: excluded.length,
      epochs: recipe.epochs,
      parameters: model.numParameters(),
    });
    const result = train({
      model,
      dataset: dataset.train,
      ids: trainIds,
      recipe,
      normalize: dataset.normalize,
      checkpointPath,
      resume: options.resume ?? false,
      progress,
      ...(curriculumEpoch > 0 && curriculumEpoch <= recipe.epochs
        ? { curriculum: { epoch: curriculumEpoch, path: curriculumPath } }
        : {}),
    });
    const evalTask = progress.task('evaluate', 2);
    const holdoutAcc =
      split.holdout.length > 0
        ? accuracy(predict(model, dataset.train, split.holdout, { normalize: dataset.normalize }))
        : Number.NaN;
    evalTask.tick();
    const testAcc = accuracy(predict(model, dataset.test, split.test, { normalize: dataset.normalize }));
    evalTask.done({ holdout: holdoutAcc, test: testAcc });
    const lastEpoch = result.epochs[result.epochs.length - 1]!;
    const sidecar = saveModel(out, model, {
      sidecar: {
        architecture: options.architecture,
        dataset: {
          name: dataset.name,
          dataDir: dataset.dataDir,
          normalize: dataset.normalize,
          ...(dataset.table ? { table: dataset.table } : {}),
          ...(dataset.preprocessing ? { preprocessing: dataset.preprocessing } : {}),
          ...(dataset.vocabulary ? { vocabulary: dataset.vocabulary } : {}),
        },
        parent: null,
        recipe,
        training: { seconds: result.seconds, threads: result.threads, epochs: result.epochs },
        unlearning: null,
        metrics: { trainLoss: lastEpoch.loss!, trainAcc: lastEpoch.trainAcc!, holdoutAcc, testAcc },
      },
      split,
      excludedIds: excluded,
      curriculum: result.curriculumSaved ? { path: curriculumPath, epoch: curriculumEpoch } : null,
    });
    removeCheckpoint(checkpointPath);
    return sidecar;
  } finally {
    model.dispose();
  }
}
