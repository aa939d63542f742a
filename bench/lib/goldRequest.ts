/**
 * A deletion request whose gold model is known: Mo, the gold model (trained with Mo's recipe without the
 * forget set, e.g. a `gold-*` folder of `tmu bench --cache`), its excluded ids as Df, and the context of
 * forgetting them from Mo. Shared by the benches that score TMU against a gold model.
 *
 * @module
 */

import { type LoadedModel, loadModel, readExcludedIds } from '../../src/train/modelStore.js';
import type { ProgressSink } from '../../src/train/progress.js';
import type { UnlearnContext } from '../../src/unlearn/context.js';
import { buildContext, type PreparedOriginal, prepareOriginal } from '../../src/unlearn/run.js';

export interface GoldRequest {
  original: PreparedOriginal;
  gold: LoadedModel;
  forgetIds: string[];
  /** The method's seed: `seed` when given, else Mo's training seed (what `tmu bench` runs TMU with). */
  seed: number;
  ctx: UnlearnContext;
}

/** Loads Mo and the gold model and builds the request's context; a model that excludes nothing is refused. */
export function loadGoldRequest(
  modelDir: string,
  goldDir: string,
  seed: string | undefined,
  progress: ProgressSink,
): GoldRequest {
  const original = prepareOriginal(modelDir);
  const gold = loadModel(goldDir);
  if (!gold.sidecar.excluded) throw new Error(`${goldDir}: not a gold model (it excludes no samples)`);
  const forgetIds = readExcludedIds(goldDir, gold.sidecar);
  const methodSeed = seed !== undefined ? Number(seed) : (original.loaded.sidecar.recipe?.seed ?? 0);
  if (!Number.isInteger(methodSeed)) throw new Error(`--seed must be an integer, got ${seed}`);
  return {
    original,
    gold,
    forgetIds,
    seed: methodSeed,
    ctx: buildContext(original, forgetIds, { seed: methodSeed, progress }),
  };
}
