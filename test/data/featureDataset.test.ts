import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Batches } from '../../src/data/batches.js';
import { FeatureDataset } from '../../src/data/featureDataset.js';

const dataset = new FeatureDataset({
  name: 'rows.csv',
  partition: 'train',
  features: Float32Array.from({ length: 12 }, (_, i) => i / 2),
  width: 3,
  labels: Int32Array.from([0, 1, 0, 1]),
  classNames: ['no', 'yes'],
  ids: ['a', 'b', 'c', 'd'],
});

test('feature vectors are batched as they are, with shape [n, F]', () => {
  const batches = [...new Batches(dataset, ['c', 'a'], { batchSize: 2 })];
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0]!.shape, [2, 3]);
  assert.deepEqual([...batches[0]!.inputs], [3, 3.5, 4, 0, 0.5, 1]);
  assert.deepEqual([...batches[0]!.labels], [0, 0]);
});

test('a subset of a feature dataset keeps ids, labels and rows', () => {
  const subset = dataset.select(['d', 'b']);
  assert.deepEqual(subset.ids, ['d', 'b']);
  assert.deepEqual([...subset.rowAt(0)], [4.5, 5, 5.5]);
  assert.deepEqual([...subset.labels], [1, 1]);
});

test('feature datasets reject augmentation and a features array of the wrong length', () => {
  assert.throws(() => new Batches(dataset, undefined, { batchSize: 2, augment: {}, seed: 1 }), /images only/);
  assert.throws(
    () =>
      new FeatureDataset({
        name: 'x',
        partition: 'train',
        features: new Float32Array(5),
        width: 3,
        labels: new Int32Array(2),
        classNames: ['a'],
      }),
    /5 values for 2 samples of width 3/,
  );
});
