/**
 * What each column of a table holds: inferred from its cells, overridable per column, recorded with
 * the model so that the same file is always read the same way.
 *
 * @module
 */

import { type CsvTable, isMissing } from './csvTable.js';
import { DataFormatError } from './errors.js';

/** The roles a column can have. */
export const COLUMN_TYPES = ['numeric', 'categorical', 'boolean', 'text', 'id', 'label', 'ignore'] as const;
/**
 * One of {@link COLUMN_TYPES}: `numeric` (standardised), `categorical` (one-hot), `boolean` (true/false,
 * yes/no, encoded 0/1 then standardised), `text` (free text: the input of a text model, not a table
 * feature), `id` (sample ids), `label` (the class), `ignore` (not used).
 */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** A column's name and type. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** Options of {@link inferSchema}. */
export interface SchemaOptions {
  /** The label column. */
  label: string;
  /** The id column, if the table has one. */
  idColumn?: string;
  /** Types forced per column name (override inference). */
  types?: Readonly<Record<string, ColumnType>>;
}

const TRUE_WORDS = new Set(['true', 'yes']);
const FALSE_WORDS = new Set(['false', 'no']);
/** Share of numeric cells above which a column is taken as numeric with a stray non-numeric value. */
const MOSTLY_NUMERIC = 0.9;

/**
 * Parses a numeric cell.
 *
 * @param cell - the cell's text
 * @returns the number, or NaN when the cell is not a finite decimal number
 */
export function parseNumber(cell: string): number {
  const text = cell.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

/**
 * Parses a boolean cell (true/false, yes/no, 1/0; any case).
 *
 * @param cell - the cell's text
 * @returns 1, 0, or NaN when it is none of these
 */
export function parseBoolean(cell: string): number {
  const text = cell.trim().toLowerCase();
  if (TRUE_WORDS.has(text) || text === '1') return 1;
  if (FALSE_WORDS.has(text) || text === '0') return 0;
  return Number.NaN;
}

/**
 * Infers every column's type: the label and id columns as named; numeric when every non-missing cell is
 * a number; boolean when every one is true/false (any case); text when most values are distinct and
 * long (free text); categorical otherwise. Overrides win over inference.
 *
 * @param table - the table
 * @param options - label, id column and overrides
 * @returns one spec per column, in header order
 * @throws DataFormatError naming file, row and column for an unknown column name (label, id or
 *   override), a label column with fewer than two classes or a missing label, and a non-numeric cell in
 *   a numeric column (declared, or numeric in at least 90% of its cells)
 */
export function inferSchema(table: CsvTable, options: SchemaOptions): ColumnSpec[] {
  const { file, header } = table;
  const known = (name: string, what: string): number => {
    const c = header.indexOf(name);
    if (c < 0) {
      throw new DataFormatError(
        file,
        `${what}: no column named ${JSON.stringify(name)} (columns: ${header.map((h) => JSON.stringify(h)).join(', ')})`,
      );
    }
    return c;
  };
  const labelIndex = known(options.label, 'label column');
  const idIndex = options.idColumn === undefined ? -1 : known(options.idColumn, 'id column');
  if (idIndex === labelIndex)
    throw new DataFormatError(file, `column ${JSON.stringify(options.label)} cannot be both the id and the label`);
  const overrides = options.types ?? {};
  for (const [name, type] of Object.entries(overrides)) {
    known(name, 'column type');
    if (!(COLUMN_TYPES as readonly string[]).includes(type))
      throw new DataFormatError(
        file,
        `column ${JSON.stringify(name)}: unknown type ${JSON.stringify(type)} (valid: ${COLUMN_TYPES.join(', ')})`,
      );
  }
  const specs = header.map((name, c): ColumnSpec => {
    if (c === labelIndex) return { name, type: 'label' };
    if (c === idIndex) return { name, type: 'id' };
    return { name, type: overrides[name] ?? inferColumn(table, c) };
  });
  checkLabel(table, labelIndex);
  for (let c = 0; c < specs.length; c++) {
    const type = specs[c]!.type;
    if (type === 'numeric' || type === 'boolean') checkCells(table, c, type);
  }
  return specs;
}

/** The type a column's cells suggest. */
function inferColumn(table: CsvTable, c: number): ColumnType {
  let present = 0;
  let numeric = 0;
  let boolean = 0;
  let totalLength = 0;
  const distinct = new Set<string>();
  for (const row of table.rows) {
    const cell = row[c]!;
    if (isMissing(cell)) continue;
    present++;
    if (!Number.isNaN(parseNumber(cell))) numeric++;
    const lower = cell.trim().toLowerCase();
    if (TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower)) boolean++;
    totalLength += cell.length;
    distinct.add(cell.trim());
  }
  if (present === 0) return 'ignore';
  if (numeric >= MOSTLY_NUMERIC * present) return 'numeric';
  if (boolean === present) return 'boolean';
  if (distinct.size > 0.5 * present && totalLength / present > 30) return 'text';
  return 'categorical';
}

function checkCells(table: CsvTable, c: number, type: 'numeric' | 'boolean'): void {
  const parseCell = type === 'numeric' ? parseNumber : parseBoolean;
  for (let r = 0; r < table.rows.length; r++) {
    const cell = table.rows[r]![c]!;
    if (isMissing(cell) || !Number.isNaN(parseCell(cell))) continue;
    throw new DataFormatError(
      table.file,
      `row ${r} (line ${table.lines[r]}), column ${JSON.stringify(table.header[c])}: ${JSON.stringify(cell)} is not ${type === 'numeric' ? 'a number' : 'a boolean (true/false, yes/no, 1/0)'} in a ${type} column (leave it empty for a missing value, or declare the column's type)`,
    );
  }
}

function checkLabel(table: CsvTable, c: number): void {
  const classes = new Set<string>();
  for (let r = 0; r < table.rows.length; r++) {
    const cell = table.rows[r]![c]!;
    if (isMissing(cell)) {
      throw new DataFormatError(
        table.file,
        `row ${r} (line ${table.lines[r]}), column ${JSON.stringify(table.header[c])}: the label is missing`,
      );
    }
    classes.add(cell.trim());
  }
  if (classes.size < 2) {
    throw new DataFormatError(
      table.file,
      `label column ${JSON.stringify(table.header[c])} has ${classes.size} class (${[...classes].map((v) => JSON.stringify(v)).join(', ')}): a classifier needs at least two`,
    );
  }
}
