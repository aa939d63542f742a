import { Random } from '../../data/random.js';
import type { Classifier } from '../../models/classifier.js';
import { SGD } from '../../optim/index.js';
import { crossEntropy, manualSeed, randnLike, tensor, tidy } from '../../tensor/index.js';
import { batchCount, forEachBatch } from '../batches.js';
import type { UnlearnContext } from '../context.js';

/** Hyper-parameters of the aligned update. */
export interface AlignedUpdateOptions {
  epochs: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** Retain samples per forget sample (a random subset of Dr); 0 or less: all of Dr. */
  retainMultiple: number;
  /** Standard deviation of the Gaussian noise on predicted-easy inputs, in normalised input units. */
  easyNoise: number;
  seed: number;
}

/** What the update trained on. */
export interface AlignedUpdateReport {
  retainUsed: number;
  retainFraction: number;
  steps: number;
}

/**
 * The aligned update, in place on `model` (a copy of Mo): fine-tune on Dr' ∪ Df_easy ∪ Df_hard where
 * Dr' is a random subset of Dr (true labels), Df_easy keeps its true labels but its inputs get Gaussian
 * noise (so it is fit like unseen data of its class, without member-level confidence), and each Df_hard
 * sample carries a wrong label fixed once (`hardLabels`), so the model stops getting it right, as the
 * gold model would.
 */
export function alignedUpdate(ctx: UnlearnContext, model: Classifier, easyIds: readonly string[], hardLabels: ReadonlyMap<string, number>, options: AlignedUpdateOptions): AlignedUpdateReport {
  const random = new Random(options.seed).fork('tmu/aligned-update');
  const forgetCount = easyIds.length + hardLabels.size;
  const retainCount = options.retainMultiple > 0 ? Math.min(ctx.retainIds.length, Math.round(options.retainMultiple * forgetCount)) : ctx.retainIds.length;
  const retain = retainCount === ctx.retainIds.length ? [...ctx.retainIds] : random.fork('retain').sample([...ctx.retainIds], retainCount);
  const ids = [...retain, ...easyIds, ...hardLabels.keys()];
  const easy = new Set(easyIds);
  manualSeed(random.fork('noise').nextUint32());
  model.train();
  const optimizer = new SGD(model.parameters(), { lr: options.lr, momentum: options.momentum, weightDecay: options.weightDecay });
  let steps = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const task = ctx.progress.task(`tmu update epoch ${epoch + 1}/${options.epochs}`, batchCount(ids.length, options.batchSize));
      forEachBatch(ctx, ids, { batchSize: options.batchSize, epoch, seed: options.seed }, (batch) => {
        const n = batch.ids.length;
        const labels = new BigInt64Array(n);
        const noiseMask = new Float32Array(n);
        batch.ids.forEach((id, i) => {
          labels[i] = BigInt(hardLabels.get(id) ?? batch.labels[i]!);
          noiseMask[i] = easy.has(id) ? options.easyNoise : 0;
        });
        tidy(() => {
          optimizer.zeroGrad();
          let inputs = tensor(batch.inputs, { shape: batch.shape });
          if (options.easyNoise > 0 && noiseMask.some((v) => v > 0)) {
            inputs = inputs.add(randnLike(inputs).mul(tensor(noiseMask, { shape: [n, 1, 1, 1] })));
          }
          crossEntropy(model.forward(inputs), tensor(labels)).backward();
          optimizer.step();
        });
        steps++;
        task.tick();
      });
      task.done();
    }
  } finally {
    optimizer.dispose();
  }
  model.eval();
  return { retainUsed: retain.length, retainFraction: retain.length / Math.max(1, ctx.retainIds.length), steps };
}
