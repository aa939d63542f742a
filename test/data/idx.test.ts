import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { DataFormatError, DataNotFoundError } from '../../src/data/errors.js';
import { readIdxFile } from '../../src/data/idx.js';
import { FASHION_MNIST_CLASSES, loadMnistDir, readIdxPair } from '../../src/data/mnistFormat.js';
import { FASHION_MNIST_DIR, idxBytes, tempDir } from './support.js';

const dir = tempDir('tmu-idx-');

/** Asserts that `fn` throws a DataFormatError whose message contains every fragment. */
function assertDataError(fn: () => unknown, file: string, ...fragments: (string | RegExp)[]): DataFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataFormatError, `expected a DataFormatError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.ok(caught.message.startsWith(`${file}: `), caught.message);
  assert.ok(!caught.message.includes('\n'), 'the message is one line');
  for (const fragment of fragments) {
    if (typeof fragment === 'string')
      assert.ok(caught.message.includes(fragment), `"${caught.message}" lacks "${fragment}"`);
    else assert.match(caught.message, fragment);
  }
  return caught;
}

test('the real Fashion-MNIST test files hold 10,000 28x28 images with 1,000 of each of 10 labels', () => {
  const images = readIdxFile(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  const labels = readIdxFile(join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
  assert.deepEqual(images.dims, [10000, 28, 28]);
  assert.equal(images.data.length, 10000 * 28 * 28);
  assert.deepEqual(labels.dims, [10000]);
  const counts = new Array<number>(10).fill(0);
  for (const label of labels.data) counts[label]++;
  assert.deepEqual(counts, new Array<number>(10).fill(1000));
});

test('the real Fashion-MNIST train labels have 6,000 samples in each of the 10 classes', () => {
  const labels = readIdxFile(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
  assert.deepEqual(labels.dims, [60000]);
  const counts = new Array<number>(10).fill(0);
  for (const label of labels.data) counts[label]++;
  assert.deepEqual(counts, new Array<number>(10).fill(6000));
});

test('an uncompressed IDX file reads the same as its gzip copy (gzip detected by content, not name)', () => {
  const gz = join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz');
  const raw = join(dir, 'labels-raw.gz'); // a misleading extension on purpose
  writeFileSync(raw, gunzipSync(readFileSync(gz)));
  const a = readIdxFile(gz);
  const b = readIdxFile(raw);
  assert.deepEqual(b.dims, a.dims);
  assert.deepEqual(b.data, a.data);
});

test('a well-formed small IDX file gives its dims and data', () => {
  const path = join(dir, 'small');
  writeFileSync(path, idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]));
  const { dims, data } = readIdxFile(path);
  assert.deepEqual(dims, [2, 2, 3]);
  assert.deepEqual(Array.from(data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
});

test('a truncated images file is rejected naming the declared size, the actual size and the offset', () => {
  const path = join(dir, 'train-images-idx3-ubyte.gz');
  const full = idxBytes([60000, 28, 28], []);
  const withSome = new Uint8Array(1000);
  withSome.set(full);
  writeFileSync(path, gzipSync(withSome));
  const err = assertDataError(
    () => readIdxFile(path),
    path,
    'truncated: header declares 60000 images of 28x28 (47040016 bytes) but the decompressed data has 1000 bytes',
    '(offset 1000)',
  );
  assert.equal(err.offset, 1000);
});

test('a truncated raw labels file says "the file has" rather than "the decompressed data"', () => {
  const path = join(dir, 'labels-short');
  writeFileSync(path, idxBytes([10], [1, 2, 3]));
  assertDataError(
    () => readIdxFile(path),
    path,
    'truncated: header declares 10 entries (18 bytes) but the file has 11 bytes',
    '(offset 11)',
  );
});

test('trailing bytes after the declared data are rejected as trailing garbage at the end offset', () => {
  const path = join(dir, 'labels-long');
  writeFileSync(path, idxBytes([3], [1, 2, 3, 4, 5]));
  const err = assertDataError(() => readIdxFile(path), path, 'trailing garbage', '(11 bytes)', 'has 13 bytes');
  assert.equal(err.offset, 11);
});

test('a file not starting with two zero bytes is rejected as not an IDX file at offset 0', () => {
  const path = join(dir, 'wrong-magic');
  const bytes = idxBytes([3], [1, 2, 3]);
  bytes[0] = 0x50;
  bytes[1] = 0x4b;
  writeFileSync(path, bytes);
  const err = assertDataError(() => readIdxFile(path), path, 'not an IDX file', '0x50 0x4b');
  assert.equal(err.offset, 0);
});

test('a file of the wrong kind (images magic where labels are expected) is a wrong magic number, before its sizes are read', () => {
  const path = join(dir, 'images-as-labels');
  // Read as 1-dimensional, this header would declare 2 entries and 8 + 2 bytes, and the message would
  // be about trailing garbage instead of the file being an images file.
  writeFileSync(path, idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
  const err = assertDataError(
    () => readIdxFile(path, 1),
    path,
    'wrong magic number 0x00000803',
    'a labels file has 1 dimension (magic 0x00000801), this one has 3',
  );
  assert.equal(err.offset, 3);
  assert.deepEqual(readIdxFile(path, 3).dims, [2, 2, 2]);
});

test('an IDX element type other than unsigned byte is rejected, naming the type', () => {
  const path = join(dir, 'float-idx');
  const bytes = idxBytes([3], [1, 2, 3]);
  bytes[2] = 0x0d;
  writeFileSync(path, bytes);
  assertDataError(() => readIdxFile(path), path, 'unsupported IDX element type 0x0d (float32)', '(offset 2)');
});

test('an IDX dimension count outside 1..4 is rejected at offset 3', () => {
  const path = join(dir, 'zero-dims');
  writeFileSync(path, Uint8Array.from([0, 0, 8, 0]));
  assertDataError(() => readIdxFile(path), path, 'dimension count 0', '(offset 3)');
  const path5 = join(dir, 'five-dims');
  writeFileSync(path5, Uint8Array.from([0, 0, 8, 5]));
  assertDataError(() => readIdxFile(path5), path5, 'dimension count 5');
});

test('a file shorter than the IDX header is rejected', () => {
  const path = join(dir, 'tiny');
  writeFileSync(path, Uint8Array.from([0, 0]));
  assertDataError(() => readIdxFile(path), path, 'too short for an IDX header');
  const path2 = join(dir, 'header-cut');
  writeFileSync(path2, Uint8Array.from([0, 0, 8, 3, 0, 0]));
  assertDataError(() => readIdxFile(path2), path2, 'truncated header: 3 dimensions need 16 header bytes');
});

test('a corrupt gzip stream is wrapped in a DataFormatError naming the file', () => {
  const path = join(dir, 'corrupt.gz');
  const gz = gzipSync(idxBytes([100], new Array<number>(100).fill(7)));
  gz[12] ^= 0xff;
  gz[13] ^= 0xff;
  writeFileSync(path, gz);
  const err = assertDataError(() => readIdxFile(path), path, 'corrupt gzip data');
  assert.ok(err.cause instanceof Error, 'the zlib error is kept as the cause');
});

test('a gzip stream cut short is reported as corrupt gzip data naming the file', () => {
  const path = join(dir, 'cut.gz');
  const gz = gzipSync(idxBytes([1000], new Array<number>(1000).fill(3)));
  writeFileSync(path, gz.subarray(0, gz.length - 10));
  assertDataError(() => readIdxFile(path), path, 'corrupt gzip data');
});

test('a missing IDX file is a DataFormatError naming the path', () => {
  const path = join(dir, 'does-not-exist.gz');
  assertDataError(() => readIdxFile(path), path, 'cannot read: no such file');
});

test('a label outside the class range is rejected with its entry index and byte offset', () => {
  const images = join(dir, 'pair-images');
  const labels = join(dir, 'pair-labels');
  writeFileSync(images, idxBytes([3, 2, 2], new Array<number>(12).fill(0)));
  writeFileSync(labels, idxBytes([3], [1, 10, 2]));
  const err = assertDataError(
    () => readIdxPair(images, labels, 'x', 'train', FASHION_MNIST_CLASSES),
    labels,
    'label 10 of entry 1 is outside 0..9',
  );
  assert.equal(err.offset, 9);
});

test('image and label files with different counts are rejected naming both files', () => {
  const images = join(dir, 'count-images');
  const labels = join(dir, 'count-labels');
  writeFileSync(images, idxBytes([3, 2, 2], new Array<number>(12).fill(0)));
  writeFileSync(labels, idxBytes([2], [1, 2]));
  assertDataError(
    () => readIdxPair(images, labels, 'x', 'train', FASHION_MNIST_CLASSES),
    labels,
    `holds 2 labels but ${images} holds 3 images`,
  );
});

test('an images file without 3 dimensions is rejected', () => {
  const images = join(dir, 'flat-images');
  const labels = join(dir, 'flat-labels');
  writeFileSync(images, idxBytes([12], new Array<number>(12).fill(0)));
  writeFileSync(labels, idxBytes([3], [1, 2, 3]));
  assertDataError(() => readIdxPair(images, labels, 'x', 'train', FASHION_MNIST_CLASSES), images, 'has 3 dimensions');
});

test('an MNIST-format folder accepts raw and dotted file names and reports a missing file with a hint', () => {
  const folder = tempDir('tmu-mnistdir-');
  writeFileSync(join(folder, 'train-images-idx3-ubyte'), idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
  writeFileSync(join(folder, 'train-labels.idx1-ubyte'), idxBytes([2], [0, 9]));
  writeFileSync(join(folder, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([1, 2, 2], [9, 9, 9, 9])));
  const missing = join(folder, 't10k-labels-idx1-ubyte.gz');
  let caught: unknown;
  try {
    loadMnistDir(folder, 'mnist', FASHION_MNIST_CLASSES, 'HINT');
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataNotFoundError);
  assert.equal(caught.file, missing);
  assert.match(caught.message, /missing .*HINT/);

  writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), idxBytes([1], [4]));
  const { train, test: testPart } = loadMnistDir(folder, 'mnist', FASHION_MNIST_CLASSES, 'HINT');
  assert.deepEqual(Array.from(train.labels), [0, 9]);
  assert.deepEqual(train.ids, ['mnist/train/0', 'mnist/train/1']);
  assert.deepEqual(Array.from(testPart.imageAt(0)), [9, 9, 9, 9]);
  assert.equal(testPart.ids[0], 'mnist/test/0');
});
