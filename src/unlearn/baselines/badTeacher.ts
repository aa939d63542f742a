import { z } from 'zod';
import { createModel } from '../../models/architecture.js';
import { Adam } from '../../optim/index.js';
import { klDiv, logSoftmax, manualSeed, noGrad, softmax, tensor } from '../../tensor/index.js';
import { batchTensors } from '../../train/inputs.js';
import { sampleBatches } from '../batches.js';
import { cloneClassifier } from '../clone.js';
import { fit } from '../fit.js';
import { defineMethod } from '../method.js';
import { deriveSeed, frozenCopy, sampleRetain } from './shared.js';

/**
 * Bad Teacher: a student (a copy of Mo) distils from two teachers: the competent one (Mo) on Dr and
 * an incompetent, randomly initialised one on Df, so Df outputs become uninformative while the rest
 * of the model is preserved.
 */
export const badTeacher = defineMethod({
  name: 'bad-teacher',
  description:
    'Bad Teacher (competent/incompetent teacher distillation): the student starts as a copy of Mo and is trained with Adam to match, at temperature T, the softmax of the competent teacher (Mo) on a Dr sample (retainMultiple x |Df|, 0 = all of Dr) and of an incompetent teacher (the same architecture, randomly initialised) on Df, both in the same shuffled batches, by KL(teacher || student).',
  reference:
    'Chundawat et al., "Can Bad Teaching Induce Forgetting? Unlearning in Deep Networks Using an Incompetent Teacher", AAAI 2023',
  capabilities: { needsHoldout: false, diagnostics: false, exact: false },
  params: z
    .object({
      epochs: z.number().int().min(1).default(1).describe('epochs over Df plus the Dr sample'),
      retainMultiple: z.number().min(0).default(5).describe('Dr sample size as a multiple of |Df| (0 = all of Dr)'),
      temperature: z.number().positive().default(1).describe('distillation temperature T'),
      lr: z.number().positive().default(1e-5).describe('Adam learning rate'),
      batchSize: z.number().int().min(1).default(64).describe('batch size'),
    })
    .strict(),
  unlearn(ctx, params) {
    const retain = sampleRetain(ctx, params.retainMultiple, 'bad-teacher');
    const forget = new Set(ctx.forgetIds);
    const competent = frozenCopy(ctx);
    manualSeed(deriveSeed(ctx.seed, 'bad-teacher/incompetent-init'));
    const incompetent = createModel(ctx.architecture);
    incompetent.eval();
    incompetent.requiresGrad_(false);
    const student = cloneClassifier(ctx.original, ctx.architecture);
    const t = params.temperature;
    let steps = 0;
    try {
      ({ steps } = fit(student, new Adam(student.parameters(), { lr: params.lr }), {
        name: 'bad-teacher',
        epochs: params.epochs,
        batches: sampleBatches(ctx, [...retain.ids, ...ctx.forgetIds], {
          batchSize: params.batchSize,
          seed: deriveSeed(ctx.seed, 'bad-teacher/order'),
        }),
        loss: (batch) => {
          const { inputs } = batchTensors(batch);
          const isForget = tensor(
            Float32Array.from(batch.ids, (id) => (forget.has(id) ? 1 : 0)),
            { shape: [batch.ids.length, 1] },
          );
          const target = noGrad(() => {
            const good = softmax(competent.forward(inputs).div(t), 1);
            const bad = softmax(incompetent.forward(inputs).div(t), 1);
            return bad.mul(isForget).add(good.mul(isForget.neg().add(1)));
          });
          return klDiv(logSoftmax(student.forward(inputs).div(t), 1), target, 'batchmean');
        },
        progress: ctx.progress,
      }));
    } finally {
      competent.dispose();
      incompetent.dispose();
    }
    return {
      model: student,
      summary: {
        steps,
        retainSamples: retain.ids.length,
        retainShare: retain.share,
        retainSamplesSeen: retain.ids.length * params.epochs,
        forgetSamplesSeen: ctx.forgetIds.length * params.epochs,
      },
    };
  },
});
