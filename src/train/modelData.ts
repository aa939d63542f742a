/**
 * The data a model was trained on, loaded the way the model sees it: a named image dataset, a table
 * file encoded through the preprocessing stored with the model, or a text column through its vocabulary.
 *
 * @module
 */

import type { Dataset } from '../data/dataset.js';
import { type LoadedDataset, loadDataset } from '../data/registry.js';
import { encodeTable, encodeTextTable } from '../data/tableDataset.js';
import { openTable } from '../data/tableSource.js';
import type { DatasetRef } from './modelStore.js';

/**
 * Loads a model's data.
 *
 * @param ref - the sidecar's dataset reference
 * @param override - another data folder (images) or file path (tables: the same file, by digest)
 * @throws DataFormatError or DataNotFoundError for missing, changed or invalid data
 */
export function loadModelData(ref: DatasetRef, override?: string): LoadedDataset<Dataset> {
  if (ref.table && ref.vocabulary) return encodeTextTable(openTable(ref.table, override), ref.vocabulary);
  if (ref.table) {
    if (!ref.preprocessing) throw new TypeError(`${ref.name}: the model records a table but no preprocessing`);
    return encodeTable(openTable(ref.table, override), ref.preprocessing);
  }
  const dataDir = override ?? ref.dataDir;
  return loadDataset(ref.name, dataDir ? { dataDir } : {});
}
