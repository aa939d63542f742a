/**
 * What TMU builds once per original model and reuses for every deletion request: the curriculum model,
 * the twin problem (step 1, with the twin's features of step 2) and the trained predictor (step 3). All
 * three go through the preparation cache beside the model.
 *
 * @module
 */

import { join } from 'node:path';
import { loadSafetensors, saveSafetensors } from '../../nn/safetensors.js';
import { dispose } from '../../tensor/index.js';
import { PreparationCache } from '../cache.js';
import type { UnlearnContext } from '../context.js';
import { type CurriculumModel, curriculumModel, orderedIdsDigest } from './curriculum.js';
import type { FeatureName } from './features.js';
import type { TmuParams } from './parameters.js';
import { GeneralisationPredictor, trainPredictor } from './predictor.js';
import { applyScaler, type FeatureScaler, fitScaler } from './scaler.js';
import { buildTwin, type TwinOptions, type TwinProblem, twinCodec, twinHardRate } from './twin.js';

/** A predictor ready to apply to the real problem's features. */
export interface PreparedPredictor {
  predictor: GeneralisationPredictor;
  scaler: FeatureScaler;
  features: FeatureName[];
  heldOutAccuracy: number;
  heldOutAuroc: number;
}

/** TMU's per-model state. Release its models with {@link releasePreparation}. */
export interface TmuPreparation {
  curriculum: CurriculumModel;
  twin: TwinProblem;
  predictor: PreparedPredictor;
  /** Whether every part came from the cache. */
  reused: boolean;
  /** Seconds this preparation took (about 0 when everything was cached). */
  seconds: number;
  /** Seconds building every part takes (what each cost when built, also when found cached). */
  buildSeconds: number;
  /** For reports: where each part came from. */
  summary: TmuPreparationSummary;
}

/** Where each part of TMU's preparation came from, as the request summary and `tmu prepare` report it. */
export interface TmuPreparationSummary {
  twin: {
    cached: boolean;
    /** Why it was built (absent when it came from the cache). */
    builtBecause?: string;
    /** Its cache key: the folder `cache/tmu-twin/<key>` beside the model. */
    key: string;
    samples: number;
    /** Share of the twin samples Mo gets wrong. */
    hardRate: number;
    buildSeconds: number;
  };
  curriculum: { source: 'original-run' | 'replayed'; epoch: number; cached: boolean };
  predictor: {
    cached: boolean;
    key: string;
    features: FeatureName[];
    scaler: TmuParams['scaler'];
    heldOutAccuracy: number;
    heldOutAuroc: number;
  };
}

/** The twin options within TMU's parameters, for the request's seed. */
function twinOptions(p: TmuParams, seed: number): TwinOptions {
  return {
    perClass: p.twinPerClass,
    epochs: p.twinEpochs,
    lr: p.twinLr,
    retainMultiple: p.twinRetainMultiple,
    pgdEps: p.pgdEps,
    pgdSteps: p.pgdSteps,
    neighbours: p.neighbours,
    classNeighbours: p.classNeighbours,
    seed,
  };
}

interface PredictorMeta {
  scaler: FeatureScaler;
  heldOutAccuracy: number;
  heldOutAuroc: number;
}

/**
 * Builds TMU's per-model state, or reads it from the cache beside Mo. `p.rebuildTwin` rebuilds the twin
 * and the predictor (and a replayed curriculum model) even when cached.
 */
export function prepareTmu(ctx: UnlearnContext, p: TmuParams): TmuPreparation {
  const started = performance.now();
  const cache = new PreparationCache(ctx.modelDir, ctx.originalDigest, ctx.progress);
  const rebuild = { rebuild: p.rebuildTwin };
  const curriculum = curriculumModel(ctx, p.curriculumEpoch, cache);
  try {
    const options = twinOptions(p, ctx.seed);
    const twinKey = {
      kind: 'tmu-twin',
      format: 1,
      inputs: {
        model: ctx.originalDigest,
        members: orderedIdsDigest(ctx.split.member),
        holdout: orderedIdsDigest(ctx.holdoutIds),
        curriculum: curriculum.identity,
        options,
      },
    };
    const twin = cache.get(
      twinKey,
      twinCodec(() => buildTwin(ctx, options, curriculum.model)),
      rebuild,
    );
    ctx.progress.log('tmu twin', { cached: twin.cached ? 'yes' : 'no', samples: twin.value.ids.length });
    const features = [...p.features];
    const predictorOptions = {
      hidden: p.predictorHidden,
      lr: p.predictorLr,
      epochs: p.predictorEpochs,
      seed: ctx.seed,
    };
    const predictorKey = {
      kind: 'tmu-predictor',
      format: 1,
      inputs: { twin: twin.key, features, scaler: p.scaler, ...predictorOptions },
    };
    const predictor = cache.get<PreparedPredictor>(
      predictorKey,
      {
        build: () => {
          const columns = features.map((name) => twin.value.features[name]);
          const scaler = fitScaler(columns, p.scaler);
          const trained = trainPredictor(
            applyScaler(scaler, columns),
            twin.value.generalisation,
            features.length,
            predictorOptions,
          );
          return {
            predictor: trained.predictor,
            scaler,
            features,
            heldOutAccuracy: trained.heldOutAccuracy,
            heldOutAuroc: trained.heldOutAuroc,
          };
        },
        write: (value, dir) => {
          saveSafetensors(join(dir, 'predictor.safetensors'), value.predictor.stateDict(), {});
          const meta: PredictorMeta = {
            scaler: value.scaler,
            heldOutAccuracy: value.heldOutAccuracy,
            heldOutAuroc: value.heldOutAuroc,
          };
          return meta;
        },
        read: (dir, stored) => {
          const meta = stored as PredictorMeta;
          const predictor = new GeneralisationPredictor(features.length, p.predictorHidden);
          const { tensors } = loadSafetensors(join(dir, 'predictor.safetensors'));
          try {
            predictor.loadStateDict(tensors);
          } catch (error) {
            predictor.dispose();
            throw error;
          } finally {
            dispose([...tensors.values()]);
          }
          return {
            predictor,
            scaler: meta.scaler,
            features,
            heldOutAccuracy: meta.heldOutAccuracy,
            heldOutAuroc: meta.heldOutAuroc,
          };
        },
      },
      rebuild,
    );
    return {
      curriculum,
      twin: twin.value,
      predictor: predictor.value,
      reused: curriculum.cached && twin.cached && predictor.cached,
      seconds: (performance.now() - started) / 1000,
      buildSeconds: curriculum.buildSeconds + twin.buildSeconds + predictor.buildSeconds,
      summary: {
        twin: {
          cached: twin.cached,
          ...(twin.builtBecause ? { builtBecause: twin.builtBecause } : {}),
          key: twin.key,
          samples: twin.value.ids.length,
          hardRate: Number(twinHardRate(twin.value.generalisation).toFixed(4)),
          buildSeconds: Number(twin.buildSeconds.toFixed(3)),
        },
        curriculum: { source: curriculum.source, epoch: curriculum.epoch, cached: curriculum.cached },
        predictor: {
          cached: predictor.cached,
          key: predictor.key,
          features,
          scaler: p.scaler,
          heldOutAccuracy: predictor.value.heldOutAccuracy,
          heldOutAuroc: predictor.value.heldOutAuroc,
        },
      },
    };
  } catch (error) {
    curriculum.model.dispose();
    throw error;
  }
}

/** Releases the preparation's models. */
export function releasePreparation(preparation: TmuPreparation): void {
  preparation.curriculum.model.dispose();
  preparation.predictor.predictor.dispose();
}
