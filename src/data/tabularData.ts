/**
 * A table's rows as typed columns with sample ids and labels: what preprocessing is fitted on, what
 * row filters select from, and what is encoded into a {@link FeatureDataset} for a model.
 *
 * Ids come from the id column when there is one, else from the row's position in the file
 * (`<file name>/row/N`, N counting data rows from 0), so a deletion request can name a row of a file
 * that has no key of its own.
 *
 * @module
 */

import { type CsvTable, isMissing } from './csvTable.js';
import { DataFormatError } from './errors.js';
import { type ColumnSpec, parseBoolean, parseNumber } from './tableSchema.js';

/** One column's values, by type. */
export type ColumnValues =
  | { name: string; type: 'numeric' | 'boolean'; values: Float64Array }
  | { name: string; type: 'categorical' | 'text'; values: (string | null)[] };

/** What a {@link TabularData} is built from (see {@link tabularFromCsv}). */
export interface TabularDataInit {
  /** Dataset name (the file's name, whitespace replaced). */
  name: string;
  /** File the rows come from. */
  file: string;
  ids: string[];
  labels: Int32Array;
  classNames: string[];
  /** Feature and text columns (not the id, label or ignored ones), in header order. */
  columns: ColumnValues[];
  /** Data row number in the file of each row (for error messages). */
  rowNumbers: Int32Array;
}

/** A table's rows, typed. Missing numbers are NaN, missing strings null. */
export class TabularData {
  readonly name: string;
  readonly file: string;
  readonly ids: readonly string[];
  readonly labels: Int32Array;
  readonly classNames: readonly string[];
  readonly columns: readonly ColumnValues[];
  readonly rowNumbers: Int32Array;
  readonly #index: Map<string, number>;

  constructor(init: TabularDataInit) {
    this.name = init.name;
    this.file = init.file;
    this.ids = init.ids;
    this.labels = init.labels;
    this.classNames = init.classNames;
    this.columns = init.columns;
    this.rowNumbers = init.rowNumbers;
    this.#index = new Map(init.ids.map((id, i) => [id, i]));
  }

  /** Number of rows. */
  get size(): number {
    return this.labels.length;
  }

  /**
   * A column by name.
   *
   * @throws DataFormatError naming the file when there is no such feature or text column
   */
  column(name: string): ColumnValues {
    const column = this.columns.find((c) => c.name === name);
    if (!column) {
      throw new DataFormatError(
        this.file,
        `no column named ${JSON.stringify(name)} (columns: ${this.columns.map((c) => JSON.stringify(c.name)).join(', ')})`,
      );
    }
    return column;
  }

  /**
   * Row positions of ids.
   *
   * @throws RangeError listing ids not in the table
   */
  indicesOf(ids: readonly string[]): Int32Array {
    const out = new Int32Array(ids.length);
    const unknown: string[] = [];
    ids.forEach((id, k) => {
      const i = this.#index.get(id);
      if (i === undefined) unknown.push(id);
      else out[k] = i;
    });
    if (unknown.length > 0)
      throw new RangeError(`${unknown.length} id(s) not in ${this.file}: ${unknown.slice(0, 20).join(', ')}`);
    return out;
  }

  /** The rows at `indices`, in that order, with their ids. */
  subset(indices: ArrayLike<number>): TabularData {
    const pick = Array.from(indices);
    return new TabularData({
      name: this.name,
      file: this.file,
      ids: pick.map((i) => this.ids[i]!),
      labels: Int32Array.from(pick, (i) => this.labels[i]!),
      classNames: [...this.classNames],
      rowNumbers: Int32Array.from(pick, (i) => this.rowNumbers[i]!),
      columns: this.columns.map((c): ColumnValues => {
        if (c.type === 'numeric' || c.type === 'boolean') {
          const numbers = c.values;
          return { name: c.name, type: c.type, values: Float64Array.from(pick, (i) => numbers[i]!) };
        }
        const strings = c.values as (string | null)[];
        return { name: c.name, type: c.type, values: pick.map((i) => strings[i] ?? null) };
      }),
    });
  }
}

/** Options of {@link tabularFromCsv}. */
export interface TabularOptions {
  /**
   * Class names in label order; by default the label column's distinct values, sorted (numerically
   * when all are numbers). Given when a second file (a test file) must share the first one's classes.
   */
  classNames?: readonly string[];
  /**
   * Dataset name (default: the file's name). A test file takes its training file's name, as the two
   * partitions of one dataset; its ids still name its own file.
   */
  name?: string;
}

/**
 * Types a table's cells by its schema.
 *
 * @param table - the parsed file
 * @param schema - a type per column ({@link inferSchema})
 * @param options - class names to use
 * @throws DataFormatError naming file, row and column for a missing or repeated id (listing the rows
 *   that share it), or a label outside the given class names
 */
export function tabularFromCsv(
  table: CsvTable,
  schema: readonly ColumnSpec[],
  options: TabularOptions = {},
): TabularData {
  const { file, rows } = table;
  const fileName = table.fileName.replace(/\s/g, '_');
  const name = options.name ?? fileName;
  const labelIndex = schema.findIndex((c) => c.type === 'label');
  const idIndex = schema.findIndex((c) => c.type === 'id');
  if (labelIndex < 0) throw new DataFormatError(file, 'the schema names no label column');
  const labelName = schema[labelIndex]!.name;
  const rawLabels = rows.map((row) => row[labelIndex]!.trim());
  const classNames = options.classNames ? [...options.classNames] : sortedClasses(rawLabels);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const labels = new Int32Array(rows.length);
  rawLabels.forEach((value, r) => {
    const k = classIndex.get(value);
    if (k === undefined) {
      throw new DataFormatError(
        file,
        `row ${r} (line ${table.lines[r]}), column ${JSON.stringify(labelName)}: class ${JSON.stringify(value)} is not one of ${classNames.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    labels[r] = k;
  });
  const ids = idIndex < 0 ? rows.map((_, r) => `${fileName}/row/${r}`) : idsFromColumn(table, idIndex);
  const columns: ColumnValues[] = [];
  schema.forEach((spec, c) => {
    if (spec.type === 'numeric' || spec.type === 'boolean') {
      const parseCell = spec.type === 'numeric' ? parseNumber : parseBoolean;
      const values = Float64Array.from(rows, (row) => (isMissing(row[c]!) ? Number.NaN : parseCell(row[c]!)));
      columns.push({ name: spec.name, type: spec.type, values });
    } else if (spec.type === 'categorical' || spec.type === 'text') {
      columns.push({
        name: spec.name,
        type: spec.type,
        values: rows.map((row) => (isMissing(row[c]!) ? null : row[c]!.trim())),
      });
    }
  });
  return new TabularData({
    name,
    file,
    ids,
    labels,
    classNames,
    columns,
    rowNumbers: Int32Array.from(rows, (_, r) => r),
  });
}

function idsFromColumn(table: CsvTable, c: number): string[] {
  const column = JSON.stringify(table.header[c]);
  const first = new Map<string, number[]>();
  const ids = table.rows.map((row, r) => {
    const id = row[c]!.trim();
    if (id === '')
      throw new DataFormatError(table.file, `row ${r} (line ${table.lines[r]}), column ${column}: the id is missing`);
    const rowsWithId = first.get(id);
    if (rowsWithId) rowsWithId.push(r);
    else first.set(id, [r]);
    return id;
  });
  const repeated = [...first.entries()].filter(([, rs]) => rs.length > 1);
  if (repeated.length > 0) {
    const list = repeated
      .slice(0, 10)
      .map(([id, rs]) => `${JSON.stringify(id)} in rows ${rs.join(', ')}`)
      .join('; ');
    throw new DataFormatError(
      table.file,
      `column ${column}: ${repeated.length} id(s) appear more than once (ids must be unique): ${list}${repeated.length > 10 ? '; ...' : ''}`,
    );
  }
  return ids;
}

function sortedClasses(values: readonly string[]): string[] {
  const distinct = [...new Set(values)];
  if (distinct.every((v) => !Number.isNaN(parseNumber(v))))
    return distinct.sort((a, b) => parseNumber(a) - parseNumber(b));
  return distinct.sort();
}
