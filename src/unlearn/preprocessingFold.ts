/**
 * Preprocessing forgets too. A table model's preprocessing statistics were fitted on every member,
 * including the rows a request deletes; the gold model's would have been fitted without them. Before a
 * method runs, the statistics are refitted on the remaining members, the data is re-encoded with them,
 * and the change (an affine change of each input) is folded into the model's first linear layer, so the
 * model computes the same function on the new inputs as before: exactly, for every row whose values are
 * all present. A missing value is imputed with the refitted statistics, as the gold model's
 * preprocessing would, so such rows change on purpose. Categories only deleted rows had lose their name
 * and their weights.
 *
 * @module
 */

import type { Dataset } from '../data/dataset.js';
import {
  type InputChange,
  inputChange,
  type PreprocessingState,
  refitPreprocessing,
  removedColumns,
} from '../data/preprocessing.js';
import type { LoadedDataset } from '../data/registry.js';
import { encodeTable, encodeTextTable, type LoadedTableDataset, type LoadedTextDataset } from '../data/tableDataset.js';
import { refitVocabulary, removedTokenIds, type VocabularyState } from '../data/vocabulary.js';
import type { ArchitectureSpec } from '../models/architecture.js';
import type { Classifier } from '../models/classifier.js';
import { FastText } from '../models/fastText.js';
import { MLP } from '../models/mlp.js';
import { cloneClassifier } from './clone.js';

/** What folding the refitted preprocessing produced. */
export interface PreprocessingFold {
  /** The preprocessing refitted on the remaining members (saved with the unlearned model). */
  state: PreprocessingState;
  /** The data encoded with it. */
  data: LoadedTableDataset;
  /** A copy of the model with the change folded into its first linear layer (the caller disposes it). */
  model: Classifier;
  /** The change of each encoded input. */
  change: InputChange;
}

/** Whether loaded data is a table (encoded through a preprocessing that can be refitted). */
export function isTableData(data: LoadedDataset<Dataset>): data is LoadedTableDataset {
  return 'table' in data && 'preprocessing' in data;
}

/**
 * Refits a table model's preprocessing on the remaining members and folds the change into a copy of
 * the model.
 *
 * @param model - the model (an MLP over the encoded rows)
 * @param architecture - its architecture
 * @param data - its data, encoded with its current preprocessing
 * @param remainingIds - the members left once the request's rows are deleted
 * @throws TypeError when the model is not an MLP (no first linear layer to fold into)
 */
export function foldPreprocessing(
  model: Classifier,
  architecture: ArchitectureSpec,
  data: LoadedTableDataset,
  remainingIds: readonly string[],
): PreprocessingFold {
  const table = data.table;
  const state = refitPreprocessing(data.preprocessing, table.train, table.train.indicesOf(remainingIds));
  const change = inputChange(data.preprocessing, state);
  const copy = cloneClassifier(model, architecture);
  if (!(copy instanceof MLP)) {
    copy.dispose();
    throw new TypeError(`a ${architecture.name} model reads no table: the preprocessing fold needs an MLP`);
  }
  copy.foldInputChange(change.scale, change.shift, change.zeroed);
  return { state, data: encodeTable(table, state), model: copy, change };
}

/**
 * Clears the first-layer weights of the inputs of removed categories (see {@link removedColumns}), so no
 * trace of a category only deleted rows had stays in the model.
 *
 * @param model - an unlearned table model (an MLP)
 * @param state - the preprocessing it is saved with
 */
export function clearRemovedInputs(model: Classifier, state: PreprocessingState): void {
  const removed = removedColumns(state);
  if (removed.length === 0) return;
  if (!(model instanceof MLP)) throw new TypeError('a table model must be an MLP to clear removed inputs');
  model.foldInputChange(new Float32Array(state.width).fill(1), new Float32Array(state.width), removed);
}

/** Whether loaded data is a text table (documents encoded through a vocabulary that can be refitted). */
export function isTextData(data: LoadedDataset<Dataset>): data is LoadedTextDataset {
  return 'table' in data && 'vocabulary' in data;
}

/** What refitting a text model's vocabulary produced. */
export interface VocabularyFold {
  /** The vocabulary refitted on the remaining member documents. */
  state: VocabularyState;
  /** The documents encoded with it (unchanged for every remaining member document). */
  data: LoadedTextDataset;
  /** A copy of the model with the removed tokens' embedding rows cleared (the caller disposes it). */
  model: Classifier;
  /** Ids of the tokens removed. */
  removed: number[];
}

/**
 * Refits a text model's vocabulary on the remaining member documents: the tokens that occur only in
 * deleted documents lose their name and their embedding rows.
 *
 * @param model - a fastText model
 * @param architecture - its architecture
 * @param data - its data, encoded with its current vocabulary
 * @param remainingIds - the members left once the request's documents are deleted
 * @throws TypeError when the model is not a fastText model
 */
export function foldVocabulary(
  model: Classifier,
  architecture: ArchitectureSpec,
  data: LoadedTextDataset,
  remainingIds: readonly string[],
): VocabularyFold {
  const table = data.table;
  const state = refitVocabulary(data.vocabulary, table.train, table.train.indicesOf(remainingIds));
  const removed = removedTokenIds(data.vocabulary, state);
  const copy = cloneClassifier(model, architecture);
  if (!(copy instanceof FastText)) {
    copy.dispose();
    throw new TypeError(`a ${architecture.name} model reads no text: the vocabulary fold needs a fastText model`);
  }
  copy.embedding.clearRows(removed);
  return { state, data: encodeTextTable(table, state), model: copy, removed };
}

/**
 * Clears the embedding rows of every token a vocabulary has lost, so none stays in the model.
 *
 * @param model - an unlearned text model (fastText)
 * @param state - the vocabulary it is saved with
 */
export function clearRemovedTokens(model: Classifier, state: VocabularyState): void {
  const removed: number[] = [];
  state.tokens.forEach((t, k) => {
    if (t === null) removed.push(k + 1);
  });
  if (removed.length === 0) return;
  if (!(model instanceof FastText))
    throw new TypeError('a text model must be a fastText model to clear removed tokens');
  model.embedding.clearRows(removed);
}
