import { ReLU } from '../nn/activation.js';
import { EmbeddingBag } from '../nn/embeddingBag.js';
import { Linear } from '../nn/linear.js';
import type { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import type { Tensor } from '../tensor/index.js';
import { Classifier } from './classifier.js';

/** Options of {@link FastText}. */
export interface FastTextOptions {
  /** Vocabulary size, padding (id 0) included. */
  numTokens: number;
  numClasses: number;
  /** Embedding width (default 64). */
  embeddingDim?: number;
  /** Hidden widths of the head (default [64]; [] for a linear head on the mean embedding). */
  hidden?: readonly number[];
}

/**
 * A fastText-style text classifier: the mean of the embeddings of a document's token ids (a bag, padding
 * id 0 left out), then a small MLP. Input: `[N, L]` token ids (float or integer; floats hold ids
 * exactly up to 2^24). Parameters: `embedding.weight`, `layers.*`, `head.*`; features = the last hidden
 * activation (the mean embedding with no hidden layer).
 */
export class FastText extends Classifier {
  readonly embedding: EmbeddingBag;
  readonly layers: Sequential;
  readonly classifier: Linear;
  readonly featureSize: number;
  readonly #hidden: number;

  constructor(options: FastTextOptions) {
    super();
    const dim = options.embeddingDim ?? 64;
    const hidden = options.hidden ?? [64];
    this.embedding = this.registerModule('embedding', new EmbeddingBag(options.numTokens, dim, { paddingIdx: 0 }));
    const modules: Module[] = [];
    let previous = dim;
    for (const width of hidden) {
      modules.push(new Linear(previous, width), new ReLU());
      previous = width;
    }
    this.layers = this.registerModule('layers', new Sequential(...modules));
    this.classifier = this.registerModule('head', new Linear(previous, options.numClasses));
    this.featureSize = previous;
    this.#hidden = hidden.length;
  }

  /** Mean embedding of each document `[N, dim]`: the input of {@link fromEmbedding}. */
  embed(x: Tensor): Tensor {
    const ids = x.dtype === 'int64' ? x : x.toDtype('int64');
    try {
      return this.embedding.forward(ids);
    } finally {
      if (ids !== x) ids.dispose();
    }
  }

  /** The logits of documents given their mean embeddings (input-space attacks move these). */
  fromEmbedding(embedded: Tensor): Tensor {
    if (this.#hidden === 0) return this.head(embedded);
    const features = this.layers.forward(embedded);
    try {
      return this.head(features);
    } finally {
      features.dispose();
    }
  }

  features(x: Tensor): Tensor {
    const embedded = this.embed(x);
    if (this.#hidden === 0) return embedded;
    try {
      return this.layers.forward(embedded);
    } finally {
      embedded.dispose();
    }
  }

  head(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
