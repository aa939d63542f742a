import { z } from 'zod';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';
import { randomLabelFineTune } from './shared.js';

/**
 * Random labels (RL): fine-tune on Df relabelled with random wrong classes, mixed with Dr under its
 * true labels, so Df's learned associations are overwritten while Dr keeps the rest.
 */
export const randomLabel = defineMethod({
  name: 'random-label',
  description:
    'Random labels (RL): relabel every Df sample once with a uniformly random wrong class and fine-tune with SGD on those together with a random Dr sample of retainMultiple x |Df| under true labels (0: all of Dr), shuffled into the same batches.',
  reference:
    'Golatkar et al., "Eternal Sunshine of the Spotless Net", CVPR 2020; Graves et al., "Amnesiac Machine Learning", AAAI 2021; as run by Fan et al. (SalUn), ICLR 2024',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      epochs: z.number().int().min(1).default(1).describe('epochs over Df plus the Dr sample'),
      retainMultiple: z.number().min(0).default(50).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      lr: z.number().positive().default(0.003).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(64).describe('batch size'),
    })
    .strict(),
  unlearn(ctx, params) {
    const model = cloneClassifier(ctx.original, ctx.architecture);
    const summary = randomLabelFineTune(ctx, model, { ...params, label: 'random-label' });
    return { model, summary };
  },
});
