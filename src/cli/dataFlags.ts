import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { type LoadedDataset, loadDataset } from '../data/registry.js';
import { loadModelData } from '../train/modelData.js';
import type { DatasetRef } from '../train/modelStore.js';
import type { FlagSpec, FlagValues } from './command.js';
import { optionalString } from './command.js';

/** --dataset and --data-dir, shared by the commands that read data. */
export const DATA_FLAGS: Record<string, FlagSpec> = {
  dataset: {
    type: 'string',
    description: 'dataset: fashion-mnist, mnist, cifar10, cifar100, cifar10-jpeg, image-folder',
    default: 'fashion-mnist',
    value: 'NAME',
  },
  'data-dir': {
    type: 'string',
    description: "dataset folder (default: the dataset's standard location, e.g. /usr/share/datasets/fashion-mnist)",
    value: 'DIR',
  },
};

/**
 * Loads the dataset the flags name. `dataDir` comes back absolute: it is recorded in model sidecars, and
 * a relative path would point elsewhere when the model is evaluated from another directory.
 */
export function loadDatasetFromFlags(flags: FlagValues): { name: string; dataDir: string | null; data: LoadedDataset } {
  const name = optionalString(flags, 'dataset') ?? 'fashion-mnist';
  const given = optionalString(flags, 'data-dir');
  const dataDir = given === undefined || given === '' ? null : resolve(given);
  return { name, dataDir, data: loadDataset(name, dataDir ? { dataDir } : {}) };
}

/** Reloads the dataset a model was trained on (a table through the model's preprocessing). */
export function loadDatasetByRef(ref: DatasetRef, override?: string): LoadedDataset<Dataset> {
  return loadModelData(ref, override);
}
