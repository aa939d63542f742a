/**
 * File access for the data layer: whole-file reads with errors that name the file, transparent gzip,
 * and atomic writes for the small JSON artefacts (splits, forget sets) that runs depend on.
 *
 * @module
 */

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { DataFormatError } from './errors.js';

/** The two magic bytes every gzip member starts with (RFC 1952). */
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Reads a whole file, turning filesystem errors into a {@link DataFormatError} naming the file.
 *
 * @param path - file to read
 * @returns the file's bytes
 * @throws DataFormatError when the file is missing or unreadable
 */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String((err as Error).message);
    throw new DataFormatError(path, `cannot read: ${why}`, undefined, { cause: err });
  }
}

/**
 * Whether bytes start with the gzip magic. Detection is by content, not by file extension, because
 * copies of the IDX files circulate both compressed and uncompressed under either name.
 *
 * @param bytes - the start of a file
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/**
 * Reads a file and gunzips it when it is gzip-compressed.
 *
 * @param path - file to read
 * @returns the (decompressed) content and whether it was compressed
 * @throws DataFormatError when the file is unreadable or its gzip stream is corrupt or truncated
 */
export function readMaybeGzip(path: string): { bytes: Uint8Array; gzipped: boolean } {
  const raw = readBytes(path);
  if (!isGzip(raw)) return { bytes: raw, gzipped: false };
  try {
    return { bytes: gunzipSync(raw), gzipped: true };
  } catch (err) {
    throw new DataFormatError(path, `corrupt gzip data: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * Writes a text file atomically: readers see either the old content or the new one, never a partial
 * file, because a crash mid-write must not leave a run pointing at half a split.
 *
 * @param path - destination
 * @param text - content
 */
export function writeTextAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Reads and parses a JSON file, with errors that name the file.
 *
 * @param path - file to read
 * @returns the parsed value (unchecked: callers validate its structure)
 * @throws DataFormatError when the file is unreadable or is not valid JSON
 */
export function readJson(path: string): unknown {
  const text = new TextDecoder().decode(readBytes(path));
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DataFormatError(path, `invalid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * Whether a parsed JSON value is an object (not null, not an array).
 *
 * @param value - a parsed JSON value
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
