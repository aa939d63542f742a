/**
 * A table opened and encoded for a model: its train and test partitions as feature datasets, through
 * the preprocessing fitted on the members.
 *
 * @module
 */

import type { FeatureDataset } from './featureDataset.js';
import { encodeTabular, type PreprocessingState } from './preprocessing.js';
import type { LoadedDataset } from './registry.js';
import type { OpenedTable } from './tableSource.js';
import { encodeText, type VocabularyState } from './vocabulary.js';

/** Normalisation recorded for feature vectors: they go to the model as encoded. */
export const IDENTITY_NORMALIZE = { mean: [0], std: [1] } as const;

/** A loaded table: the encoded partitions plus the typed rows and the preprocessing behind them. */
export interface LoadedTableDataset extends LoadedDataset<FeatureDataset> {
  table: OpenedTable;
  preprocessing: PreprocessingState;
}

/**
 * Encodes both partitions of an opened table with a fitted preprocessing.
 *
 * @param table - the opened file
 * @param preprocessing - fitted on the member rows
 */
export function encodeTable(table: OpenedTable, preprocessing: PreprocessingState): LoadedTableDataset {
  return {
    train: encodeTabular(table.train, preprocessing, 'train'),
    test: encodeTabular(table.test, preprocessing, 'test'),
    stats: { mean: [...IDENTITY_NORMALIZE.mean], std: [...IDENTITY_NORMALIZE.std] },
    augmentDefault: false,
    table,
    preprocessing,
  };
}

/** A loaded text table: documents encoded as token ids through the vocabulary fitted on the members. */
export interface LoadedTextDataset extends LoadedDataset<FeatureDataset> {
  table: OpenedTable;
  vocabulary: VocabularyState;
}

/**
 * Encodes both partitions of an opened text table with a fitted vocabulary.
 *
 * @param table - the opened file
 * @param vocabulary - fitted on the member documents
 */
export function encodeTextTable(table: OpenedTable, vocabulary: VocabularyState): LoadedTextDataset {
  return {
    train: encodeText(table.train, vocabulary, 'train'),
    test: encodeText(table.test, vocabulary, 'test'),
    stats: { mean: [...IDENTITY_NORMALIZE.mean], std: [...IDENTITY_NORMALIZE.std] },
    augmentDefault: false,
    table,
    vocabulary,
  };
}
