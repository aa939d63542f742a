import { Random } from '../../data/random.js';
import { ReLU } from '../../nn/activation.js';
import { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Adam } from '../../optim/index.js';
import { auroc } from './auroc.js';
import { binaryCrossEntropyWithLogits, manualSeed, noGrad, tensor, tidy } from '../../tensor/index.js';

/** Hyper-parameters of the generalisation-label predictor. */
export interface PredictorOptions {
  /** Hidden widths of the MLP (the reference: 32, 16). */
  hidden: number[];
  lr: number;
  epochs: number;
  batchSize: number;
  /** Share of the twin samples held out to measure the predictor. */
  heldOutFraction: number;
  seed: number;
}

/**
 * TMU's generalisation-label predictor: an MLP from the scaled features to P(the gold model classifies
 * the sample correctly), i.e. P(easy). Trained with binary cross-entropy on the twin problem, where the
 * label is known: g(x) = [Mo(x) = y] for x in the twin-forget set Dt.
 */
export class GeneralisationPredictor {
  readonly network: Sequential;

  constructor(readonly inputSize: number, hidden: readonly number[]) {
    const layers: Module[] = [];
    let previous = inputSize;
    for (const width of hidden) {
      layers.push(new Linear(previous, width), new ReLU());
      previous = width;
    }
    layers.push(new Linear(previous, 1));
    this.network = new Sequential(...layers);
  }

  /** P(easy) for each row of `rows` ([n, inputSize]). */
  predict(rows: Float32Array): Float32Array {
    const n = rows.length / this.inputSize;
    if (n === 0) return new Float32Array(0);
    this.network.eval();
    return tidy(() => noGrad(() => this.network.forward(tensor(rows, { shape: [n, this.inputSize] })).sigmoid().reshape([-1]).toTypedArray() as Float32Array));
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** A trained predictor with its held-out quality on the twin problem. */
export interface TrainedPredictor {
  predictor: GeneralisationPredictor;
  heldOutAccuracy: number;
  heldOutAuroc: number;
  trainSamples: number;
  heldOutSamples: number;
}

function selectRows(rows: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) out.set(rows.subarray(indices[i]! * width, (indices[i]! + 1) * width), i * width);
  return out;
}

/**
 * Trains the predictor on (features, labels) with Adam and mini-batches, holding out a stratified-free
 * random share to report its accuracy (at 0.5) and AUROC on unseen twin samples.
 */
export function trainPredictor(rows: Float32Array, labels: Uint8Array, inputSize: number, options: PredictorOptions): TrainedPredictor {
  const n = labels.length;
  const random = new Random(options.seed);
  const order = random.fork('predictor/split').permutation(n);
  const heldOutCount = n >= 10 ? Math.round(n * options.heldOutFraction) : 0;
  const heldOut = order.subarray(0, heldOutCount);
  const trainIndices = order.subarray(heldOutCount);
  manualSeed(random.fork('predictor/init').nextUint32());
  const predictor = new GeneralisationPredictor(inputSize, options.hidden);
  const optimizer = new Adam(predictor.network.parameters(), { lr: options.lr });
  const trainRows = selectRows(rows, inputSize, trainIndices);
  const trainLabels = Float32Array.from(trainIndices, (i) => labels[i]!);
  const m = trainIndices.length;
  const allInputs = tensor(trainRows, { shape: [m, inputSize] });
  const allTargets = tensor(trainLabels, { shape: [m, 1] });
  try {
    predictor.network.train();
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const permutation = random.fork(`predictor/epoch/${epoch}`).permutation(m);
      for (let start = 0; start < m; start += options.batchSize) {
        const batch = permutation.subarray(start, Math.min(m, start + options.batchSize));
        tidy(() => {
          const index = tensor(BigInt64Array.from(batch, (i) => BigInt(i)));
          optimizer.zeroGrad();
          const logits = predictor.network.forward(allInputs.indexSelect(0, index));
          binaryCrossEntropyWithLogits(logits, allTargets.indexSelect(0, index)).backward();
          optimizer.step();
        });
      }
    }
  } finally {
    optimizer.dispose();
    allInputs.dispose();
    allTargets.dispose();
  }
  let heldOutAccuracy = Number.NaN;
  let heldOutAuroc = Number.NaN;
  if (heldOutCount > 0) {
    const probabilities = predictor.predict(selectRows(rows, inputSize, heldOut));
    const truth = Uint8Array.from(heldOut, (i) => labels[i]!);
    let correct = 0;
    probabilities.forEach((p, i) => { if ((p >= 0.5 ? 1 : 0) === truth[i]) correct++; });
    heldOutAccuracy = (100 * correct) / heldOutCount;
    heldOutAuroc = auroc(probabilities, truth);
  }
  return { predictor, heldOutAccuracy, heldOutAuroc, trainSamples: m, heldOutSamples: heldOutCount };
}

export { auroc };
