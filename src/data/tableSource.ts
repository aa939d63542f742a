/**
 * A table file as a model refers to it: where it is, its digest, how its columns are read, and how its
 * rows are divided into a train and a test partition. Opening the reference reads the file again and
 * refuses it if it changed, because ids by row position would otherwise name other people's rows.
 *
 * @module
 */

import { resolve } from 'node:path';

import { readCsvTable } from './csvTable.js';
import { DataFormatError } from './errors.js';
import { Random } from './random.js';
import { type ColumnSpec, type ColumnType, inferSchema } from './tableSchema.js';
import { type TabularData, tabularFromCsv } from './tabularData.js';

/** A table file a model was trained on, enough to read it again the same way. */
export interface TableRef {
  /** Absolute path of the file. */
  file: string;
  /** SHA-256 of the file's bytes when the model was trained. */
  digest: string;
  /** Label column. */
  label: string;
  /** Id column, or null when ids are row positions. */
  idColumn: string | null;
  /** Every column's type, as resolved at training. */
  columns: ColumnSpec[];
  /** Text column, for a text model (absent for a table model). */
  text?: string;
  /**
   * Where the test rows come from: a second file with the same columns, or a seeded stratified share of
   * the file's rows.
   */
  test: { file: string; digest: string } | { fraction: number; seed: number };
}

/** Options of {@link describeTable}. */
export interface DescribeTableOptions {
  label: string;
  idColumn?: string;
  /** Column types that override inference. */
  types?: Readonly<Record<string, ColumnType>>;
  /** Text column (text models). */
  text?: string;
  /** A separate test file; otherwise `testFraction` of the rows (default 0.2), drawn with `testSeed`. */
  testFile?: string;
  testFraction?: number;
  testSeed?: number;
}

/** A table file opened: its train and test partitions. */
export interface OpenedTable {
  ref: TableRef;
  train: TabularData;
  test: TabularData;
}

/**
 * Reads a table file for training: infers its schema and draws its test partition.
 *
 * @param file - CSV or TSV file (gzip or plain)
 * @param options - label, id column, type overrides, text column, test rows
 * @throws DataFormatError naming file, row and column for every problem {@link readCsvTable},
 *   {@link inferSchema} and {@link tabularFromCsv} detect; RangeError for a bad test fraction
 */
export function describeTable(file: string, options: DescribeTableOptions): OpenedTable {
  const path = resolve(file);
  const table = readCsvTable(path);
  const types: Record<string, ColumnType> = { ...(options.types ?? {}) };
  if (options.text !== undefined) types[options.text] = 'text';
  const columns = inferSchema(table, {
    label: options.label,
    ...(options.idColumn === undefined ? {} : { idColumn: options.idColumn }),
    types,
  });
  let test: TableRef['test'];
  if (options.testFile !== undefined) {
    const testPath = resolve(options.testFile);
    test = { file: testPath, digest: readCsvTable(testPath).digest };
  } else {
    const fraction = options.testFraction ?? 0.2;
    if (!(fraction > 0 && fraction < 1)) throw new RangeError(`the test fraction must be in (0, 1), got ${fraction}`);
    test = { fraction, seed: options.testSeed ?? 0 };
  }
  const ref: TableRef = {
    file: path,
    digest: table.digest,
    label: options.label,
    idColumn: options.idColumn ?? null,
    columns,
    ...(options.text === undefined ? {} : { text: options.text }),
    test,
  };
  return openTable(ref);
}

/**
 * Reads the file a model refers to, as it was read at training.
 *
 * @param ref - the model's table reference
 * @param override - another path to read the same file from (it must have the same digest)
 * @throws DataFormatError when the file changed (its digest differs) or its columns differ
 */
export function openTable(ref: TableRef, override?: string): OpenedTable {
  const read = (path: string, digest: string) => {
    const table = readCsvTable(path);
    if (table.digest !== digest) {
      throw new DataFormatError(
        path,
        `the file changed since the model was trained (sha256 ${table.digest}, the model recorded ${digest}): its row positions may name other rows, so it is refused; train a new model on the new file`,
      );
    }
    const names = ref.columns.map((c) => c.name);
    if (table.header.join('\u0000') !== names.join('\u0000'))
      throw new DataFormatError(path, `the columns are not those the model was trained on (${names.join(', ')})`);
    return table;
  };
  const table = read(override ?? ref.file, ref.digest);
  const all = tabularFromCsv(table, ref.columns);
  if ('file' in ref.test) {
    const test = tabularFromCsv(read(ref.test.file, ref.test.digest), ref.columns, {
      classNames: all.classNames,
      name: all.name,
    });
    const trainIds = new Set(all.ids);
    const clash = test.ids.filter((id) => trainIds.has(id));
    if (clash.length > 0 && ref.idColumn !== null)
      throw new DataFormatError(ref.test.file, `ids also in ${ref.file}: ${clash.slice(0, 10).join(', ')}`);
    return { ref, train: all, test };
  }
  const inTest = stratifiedDraw(all.labels, all.classNames.length, ref.test.fraction, ref.test.seed);
  const trainRows: number[] = [];
  const testRows: number[] = [];
  for (let i = 0; i < all.size; i++) (inTest[i] ? testRows : trainRows).push(i);
  return { ref, train: all.subset(trainRows), test: all.subset(testRows) };
}

/** Marks round(fraction * count) rows of each class, drawn with a seeded permutation per class. */
function stratifiedDraw(labels: Int32Array, numClasses: number, fraction: number, seed: number): Uint8Array {
  const marked = new Uint8Array(labels.length);
  const random = new Random(seed).fork('table/test');
  for (let c = 0; c < numClasses; c++) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.push(i);
    const order = random.fork(`class/${c}`).permutation(rows.length);
    const take = Math.round(rows.length * fraction);
    for (let k = 0; k < take; k++) marked[rows[order[k]!]!] = 1;
  }
  return marked;
}
