import { Random } from '../../data/random.js';
import { ReLU } from '../../nn/activation.js';
import { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Adam } from '../../optim/index.js';
import { binaryCrossEntropyWithLogits, manualSeed, noGrad, type Tensor, tensor, tidy } from '../../tensor/index.js';
import { auroc } from './auroc.js';

/** Hyper-parameters of the generalisation-label predictor. */
export interface PredictorOptions {
  /** Hidden widths of the MLP (the reference: 32, 16). */
  hidden: number[];
  lr: number;
  epochs: number;
  batchSize: number;
  /** Share of the twin samples held out to measure the predictor (with one fold). */
  heldOutFraction: number;
  /**
   * Cross-fitting: with F >= 2 folds, F networks, each trained with one fold held out; the held-out
   * metrics come from every sample's out-of-fold prediction and the predictor is the networks' mean
   * P(easy). So every twin sample trains the predictor and every one measures it, where one fold (the
   * default) trains on 1 - heldOutFraction of them and measures on the rest.
   */
  folds?: number;
  seed: number;
}

/** One network's P(easy) for each row of `rows` ([n, inputSize]), in evaluation mode. */
function easyProbability(network: Sequential, rows: Float32Array, inputSize: number): Float32Array {
  const n = rows.length / inputSize;
  network.eval();
  return tidy(() =>
    noGrad(
      () =>
        network
          .forward(tensor(rows, { shape: [n, inputSize] }))
          .sigmoid()
          .reshape([-1])
          .toTypedArray() as Float32Array,
    ),
  );
}

/**
 * TMU's generalisation-label predictor: an MLP from the scaled features to P(the gold model classifies
 * the sample correctly), i.e. P(easy), or the mean of several such MLPs (cross-fitted, see
 * {@link PredictorOptions.folds}). Trained with binary cross-entropy on the twin problem, where the
 * label is known: g(x) = [Mo(x) = y] for x in the twin-forget set Dt.
 */
export class GeneralisationPredictor {
  readonly networks: Sequential[];

  /**
   * @param members - networks whose mean P(easy) is the prediction
   * @param seedMember - called before each member's weights are initialised (to seed them)
   */
  constructor(
    readonly inputSize: number,
    hidden: readonly number[],
    members = 1,
    seedMember?: (member: number) => void,
  ) {
    if (!Number.isInteger(members) || members < 1)
      throw new RangeError(`GeneralisationPredictor: members must be an integer >= 1, got ${members}`);
    this.networks = Array.from({ length: members }, (_, f) => {
      seedMember?.(f);
      return GeneralisationPredictor.network(inputSize, hidden);
    });
  }

  private static network(inputSize: number, hidden: readonly number[]): Sequential {
    const layers: Module[] = [];
    let previous = inputSize;
    for (const width of hidden) {
      layers.push(new Linear(previous, width), new ReLU());
      previous = width;
    }
    layers.push(new Linear(previous, 1));
    return new Sequential(...layers);
  }

  /** P(easy) for each row of `rows` ([n, inputSize]): the members' mean. */
  predict(rows: Float32Array): Float32Array {
    const n = rows.length / this.inputSize;
    if (n === 0) return new Float32Array(0);
    const mean = new Float32Array(n);
    for (const network of this.networks) {
      const probabilities = easyProbability(network, rows, this.inputSize);
      for (let i = 0; i < n; i++) mean[i]! += probabilities[i]! / this.networks.length;
    }
    return mean;
  }

  /** The members' weights; a single member's keys are its network's own, several are prefixed `<member>.`. */
  stateDict(): Map<string, Tensor> {
    if (this.networks.length === 1) return this.networks[0]!.stateDict();
    return new Map(
      this.networks.flatMap((network, f) =>
        [...network.stateDict()].map(([key, value]) => [`${f}.${key}`, value] as const),
      ),
    );
  }

  /** Loads what {@link stateDict} wrote; every member's every weight must be there. */
  loadStateDict(state: Map<string, Tensor>): void {
    if (this.networks.length === 1) {
      this.networks[0]!.loadStateDict(state, { strict: true });
      return;
    }
    this.networks.forEach((network, f) => {
      const prefix = `${f}.`;
      network.loadStateDict(
        new Map(
          [...state].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]),
        ),
        { strict: true },
      );
    });
    const known = this.networks.length;
    const stray = [...state.keys()].find((key) => !(Number(key.split('.')[0]) < known));
    if (stray !== undefined)
      throw new RangeError(`GeneralisationPredictor: unexpected weight '${stray}' for ${known} members`);
  }

  dispose(): void {
    for (const network of this.networks) network.dispose();
  }
}

/** A trained predictor with its held-out quality on the twin problem. */
export interface TrainedPredictor {
  predictor: GeneralisationPredictor;
  heldOutAccuracy: number;
  heldOutAuroc: number;
  /** Twin samples some member trained on. */
  trainSamples: number;
  /** Twin samples the held-out metrics are measured on (each by members that did not train on it). */
  heldOutSamples: number;
}

function selectRows(rows: Float32Array, width: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let i = 0; i < indices.length; i++)
    out.set(rows.subarray(indices[i]! * width, (indices[i]! + 1) * width), i * width);
  return out;
}

/** Fits one network on the given rows with Adam and mini-batches; the epoch orders come from `random`. */
function fitNetwork(
  network: Sequential,
  rows: Float32Array,
  labels: Uint8Array,
  inputSize: number,
  indices: Int32Array,
  options: PredictorOptions,
  random: Random,
  epochLabel: (epoch: number) => string,
): void {
  const optimizer = new Adam(network.parameters(), { lr: options.lr });
  const m = indices.length;
  const allInputs = tensor(selectRows(rows, inputSize, indices), { shape: [m, inputSize] });
  const allTargets = tensor(
    Float32Array.from(indices, (i) => labels[i]!),
    { shape: [m, 1] },
  );
  try {
    network.train();
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const permutation = random.fork(epochLabel(epoch)).permutation(m);
      for (let start = 0; start < m; start += options.batchSize) {
        const batch = permutation.subarray(start, Math.min(m, start + options.batchSize));
        tidy(() => {
          const index = tensor(BigInt64Array.from(batch, (i) => BigInt(i)));
          optimizer.zeroGrad();
          const logits = network.forward(allInputs.indexSelect(0, index));
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
}

/** Accuracy (at 0.5, in percent) and AUROC of P(easy) against the labels. */
function heldOutQuality(
  probabilities: Float32Array,
  truth: Uint8Array,
): { heldOutAccuracy: number; heldOutAuroc: number } {
  let correct = 0;
  probabilities.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === truth[i]) correct++;
  });
  return { heldOutAccuracy: (100 * correct) / truth.length, heldOutAuroc: auroc(probabilities, truth) };
}

/**
 * Trains the predictor on (features, labels). With one fold: one network on a random 1 - heldOutFraction
 * of the rows, its accuracy (at 0.5) and AUROC measured on the rest. With F folds: F networks, each on
 * all rows but one fold, measured on every row's out-of-fold prediction (see {@link PredictorOptions.folds}).
 */
export function trainPredictor(
  rows: Float32Array,
  labels: Uint8Array,
  inputSize: number,
  options: PredictorOptions,
): TrainedPredictor {
  const n = labels.length;
  const folds = options.folds ?? 1;
  if (!Number.isInteger(folds) || folds < 1)
    throw new RangeError(`trainPredictor: folds must be an integer >= 1, got ${folds}`);
  if (folds > 1 && n < 2 * folds)
    throw new RangeError(`trainPredictor: ${folds} folds need at least ${2 * folds} twin samples, got ${n}`);
  const random = new Random(options.seed);
  if (folds === 1) {
    const order = random.fork('predictor/split').permutation(n);
    const heldOutCount = n >= 10 ? Math.round(n * options.heldOutFraction) : 0;
    const heldOut = order.subarray(0, heldOutCount);
    const trainIndices = order.subarray(heldOutCount);
    manualSeed(random.fork('predictor/init').nextUint32());
    const predictor = new GeneralisationPredictor(inputSize, options.hidden);
    fitNetwork(
      predictor.networks[0]!,
      rows,
      labels,
      inputSize,
      trainIndices,
      options,
      random,
      (epoch) => `predictor/epoch/${epoch}`,
    );
    const quality =
      heldOutCount > 0
        ? heldOutQuality(
            predictor.predict(selectRows(rows, inputSize, heldOut)),
            Uint8Array.from(heldOut, (i) => labels[i]!),
          )
        : { heldOutAccuracy: Number.NaN, heldOutAuroc: Number.NaN };
    return { predictor, ...quality, trainSamples: trainIndices.length, heldOutSamples: heldOutCount };
  }
  const order = random.fork('predictor/folds').permutation(n);
  const foldOf = new Int32Array(n);
  order.forEach((row, position) => {
    foldOf[row] = position % folds;
  });
  // Each member starts from its own initialisation.
  const predictor = new GeneralisationPredictor(inputSize, options.hidden, folds, (f) =>
    manualSeed(random.fork(`predictor/init/${f}`).nextUint32()),
  );
  const outOfFold = new Float32Array(n);
  try {
    for (let f = 0; f < folds; f++) {
      const network = predictor.networks[f]!;
      const trainIndices = Int32Array.from({ length: n }, (_, i) => i).filter((i) => foldOf[i] !== f);
      const heldOut = Int32Array.from({ length: n }, (_, i) => i).filter((i) => foldOf[i] === f);
      fitNetwork(
        network,
        rows,
        labels,
        inputSize,
        trainIndices,
        options,
        random,
        (epoch) => `predictor/fold/${f}/epoch/${epoch}`,
      );
      const probabilities = easyProbability(network, selectRows(rows, inputSize, heldOut), inputSize);
      heldOut.forEach((row, i) => {
        outOfFold[row] = probabilities[i]!;
      });
    }
  } catch (error) {
    predictor.dispose();
    throw error;
  }
  return { predictor, ...heldOutQuality(outOfFold, labels), trainSamples: n, heldOutSamples: n };
}

export { auroc };
