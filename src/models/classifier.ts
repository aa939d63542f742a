import { consume } from '../nn/consume.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/index.js';

/**
 * An image classifier split at its penultimate layer: `forward(x) = head(features(x))`. TMU's distance
 * feature and several baselines work on `features(x)`.
 */
export abstract class Classifier extends Module {
  /** Penultimate-layer representation, [N, featureSize]. */
  abstract features(x: Tensor): Tensor;
  /** Logits from features, [N, numClasses]. */
  abstract head(features: Tensor): Tensor;
  /** Width of `features(x)`. */
  abstract readonly featureSize: number;

  /** Features and logits of one pass: `[features(x), head(features(x))]`. */
  featuresAndLogits(x: Tensor): [Tensor, Tensor] {
    const features = this.features(x);
    return [features, this.head(features)];
  }

  forward(x: Tensor): Tensor {
    const features = this.features(x);
    // The features are an intermediate unless a subclass hands back its input, which the caller owns.
    return features === x ? this.head(x) : consume(features, (f) => this.head(f));
  }
}
