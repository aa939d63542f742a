import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ImageDataset } from '../../src/data/dataset.js';
import { collectOutputs } from '../../src/eval/collect.js';
import { evaluateSeed } from '../../src/eval/evaluate.js';
import { createModel } from '../../src/models/architecture.js';
import { manualSeed } from '../../src/tensor/index.js';

function dataset(partition: 'train' | 'test', n: number): ImageDataset {
  return new ImageDataset({
    name: 'tiny',
    partition,
    images: Uint8Array.from({ length: n * 16 }, (_, i) => (i * 37 + (partition === 'test' ? 11 : 0)) % 256),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    channels: 1,
    height: 4,
    width: 4,
    classNames: ['a', 'b', 'c'],
  });
}

test('collectOutputs returns logits and labels of an (untrained) model on Df, Dr and T in the order of the ids given', () => {
  manualSeed(3);
  const model = createModel({ name: 'mlp', inChannels: 1, numClasses: 3, imageSize: 4, hidden: [8] });
  try {
    const data = { train: dataset('train', 12), test: dataset('test', 6) };
    const ids = {
      forget: ['tiny/train/5', 'tiny/train/1'],
      retain: ['tiny/train/0', 'tiny/train/2', 'tiny/train/7'],
      test: data.test.ids,
    };
    const normalize = { mean: [0.5], std: [0.25] };
    const outputs = collectOutputs(model, data, ids, normalize);
    assert.deepEqual(outputs.forget.ids, ids.forget);
    assert.deepEqual(Array.from(outputs.forget.labels), [2, 1]);
    assert.equal(outputs.forget.logits.length, 2 * 3);
    assert.equal(outputs.test.numClasses, 3);
    assert.ok(outputs.retain.logits.every(Number.isFinite));
    // The same model as both gold and method: a complete evaluation of real outputs has zero gaps.
    const result = evaluateSeed({
      seed: 0,
      original: { outputs },
      gold: { outputs, seconds: 1 },
      methods: [{ name: 'same', params: {}, seconds: 0.5, outputs }],
    });
    assert.equal(result.methods[0]!.alignment.avgGap, 0);
    assert.equal(result.methods[0]!.rte, 0.5);
  } finally {
    model.dispose();
  }
});
