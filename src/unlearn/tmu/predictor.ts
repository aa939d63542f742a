/**
 * Step 3 of TMU: the generalisation-label predictor, an MLP from the scaled features to P(easy) = P(the
 * gold model classifies the sample correctly), trained with binary cross-entropy on the twin problem,
 * where that label is known.
 *
 * @module
 */

import { Random } from '../../data/random.js';
import { ReLU } from '../../nn/activation.js';
import { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Adam } from '../../optim/index.js';
import { binaryCrossEntropyWithLogits, manualSeed, noGrad, type Tensor, tensor, tidy } from '../../tensor/index.js';
import { auroc } from '../../train/metrics.js';
import { silentProgress } from '../../train/progress.js';
import { fit } from '../fit.js';

/** Hyper-parameters of the predictor. */
export interface PredictorOptions {
  /** Hidden widths of the MLP (the reference: 32, 16). */
  hidden: readonly number[];
  /** Adam learning rate. */
  lr: number;
  epochs: number;
  seed: number;
}

/** Samples per Adam step, and the share of the twin held out to measure the predictor. */
const PREDICTOR_BATCH_SIZE = 128;
const HELD_OUT_FRACTION = 0.2;

/** The predictor MLP: features -> hidden -> ... -> one logit of P(easy). */
export class GeneralisationPredictor {
  readonly network: Sequential;

  constructor(
    readonly inputSize: number,
    hidden: readonly number[],
  ) {
    const layers: Module[] = [];
    let previous = inputSize;
    for (const width of hidden) {
      layers.push(new Linear(previous, width), new ReLU());
      previous = width;
    }
    layers.push(new Linear(previous, 1));
    this.network = new Sequential(...layers);
  }

  /** P(easy) for each row of `rows` ([n, inputSize]), in evaluation mode. */
  predict(rows: Float32Array): Float32Array {
    const n = rows.length / this.inputSize;
    if (n === 0) return new Float32Array(0);
    this.network.eval();
    return tidy(() =>
      noGrad(
        () =>
          this.network
            .forward(tensor(rows, { shape: [n, this.inputSize] }))
            .sigmoid()
            .reshape([-1])
            .toTypedArray() as Float32Array,
      ),
    );
  }

  stateDict(): Map<string, Tensor> {
    return this.network.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.network.loadStateDict(state, { strict: true });
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** A trained predictor with its quality on the twin samples it did not train on. */
export interface TrainedPredictor {
  predictor: GeneralisationPredictor;
  /** Percent of the held-out twin samples whose easy/hard call at P(easy) = 0.5 is right. */
  heldOutAccuracy: number;
  heldOutAuroc: number;
  trainSamples: number;
  heldOutSamples: number;
}

function selectRows(rows: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++)
    out.set(rows.subarray(indices[i]! * width, (indices[i]! + 1) * width), i * width);
  return out;
}

/**
 * Trains the predictor on (features, labels) of the twin: one network on a random 80% of the rows, its
 * accuracy (at 0.5) and AUROC measured on the rest.
 */
export function trainPredictor(
  rows: Float32Array,
  labels: Uint8Array,
  inputSize: number,
  options: PredictorOptions,
): TrainedPredictor {
  const n = labels.length;
  const random = new Random(options.seed);
  const order = random.fork('predictor/split').permutation(n);
  const heldOutCount = n >= 10 ? Math.round(n * HELD_OUT_FRACTION) : 0;
  const heldOut = order.subarray(0, heldOutCount);
  const trainIndices = order.subarray(heldOutCount);
  manualSeed(random.fork('predictor/init').nextUint32());
  const predictor = new GeneralisationPredictor(inputSize, options.hidden);
  const m = trainIndices.length;
  const inputs = tensor(selectRows(rows, inputSize, trainIndices), { shape: [m, inputSize] });
  const targets = tensor(
    Float32Array.from(trainIndices, (i) => labels[i]!),
    { shape: [m, 1] },
  );
  try {
    fit(predictor.network, new Adam(predictor.network.parameters(), { lr: options.lr }), {
      name: 'tmu predictor',
      epochs: options.epochs,
      batches: {
        count: () => Math.ceil(m / PREDICTOR_BATCH_SIZE),
        *epoch(epoch) {
          const permutation = random.fork(`predictor/epoch/${epoch}`).permutation(m);
          for (let start = 0; start < m; start += PREDICTOR_BATCH_SIZE)
            yield permutation.subarray(start, Math.min(m, start + PREDICTOR_BATCH_SIZE));
        },
      },
      loss: (batch) => {
        const index = tensor(BigInt64Array.from(batch, (i) => BigInt(i)));
        return binaryCrossEntropyWithLogits(
          predictor.network.forward(inputs.indexSelect(0, index)),
          targets.indexSelect(0, index),
        );
      },
      // Two hundred epochs of a few steps each: per-epoch progress lines would drown the log.
      progress: silentProgress,
    });
  } catch (error) {
    predictor.dispose();
    throw error;
  } finally {
    inputs.dispose();
    targets.dispose();
  }
  if (heldOutCount === 0)
    return { predictor, heldOutAccuracy: Number.NaN, heldOutAuroc: Number.NaN, trainSamples: m, heldOutSamples: 0 };
  const probabilities = predictor.predict(selectRows(rows, inputSize, heldOut));
  const truth = Uint8Array.from(heldOut, (i) => labels[i]!);
  let correct = 0;
  probabilities.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === truth[i]) correct++;
  });
  return {
    predictor,
    heldOutAccuracy: (100 * correct) / heldOutCount,
    heldOutAuroc: auroc(probabilities, truth),
    trainSamples: m,
    heldOutSamples: heldOutCount,
  };
}
