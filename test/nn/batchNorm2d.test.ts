import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BatchNorm2d } from '../../src/nn/index.js';
import { liveTensors, manualSeed, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.js';

/** Per-channel mean, biased and unbiased variance of a [N, C, H, W] tensor, computed in JS. */
function channelStats(x: Tensor): { mean: number[]; biased: number[]; unbiased: number[] } {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const data = x.toArray();
  const mean: number[] = [];
  const biased: number[] = [];
  const unbiased: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const values: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < h * w; k++) values.push(data[(i * c + ch) * h * w + k]!);
    const m = values.reduce((s, v) => s + v, 0) / values.length;
    const ss = values.reduce((s, v) => s + (v - m) ** 2, 0);
    mean.push(m);
    biased.push(ss / values.length);
    unbiased.push(ss / (values.length - 1));
  }
  return { mean, biased, unbiased };
}

function assertClose(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (const [k, value] of actual.entries()) {
    assert.ok(
      Math.abs(value - expected[k]!) <= tolerance * (1 + Math.abs(expected[k]!)),
      `${what}[${k}]: ${value} vs ${expected[k]}`,
    );
  }
}

describe('BatchNorm2d', () => {
  test('training mode normalises with batch statistics and updates running stats as a hand computation', () => {
    manualSeed(11);
    const bn = new BatchNorm2d(3, { dtype: 'float64' });
    const x = tidy(() => randn([4, 3, 2, 5], 'float64').mul(3).add(1.5));
    const { mean, unbiased } = channelStats(x);
    const y = bn.call(x);
    const out = channelStats(y);
    assertClose(out.mean, [0, 0, 0], 1e-12, 'output mean');
    assertClose(
      out.biased,
      out.biased.map((_, k) => (unbiased[k]! * (39 / 40)) / (unbiased[k]! * (39 / 40) + 1e-5)),
      1e-12,
      'output variance',
    );
    assertClose(
      bn.runningMean!.toArray(),
      mean.map((m) => 0.9 * 0 + 0.1 * m),
      1e-12,
      'running mean',
    );
    assertClose(
      bn.runningVar!.toArray(),
      unbiased.map((v) => 0.9 * 1 + 0.1 * v),
      1e-12,
      'running var',
    );
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [1]);

    const x2 = tidy(() => randn([4, 3, 2, 5], 'float64'));
    const second = channelStats(x2);
    const [rm, rv] = [bn.runningMean!.toArray(), bn.runningVar!.toArray()];
    tidy(() => void bn.call(x2));
    assertClose(
      bn.runningMean!.toArray(),
      rm.map((r, k) => 0.9 * r + 0.1 * second.mean[k]!),
      1e-12,
      'running mean after 2',
    );
    assertClose(
      bn.runningVar!.toArray(),
      rv.map((r, k) => 0.9 * r + 0.1 * second.unbiased[k]!),
      1e-12,
      'running var after 2',
    );
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [2]);
    for (const t of [x, y, x2]) t.dispose();
    bn.dispose();
  });

  test('evaluation mode uses the running statistics and changes no buffer', () => {
    const bn = new BatchNorm2d(2, { dtype: 'float64' });
    const [mean, variance, weight, bias] = [
      tensor([1, -2], { dtype: 'float64' }),
      tensor([4, 0.25], { dtype: 'float64' }),
      tensor([2, 3], { dtype: 'float64' }),
      tensor([0.5, -1], { dtype: 'float64' }),
    ];
    bn.loadStateDict(
      new Map([
        ['running_mean', mean],
        ['running_var', variance],
        ['weight', weight],
        ['bias', bias],
        ['num_batches_tracked', bn.numBatchesTracked!],
      ]),
    );
    bn.eval();
    const x = tensor(
      [
        [[[3]], [[-1]]],
        [[[0]], [[-2]]],
      ],
      { dtype: 'float64' },
    );
    const y = bn.call(x);
    const eps = 1e-5;
    const expected = [
      ((3 - 1) / Math.sqrt(4 + eps)) * 2 + 0.5,
      ((-1 + 2) / Math.sqrt(0.25 + eps)) * 3 - 1,
      ((0 - 1) / Math.sqrt(4 + eps)) * 2 + 0.5,
      ((-2 + 2) / Math.sqrt(0.25 + eps)) * 3 - 1,
    ];
    assertClose(y.toArray(), expected, 1e-12, 'eval output');
    assert.deepEqual(bn.runningMean!.toArray(), [1, -2]);
    assert.deepEqual(bn.runningVar!.toArray(), [4, 0.25]);
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [0]);
    for (const t of [mean, variance, weight, bias, x, y]) t.dispose();
    bn.dispose();
  });

  test('momentum null keeps the cumulative average of the batch statistics', () => {
    manualSeed(12);
    const bn = new BatchNorm2d(2, { momentum: null, dtype: 'float64' });
    const batches = [0, 1, 2].map(() => tidy(() => randn([3, 2, 2, 2], 'float64')));
    for (const batch of batches) tidy(() => void bn.call(batch));
    const means = batches.map((b) => channelStats(b).mean);
    assertClose(
      bn.runningMean!.toArray(),
      [0, 1].map((c) => (means[0]![c]! + means[1]![c]! + means[2]![c]!) / 3),
      1e-12,
      'cumulative mean',
    );
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [3]);
    for (const b of batches) b.dispose();
    bn.dispose();
  });

  test('without trackRunningStats there are no buffers and both modes use batch statistics', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
    assert.deepEqual([...bn.stateDict().keys()], []);
    const x = tidy(() => randn([4, 2, 3, 3]).mul(5).add(2));
    bn.eval();
    const y = bn.call(x);
    assertClose(channelStats(y).mean, [0, 0], 1e-5, 'eval output mean');
    for (const t of [x, y]) t.dispose();
    bn.dispose();
  });

  test('non-4D input, a wrong channel count and one value per channel in training are refused', () => {
    const bn = new BatchNorm2d(3);
    const start = liveTensors();
    tidy(() => {
      assert.throws(() => bn.call(randn([4, 3])), /expected 4D input/);
      assert.throws(() => bn.call(randn([2, 4, 2, 2])), /expected 3 channels/);
      assert.throws(() => bn.call(randn([1, 3, 1, 1])), /more than 1 value per channel/);
    });
    assert.equal(liveTensors(), start);
    bn.dispose();
  });
});
