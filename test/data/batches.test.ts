import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyAugment, augmentImage, drawAugment, resolveAugment } from '../../src/data/augment.js';
import { type Batch, Batches, normalizationTable } from '../../src/data/batches.js';
import { ImageDataset } from '../../src/data/dataset.js';
import { SelectionError } from '../../src/data/errors.js';
import { Random } from '../../src/data/random.js';
import { syntheticDataset } from './support.js';

const ds = syntheticDataset({ classes: 5, perClass: 20, channels: 3, height: 6, width: 5 });

/** Collects an iterable of batches into an array, copying reusable arrays. */
function collect(batches: Iterable<Batch>): Batch[] {
  return Array.from(batches, (b) => ({
    ...b,
    inputs: b.inputs.slice(),
    labels: b.labels.slice(),
    indices: b.indices.slice(),
  }));
}

test('an epoch visits every selected id exactly once, in batches of batchSize and a smaller last one', () => {
  const selection = ds.ids.filter((_, i) => i % 3 !== 0); // 66 ids
  const batches = new Batches(ds, selection, { batchSize: 16, shuffle: true, seed: 1 });
  assert.equal(batches.size, 66);
  assert.equal(batches.length, 5);
  const epoch = collect(batches);
  assert.deepEqual(
    epoch.map((b) => b.ids.length),
    [16, 16, 16, 16, 2],
  );
  const seen = epoch.flatMap((b) => b.ids);
  assert.deepEqual([...seen].sort(), [...selection].sort());
  assert.notDeepEqual(seen, selection, 'shuffled');
  for (const b of epoch) {
    assert.deepEqual(b.shape, [b.ids.length, 3, 6, 5]);
    assert.equal(b.inputs.length, b.ids.length * 90);
    b.ids.forEach((id, k) => {
      assert.equal(b.indices[k], ds.indexOf(id));
      assert.equal(b.labels[k], ds.labels[ds.indexOf(id)]);
    });
  }
});

test('without shuffle, batches follow the selection order; indices work as a selection too', () => {
  const epoch = collect(new Batches(ds, [4, 2, 9], { batchSize: 2 }));
  assert.deepEqual(
    epoch.flatMap((b) => b.ids),
    ['synth/train/4', 'synth/train/2', 'synth/train/9'],
  );
  assert.equal(collect(new Batches(ds, undefined, { batchSize: 1000 }))[0].ids.length, ds.size);
});

test('dropLast skips the last partial batch', () => {
  const batches = new Batches(ds, undefined, { batchSize: 30, dropLast: true, shuffle: true, seed: 2 });
  assert.equal(batches.length, 3);
  assert.deepEqual(
    collect(batches).map((b) => b.ids.length),
    [30, 30, 30],
  );
});

test('inputs are (pixel / 255 - mean) / std per channel, in NCHW order', () => {
  const normalize = { mean: [0.5, 0.25, 0.1], std: [0.5, 0.2, 1] };
  const [batch] = collect(new Batches(ds, [7], { batchSize: 4, normalize }));
  const image = ds.imageAt(7);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 30; p++) {
      const expected = Math.fround((image[c * 30 + p] / 255 - normalize.mean[c]) / normalize.std[c]);
      assert.equal(batch.inputs[c * 30 + p], expected);
    }
  }
  const [plain] = collect(new Batches(ds, [7], { batchSize: 4 }));
  assert.equal(plain.inputs[0], Math.fround(image[0] / 255));
  const table = normalizationTable(1, { mean: [0.286], std: [0.353] });
  assert.equal(table[0], Math.fround(-0.286 / 0.353));
  assert.equal(table[255], Math.fround((1 - 0.286) / 0.353));
});

test('bad normalisation, batch size, selection or missing seed are rejected', () => {
  assert.throws(
    () => new Batches(ds, undefined, { batchSize: 4, normalize: { mean: [0], std: [1] } }),
    /needs 3 mean and std values/,
  );
  assert.throws(
    () => new Batches(ds, undefined, { batchSize: 4, normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }),
    /std positive/,
  );
  assert.throws(() => new Batches(ds, undefined, { batchSize: 0 }), /batchSize/);
  assert.throws(() => new Batches(ds, [ds.size], { batchSize: 4 }), /not a sample index/);
  assert.throws(() => new Batches(ds, ['synth/train/1', 'nope'], { batchSize: 4 }), SelectionError);
  assert.throws(() => new Batches(ds, undefined, { batchSize: 4, shuffle: true }), /need a seed/);
  assert.throws(() => new Batches(ds, undefined, { batchSize: 4, augment: {} }), /need a seed/);
});

test('the same seed gives bit-identical epochs; successive epochs differ; epoch(e) replays epoch e', () => {
  const options = { batchSize: 8, shuffle: true, seed: 11, augment: { padding: 2 } };
  const a = new Batches(ds, undefined, options);
  const b = new Batches(ds, undefined, options);
  const a0 = collect(a);
  const a1 = collect(a);
  assert.deepEqual(collect(b), a0);
  assert.notDeepEqual(
    a1.map((x) => x.ids),
    a0.map((x) => x.ids),
  );
  assert.deepEqual(collect(new Batches(ds, undefined, options).epoch(1)), a1);
  assert.deepEqual(
    collect(new Batches(ds, undefined, { ...options, random: new Random(11), seed: undefined }).epoch(0)),
    a0,
  );
});

test('turning augmentation on does not change the sample order', () => {
  const plain = collect(new Batches(ds, undefined, { batchSize: 8, shuffle: true, seed: 3 }));
  const augmented = collect(new Batches(ds, undefined, { batchSize: 8, shuffle: true, seed: 3, augment: {} }));
  assert.deepEqual(
    augmented.map((b) => b.ids),
    plain.map((b) => b.ids),
  );
  assert.notDeepEqual(
    augmented.map((b) => Array.from(b.inputs)),
    plain.map((b) => Array.from(b.inputs)),
  );
});

test('batch augmentation equals augmentImage on the same stream followed by normalisation', () => {
  const normalize = { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] };
  const options = { padding: 2, horizontalFlip: true };
  const epoch = collect(
    new Batches(ds, undefined, { batchSize: 7, shuffle: true, seed: 5, augment: options, normalize }).epoch(2),
  );
  const random = new Random(5).fork('epoch/2/augment');
  const table = normalizationTable(3, normalize);
  for (const batch of epoch) {
    batch.ids.forEach((id, k) => {
      const pixels = augmentImage(ds.imageAt(ds.indexOf(id)), 3, 6, 5, options, random);
      const expected = Float32Array.from(pixels, (v, j) => table[Math.floor(j / 30) * 256 + v]);
      assert.deepEqual(batch.inputs.subarray(k * 90, (k + 1) * 90), expected);
    });
  }
});

test('a flip mirrors every row of every channel', () => {
  const src = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i + 1); // 2 channels of 3x4
  const out = applyAugment(src, new Uint8Array(24), 2, 3, 4, { offsetX: 0, offsetY: 0, flip: true });
  assert.deepEqual(
    Array.from(out),
    [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17, 24, 23, 22, 21],
  );
});

test('a crop shifts the image and fills the uncovered border with zeros', () => {
  const src = Uint8Array.from({ length: 9 }, (_, i) => i + 1); // 3x3: 1..9
  assert.deepEqual(
    Array.from(applyAugment(src, new Uint8Array(9), 1, 3, 3, { offsetY: 1, offsetX: -1, flip: false })),
    [0, 4, 5, 0, 7, 8, 0, 0, 0],
  );
  assert.deepEqual(
    Array.from(applyAugment(src, new Uint8Array(9), 1, 3, 3, { offsetY: -1, offsetX: 1, flip: true })),
    [0, 0, 0, 0, 3, 2, 0, 6, 5],
  );
  assert.deepEqual(
    Array.from(applyAugment(src, new Uint8Array(9), 1, 3, 3, { offsetY: 0, offsetX: 3, flip: false })),
    new Array<number>(9).fill(0),
  );
});

test('with padding 0 and flips on, each augmented image is the original or its mirror, both occurring', () => {
  const one = new ImageDataset({
    name: 'one',
    partition: 'train',
    images: Uint8Array.from([1, 2, 3, 4, 5, 6]),
    labels: new Int32Array(1),
    channels: 1,
    height: 2,
    width: 3,
    classNames: ['a'],
  });
  const random = new Random(8);
  const seen = new Set<string>();
  for (let t = 0; t < 50; t++)
    seen.add(Array.from(augmentImage(one.imageAt(0), 1, 2, 3, { padding: 0 }, random)).join(','));
  assert.deepEqual([...seen].sort(), ['1,2,3,4,5,6', '3,2,1,6,5,4']);
});

test('crop offsets are drawn over all 2 * padding + 1 positions', () => {
  const random = new Random(1);
  const options = resolveAugment({ padding: 4, horizontalFlip: false });
  const offsets = new Set<number>();
  for (let t = 0; t < 500; t++) {
    const draw = drawAugment(random, options);
    offsets.add(draw.offsetX);
    assert.equal(draw.flip, false);
    assert.ok(draw.offsetY >= -4 && draw.offsetY <= 4);
  }
  assert.deepEqual(
    [...offsets].sort((x, y) => x - y),
    [-4, -3, -2, -1, 0, 1, 2, 3, 4],
  );
  assert.throws(() => resolveAugment({ padding: -1 }), RangeError);
});

test('with reuseBuffers, batches share one set of arrays; without, each batch owns its arrays', () => {
  const reused = [...new Batches(ds, undefined, { batchSize: 10, reuseBuffers: true })];
  assert.equal(reused[0].inputs.buffer, reused[1].inputs.buffer);
  const fresh = [...new Batches(ds, undefined, { batchSize: 10 })];
  assert.notEqual(fresh[0].inputs.buffer, fresh[1].inputs.buffer);
  const expected = collect(new Batches(ds, undefined, { batchSize: 10 }));
  const viaReuse = collect(new Batches(ds, undefined, { batchSize: 10, reuseBuffers: true }));
  assert.deepEqual(viaReuse, expected);
});
