import { arange, embeddingBag, empty, noGrad, type Tensor, tidy } from '../tensor/index.js';
import { normal_ } from './init.js';
import { type FactoryOptions, Module } from './module.js';
import { checkInt } from './validate.js';

/** Options of {@link EmbeddingBag}. */
export interface EmbeddingBagOptions extends FactoryOptions {
  /** Index whose row is left out of every bag and kept at zero (default: none). */
  paddingIdx?: number;
}

/**
 * Bags of embeddings, as PyTorch's `EmbeddingBag(mode='mean')` on 2-D input: each row of an int64
 * `[N, L]` index tensor is one bag, and its output is the mean of the rows of `weight` it selects,
 * padding left out (a bag of padding only gives zeros). `weight` is `[num, dim]`, drawn from N(0, 1)
 * with the padding row zeroed.
 */
export class EmbeddingBag extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingBagOptions = {}) {
    super();
    checkInt('EmbeddingBag', 'numEmbeddings', numEmbeddings, 1);
    checkInt('EmbeddingBag', 'embeddingDim', embeddingDim, 1);
    const paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings))
      throw new RangeError(
        `EmbeddingBag: paddingIdx must be an integer in [0, ${numEmbeddings - 1}], got ${paddingIdx}`,
      );
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx;
    this.registerParameter(
      'weight',
      empty([numEmbeddings, embeddingDim], options.dtype ?? 'float32', options.device ?? 'cpu'),
    );
    this.resetParameters();
  }

  /** The `[numEmbeddings, embeddingDim]` table. */
  get weight(): Tensor {
    return this.getParameter('weight');
  }

  /** Redraws the table from N(0, 1), padding row zero. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) this.clearRows([this.paddingIdx]);
  }

  /**
   * Sets rows of the table to zero (embeddings that must no longer exist).
   *
   * @param rows - row indices
   */
  clearRows(rows: readonly number[]): void {
    for (const row of rows) {
      if (!(Number.isInteger(row) && row >= 0 && row < this.numEmbeddings))
        throw new RangeError(`EmbeddingBag: row ${row} is outside 0..${this.numEmbeddings - 1}`);
    }
    noGrad(() =>
      tidy(() => {
        for (const row of rows) this.weight.select(0, row).zero_();
      }),
    );
  }

  override forward(indices: Tensor): Tensor {
    if (indices.ndim !== 2)
      throw new RangeError(`EmbeddingBag: expected 2D indices [N, L], got [${indices.shape.join(', ')}]`);
    const [n, length] = indices.shape as [number, number];
    const offsets = arange(0, n * length, Math.max(length, 1), 'int64');
    try {
      return embeddingBag(this.weight, indices.reshape([-1]), offsets, 1, this.paddingIdx ?? -1);
    } finally {
      offsets.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode='mean'${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}
