import type { Tensor } from '../tensor/index.js';
import { BatchNorm2d } from './batchNorm2d.js';

/**
 * Batch normalisation over feature vectors `[N, F]`, as PyTorch's `BatchNorm1d` for 2-D inputs: the same
 * parameters, buffers (and state-dict names) and momentum rule as {@link BatchNorm2d}, per feature.
 */
export class BatchNorm1d extends BatchNorm2d {
  override forward(x: Tensor): Tensor {
    if (x.ndim !== 2)
      throw new RangeError(`BatchNorm1d: expected 2D input [N, F], got ${x.ndim}D input [${x.shape.join(', ')}]`);
    if (x.size(1) !== this.numFeatures) {
      throw new RangeError(`BatchNorm1d: expected ${this.numFeatures} features, got input [${x.shape.join(', ')}]`);
    }
    return this.normalize(x);
  }
}
