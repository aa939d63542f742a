import { z } from 'zod';
import type { Batch } from '../../data/batches.js';
import { crossEntropy, noGrad } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { type BatchStream, sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { distillKL } from '../losses.js';
import { defineMethod } from '../method.js';
import { deriveSeed, frozenCopy, sampleRetain, sgd } from './shared.js';

/**
 * SCRUB: a student initialised from Mo is trained against Mo as teacher, alternating max-steps that
 * push the student's outputs on Df away from the teacher's and min-steps that keep it close to the
 * teacher (and the labels) on Dr.
 */
export const scrub = defineMethod({
  name: 'scrub',
  description:
    'SCRUB (SCalable Remembering and Unlearning unBound): the student starts as a copy of Mo, the teacher is Mo. Each epoch first (for the first maxEpochs epochs) makes a max pass over Df, ascending KL(teacher || student) at temperature T, then a min pass over a Dr sample (retainMultiple x |Df|, 0 = all of Dr) descending klWeight * KL + ceWeight * CE, following the reference schedule (max steps then min steps per epoch, few epochs).',
  reference: 'Kurmanji et al., "Towards Unbounded Machine Unlearning", NeurIPS 2023',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      epochs: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe('epochs (each: max pass over Df, then min pass over the Dr sample)'),
      maxEpochs: z
        .number()
        .int()
        .min(0)
        .default(2)
        .describe('how many of the first epochs include the max pass (the reference msteps)'),
      retainMultiple: z.number().min(0).default(5).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      temperature: z.number().positive().default(4).describe('distillation temperature T'),
      klWeight: z.number().min(0).default(1).describe('weight of KL(teacher || student) in the min steps'),
      ceWeight: z.number().min(0).default(1).describe('weight of the cross-entropy on Dr in the min steps'),
      lr: z.number().positive().default(5e-4).describe('SGD learning rate'),
      momentum: z.number().min(0).max(0.999).default(0.9).describe('SGD momentum'),
      weightDecay: z.number().min(0).default(5e-4).describe('weight decay'),
      batchSize: z.number().int().min(1).default(64).describe('Dr batch size (min steps)'),
      forgetBatchSize: z.number().int().min(1).default(32).describe('Df batch size (max steps)'),
    })
    .strict(),
  unlearn(ctx, params) {
    const retain = sampleRetain(ctx, params.retainMultiple, 'scrub');
    const teacher = frozenCopy(ctx);
    const student = cloneClassifier(ctx.original, ctx.architecture);
    const maxPass = sampleBatches(ctx, ctx.forgetIds, {
      batchSize: params.forgetBatchSize,
      seed: deriveSeed(ctx.seed, 'scrub/forget'),
    });
    const minPass = sampleBatches(ctx, retain.ids, {
      batchSize: params.batchSize,
      seed: deriveSeed(ctx.seed, 'scrub/retain'),
    });
    // Each epoch: the max pass over Df (during the first maxEpochs epochs), then the min pass over Dr.
    const schedule: BatchStream<{ pass: 'max' | 'min'; batch: Batch }> = {
      count: (epoch) => (epoch < params.maxEpochs ? maxPass.count(epoch) : 0) + minPass.count(epoch),
      *epoch(epoch) {
        if (epoch < params.maxEpochs) for (const batch of maxPass.epoch(epoch)) yield { pass: 'max', batch };
        for (const batch of minPass.epoch(epoch)) yield { pass: 'min', batch };
      },
    };
    let maxSteps = 0;
    let minSteps = 0;
    try {
      fit(student, sgd(student, params), {
        name: 'scrub',
        epochs: params.epochs,
        batches: schedule,
        loss: ({ pass, batch }) => {
          const { inputs, labels } = batchTensors(batch);
          const target = noGrad(() => teacher.forward(inputs));
          const logits = student.forward(inputs);
          const divergence = distillKL(logits, target, params.temperature);
          if (pass === 'max') {
            maxSteps++;
            return divergence.neg();
          }
          minSteps++;
          return divergence.mul(params.klWeight).add(crossEntropy(logits, labels).mul(params.ceWeight));
        },
        progress: ctx.progress,
      });
    } finally {
      teacher.dispose();
    }
    return {
      model: student,
      summary: {
        maxSteps,
        minSteps,
        retainSamples: retain.ids.length,
        retainShare: retain.share,
        retainSamplesSeen: retain.ids.length * params.epochs,
      },
    };
  },
});
