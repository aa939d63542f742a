/**
 * Reading the entries of an uncompressed zip archive, the container of `torch.save` and
 * `torch.jit.save` files (PyTorch stores every record without compression).
 *
 * @module
 */

/** A zip archive that cannot be read; the message names the source and the problem. */
export class ZipArchiveError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ZipArchiveError';
  }
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;

/** Whether the bytes begin like a zip archive. */
export function isZipArchive(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === LOCAL_HEADER;
}

/**
 * The stored entries of a zip archive by name, each a view into `bytes` (no copy).
 *
 * @throws ZipArchiveError for a truncated or corrupt archive, or a compressed entry
 */
export function readZipEntries(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (const entry of walkZip(bytes, source)) {
    if (entry.method !== 0)
      throw new ZipArchiveError(
        source,
        `entry '${entry.name}' is compressed (method ${entry.method}); PyTorch stores tensor records as is`,
      );
    entries.set(entry.name, entry.data);
  }
  return entries;
}

/** The names of a zip archive's entries, compressed or not. */
export function zipEntryNames(bytes: Uint8Array, source: string): string[] {
  return walkZip(bytes, source).map((entry) => entry.name);
}

interface ZipEntry {
  name: string;
  method: number;
  data: Uint8Array;
}

function walkZip(bytes: Uint8Array, source: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail: (problem: string) => never = (problem) => {
    throw new ZipArchiveError(source, problem);
  };
  // The end record sits in the last 22 bytes plus an optional comment of up to 65,535 bytes.
  let end = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 65_535); at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('not a complete zip archive (no end-of-central-directory record: truncated?)');
  let count = view.getUint16(end + 10, true);
  let directory = view.getUint32(end + 16, true);
  if (directory === 0xffffffff || count === 0xffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) fail('corrupt zip64 end record');
    const end64 = Number(view.getBigUint64(locator + 8, true));
    if (end64 + 56 > bytes.byteLength || view.getUint32(end64, true) !== ZIP64_END) fail('corrupt zip64 end record');
    count = Number(view.getBigUint64(end64 + 32, true));
    directory = Number(view.getBigUint64(end64 + 48, true));
  }
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let at = directory;
  for (let index = 0; index < count; index++) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== CENTRAL_HEADER)
      fail(`corrupt central directory at byte ${at} (entry ${index} of ${count})`);
    const method = view.getUint16(at + 10, true);
    let size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // Sizes and offsets over 4 GiB live in the zip64 extra field, in this order, only where 0xffffffff.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        if (view.getUint32(at + 24, true) === 0xffffffff) field += 8;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(field, true));
          field += 8;
        }
        if (local === 0xffffffff) local = Number(view.getBigUint64(field, true));
      }
      extra += 4 + length;
    }
    if (local + 30 > bytes.byteLength || view.getUint32(local, true) !== LOCAL_HEADER)
      fail(`entry '${name}': corrupt local header at byte ${local}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.byteLength)
      fail(`entry '${name}' runs past the end of the file (${start + size} > ${bytes.byteLength} bytes: truncated?)`);
    entries.push({ name, method, data: bytes.subarray(start, start + size) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
