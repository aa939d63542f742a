import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { PNG } from 'pngjs';

import { Batches } from '../../src/data/batches.js';
import { DataNotFoundError } from '../../src/data/errors.js';
import { DATASET_NAMES, loadDataset } from '../../src/data/registry.js';
import { makeSplit } from '../../src/data/split.js';
import { computeChannelStats } from '../../src/data/stats.js';
import { tempDir } from './support.js';

const dir = tempDir('tmu-registry-');

test('Fashion-MNIST loads from its default folder: 60,000 + 10,000 28x28 images, 6,000 per train class', () => {
  const { train, test: testPart, stats, augmentDefault } = loadDataset('fashion-mnist');
  assert.equal(train.size, 60000);
  assert.equal(testPart.size, 10000);
  assert.deepEqual([train.channels, train.height, train.width], [1, 28, 28]);
  assert.deepEqual(Array.from(train.classCounts()), new Array<number>(10).fill(6000));
  assert.ok(train.labels.every((label) => label >= 0 && label < 10));
  assert.equal(train.classNames[9], 'Ankle boot');
  assert.equal(train.ids[59999], 'fashion-mnist/train/59999');
  assert.deepEqual(stats, { mean: [0.286], std: [0.353] });
  assert.equal(augmentDefault, false);

  // the published constants are those of these very files
  const measured = computeChannelStats(train);
  assert.ok(Math.abs(measured.mean[0] - 0.286) < 5e-4);
  assert.ok(Math.abs(measured.std[0] - 0.353) < 5e-4);

  // the default split: 45,000 members, 15,000 holdout
  const split = makeSplit(train, testPart, { seed: 0 });
  assert.equal(split.member.length, 45000);
  assert.equal(split.holdout.length, 15000);
  assert.equal(split.test.length, 10000);

  // a full epoch over the member set is well under a second
  const batches = new Batches(train, split.member, { batchSize: 128, shuffle: true, seed: 0, normalize: stats });
  const start = performance.now();
  let seen = 0;
  for (const batch of batches) seen += batch.ids.length;
  const ms = performance.now() - start;
  assert.equal(seen, 45000);
  assert.ok(ms < 1000, `epoch took ${ms.toFixed(0)} ms`);
});

test('an unknown dataset name is rejected listing the known ones', () => {
  assert.throws(
    () => loadDataset('imagenet'),
    new RegExp(`unknown dataset "imagenet": expected one of ${DATASET_NAMES.join(', ')}`),
  );
});

test('a missing data folder is named in the error together with how to get the data', () => {
  const missing = join(dir, 'nowhere');
  assert.throws(
    () => loadDataset('fashion-mnist', { dataDir: missing }),
    (err: unknown) =>
      err instanceof DataNotFoundError &&
      err.file === missing &&
      /apt-get install dataset-fashion-mnist/.test(err.message) &&
      /--data-dir/.test(err.message),
  );
  assert.throws(
    () => loadDataset('cifar10'),
    (err: unknown) =>
      err instanceof DataNotFoundError && /no data folder given: .*cifar-10-binary\.tar\.gz/.test(err.message),
  );
  assert.throws(
    () => loadDataset('cifar10-jpeg', { dataDir: missing }),
    (err: unknown) => err instanceof DataNotFoundError && /tar xzf/.test(err.message),
  );
});

test('a folder lacking one Fashion-MNIST file names that file and the package to install', () => {
  const partial = join(dir, 'partial');
  mkdirSync(partial);
  writeFileSync(join(partial, 'train-images-idx3-ubyte.gz'), '');
  assert.throws(
    () => loadDataset('fashion-mnist', { dataDir: partial }),
    (err: unknown) =>
      err instanceof DataNotFoundError &&
      err.file === join(partial, 'train-labels-idx1-ubyte.gz') &&
      /dataset-fashion-mnist/.test(err.message),
  );
});

test('CIFAR-10 from a binary folder comes with its published statistics and augmentation on', () => {
  const root = join(dir, 'cifar');
  mkdirSync(root);
  const record = new Uint8Array(3073);
  for (const file of [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ]) {
    writeFileSync(join(root, file), record);
  }
  const loaded = loadDataset('cifar10', { dataDir: root });
  assert.equal(loaded.train.size, 5);
  assert.equal(loaded.train.name, 'cifar10');
  assert.deepEqual(loaded.stats, { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] });
  assert.equal(loaded.augmentDefault, true);
});

test('an image folder gets statistics computed from its train images and the name given', () => {
  const root = join(dir, 'folder');
  for (const part of ['train', 'test']) {
    for (const [cls, value] of [
      ['a', 0],
      ['b', 255],
    ] as const) {
      mkdirSync(join(root, part, cls), { recursive: true });
      const png = new PNG({ width: 2, height: 2 });
      for (let p = 0; p < 4; p++) png.data.set([value, value, 0, 255], 4 * p);
      writeFileSync(join(root, part, cls, '0.png'), PNG.sync.write(png));
    }
  }
  const loaded = loadDataset('image-folder', { dataDir: root, name: 'twotone' });
  assert.equal(loaded.train.ids[1], 'twotone/train/1');
  assert.equal(loaded.train.channels, 3);
  assert.deepEqual(loaded.stats.mean, [0.5, 0.5, 0]);
  assert.deepEqual(
    loaded.stats.std,
    [0.5, 0.5, 1],
    'a constant channel gets std 1 so that normalising it stays finite',
  );
  assert.equal(loaded.augmentDefault, true);
  const asJpegName = loadDataset('cifar10-jpeg', { dataDir: root, name: 'ignored' });
  assert.equal(asJpegName.train.ids[0], 'cifar10-jpeg/train/0');
});
