import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

const f64 = (shape: number[], scale = 1, shift = 0): T.Tensor =>
  T.tidy(() => T.randn(shape, 'float64').mul(scale).add(shift));
const positive = (shape: number[]): T.Tensor => T.tidy(() => T.rand(shape, 'float64').add(0.5));
const index = (data: number[]): T.Tensor => T.tensor(data, { dtype: 'int64' });

function check(name: string, makeInputs: () => T.Tensor[], fn: (...inputs: T.Tensor[]) => T.Tensor): void {
  test(`${name}: autograd gradients match central differences`, () => {
    T.manualSeed(7);
    const start = T.liveTensors();
    const inputs = makeInputs();
    const result = gradcheck(fn, inputs);
    assert.ok(result.checked > 0);
    T.dispose(inputs);
    assert.equal(T.liveTensors(), start);
  });
}

describe('gradcheck of the elementwise ops (float64)', () => {
  check(
    'add with broadcasting and alpha',
    () => [f64([3, 4]), f64([4])],
    (a, b) => a.add(b, 2.5),
  );
  check(
    'sub',
    () => [f64([3, 4]), f64([3, 4])],
    (a, b) => a.sub(b),
  );
  check(
    'mul',
    () => [f64([2, 3]), f64([2, 1])],
    (a, b) => a.mul(b),
  );
  check(
    'div',
    () => [f64([2, 3]), positive([2, 3])],
    (a, b) => a.div(b),
  );
  check(
    'pow by a scalar and by a tensor',
    () => [positive([5]), f64([5], 0.5)],
    (a, b) => a.pow(3).add(a.pow(b)),
  );
  check(
    'neg, abs, sign-free square',
    () => [f64([6], 1, 0.1)],
    (a) => a.neg().abs().add(a.square()),
  );
  check(
    'sqrt, rsqrt, reciprocal',
    () => [positive([5])],
    (a) => a.sqrt().add(a.rsqrt()).add(a.reciprocal()),
  );
  check(
    'exp, log, log1p',
    () => [positive([5])],
    (a) => a.exp().add(a.log()).add(a.log1p()),
  );
  check(
    'sigmoid, tanh, relu, leakyRelu',
    () => [f64([8], 1, 0.05)],
    (a) => a.sigmoid().add(a.tanh()).add(a.relu()).add(a.leakyRelu(0.2)),
  );
  check(
    'clamp',
    () => [f64([8])],
    (a) => a.clamp(-0.5, 0.5),
  );
  check(
    'minimum and maximum',
    () => [f64([6]), f64([6])],
    (a, b) => a.minimum(b).add(a.maximum(b).mul(2)),
  );
  check(
    'where',
    () => [f64([6]), f64([6])],
    (a, b) => T.where(a.gt(0), a, b),
  );
});

describe('gradcheck of reductions (float64)', () => {
  check(
    'sum over all and over a dim with keepdim',
    () => [f64([3, 4])],
    (a) => a.sum([1], true).add(a.sum()),
  );
  check(
    'mean',
    () => [f64([3, 4])],
    (a) => a.mean([0]),
  );
  check(
    'var and std',
    () => [f64([4, 5])],
    (a) => a.var([1]).add(a.std([1], false)),
  );
  check(
    'max and min along a dim',
    () => [f64([3, 5])],
    (a) => a.maxDim(1)[0].add(a.minDim(1)[0]),
  );
  check(
    'max over all',
    () => [f64([3, 5])],
    (a) => a.max().add(a.min()),
  );
  check(
    'topk values',
    () => [f64([2, 6])],
    (a) => a.topk(3, 1)[0],
  );
  check(
    'sort values',
    () => [f64([2, 5])],
    (a) => a.sort(1, true)[0],
  );
  check(
    'cumsum',
    () => [f64([2, 4])],
    (a) => a.cumsum(1),
  );
  check(
    'logsumexp',
    () => [f64([3, 4])],
    (a) => a.logsumexp([1]),
  );
  check(
    'norm',
    () => [f64([3, 4])],
    (a) => a.norm(2, [1]),
  );
});

describe('gradcheck of shape and indexing ops (float64)', () => {
  check(
    'reshape, permute, transpose, flatten',
    () => [f64([2, 3, 4])],
    (a) =>
      a
        .permute([2, 0, 1])
        .transpose(0, 1)
        .flatten()
        .reshape([4, 6])
        .mul(T.arange(0, 24).toDtype('float64').reshape([4, 6])),
  );
  check(
    'squeeze, unsqueeze, expand',
    () => [f64([3, 1])],
    (a) =>
      a
        .unsqueeze(0)
        .squeeze(0)
        .expand([3, 4])
        .mul(T.arange(0, 12).toDtype('float64').reshape([3, 4])),
  );
  check(
    'narrow, slice, select',
    () => [f64([4, 5])],
    (a) =>
      a
        .narrow(0, 1, 2)
        .add(a.slice(0, 0, 4, 2))
        .add(a.select(0, 3).unsqueeze(0)),
  );
  check(
    'indexSelect and gather',
    () => [f64([4, 3])],
    (a) => a.indexSelect(0, index([3, 0, 3])).add(a.gather(1, index([0, 2, 1, 0]).reshape([4, 1])).narrow(0, 0, 3)),
  );
  check(
    'cat, stack, split, chunk',
    () => [f64([2, 3]), f64([2, 3])],
    (a, b) =>
      T.cat([a, b])
        .add(T.stack([a, b]).reshape([4, 3]))
        .add(T.cat(a.split(1, 1).reverse(), 1).repeat([2, 1]))
        .add(T.cat(b.chunk(3, 1), 0).reshape([2, 3]).repeat([2, 1])),
  );
  check(
    'repeat and flip',
    () => [f64([2, 2])],
    (a) => a.repeat([2, 1]).flip([0]),
  );
  check(
    'maskedFill and scatter',
    () => [f64([3, 3]), f64([3, 1])],
    (a, b) => a.maskedFill(a.gt(0.5), 0).scatter(1, index([0, 1, 2]).reshape([3, 1]), b),
  );
  check(
    'matmul, mm and bmm',
    () => [f64([2, 3]), f64([3, 4])],
    (a, b) =>
      a
        .matmul(b)
        .add(a.mm(b))
        .add(
          T.stack([a])
            .bmm(T.stack([b]))
            .squeeze(0),
        ),
  );
  check(
    'softmax and logSoftmax',
    () => [f64([3, 4])],
    (a) => a.softmax(1).add(a.logSoftmax(0)),
  );
});
