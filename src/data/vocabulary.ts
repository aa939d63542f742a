/**
 * The vocabulary of a text model, fitted on the member documents only and stored with the model: every
 * token (word or bigram, see {@link tokenize}) that occurs at least `minCount` times among the members,
 * most frequent first. Id 0 is padding; a token not in the vocabulary is left out of its document.
 *
 * A deletion request refits it ({@link refitVocabulary}): a token that occurs only in deleted documents
 * loses its name and its embedding row; a token that merely falls under the minimum count stays (a
 * minimum count applied again would change the model's input for documents that were not deleted).
 *
 * @module
 */

import type { Partition } from './dataset.js';
import { DataFormatError } from './errors.js';
import { FeatureDataset } from './featureDataset.js';
import type { TabularData } from './tabularData.js';
import { tokenize } from './tokenizer.js';

/** A fitted vocabulary, as stored in the model's sidecar. */
export interface VocabularyState {
  format: 'tmu-vocabulary';
  version: 1;
  /** The text column. */
  column: string;
  /** Minimum number of occurrences among the members when first fitted. */
  minCount: number;
  /** Tokens per document the model reads (the first ones; the rest is cut). */
  maxTokens: number;
  /** Token of id k + 1; null for a token removed by a deletion (its name and embedding are gone). */
  tokens: (string | null)[];
}

/** Options of {@link fitVocabulary}. */
export interface VocabularyOptions {
  /** Minimum occurrences among the members (default 2). */
  minCount?: number;
  /** Tokens per document (default 200). */
  maxTokens?: number;
  /** Largest vocabulary kept, most frequent first (default 50,000). */
  maxSize?: number;
}

/**
 * Fits a vocabulary on the member documents.
 *
 * @param data - the table holding the text column
 * @param column - the text column
 * @param memberIndices - positions of the member rows
 * @param options - minimum count, document length, vocabulary size
 * @throws DataFormatError naming the file when no token reaches the minimum count
 */
export function fitVocabulary(
  data: TabularData,
  column: string,
  memberIndices: ArrayLike<number>,
  options: VocabularyOptions = {},
): VocabularyState {
  const minCount = options.minCount ?? 2;
  const texts = data.column(column).values as (string | null)[];
  const counts = new Map<string, number>();
  for (let k = 0; k < memberIndices.length; k++) {
    for (const token of tokenize(texts[memberIndices[k]!] ?? '')) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  const tokens = [...counts.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, options.maxSize ?? 50_000)
    .map(([token]) => token);
  if (tokens.length === 0)
    throw new DataFormatError(
      data.file,
      `column ${JSON.stringify(column)}: no token occurs ${minCount} times among the members`,
    );
  return { format: 'tmu-vocabulary', version: 1, column, minCount, maxTokens: options.maxTokens ?? 200, tokens };
}

/**
 * Refits a vocabulary on fewer member documents: tokens no remaining member document holds lose their
 * name (null); ids stay.
 *
 * @param state - the current vocabulary
 * @param data - the table
 * @param memberIndices - positions of the remaining member rows
 */
export function refitVocabulary(
  state: VocabularyState,
  data: TabularData,
  memberIndices: ArrayLike<number>,
): VocabularyState {
  const texts = data.column(state.column).values as (string | null)[];
  const seen = new Set<string>();
  for (let k = 0; k < memberIndices.length; k++)
    for (const token of tokenize(texts[memberIndices[k]!] ?? '')) seen.add(token);
  return { ...state, tokens: state.tokens.map((t) => (t !== null && seen.has(t) ? t : null)) };
}

/**
 * Ids of the tokens a refit removed (their embedding rows must be cleared).
 *
 * @param before - the vocabulary before
 * @param after - its refit
 */
export function removedTokenIds(before: VocabularyState, after: VocabularyState): number[] {
  const out: number[] = [];
  after.tokens.forEach((t, k) => {
    if (t === null && before.tokens[k] !== null) out.push(k + 1);
  });
  return out;
}

/**
 * Encodes the documents of a table as token ids, padded with 0 to `maxTokens`.
 *
 * @param data - the table
 * @param state - the vocabulary
 * @param partition - partition name of the dataset built
 */
export function encodeText(data: TabularData, state: VocabularyState, partition: Partition): FeatureDataset {
  const ids = new Map<string, number>();
  state.tokens.forEach((t, k) => {
    if (t !== null) ids.set(t, k + 1);
  });
  const width = state.maxTokens;
  const texts = data.column(state.column).values as (string | null)[];
  const features = new Float32Array(data.size * width);
  for (let i = 0; i < data.size; i++) {
    let at = 0;
    for (const token of tokenize(texts[i] ?? '')) {
      const id = ids.get(token);
      if (id === undefined) continue;
      features[i * width + at++] = id;
      if (at === width) break;
    }
  }
  return new FeatureDataset({
    name: data.name,
    partition,
    features,
    width,
    // Token ids are not quantities: input-space attacks move the embeddings instead.
    perturbable: new Uint8Array(width),
    labels: data.labels,
    classNames: data.classNames,
    ids: data.ids,
  });
}
