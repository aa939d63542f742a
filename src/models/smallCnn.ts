import { Conv2d } from '../nn/conv2d.js';
import { Linear } from '../nn/linear.js';
import type { Tensor } from '../tensor/index.js';
import { maxPool2d } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Options of {@link SmallCNN}. */
export interface SmallCNNOptions {
  inChannels: number;
  numClasses: number;
  /** Side of the square input; divisible by 4. */
  imageSize: number;
}

/**
 * The engine benchmark's small CNN: conv3x3(32) relu maxpool2, conv3x3(64) relu maxpool2, linear 128 relu
 * (= features), linear numClasses. State-dict names conv1, conv2, fc1, fc2, as bench/torch_models.py.
 */
export class SmallCNN extends Classifier {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly featureSize = 128;

  constructor(options: SmallCNNOptions) {
    super();
    if (options.imageSize % 4 !== 0)
      throw new RangeError(`SmallCNN: imageSize must be divisible by 4, got ${options.imageSize}`);
    const side = options.imageSize / 4;
    this.conv1 = this.registerModule('conv1', new Conv2d(options.inChannels, 32, 3, { padding: 1 }));
    this.conv2 = this.registerModule('conv2', new Conv2d(32, 64, 3, { padding: 1 }));
    this.fc1 = this.registerModule('fc1', new Linear(64 * side * side, 128));
    this.fc2 = this.registerModule('fc2', new Linear(128, options.numClasses));
  }

  features(x: Tensor): Tensor {
    const h1 = maxPool2d(this.conv1.forward(x).relu(), 2);
    const h2 = maxPool2d(this.conv2.forward(h1).relu(), 2);
    return this.fc1.forward(h2.flatten(1)).relu();
  }

  head(features: Tensor): Tensor {
    return this.fc2.forward(features);
  }
}
