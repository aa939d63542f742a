import { resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { type LoadedDataset, loadDataset } from '../data/registry.js';
import { COLUMN_TYPES, type ColumnType } from '../data/tableSchema.js';
import { describeTable, type OpenedTable } from '../data/tableSource.js';
import { loadModelData } from '../train/modelData.js';
import type { DatasetRef } from '../train/modelStore.js';
import type { FlagSpec, FlagValues } from './command.js';
import { numberFlag, optionalString, UsageError } from './command.js';

/** --dataset and --data-dir, shared by the commands that read data. */
export const DATA_FLAGS: Record<string, FlagSpec> = {
  dataset: {
    type: 'string',
    description:
      'dataset: fashion-mnist, mnist, cifar10, cifar100, cifar10-jpeg, image-folder, csv (a table file: --data, --label) or text-csv (a text column of a table file: --data, --text, --label)',
    default: 'fashion-mnist',
    value: 'NAME',
  },
  'data-dir': {
    type: 'string',
    description: "dataset folder (default: the dataset's standard location, e.g. /usr/share/datasets/fashion-mnist)",
    value: 'DIR',
  },
  data: { type: 'string', description: 'table file (CSV or TSV, gzip or plain) for --dataset csv', value: 'FILE' },
  label: { type: 'string', description: 'label column of the table', value: 'COLUMN' },
  text: { type: 'string', description: 'text column of the table, for --dataset text-csv', value: 'COLUMN' },
  'id-column': {
    type: 'string',
    description: 'column of unique sample ids (default: ids are row positions, FILE/row/N)',
    value: 'COLUMN',
  },
  'column-type': {
    type: 'string',
    multiple: true,
    description: `force a column's type: ${COLUMN_TYPES.join(', ')}`,
    value: 'COLUMN=TYPE',
  },
  'test-data': { type: 'string', description: 'a second table file holding the test rows', value: 'FILE' },
  'test-fraction': {
    type: 'string',
    description: 'share of the table drawn (stratified, seeded) as test rows when no --test-data',
    default: '0.2',
    value: 'F',
  },
};

/** Whether the flags name a table dataset (`csv`, or `text-csv` for a text column of one). */
export function isTableDataset(flags: FlagValues): boolean {
  const name = optionalString(flags, 'dataset');
  return name === 'csv' || name === 'text-csv';
}

/** Whether the flags name a text column of a table (`--dataset text-csv`). */
export function isTextDataset(flags: FlagValues): boolean {
  return optionalString(flags, 'dataset') === 'text-csv';
}

/**
 * Opens the table file the flags name (`--data`, `--label`, `--id-column`, `--column-type`,
 * `--test-data`, `--test-fraction`).
 *
 * @throws UsageError for a missing or malformed flag; DataFormatError for a bad file
 */
export function openTableFromFlags(flags: FlagValues): OpenedTable {
  const file = optionalString(flags, 'data');
  const dataset = optionalString(flags, 'dataset');
  if (file === undefined) throw new UsageError(`--dataset ${dataset} needs --data FILE (a CSV or TSV file)`);
  const label = optionalString(flags, 'label');
  if (label === undefined) throw new UsageError(`--dataset ${dataset} needs --label COLUMN`);
  const types: Record<string, ColumnType> = {};
  for (const entry of (flags['column-type'] as string[] | undefined) ?? []) {
    const [column, type] = entry.split('=');
    if (!column || !type || !(COLUMN_TYPES as readonly string[]).includes(type))
      throw new UsageError(`--column-type ${entry}: expected COLUMN=TYPE with TYPE one of ${COLUMN_TYPES.join(', ')}`);
    types[column] = type as ColumnType;
  }
  const idColumn = optionalString(flags, 'id-column');
  const testFile = optionalString(flags, 'test-data');
  const text = optionalString(flags, 'text');
  if (isTextDataset(flags) && text === undefined) throw new UsageError('--dataset text-csv needs --text COLUMN');
  return describeTable(file, {
    label,
    types,
    ...(text === undefined ? {} : { text }),
    ...(idColumn === undefined ? {} : { idColumn }),
    ...(testFile === undefined ? { testFraction: numberFlag(flags, 'test-fraction', 0.2, 0, 1) } : { testFile }),
  });
}

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
