/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST.
 *
 * Layout (big-endian): two zero bytes, a type code byte, a dimension count byte, one uint32 per
 * dimension, then the elements in row-major order. Only the unsigned-byte type is supported: it is the
 * only one the image datasets use, and accepting others would silently hand float bits to callers that
 * expect pixels.
 *
 * @module
 */

import { DataFormatError } from './errors.js';
import { readMaybeGzip } from './files.js';

/** IDX type code for unsigned bytes. */
const TYPE_UBYTE = 0x08;

/** Names of the IDX type codes, for error messages only. */
const TYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/** The content of an IDX file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first (e.g. `[60000, 28, 28]` for an image file, `[60000]` for labels). */
  dims: number[];
  /** The elements in row-major order; `data.length` is the product of `dims`. */
  data: Uint8Array;
}

/**
 * Reads an IDX file of unsigned bytes, gzip-compressed or raw (detected from the content).
 *
 * @param path - the file
 * @param expectedDims - the dimension count the caller needs, checked as part of the magic number
 * @returns its dimensions and data; `data` may be a view into the file buffer (no copy)
 * @throws DataFormatError naming the file and the offset when the file is unreadable, not an IDX file,
 *   of an unsupported element type, truncated, followed by trailing bytes, or a corrupt gzip stream
 */
export function readIdxFile(path: string, expectedDims?: number): IdxArray {
  const { bytes, gzipped } = readMaybeGzip(path);
  return parseIdx(bytes, path, gzipped, expectedDims);
}

/**
 * Parses IDX content already in memory.
 *
 * @param bytes - the (decompressed) file content
 * @param path - the file name, for error messages
 * @param gzipped - whether the bytes came out of a gzip stream, so that messages say which length they mean
 * @param expectedDims - the dimension count the caller needs (3 for images, 1 for labels): another one is
 *   reported as a wrong magic number before the sizes are read
 * @returns its dimensions and data (a view into `bytes`)
 * @throws DataFormatError as {@link readIdxFile}
 */
export function parseIdx(bytes: Uint8Array, path: string, gzipped = false, expectedDims?: number): IdxArray {
  const what = gzipped ? 'the decompressed data' : 'the file';
  if (bytes.length < 4) {
    throw new DataFormatError(path, `too short for an IDX header: ${what} has ${bytes.length} bytes`, bytes.length);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(
      path,
      `not an IDX file: wrong magic number ${magic(bytes)} (it must start with bytes 0x00 0x00, found ${hex(bytes[0])} ${hex(bytes[1])})`,
      0,
    );
  }
  const type = bytes[2];
  if (type !== TYPE_UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new DataFormatError(
      path,
      `unsupported IDX element type ${hex(type)} (${name}): only 0x08 (unsigned byte) is supported`,
      2,
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4) {
    throw new DataFormatError(path, `IDX dimension count ${ndims} is outside 1..4`, 3);
  }
  if (expectedDims !== undefined && ndims !== expectedDims) {
    // Checked before the sizes: read with the wrong dimension count they are garbage, and the message
    // would be about an absurd length instead of the file being the wrong kind.
    throw new DataFormatError(
      path,
      `wrong magic number ${magic(bytes)}: ${expectedKind(expectedDims)} has ${expectedDims} dimension${expectedDims === 1 ? '' : 's'} (magic 0x0000080${expectedDims}), this one has ${ndims}`,
      3,
    );
  }
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataFormatError(
      path,
      `truncated header: ${ndims} dimensions need ${headerLength} header bytes but ${what} has ${bytes.length}`,
      bytes.length,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expected = headerLength + count;
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : 'trailing garbage';
    throw new DataFormatError(
      path,
      `${problem}: header declares ${describe(dims)} (${expected} bytes) but ${what} has ${bytes.length} bytes`,
      Math.min(bytes.length, expected),
    );
  }
  return { dims, data: bytes.subarray(headerLength, expected) };
}

/** The first four bytes as a big-endian hex number, e.g. `0x00000803`. */
function magic(bytes: Uint8Array): string {
  return `0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** What a file of a dimension count holds, for messages. */
function expectedKind(dims: number): string {
  return dims === 3 ? 'an images file' : dims === 1 ? 'a labels file' : 'the file';
}

/** Formats a byte as `0x0d`. */
function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** Describes IDX dimensions the way a person reads the dataset: images of HxW, or entries. */
function describe(dims: readonly number[]): string {
  if (dims.length === 1) return `${dims[0]} entries`;
  if (dims.length === 3) return `${dims[0]} images of ${dims[1]}x${dims[2]}`;
  return `an array of ${dims.join('x')}`;
}
