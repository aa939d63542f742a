import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  CIFAR10_CLASSES,
  CIFAR100_CLASSES,
  cifarRecordSize,
  loadCifarDir,
  readCifarBatch,
  readCifarBatches,
} from '../../src/data/cifarBinary.js';
import { DataFormatError } from '../../src/data/errors.js';
import { tempDir } from './support.js';

const dir = tempDir('tmu-cifar-');

/** Encodes CIFAR records: each label list then 3072 pixel bytes derived from the record index. */
function records(labels: number[][], seed = 0): Uint8Array {
  const size = labels[0].length + 3072;
  const out = new Uint8Array(labels.length * size);
  labels.forEach((label, r) => {
    out.set(label, r * size);
    for (let p = 0; p < 3072; p++) out[r * size + label.length + p] = (p + 7 * r + seed) % 256;
  });
  return out;
}

/** Catches the error thrown by fn. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

test('record sizes are 3073 bytes for CIFAR-10 and 3074 for CIFAR-100', () => {
  assert.equal(cifarRecordSize('cifar10'), 3073);
  assert.equal(cifarRecordSize('cifar100'), 3074);
  assert.equal(CIFAR10_CLASSES.length, 10);
  assert.equal(CIFAR100_CLASSES.length, 100);
  assert.equal(new Set(CIFAR100_CLASSES).size, 100);
});

test('a CIFAR-10 batch gives its labels and the pixels of each record unchanged (already CHW)', () => {
  const path = join(dir, 'batch10.bin');
  writeFileSync(path, records([[3], [9], [0]]));
  const { images, labels } = readCifarBatch(path, 'cifar10');
  assert.deepEqual(Array.from(labels), [3, 9, 0]);
  assert.equal(images.length, 3 * 3072);
  assert.equal(images[3072 + 0], 7); // record 1, red plane, pixel 0
  assert.equal(images[2 * 3072 + 1024], (1024 + 14) % 256); // record 2, green plane, pixel 0
});

test('a CIFAR-100 batch uses the fine label (second byte), not the coarse one', () => {
  const path = join(dir, 'batch100.bin');
  writeFileSync(
    path,
    records([
      [19, 99],
      [0, 42],
    ]),
  );
  const { labels } = readCifarBatch(path, 'cifar100');
  assert.deepEqual(Array.from(labels), [99, 42]);
});

test('several batch files are concatenated in order', () => {
  const a = join(dir, 'a.bin');
  const b = join(dir, 'b.bin');
  writeFileSync(a, records([[1], [2]]));
  writeFileSync(b, records([[3]], 100));
  const { images, labels } = readCifarBatches([a, b], 'cifar10');
  assert.deepEqual(Array.from(labels), [1, 2, 3]);
  assert.equal(images[2 * 3072], 100);
});

test('a batch whose length is not a whole number of records is rejected naming the length and record size', () => {
  const path = join(dir, 'short.bin');
  writeFileSync(path, records([[1], [2]]).subarray(0, 3073 + 100));
  const err = thrown(() => readCifarBatch(path, 'cifar10'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, path);
  assert.match(err.message, /length 3173 bytes is not a multiple of the 3073-byte record size/);
  assert.equal(err.offset, 3073);
});

test('a CIFAR-10 file read as CIFAR-100 is rejected for its length', () => {
  const path = join(dir, 'ten-as-hundred.bin');
  writeFileSync(path, records([[1], [2]]));
  const err = thrown(() => readCifarBatch(path, 'cifar100'));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /3074-byte record size/);
});

test('an empty batch file is rejected', () => {
  const path = join(dir, 'empty.bin');
  writeFileSync(path, new Uint8Array(0));
  const err = thrown(() => readCifarBatch(path, 'cifar10'));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /empty file/);
});

test('a CIFAR-10 label of 10 or more is rejected naming the file, the record and its offset', () => {
  const path = join(dir, 'badlabel.bin');
  writeFileSync(path, records([[1], [2], [10]]));
  const err = thrown(() => readCifarBatch(path, 'cifar10'));
  assert.ok(err instanceof DataFormatError);
  assert.equal(err.file, path);
  assert.match(err.message, /record 2: label 10 is outside 0\.\.9/);
  assert.equal(err.offset, 2 * 3073);
});

test('CIFAR-100 fine labels of 100 or more and coarse labels of 20 or more are rejected', () => {
  const fine = join(dir, 'badfine.bin');
  writeFileSync(
    fine,
    records([
      [0, 1],
      [0, 100],
    ]),
  );
  const err = thrown(() => readCifarBatch(fine, 'cifar100'));
  assert.ok(err instanceof DataFormatError);
  assert.match(err.message, /record 1: label 100 is outside 0\.\.99/);
  assert.equal(err.offset, 3074 + 1);
  const coarse = join(dir, 'badcoarse.bin');
  writeFileSync(coarse, records([[20, 1]]));
  const err2 = thrown(() => readCifarBatch(coarse, 'cifar100'));
  assert.ok(err2 instanceof DataFormatError);
  assert.match(err2.message, /record 0: coarse label 20/);
});

test('a CIFAR-10 folder in the archive layout loads 5 train batches and the test batch with stable ids', () => {
  const root = join(dir, 'c10');
  const batches = join(root, 'cifar-10-batches-bin');
  mkdirSync(batches, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(batches, `data_batch_${b}.bin`), records([[b], [b + 1]], b));
  writeFileSync(join(batches, 'test_batch.bin'), records([[0]]));
  const { train, test: testPart } = loadCifarDir(root, 'cifar10');
  assert.equal(train.size, 10);
  assert.deepEqual(Array.from(train.labels), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  assert.equal(train.ids[9], 'cifar10/train/9');
  assert.equal(testPart.ids[0], 'cifar10/test/0');
  assert.deepEqual([train.channels, train.height, train.width], [3, 32, 32]);
  assert.deepEqual(train.classNames, CIFAR10_CLASSES);
});

test('a CIFAR-100 folder with train.bin and test.bin directly inside loads', () => {
  const root = join(dir, 'c100');
  mkdirSync(root);
  writeFileSync(
    join(root, 'train.bin'),
    records([
      [1, 50],
      [2, 60],
    ]),
  );
  writeFileSync(join(root, 'test.bin'), records([[3, 70]]));
  const { train, test: testPart } = loadCifarDir(root, 'cifar100');
  assert.deepEqual(Array.from(train.labels), [50, 60]);
  assert.deepEqual(Array.from(testPart.labels), [70]);
  assert.equal(train.numClasses, 100);
});

test('a CIFAR folder missing batch files is rejected listing them and the archive to get', () => {
  const root = join(dir, 'c10-partial');
  mkdirSync(root);
  writeFileSync(join(root, 'data_batch_1.bin'), records([[1]]));
  const err = thrown(() => loadCifarDir(root, 'cifar10'));
  assert.ok(err instanceof DataFormatError);
  assert.match(
    err.message,
    /missing data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/,
  );
  assert.match(err.message, /cifar-10-binary\.tar\.gz/);
});
