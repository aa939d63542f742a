/**
 * Reading a delimited text table (CSV or TSV, gzip-compressed or plain) into header and string cells,
 * with the file's digest, on the `csv-parse` parser (quoted fields, embedded newlines and doubled quotes
 * as RFC 4180 has them).
 *
 * Cells stay strings here: what a column holds is decided by {@link inferSchema}. A cell that is empty
 * or only whitespace is a missing value.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { DataFormatError } from './errors.js';
import { isGzip, readBytes } from './files.js';

/** A table read from a file. */
export interface CsvTable {
  /** Path of the file it was read from. */
  file: string;
  /** The file's name without folders (the first component of row-position ids). */
  fileName: string;
  /** SHA-256 (hex) of the file's bytes as stored (compressed, for a gzip file). */
  digest: string;
  /** Column names, from the header row. */
  header: string[];
  /** Data rows, each with one cell per column. */
  rows: string[][];
  /** 1-based line of the file where each data row ends (for error messages). */
  lines: number[];
}

/** Options of {@link readCsvTable}. */
export interface ReadCsvOptions {
  /** Field delimiter; by default a tab when the header holds more tabs than commas, else a comma. */
  delimiter?: string;
}

/**
 * Reads a CSV or TSV file with a header row.
 *
 * @param path - the file (gzip-compressed or plain; detected by content)
 * @param options - delimiter
 * @returns header, rows and digest
 * @throws DataFormatError naming the file (and row, line and column where one applies) for an unreadable
 *   or corrupt file, an empty file or one with a header only, a blank or repeated column name, a row with
 *   more or fewer fields than the header, or a malformed quoted field
 */
export function readCsvTable(path: string, options: ReadCsvOptions = {}): CsvTable {
  const raw = readBytes(path);
  const digest = createHash('sha256').update(raw).digest('hex');
  let bytes: Uint8Array = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (err) {
      throw new DataFormatError(path, `corrupt gzip data: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DataFormatError(path, 'the file is empty: expected a header row and data rows');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = options.delimiter ?? (count(firstLine, '\t') > count(firstLine, ',') ? '\t' : ',');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const error = err as Error & { lines?: number };
    throw new DataFormatError(
      path,
      `cannot parse${error.lines === undefined ? '' : ` line ${error.lines}`}: ${error.message}`,
      undefined,
      { cause: err },
    );
  }
  if (records.length === 0) throw new DataFormatError(path, 'the file is empty: expected a header row');
  const header = records[0]!.record.map((name) => name.trim());
  const seen = new Set<string>();
  for (let c = 0; c < header.length; c++) {
    const name = header[c]!;
    if (name === '') throw new DataFormatError(path, `header: column ${c + 1} has no name`);
    if (seen.has(name)) throw new DataFormatError(path, `header: column name ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
  if (records.length === 1) throw new DataFormatError(path, 'the file has a header row but no data rows');
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r]!;
    if (record.length !== header.length) {
      const where =
        record.length < header.length
          ? `column ${JSON.stringify(header[record.length])} is missing`
          : `a field is left over after column ${JSON.stringify(header[header.length - 1])}`;
      throw new DataFormatError(
        path,
        `row ${r - 1} (line ${info.lines}) has ${record.length} field(s) but the header has ${header.length} columns: ${where}`,
      );
    }
    rows.push(record);
    lines.push(info.lines);
  }
  return { file: path, fileName: basename(path), digest, header, rows, lines };
}

/**
 * Whether a cell is a missing value (empty or whitespace only).
 *
 * @param cell - the cell's text
 */
export function isMissing(cell: string): boolean {
  return cell.trim() === '';
}

function count(text: string, character: string): number {
  let n = 0;
  for (const c of text) if (c === character) n++;
  return n;
}
