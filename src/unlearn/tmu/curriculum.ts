/**
 * The curriculum model of TMU's curriculum feature: Mo's own training run at the end of an early epoch.
 * Samples it already fits were learned early, from the bulk of the data, and generalise.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createModel } from '../../models/architecture.js';
import type { Classifier } from '../../models/classifier.js';
import { saveSafetensors } from '../../nn/safetensors.js';
import { getNumThreads, setNumThreads } from '../../tensor/index.js';
import { fileDigest, loadWeightsInto } from '../../train/modelStore.js';
import { initialiseSeed, train } from '../../train/trainer.js';
import type { PreparationCache } from '../cache.js';
import type { UnlearnContext } from '../context.js';

/** Where the curriculum model came from: the checkpoint Mo's run kept, or a replay of that run. */
export type CurriculumSource = 'original-run' | 'replayed';

/** The curriculum model and how it was obtained. */
export interface CurriculumModel {
  model: Classifier;
  source: CurriculumSource;
  /** The epoch of Mo's run it is (the one asked for, capped by the run's length). */
  epoch: number;
  /** What identifies its weights (the checkpoint's digest, or the replay's cache key): keys the twin. */
  identity: string;
  /** Whether a replay was found in the cache (a kept checkpoint costs nothing either way). */
  cached: boolean;
  /** Seconds the replay took when it was built (0 for a kept checkpoint). */
  buildSeconds: number;
}

/** Digest of a list of ids in order (the member set's rows align with cached per-member arrays). */
export function orderedIdsDigest(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('hex');
}

/**
 * The curriculum model for `requestedEpoch`: the checkpoint Mo's training run kept when it kept that
 * epoch, at no cost; otherwise a replay of the run to that epoch (same recipe, seed, members and, where
 * known, threads, so the replay has the weights the run had), kept in the preparation cache.
 */
export function curriculumModel(ctx: UnlearnContext, requestedEpoch: number, cache: PreparationCache): CurriculumModel {
  const epoch = Math.min(requestedEpoch, ctx.recipe.epochs);
  const kept = ctx.curriculum;
  if (kept && kept.epoch === epoch) {
    const model = loadWeightsInto(createModel(ctx.architecture), kept.path);
    return { model, source: 'original-run', epoch, identity: fileDigest(kept.path), cached: true, buildSeconds: 0 };
  }
  const key = {
    kind: 'tmu-curriculum',
    format: 1,
    inputs: {
      model: ctx.originalDigest,
      members: orderedIdsDigest(ctx.split.member),
      recipe: ctx.recipe,
      epoch,
      threads: ctx.trainingThreads,
    },
  };
  const replay = cache.get(key, {
    build: () => {
      ctx.progress.log('tmu curriculum replay', { epoch, of: ctx.recipe.epochs, kept: kept?.epoch ?? 'none' });
      const threads = getNumThreads();
      if (ctx.trainingThreads !== null) setNumThreads(ctx.trainingThreads);
      try {
        initialiseSeed(ctx.recipe.seed);
        const model = createModel(ctx.architecture);
        train({
          model,
          dataset: ctx.train,
          ids: ctx.split.member,
          recipe: ctx.recipe,
          normalize: ctx.normalize,
          progress: ctx.progress,
          stopAfterEpoch: epoch,
        });
        return model;
      } finally {
        setNumThreads(threads);
      }
    },
    write: (model, dir) => {
      saveSafetensors(join(dir, 'curriculum.safetensors'), model.stateDict(), {});
      return null;
    },
    read: (dir) => loadWeightsInto(createModel(ctx.architecture), join(dir, 'curriculum.safetensors')),
  });
  replay.value.eval();
  return {
    model: replay.value,
    source: 'replayed',
    epoch,
    identity: replay.key,
    cached: replay.cached,
    buildSeconds: replay.buildSeconds,
  };
}
