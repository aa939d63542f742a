import { ReLU } from '../nn/activation.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Options of {@link MLP}. */
export interface MLPOptions {
  inFeatures: number;
  numClasses: number;
  /** Hidden widths; default [256, 128]. */
  hidden?: readonly number[];
}

/**
 * A multi-layer perceptron over flattened inputs: `layers` = Linear/ReLU pairs (names layers.0, layers.2,
 * ...), `head` = the final Linear; features = the last ReLU's output.
 */
export class MLP extends Classifier {
  readonly layers: Sequential;
  readonly classifier: Linear;
  readonly featureSize: number;

  constructor(options: MLPOptions) {
    super();
    const hidden = options.hidden ?? [256, 128];
    if (hidden.length === 0 || hidden.some((width) => !Number.isInteger(width) || width < 1)) {
      throw new RangeError(`MLP: hidden must be positive integers, got [${hidden.join(', ')}]`);
    }
    const modules: Module[] = [];
    let previous = options.inFeatures;
    for (const width of hidden) {
      modules.push(new Linear(previous, width), new ReLU());
      previous = width;
    }
    this.layers = this.registerModule('layers', new Sequential(...modules));
    this.classifier = this.registerModule('head', new Linear(previous, options.numClasses));
    this.featureSize = previous;
  }

  features(x: Tensor): Tensor {
    return this.layers.forward(x.flatten(1));
  }

  head(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
