import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';

function close(actual: number[], expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  for (const [i, value] of actual.entries()) {
    assert.ok(Math.abs(value - expected[i]!) <= tolerance, `index ${i}: ${value} vs ${expected[i]}`);
  }
}

test('binary ops broadcast like PyTorch', () => {
  const a = T.tensor([[1], [2]]);
  const b = T.tensor([10, 20, 30]);
  assert.deepEqual(a.add(b).toNested(), [
    [11, 21, 31],
    [12, 22, 32],
  ]);
  assert.deepEqual(a.mul(b).shape, [2, 3]);
  assert.deepEqual(b.sub(1, 2).toArray(), [8, 18, 28]);
});

test('number operands keep the tensor dtype (wrapped numbers), as Python scalars do', () => {
  assert.equal(T.tensor([1, 2], { dtype: 'int64' }).add(1).dtype, 'int64');
  assert.equal(T.tensor([1, 2], { dtype: 'int64' }).mul(0.5).dtype, 'float32');
  assert.equal(T.tensor([1, 2], { dtype: 'float64' }).mul(2).dtype, 'float64');
});

test('elementwise math matches hand-computed values', () => {
  const x = T.tensor([-2, -0.5, 0.25, 4]);
  close(x.abs().toArray(), [2, 0.5, 0.25, 4]);
  close(x.neg().toArray(), [2, 0.5, -0.25, -4]);
  close(x.sign().toArray(), [-1, -1, 1, 1]);
  close(x.clamp(-1, 1).toArray(), [-1, -0.5, 0.25, 1]);
  close(x.pow(2).toArray(), [4, 0.25, 0.0625, 16]);
  close(x.abs().sqrt().toArray(), [Math.SQRT2, Math.sqrt(0.5), 0.5, 2]);
  close(x.exp().toArray(), [-2, -0.5, 0.25, 4].map(Math.exp), 1e-5);
  close(x.abs().log().toArray(), [2, 0.5, 0.25, 4].map(Math.log), 1e-6);
  close(x.minimum(0).toArray(), [-2, -0.5, 0, 0]);
  close(x.maximum(T.tensor([0, 0, 1, 1])).toArray(), [0, 0, 1, 4]);
  close(
    x.sigmoid().toArray(),
    [-2, -0.5, 0.25, 4].map((v) => 1 / (1 + Math.exp(-v))),
    1e-6,
  );
  close(x.tanh().toArray(), [-2, -0.5, 0.25, 4].map(Math.tanh), 1e-6);
  close(x.relu().toArray(), [0, 0, 0.25, 4]);
  close(x.leakyRelu(0.1).toArray(), [-0.2, -0.05, 0.25, 4]);
});

test('comparisons return bool tensors and where() selects by them', () => {
  const x = T.tensor([1, 2, 3, 4]);
  assert.equal(x.gt(2).dtype, 'bool');
  assert.deepEqual(x.gt(2).toArray(), [0, 0, 1, 1]);
  assert.deepEqual(x.eq(T.tensor([1, 0, 3, 0])).toArray(), [1, 0, 1, 0]);
  assert.deepEqual(x.le(2).toArray(), [1, 1, 0, 0]);
  assert.deepEqual(x.ne(2).toArray(), [1, 0, 1, 1]);
  assert.deepEqual(x.lt(3).toArray(), [1, 1, 0, 0]);
  assert.deepEqual(x.ge(3).toArray(), [0, 0, 1, 1]);
  assert.deepEqual(T.where(x.gt(2), x, 0).toArray(), [0, 0, 3, 4]);
});

test('reductions honour dims and keepdim', () => {
  const x = T.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.equal(x.sum().item(), 21);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
  assert.deepEqual(x.sum(1, true).shape, [2, 1]);
  assert.deepEqual(x.mean(1).toArray(), [2, 5]);
  close(x.var(1).toArray(), [1, 1]);
  close(x.var(1, false).toArray(), [2 / 3, 2 / 3]);
  close(x.std().toArray(), [Math.sqrt(3.5)]);
  assert.equal(x.max().item(), 6);
  assert.equal(x.min().item(), 1);
  const [values, indices] = x.maxDim(1);
  assert.deepEqual(values.toArray(), [3, 6]);
  assert.deepEqual(indices.toArray(), [2, 2]);
  assert.deepEqual(x.minDim(0, true)[0].shape, [1, 3]);
  assert.deepEqual(x.argmax(1).toArray(), [2, 2]);
  assert.deepEqual(x.argmin().toArray(), [0]);
  close(x.norm().toArray(), [Math.sqrt(91)], 1e-5);
  close(
    x.logsumexp([1]).toArray(),
    [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(5) + Math.exp(6))],
    1e-5,
  );
});

test('topk and sort return values and int64 indices', () => {
  const x = T.tensor([3, 1, 4, 1, 5]);
  const [top, topIndices] = x.topk(2);
  assert.deepEqual(top.toArray(), [5, 4]);
  assert.deepEqual(topIndices.toArray(), [4, 2]);
  assert.equal(topIndices.dtype, 'int64');
  const [smallest] = x.topk(2, -1, false);
  assert.deepEqual(smallest.toArray(), [1, 1]);
  const [sorted, order] = x.sort(0, true);
  assert.deepEqual(sorted.toArray(), [5, 4, 3, 1, 1]);
  assert.deepEqual(order.toArray().slice(0, 3), [4, 2, 0]);
  assert.deepEqual(x.argsort().toArray().slice(2), [0, 2, 4]);
});

test('shape ops reshape, permute, slice and join without copying semantics errors', () => {
  const x = T.arange(0, 24).reshape([2, 3, 4]);
  assert.deepEqual(x.permute([2, 0, 1]).shape, [4, 2, 3]);
  assert.deepEqual(x.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.view([6, -1]).shape, [6, 4]);
  assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 3, 4]);
  assert.deepEqual(x.unsqueeze(0).squeeze().shape, [2, 3, 4]);
  assert.deepEqual(x.unsqueeze(1).squeeze(1).shape, [2, 3, 4]);
  assert.deepEqual(x.narrow(2, 1, 2).toArray().slice(0, 2), [1, 2]);
  assert.deepEqual(x.slice(2, 1, 4, 2).shape, [2, 3, 2]);
  assert.deepEqual(x.select(0, 1).shape, [3, 4]);
  assert.deepEqual(
    T.tensor([[1], [2]])
      .expand([2, 3])
      .toNested(),
    [
      [1, 1, 1],
      [2, 2, 2],
    ],
  );
  const index = T.tensor([2, 0], { dtype: 'int64' });
  assert.deepEqual(T.tensor([10, 20, 30]).indexSelect(0, index).toArray(), [30, 10]);
  assert.deepEqual(
    T.tensor([
      [1, 2],
      [3, 4],
    ])
      .gather(1, T.tensor([[1], [0]], { dtype: 'int64' }))
      .toArray(),
    [2, 3],
  );
  assert.deepEqual(T.cat([T.ones([1, 2]), T.zeros([2, 2])]).shape, [3, 2]);
  assert.deepEqual(T.stack([T.ones([2]), T.zeros([2])], 1).shape, [2, 2]);
  const parts = T.arange(0, 5).split(2);
  assert.deepEqual(
    parts.map((p) => p.toArray()),
    [[0, 1], [2, 3], [4]],
  );
  assert.deepEqual(T.arange(0, 6).chunk(3).length, 3);
  assert.deepEqual(T.tensor([1, 2]).repeat([2]).toArray(), [1, 2, 1, 2]);
  assert.deepEqual(T.tensor([1, 2, 3]).flip([0]).toArray(), [3, 2, 1]);
});

test('indexed writes: scatter, maskedFill and indexPut_', () => {
  const labels = T.tensor([2, 0], { dtype: 'int64' });
  const oneHot = T.zeros([2, 3]).scatterValue(1, labels.unsqueeze(1), 1);
  assert.deepEqual(oneHot.toNested(), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.deepEqual(T.oneHot(labels, 3).toNested(), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  const x = T.tensor([1, 2, 3]);
  assert.deepEqual(x.maskedFill(x.gt(1), 0).toArray(), [1, 0, 0]);
  x.indexPut_(T.tensor([0, 2], { dtype: 'int64' }), T.tensor([9, 8]));
  assert.deepEqual(x.toArray(), [9, 2, 8]);
});

test('matmul, mm and bmm multiply matrices', () => {
  const a = T.tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = T.tensor([
    [5, 6],
    [7, 8],
  ]);
  assert.deepEqual(a.matmul(b).toNested(), [
    [19, 22],
    [43, 50],
  ]);
  assert.deepEqual(a.mm(b.t()).toNested(), [
    [17, 23],
    [39, 53],
  ]);
  assert.deepEqual(T.stack([a, b]).bmm(T.stack([b, a])).shape, [2, 2, 2]);
});

test('softmax and logSoftmax are normalised along the given dim', () => {
  const x = T.tensor([
    [1, 2, 3],
    [1, 1, 1],
  ]);
  close(x.softmax(1).sum(1).toArray(), [1, 1], 1e-6);
  close(x.logSoftmax(1).exp().toArray(), x.softmax(1).toArray(), 1e-6);
});

test('in-place ops mutate the tensor and return the same object', () => {
  const x = T.tensor([1, 2, 3]);
  assert.equal(x.add_(1), x);
  assert.deepEqual(x.toArray(), [2, 3, 4]);
  x.mul_(2).sub_(T.tensor([1, 1, 1]));
  assert.deepEqual(x.toArray(), [3, 5, 7]);
  x.clamp_(4, 6);
  assert.deepEqual(x.toArray(), [4, 5, 6]);
  x.fill_(0.5);
  assert.deepEqual(x.toArray(), [0.5, 0.5, 0.5]);
  x.copy_(T.tensor([1, 2, 3]));
  assert.deepEqual(x.toArray(), [1, 2, 3]);
  x.zero_();
  assert.deepEqual(x.toArray(), [0, 0, 0]);
  T.manualSeed(1);
  x.uniform_(2, 3);
  assert.ok(x.toArray().every((v) => v >= 2 && v < 3));
});

test('dtype conversion: toDtype, float, long, bool', () => {
  const x = T.tensor([1.7, -0.2]);
  assert.deepEqual(x.long().toArray(), [1, 0]);
  assert.equal(x.toDtype('float64').dtype, 'float64');
  assert.deepEqual(x.bool().toArray(), [1, 1]);
  assert.equal(T.tensor([1], { dtype: 'int32' }).float().dtype, 'float32');
});
