import { z } from 'zod';
import { SGD } from '../../optim/index.js';
import { crossEntropy, noGrad, tidy } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { batchCount, forEachBatch } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { defineMethod } from '../method.js';
import { deriveSeed, distillKL, frozenCopy, sampleRetain } from './shared.js';

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
    student.train();
    const optimizer = new SGD(student.parameters(), {
      lr: params.lr,
      momentum: params.momentum,
      weightDecay: params.weightDecay,
    });
    const forgetSeed = deriveSeed(ctx.seed, 'scrub/forget');
    const retainSeed = deriveSeed(ctx.seed, 'scrub/retain');
    let maxSteps = 0;
    let minSteps = 0;
    try {
      for (let epoch = 0; epoch < params.epochs; epoch++) {
        if (epoch < params.maxEpochs) {
          const task = ctx.progress.task(
            `scrub epoch ${epoch + 1}/${params.epochs} max`,
            batchCount(ctx.forgetIds.length, params.forgetBatchSize),
          );
          forEachBatch(ctx, ctx.forgetIds, { batchSize: params.forgetBatchSize, epoch, seed: forgetSeed }, (batch) => {
            const kl = tidy(() => {
              optimizer.zeroGrad();
              const { inputs } = batchTensors(batch);
              const target = noGrad(() => teacher.forward(inputs));
              const divergence = distillKL(student.forward(inputs), target, params.temperature);
              divergence.neg().backward();
              optimizer.step();
              return divergence.item();
            });
            maxSteps++;
            task.tick(1, { kl });
          });
          task.done();
        }
        const task = ctx.progress.task(
          `scrub epoch ${epoch + 1}/${params.epochs} min`,
          batchCount(retain.ids.length, params.batchSize),
        );
        forEachBatch(ctx, retain.ids, { batchSize: params.batchSize, epoch, seed: retainSeed }, (batch) => {
          tidy(() => {
            optimizer.zeroGrad();
            const { inputs, labels } = batchTensors(batch);
            const target = noGrad(() => teacher.forward(inputs));
            const logits = student.forward(inputs);
            distillKL(logits, target, params.temperature)
              .mul(params.klWeight)
              .add(crossEntropy(logits, labels).mul(params.ceWeight))
              .backward();
            optimizer.step();
          });
          minSteps++;
          task.tick();
        });
        task.done();
      }
    } finally {
      optimizer.dispose();
      teacher.dispose();
    }
    student.eval();
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
