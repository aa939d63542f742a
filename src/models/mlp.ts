import { ReLU } from '../nn/activation.js';
import { BatchNorm1d } from '../nn/batchNorm1d.js';
import { Dropout } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { noGrad, type Tensor, tensor, tidy } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Options of {@link MLP}. */
export interface MLPOptions {
  inFeatures: number;
  numClasses: number;
  /** Hidden widths; default [256, 128]. */
  hidden?: readonly number[];
  /** Dropout probability after each hidden activation (default 0: no dropout layer). */
  dropout?: number;
  /** Batch normalisation after each hidden linear layer (default false). */
  batchNorm?: boolean;
}

/**
 * A multi-layer perceptron over flattened inputs (images or a table's encoded rows): `layers` = per hidden
 * width a Linear, an optional BatchNorm1d, a ReLU and an optional Dropout (without the options: names
 * layers.0, layers.2, ...), `head` = the final Linear; features = the last hidden block's output.
 */
export class MLP extends Classifier {
  readonly layers: Sequential;
  /** The first linear layer: the one that sees the inputs. */
  readonly inputLayer: Linear;
  readonly classifier: Linear;
  readonly featureSize: number;

  constructor(options: MLPOptions) {
    super();
    const hidden = options.hidden ?? [256, 128];
    if (hidden.length === 0 || hidden.some((width) => !Number.isInteger(width) || width < 1)) {
      throw new RangeError(`MLP: hidden must be positive integers, got [${hidden.join(', ')}]`);
    }
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`MLP: dropout must be in [0, 1), got ${dropout}`);
    const modules: Module[] = [];
    let previous = options.inFeatures;
    const first = new Linear(previous, hidden[0]!);
    for (const width of hidden) {
      modules.push(modules.length === 0 ? first : new Linear(previous, width));
      if (options.batchNorm) modules.push(new BatchNorm1d(width));
      modules.push(new ReLU());
      if (dropout > 0) modules.push(new Dropout(dropout));
      previous = width;
    }
    this.layers = this.registerModule('layers', new Sequential(...modules));
    this.inputLayer = first;
    this.classifier = this.registerModule('head', new Linear(previous, options.numClasses));
    this.featureSize = previous;
  }

  /**
   * Absorbs an affine change of the inputs into the input layer, so that the model computes on the new
   * inputs `x'` what it computed on the old ones `x = scale * x' + shift`: weight columns scaled, bias
   * moved by `W shift`; then the weight columns in `zeroed` are set to 0 (inputs no longer in use).
   *
   * @param scale - per input
   * @param shift - per input
   * @param zeroed - input positions whose weights are cleared
   * @throws RangeError when the lengths differ from the input width
   */
  foldInputChange(scale: Float32Array, shift: Float32Array, zeroed: readonly number[] = []): void {
    const layer = this.inputLayer;
    const inputs = layer.inFeatures;
    if (scale.length !== inputs || shift.length !== inputs)
      throw new RangeError(`MLP: an input change of ${scale.length} values for ${inputs} inputs`);
    noGrad(() =>
      tidy(() => {
        const weight = layer.weight;
        const old = weight.detach().clone();
        const shiftTensor = tensor(shift, { shape: [inputs, 1] });
        if (layer.bias) layer.bias.add_(old.matmul(shiftTensor).reshape([-1]));
        weight.mul_(tensor(scale, { shape: [1, inputs] }));
        if (zeroed.length > 0) {
          const keep = new Float32Array(inputs).fill(1);
          for (const j of zeroed) {
            if (!Number.isInteger(j) || j < 0 || j >= inputs) throw new RangeError(`MLP: input ${j} is out of range`);
            keep[j] = 0;
          }
          weight.mul_(tensor(keep, { shape: [1, inputs] }));
        }
      }),
    );
  }

  features(x: Tensor): Tensor {
    return this.layers.forward(x.flatten(1));
  }

  head(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
