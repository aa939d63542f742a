import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ImageDataset } from '../../src/data/dataset.js';
import { SelectionError } from '../../src/data/errors.js';
import { computeChannelStats } from '../../src/data/stats.js';
import { syntheticDataset } from './support.js';

test('default ids are name/partition/index and indexOf finds them (-1 for unknown)', () => {
  const ds = syntheticDataset({ name: 'toy', partition: 'test', classes: 2, perClass: 3 });
  assert.equal(ds.size, 6);
  assert.deepEqual(ds.ids, ['toy/test/0', 'toy/test/1', 'toy/test/2', 'toy/test/3', 'toy/test/4', 'toy/test/5']);
  assert.equal(ds.indexOf('toy/test/4'), 4);
  assert.equal(ds.indexOf('toy/train/4'), -1);
  assert.equal(ds.has('toy/test/0'), true);
  assert.equal(ds.numClasses, 2);
  assert.deepEqual(Array.from(ds.classCounts()), [3, 3]);
});

test('imageAt returns a CHW view of one image sharing memory with the dataset', () => {
  const ds = syntheticDataset({ channels: 3, height: 2, width: 2 });
  const view = ds.imageAt(2);
  assert.equal(view.length, 12);
  assert.deepEqual(Array.from(view), Array.from(ds.images.subarray(24, 36)));
  assert.equal(view.buffer, ds.images.buffer);
  assert.throws(() => ds.imageAt(ds.size), RangeError);
  assert.throws(() => ds.imageAt(-1), RangeError);
});

test('subset copies the chosen samples in the given order and keeps their original ids', () => {
  const ds = syntheticDataset({ classes: 3, perClass: 4 });
  const sub = ds.subset([7, 2, 11]);
  assert.deepEqual(sub.ids, ['synth/train/7', 'synth/train/2', 'synth/train/11']);
  assert.deepEqual(Array.from(sub.labels), [1, 2, 2]);
  assert.deepEqual(Array.from(sub.imageAt(0)), Array.from(ds.imageAt(7)));
  assert.deepEqual(Array.from(sub.imageAt(2)), Array.from(ds.imageAt(11)));
  assert.equal(sub.indexOf('synth/train/2'), 1);
  assert.notEqual(sub.images.buffer, ds.images.buffer);
  assert.throws(() => ds.subset([1, 1]), /repeated ids/);
  assert.throws(() => ds.subset([99]), RangeError);
});

test('select takes samples by id and rejects unknown ids, listing all of them', () => {
  const ds = syntheticDataset({ classes: 2, perClass: 3 });
  const sub = ds.select(['synth/train/5', 'synth/train/0']);
  assert.deepEqual(Array.from(sub.labels), [1, 0]);
  let caught: unknown;
  try {
    ds.select(['synth/train/1', 'nope/1', 'synth/test/0']);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SelectionError);
  assert.equal(caught.problem, 'unknown-ids');
  assert.deepEqual(caught.ids, ['nope/1', 'synth/test/0']);
  assert.match(caught.message, /2 id\(s\) not in synth\/train: nope\/1, synth\/test\/0/);
});

test('a long list of unknown ids is cut after 20 with "and N more"', () => {
  const ds = syntheticDataset({});
  const unknown = Array.from({ length: 25 }, (_, i) => `x/${i}`);
  assert.throws(
    () => ds.indicesOf(unknown),
    (err: unknown) => err instanceof SelectionError && /x\/19 and 5 more$/.test(err.message) && err.ids.length === 25,
  );
});

test('the constructor rejects inconsistent sizes, out-of-range labels, repeated ids and bad names', () => {
  const base = { name: 'x', partition: 'train' as const, channels: 1, height: 1, width: 2, classNames: ['a', 'b'] };
  assert.throws(
    () => new ImageDataset({ ...base, images: new Uint8Array(3), labels: new Int32Array(2) }),
    /3 pixel bytes for 2 labels/,
  );
  assert.throws(
    () => new ImageDataset({ ...base, images: new Uint8Array(4), labels: Int32Array.from([0, 2]) }),
    /label 2 of sample 1/,
  );
  assert.throws(
    () => new ImageDataset({ ...base, images: new Uint8Array(4), labels: new Int32Array(2), ids: ['a', 'a'] }),
    /repeated ids: a/,
  );
  assert.throws(
    () => new ImageDataset({ ...base, images: new Uint8Array(4), labels: new Int32Array(2), ids: ['a'] }),
    /1 ids for 2 samples/,
  );
  assert.throws(
    () => new ImageDataset({ ...base, name: 'a/b', images: new Uint8Array(4), labels: new Int32Array(2) }),
    /without '\/'/,
  );
});

test('channel statistics are the mean and population std of pixel/255 per channel', () => {
  const images = Uint8Array.from([0, 255, 10, 10, 255, 255, 20, 20]); // two 2-channel 1x2 images
  const ds = new ImageDataset({
    name: 's',
    partition: 'train',
    images,
    labels: new Int32Array(2),
    channels: 2,
    height: 1,
    width: 2,
    classNames: ['a'],
  });
  const { mean, std } = computeChannelStats(ds);
  assert.ok(Math.abs(mean[0] - 0.75) < 1e-12);
  assert.ok(Math.abs(std[0] - Math.sqrt(0.1875)) < 1e-12);
  assert.ok(Math.abs(mean[1] - 15 / 255) < 1e-12);
  assert.ok(Math.abs(std[1] - 5 / 255) < 1e-12);
});
