/**
 * The tmu side of the engine benchmark: the same models, data, optimizer and loops as
 * bench/engine_pytorch.py, written the way tmu code is (tidy per step, inferenceMode for inference).
 *
 * @module
 */

import type { ImageDataset } from '../../src/data/dataset.js';
import type { Classifier } from '../../src/models/classifier.js';
import { createModel } from '../../src/models/index.js';
import { SGD } from '../../src/optim/index.js';
import {
  crossEntropy,
  inferenceMode,
  manualSeed,
  setNumThreads,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/tensor/index.js';
import type { Chunk, EngineRunner, ModelName } from './common.js';

/** Fashion-MNIST normalisation, as bench/engine_pytorch.py. */
export const MEAN = 0.286;
export const STD = 0.353;

/** Zero-pixel padding on each side per model (the ResNet sees 32x32 images). */
export const MODEL_PAD: Readonly<Record<ModelName, number>> = { 'small-cnn': 0, 'resnet18-w0.5-32px': 2 };

/** Builds the model the benchmark names (initialisation draws from libtorch's global generator). */
export function buildModel(name: ModelName): Classifier {
  return name === 'small-cnn'
    ? createModel({ name: 'cnn', inChannels: 1, numClasses: 10, imageSize: 28 })
    : createModel({ name: 'resnet18', inChannels: 1, numClasses: 10, imageSize: 32, width: 0.5 });
}

/** A dataset preloaded as tensors: inputs [N, C, H, W] float32 (normalised), labels [N] int64. */
export interface Preloaded {
  x: Tensor;
  y: Tensor;
  dispose(): void;
}

/**
 * Preloads a dataset as one normalised float tensor and one label tensor, computed with the same
 * libtorch ops in the same order as engine_pytorch.py's load_data (so the values are bit-identical):
 * bytes / 255, zero-padded by `pad` pixels, then (x - mean) / std.
 */
export function preload(dataset: ImageDataset, pad: number): Preloaded {
  const { size: n, channels, height, width } = dataset;
  const [x, y] = tidy(() => {
    const bytes = tensor(dataset.images, { dtype: 'uint8', shape: [n, channels, height, width] });
    let pixels = bytes.toDtype('float32').div_(255);
    if (pad > 0) {
      const padded = zeros([n, channels, height + 2 * pad, width + 2 * pad]);
      padded.narrow(2, pad, height).narrow(3, pad, width).copy_(pixels);
      pixels = padded;
    }
    const inputs = pixels.sub_(MEAN).div_(STD).contiguous();
    const labels = tensor(dataset.labels, { shape: [n] }).toDtype('int64');
    return [inputs, labels] as const;
  });
  return {
    x,
    y,
    dispose: () => {
      x.dispose();
      y.dispose();
    },
  };
}

/** Sequential batch positions over n samples, wrapping around when a full batch no longer fits. */
export class Cursor {
  #next = 0;
  constructor(
    private readonly n: number,
    private readonly batch: number,
  ) {
    if (batch > n) throw new RangeError(`batch ${batch} is larger than the ${n} samples`);
  }

  /** The start of the next batch. */
  take(): number {
    if (this.#next + this.batch > this.n) this.#next = 0;
    const start = this.#next;
    this.#next += this.batch;
    return start;
  }
}

/** tmu training and inference on one model, with an SGD optimizer, over preloaded data. */
export class TmuRunner implements EngineRunner {
  readonly name = 'tmu';
  readonly model: Classifier;
  readonly optimizer: SGD;
  readonly #data: Preloaded;
  readonly #batch: number;
  readonly #trainCursor: Cursor;
  readonly #inferCursor: Cursor;

  /**
   * @param model - which model
   * @param data - preloaded tensors (owned by the caller)
   * @param options - threads, seed (seeds model initialisation), batch size
   */
  constructor(model: ModelName, data: Preloaded, options: { threads: number; seed: number; batch: number }) {
    setNumThreads(options.threads);
    manualSeed(options.seed);
    this.model = buildModel(model);
    this.optimizer = new SGD(this.model.parameters(), { lr: 0.01, momentum: 0.9 });
    this.#data = data;
    this.#batch = options.batch;
    const n = data.x.size(0);
    this.#trainCursor = new Cursor(n, options.batch);
    this.#inferCursor = new Cursor(n, options.batch);
  }

  /**
   * One training step inside its own tidy scope. Nothing is returned from the scope (a returned tensor
   * would outlive it); the loss value is read only when asked for.
   */
  trainStep(readLoss = false): number {
    const start = this.#trainCursor.take();
    let lossValue = Number.NaN;
    tidy(() => {
      this.optimizer.zeroGrad();
      const { x, y } = this.#data;
      const loss = crossEntropy(this.model.forward(x.narrow(0, start, this.#batch)), y.narrow(0, start, this.#batch));
      loss.backward();
      this.optimizer.step();
      if (readLoss) lossValue = loss.item();
    });
    return lossValue;
  }

  /** One inference batch (call in eval mode under inferenceMode, as PyTorch's side runs under torch.inference_mode). */
  inferStep(): void {
    const start = this.#inferCursor.take();
    tidy(() => {
      this.model.forward(this.#data.x.narrow(0, start, this.#batch));
    });
  }

  async train(budget: number, warmup: number): Promise<Chunk> {
    this.model.train();
    for (let k = 0; k < warmup; k++) this.trainStep();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let steps = 0;
    let seconds: number;
    // The loss is read at every step (a cheap scalar copy) so the chunk's last value is known.
    let loss: number;
    do {
      loss = this.trainStep(true);
      steps++;
      seconds = (performance.now() - started) / 1000;
    } while (seconds < budget);
    return { steps, images: steps * this.#batch, seconds, cpuSeconds: cpuSeconds(cpu), loss };
  }

  async infer(budget: number, warmup: number): Promise<Chunk> {
    this.model.eval();
    return inferenceMode(() => {
      for (let k = 0; k < warmup; k++) this.inferStep();
      const cpu = process.cpuUsage();
      const started = performance.now();
      let steps = 0;
      let seconds: number;
      do {
        this.inferStep();
        steps++;
        seconds = (performance.now() - started) / 1000;
      } while (seconds < budget);
      return { steps, images: steps * this.#batch, seconds, cpuSeconds: cpuSeconds(cpu) };
    });
  }

  /** Frees the model and the optimizer state (not the data). */
  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}
