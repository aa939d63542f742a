/**
 * Reading and writing the safetensors format (the weights format of PyTorch and Hugging Face), so
 * tmu models load in PyTorch and back.
 *
 * Layout: an 8-byte little-endian u64 header length N; N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {key: value}}`, padded with
 * spaces to a multiple of 8; then the little-endian tensor bytes, packed without gaps, offsets relative
 * to the start of the data. tmu writes tensors sorted by name.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { type DType, type Tensor, type TensorData, tensor } from '../tensor/index.js';
import { writeFileAtomic } from './atomicFile.js';

/** Safetensors dtype names tmu reads and writes. */
export type SafetensorsDType = 'F32' | 'F64' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Tensors and string metadata, as stored in a safetensors file. */
export interface SafetensorsContents {
  /** Tensors by name, in the file's header order. */
  tensors: Map<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** A malformed safetensors file or buffer; the one-line message names the source and the problem. */
export class SafetensorsError extends Error {
  /** The file path (or the name given for an in-memory buffer). */
  readonly source: string;

  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'SafetensorsError';
    this.source = source;
  }
}

const TO_SAFETENSORS: Readonly<Record<DType, SafetensorsDType>> = {
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_SAFETENSORS: ReadonlyMap<string, DType> = new Map(
  Object.entries(TO_SAFETENSORS).map(([dtype, name]) => [name, dtype as DType]),
);
const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int64: 8, int32: 4, uint8: 1, bool: 1 };
const METADATA_KEY = '__metadata__';
// The reference implementation's limit: a larger header is a corrupt length field, not a real header.
const MAX_HEADER_BYTES = 100_000_000;

function checkHostEndianness(source: string): void {
  // Typed arrays use the host byte order and the format is little-endian; every platform Node and
  // libtorch support together is, so a big-endian host is refused rather than silently misread.
  if (endianness() !== 'LE') throw new SafetensorsError(source, 'safetensors I/O needs a little-endian host');
}

function compareCodePoints(a: string, b: string): number {
  // Python's sorted() (and so the reference writers) orders by code point, not UTF-16 unit.
  const [x, y] = [Array.from(a), Array.from(b)];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const diff = x[k]!.codePointAt(0)! - y[k]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return x.length - y.length;
}

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serialises tensors and metadata to safetensors bytes.
 *
 * @param tensors - tensors by name (any device; copied to host)
 * @param metadata - string-to-string metadata, stored as `__metadata__` when not empty
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  checkHostEndianness('encodeSafetensors');
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new TypeError(`encodeSafetensors: metadata '${key}' must be a string, got ${typeof value}`);
  }
  const names = [...tensors.keys()].sort(compareCodePoints);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY)
      throw new TypeError(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    const value = tensors.get(name)!;
    const bytes = bytesOf(value.toTypedArray());
    header[name] = {
      dtype: TO_SAFETENSORS[value.dtype],
      shape: value.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let position = 8 + headerLength;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(source: string, name: string, value: unknown): Entry {
  const fail = (problem: string): never => {
    throw new SafetensorsError(source, `tensor '${name}' ${problem}`);
  };
  if (!isRecord(value)) return fail(`has a header entry that is not an object: ${JSON.stringify(value)}`);
  const { dtype: dtypeName, shape, data_offsets: offsets } = value;
  if (typeof dtypeName !== 'string') return fail(`has no dtype string: ${JSON.stringify(value)}`);
  const dtype = FROM_SAFETENSORS.get(dtypeName);
  if (dtype === undefined)
    return fail(`has unknown dtype '${dtypeName}' (supported: ${[...FROM_SAFETENSORS.keys()].join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((size): size is number => Number.isSafeInteger(size) && size >= 0)) {
    return fail(`has an invalid shape ${JSON.stringify(shape)} (need non-negative integers)`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o): o is number => Number.isSafeInteger(o) && o >= 0)
  ) {
    return fail(`has invalid data_offsets ${JSON.stringify(offsets)} (need [begin, end] non-negative integers)`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) return fail(`has data_offsets [${begin}, ${end}] out of range (end before begin)`);
  const numel = shape.reduce((product, size) => product * size, 1);
  const expected = numel * ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    return fail(
      `has data_offsets [${begin}, ${end}] (${end - begin} bytes) not matching shape [${shape.join(', ')}] of ${dtypeName} (${expected} bytes)`,
    );
  }
  return { name, dtype, shape, begin, end };
}

function typedArrayFromBytes(dtype: DType, bytes: Uint8Array): TensorData {
  // Copy into a fresh, aligned buffer: tensor offsets in the file need not be aligned, and a Node
  // Buffer's slice() would be a view into the shared pool rather than a copy.
  const buffer = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}

/**
 * Parses safetensors bytes, validating the whole layout before creating any tensor.
 *
 * @param bytes - the file's contents
 * @param sourceName - names the source in error messages (a path, or e.g. `"upload"`)
 * @throws SafetensorsError naming the source and the problem: too short, header length beyond the end,
 *   invalid JSON, unknown dtype, bad shape, offsets out of range, overlapping, leaving gaps or not
 *   matching shape x dtype size, truncated data, trailing bytes
 */
export function decodeSafetensors(bytes: Uint8Array, sourceName = '<buffer>'): SafetensorsContents {
  const source = sourceName;
  checkHostEndianness(source);
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(source, `file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    throw new SafetensorsError(
      source,
      `header length ${headerLength} runs beyond the end of the file (${bytes.byteLength} bytes)`,
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(source, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafetensorsError(source, `header is not valid JSON: ${reason.split('\n')[0]}`);
  }
  if (!isRecord(header)) throw new SafetensorsError(source, 'header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name !== METADATA_KEY) {
      entries.push(parseEntry(source, name, value));
      continue;
    }
    if (!isRecord(value)) throw new SafetensorsError(source, `${METADATA_KEY} is not an object of strings`);
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string')
        throw new SafetensorsError(source, `${METADATA_KEY} value '${key}' is not a string: ${JSON.stringify(item)}`);
      metadata[key] = item;
    }
  }

  // The data must be tiled exactly: sorted by offset, each tensor starts where the previous ended.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | null = null;
  for (const entry of byOffset) {
    if (entry.begin < cursor) {
      throw new SafetensorsError(
        source,
        `tensor '${entry.name}' data_offsets [${entry.begin}, ${entry.end}] overlap tensor '${previous?.name}' [${previous?.begin}, ${previous?.end}]`,
      );
    }
    if (entry.begin > cursor) {
      throw new SafetensorsError(
        source,
        `tensor '${entry.name}' data_offsets [${entry.begin}, ${entry.end}] leave a gap after byte ${cursor} of the data`,
      );
    }
    cursor = entry.end;
    previous = entry;
  }
  const available = bytes.byteLength - dataStart;
  if (cursor > available) {
    throw new SafetensorsError(
      source,
      `data is truncated: the tensors need ${cursor} bytes after the header (file offset ${dataStart}) but only ${available} remain`,
    );
  }
  if (cursor < available) {
    throw new SafetensorsError(
      source,
      `${available - cursor} unexpected bytes after the last tensor (file offset ${dataStart + cursor})`,
    );
  }

  const tensors = new Map<string, Tensor>();
  try {
    for (const entry of entries) {
      const data = typedArrayFromBytes(entry.dtype, bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
      tensors.set(entry.name, tensor(data, { shape: entry.shape, dtype: entry.dtype }));
    }
  } catch (error) {
    for (const created of tensors.values()) created.dispose();
    throw error;
  }
  return { tensors, metadata };
}

/**
 * Writes tensors and metadata to a safetensors file atomically: the bytes go to a temporary file in
 * the same folder, which is flushed to disk and renamed over `path`, so a crash never leaves a
 * half-written file under the final name.
 */
export function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  const bytes = encodeSafetensors(tensors, metadata);
  writeFileAtomic(path, bytes);
}

/**
 * Reads a safetensors file (see {@link decodeSafetensors} for the checks).
 *
 * @throws SafetensorsError naming the file and the problem; a missing file throws Node's ENOENT error
 */
export function loadSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), path);
}
