import { z } from 'zod';
import { DEFAULT_CURRICULUM_EPOCH } from '../../train/recipe.js';
import { DEFAULT_FEATURES, FEATURE_NAMES } from './features.js';
import { SCALER_KINDS } from './scaler.js';

/** The step of TMU a parameter belongs to, for `tmu methods` and the docs. */
export type TmuStep = 'twin' | 'features' | 'predictor' | 'transfer' | 'update' | 'general';

/**
 * TMU's parameters, grouped by the step they tune. Everything else about the method (distillation of the
 * easy samples, confidence weights, SGD with momentum 0.9 and weight decay 5e-4, batch sizes) is how it
 * works, explained in docs/tmu.md.
 */
export const tmuParams = z
  .object({
    twinPerClass: z
      .number()
      .int()
      .min(1)
      .default(300)
      .meta({ group: 'twin', description: 'holdout samples per class in the twin problem' }),
    twinEpochs: z
      .number()
      .int()
      .min(1)
      .default(5)
      .meta({ group: 'twin', description: 'epochs that turn Mo into the twin original' }),
    twinLr: z
      .number()
      .positive()
      .default(0.01)
      .meta({ group: 'twin', description: 'learning rate of that fine-tuning' }),
    twinRetainMultiple: z
      .number()
      .min(0)
      .default(4)
      .meta({ group: 'twin', description: 'member samples per twin sample in that fine-tuning' }),
    features: z
      .array(z.enum(FEATURE_NAMES))
      .min(1)
      .default([...DEFAULT_FEATURES])
      .meta({ group: 'features', description: `features of the predictor (${FEATURE_NAMES.join(', ')})` }),
    pgdEps: z
      .number()
      .positive()
      .default(4 / 255)
      .meta({ group: 'features', description: 'radius of the adversarial attack, in [0,1] pixel units' }),
    pgdSteps: z
      .number()
      .int()
      .min(1)
      .default(5)
      .meta({ group: 'features', description: 'steps of the adversarial attack' }),
    neighbours: z
      .number()
      .int()
      .min(1)
      .default(5)
      .meta({ group: 'features', description: 'same-class neighbours of the distance feature' }),
    classNeighbours: z
      .number()
      .int()
      .min(1)
      .default(50)
      .meta({ group: 'features', description: 'neighbours of any class of the neighbourhood feature' }),
    curriculumEpoch: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_CURRICULUM_EPOCH)
      .meta({ group: 'features', description: "epoch of Mo's training run whose weights give the curriculum feature" }),
    scaler: z
      .enum(SCALER_KINDS)
      .default('quantile')
      .meta({ group: 'features', description: "feature scaling: 'quantile', or the reference's 'tukey' fences" }),
    predictorEpochs: z
      .number()
      .int()
      .min(1)
      .default(200)
      .meta({ group: 'predictor', description: 'training epochs of the predictor' }),
    predictorLr: z
      .number()
      .positive()
      .default(0.01)
      .meta({ group: 'predictor', description: 'Adam learning rate of the predictor' }),
    predictorHidden: z
      .array(z.number().int().min(1))
      .default([32, 16])
      .meta({ group: 'predictor', description: 'hidden widths of the predictor MLP' }),
    threshold: z
      .union([z.literal('rate'), z.number().gt(0).lt(1)])
      .default('rate')
      .meta({
        group: 'transfer',
        description: "easy/hard split: 'rate' (as many hard as the twin predicts) or a P(easy) threshold",
      }),
    hardRateSlope: z
      .number()
      .min(0)
      .default(0.1)
      .meta({ group: 'transfer', description: 'rise of the hard share per unit share of a class forgotten' }),
    hardLabel: z
      .enum(['runner-up', 'random'])
      .default('runner-up')
      .meta({ group: 'transfer', description: "wrong label of a hard sample: Mo's runner-up class or a random one" }),
    updateEpochs: z
      .number()
      .int()
      .min(1)
      .default(3)
      .meta({ group: 'update', description: 'epochs of the aligned update' }),
    updateLr: z
      .number()
      .positive()
      .default(0.003)
      .meta({ group: 'update', description: 'SGD learning rate of the aligned update' }),
    updateBatchSize: z
      .number()
      .int()
      .min(1)
      .default(64)
      .meta({ group: 'update', description: 'batch size of the aligned update' }),
    retainMultiple: z
      .number()
      .min(0)
      .default(5)
      .meta({ group: 'update', description: 'retain samples per forget sample in the update (0: all of Dr)' }),
    easyTemperature: z
      .union([z.number().min(1), z.literal('holdout')])
      .default('holdout')
      .meta({
        group: 'update',
        description: "temperature of the easy samples' targets, or 'holdout' (Mo's holdout confidence)",
      }),
    updateSeed: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .meta({ group: 'general', description: "seed of the update's own randomness (null: the request's seed)" }),
    rebuildTwin: z
      .boolean()
      .default(false)
      .meta({ group: 'general', description: 'rebuild the cached twin and predictor' }),
  })
  .strict();

/** TMU's parameters, validated. */
export type TmuParams = z.infer<typeof tmuParams>;
