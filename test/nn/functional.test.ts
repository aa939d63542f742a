import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { functional as F } from '../../src/nn/index.js';
import {
  liveTensors,
  manualSeed,
  ones,
  type Reduction,
  randn,
  type Tensor,
  tensor,
  tidy,
} from '../../src/tensor/index.js';

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * (1 + Math.abs(expected)), `${actual} vs ${expected}`);
}

const f64 = (data: number[] | number[][]): Tensor => tensor(data, { dtype: 'float64' });
const labels = (data: number[]): Tensor => tensor(data, { dtype: 'int64' });

describe('functional losses: hand-computed values', () => {
  test('cross-entropy of logits [1, 2, 3] at class 2 is log(1 + e^-1 + e^-2)', () => {
    tidy(() => {
      close(F.crossEntropy(f64([[1, 2, 3]]), labels([2])).item(), Math.log(1 + Math.exp(-1) + Math.exp(-2)));
    });
  });

  test('cross-entropy with label smoothing mixes the target with the uniform distribution', () => {
    tidy(() => {
      const logits = [0.5, -1, 2];
      const lse = Math.log(logits.reduce((s, v) => s + Math.exp(v), 0));
      const nll = logits.map((v) => lse - v);
      const expected = 0.8 * nll[0]! + (0.2 * (nll[0]! + nll[1]! + nll[2]!)) / 3;
      close(F.crossEntropy(f64([logits]), labels([0]), { labelSmoothing: 0.2 }).item(), expected);
    });
  });

  test('weighted cross-entropy mean divides by the sum of the target weights', () => {
    tidy(() => {
      const logits = f64([
        [0, 0],
        [2, 0],
      ]);
      const target = labels([1, 0]);
      const weight = f64([1, 3]);
      const [a, b] = [Math.log(2), Math.log(1 + Math.exp(-2))];
      close(F.crossEntropy(logits, target, { weight }).item(), (3 * a + 1 * b) / (3 + 1));
      assert.deepEqual(F.crossEntropy(logits, target, { reduction: 'none' }).shape, [2]);
    });
  });

  test('kl divergence with batchmean is sum p (log p - log q) divided by the batch size', () => {
    tidy(() => {
      const p = [
        [0.5, 0.5],
        [0.9, 0.1],
      ];
      const q = [
        [0.25, 0.75],
        [0.5, 0.5],
      ];
      const logQ = f64(q.map((row) => row.map(Math.log)));
      let sum = 0;
      for (const [i, row] of p.entries())
        for (const [j, pv] of row.entries()) sum += pv * (Math.log(pv) - Math.log(q[i]![j]!));
      close(F.klDiv(logQ, f64(p), { reduction: 'batchmean' }).item(), sum / 2);
      close(F.klDiv(logQ, f64(p), { reduction: 'mean' }).item(), sum / 4);
      close(F.klDiv(logQ, f64(p.map((row) => row.map(Math.log))), { reduction: 'sum', logTarget: true }).item(), sum);
    });
  });

  test('binary cross-entropy with logits, mse and nll match their formulas', () => {
    tidy(() => {
      const sig = (x: number): number => 1 / (1 + Math.exp(-x));
      const bce = -(1 * Math.log(sig(2)) + Math.log(1 - sig(-1))) / 2;
      close(F.binaryCrossEntropyWithLogits(f64([2, -1]), f64([1, 0])).item(), bce);
      close(F.mseLoss(f64([1, 2, 3]), f64([1, 0, 0]), { reduction: 'sum' }).item(), 13);
      close(F.mseLoss(f64([1, 2, 3]), f64([1, 0, 0])).item(), 13 / 3);
      close(
        F.nllLoss(
          f64([
            [-1, -2],
            [-3, -4],
          ]),
          labels([1, 0]),
        ).item(),
        2.5,
      );
    });
  });
});

describe('functional layers', () => {
  test('normalize scales rows to unit p-norm and cdist gives pairwise distances', () => {
    tidy(() => {
      assert.deepEqual(
        F.normalize(
          f64([
            [3, 4],
            [0, 0],
          ]),
        ).toArray(),
        [0.6, 0.8, 0, 0],
      );
      assert.deepEqual(F.normalize(f64([[3, 4]]), { p: 1 }).toArray(), [3 / 7, 4 / 7]);
      const d = F.cdist(
        f64([
          [0, 0],
          [1, 1],
        ]),
        f64([[3, 4]]),
      ).toArray();
      close(d[0]!, 5);
      close(d[1]!, Math.sqrt(13));
    });
  });

  test('softmax and logSoftmax along a dimension agree with exp/log', () => {
    tidy(() => {
      const x = f64([[1, 2, 3]]);
      const s = F.softmax(x, 1).toArray();
      const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      close(s[2]!, Math.exp(3) / z);
      close(F.logSoftmax(x, -1).toArray()[0]!, 1 - Math.log(z));
    });
  });

  test('dropout is the identity when not training or with p 0, and zeroes or scales by 1/(1-p) otherwise', () => {
    manualSeed(1);
    tidy(() => {
      const x = ones([1000]);
      assert.ok(
        F.dropout(x, { training: false })
          .toArray()
          .every((v) => v === 1),
      );
      assert.ok(
        F.dropout(x, { p: 0 })
          .toArray()
          .every((v) => v === 1),
      );
      const y = F.dropout(x, { p: 0.25 }).toArray();
      assert.ok(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
      const kept = y.filter((v) => v !== 0).length;
      assert.ok(kept > 650 && kept < 850, `${kept} of 1000 kept`);
    });
  });

  test('maxPool2d and avgPool2d default the stride to the kernel size', () => {
    tidy(() => {
      const x = tensor([
        [
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            [9, 10, 11, 12],
            [13, 14, 15, 16],
          ],
        ],
      ]);
      assert.deepEqual(F.maxPool2d(x, 2).toArray(), [6, 8, 14, 16]);
      assert.deepEqual(F.avgPool2d(x, 2).toArray(), [3.5, 5.5, 11.5, 13.5]);
      assert.deepEqual(F.maxPool2d(x, 2, { stride: 1 }).shape, [1, 1, 3, 3]);
      assert.deepEqual(F.adaptiveAvgPool2d(x, 1).toArray(), [8.5]);
      assert.deepEqual(F.conv2d(x, ones([1, 1, 2, 2]), null, { stride: 2 }).toArray(), [14, 22, 46, 54]);
      assert.deepEqual(
        F.linear(
          tensor([[1, 2]]),
          tensor([
            [1, 1],
            [2, -1],
          ]),
          tensor([0.5, 0]),
        ).toArray(),
        [3.5, 0],
      );
      assert.deepEqual(F.leakyRelu(tensor([-2, 3]), 0.5).toArray(), [-1, 3]);
      assert.deepEqual(F.relu(tensor([-2, 3])).toArray(), [0, 3]);
    });
  });
});

describe('functional option validation', () => {
  test('a bad reduction name is refused with the valid names', () => {
    tidy(() => {
      const x = randn([2, 3]);
      const y = labels([0, 1]);
      assert.throws(
        () => F.crossEntropy(x, y, { reduction: 'avg' as Reduction }),
        /crossEntropy: reduction must be one of 'none', 'mean', 'sum', got 'avg'/,
      );
      assert.throws(() => F.crossEntropy(x, y, { reduction: 'batchmean' as Reduction }), /got 'batchmean'/);
      assert.throws(
        () => F.klDiv(x, x, { reduction: 'avg' as Reduction }),
        /'none', 'mean', 'sum', 'batchmean', got 'avg'/,
      );
      assert.throws(() => F.mseLoss(x, x, { reduction: 'total' as Reduction }), /mseLoss: reduction/);
      assert.throws(() => F.nllLoss(x, y, { reduction: '' as Reduction }), /nllLoss: reduction/);
      assert.throws(
        () => F.binaryCrossEntropyWithLogits(x, x, { reduction: 'max' as Reduction }),
        /binaryCrossEntropyWithLogits: reduction/,
      );
    });
  });

  test('out-of-range options are refused before reaching libtorch, without leaking tensors', () => {
    const x = randn([1, 2, 4, 4]);
    const start = liveTensors();
    assert.throws(() => F.dropout(x, { p: 1.5 }), /dropout: p must be a number in \[0, 1\], got 1.5/);
    assert.throws(() => F.crossEntropy(x, x, { labelSmoothing: -0.1 }), /labelSmoothing must be a number in \[0, 1\]/);
    assert.throws(() => F.conv2d(x, x, null, { stride: 0 }), /conv2d: stride must be an integer >= 1/);
    assert.throws(
      () => F.conv2d(x, x, null, { padding: [1, -1] }),
      /conv2d: padding must be an integer >= 0 or a pair/,
    );
    assert.throws(() => F.conv2d(x, x, null, { groups: 1.5 }), /groups must be an integer >= 1/);
    assert.throws(() => F.maxPool2d(x, 0), /maxPool2d: kernelSize/);
    assert.throws(() => F.avgPool2d(x, [2, 2, 2] as unknown as [number, number]), /avgPool2d: kernelSize/);
    assert.throws(() => F.adaptiveAvgPool2d(x, 0), /adaptiveAvgPool2d: outputSize/);
    assert.throws(
      () => F.batchNorm(x, null, null),
      /evaluation mode \(training false\) needs runningMean and runningVar/,
    );
    assert.throws(
      () => F.batchNorm(x, null, null, { training: true, momentum: 2 }),
      /momentum must be a number in \[0, 1\]/,
    );
    assert.throws(() => F.normalize(x, { eps: 0 }), /normalize: eps must be a positive number/);
    assert.throws(() => F.softmax(x, 0.5), /softmax: dim must be an integer/);
    assert.throws(() => F.cdist(x, x, { p: -1 }), /cdist: p must be a number/);
    assert.equal(liveTensors(), start);
    x.dispose();
  });
});
