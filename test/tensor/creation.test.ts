import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';

test('tensor() infers the shape of nested arrays and defaults numbers to float32', () => {
  const t = T.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.toNested(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('tensor() keeps the dtype of a typed array and copies its data', () => {
  const data = new Int32Array([1, 2, 3, 4]);
  const t = T.tensor(data, { shape: [2, 2] });
  data[0] = 99;
  assert.equal(t.dtype, 'int32');
  assert.deepEqual(t.toArray(), [1, 2, 3, 4]);
});

test('every dtype round-trips through typed arrays', () => {
  const cases: [T.DType, T.TensorData][] = [
    ['float32', new Float32Array([1.5, -2])],
    ['float64', new Float64Array([1e-300, 3])],
    ['int64', new BigInt64Array([-5n, 2n ** 40n])],
    ['int32', new Int32Array([-7, 7])],
    ['uint8', new Uint8Array([0, 255])],
  ];
  for (const [dtype, data] of cases) {
    const t = T.tensor(data);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(
      Array.from(t.toTypedArray() as ArrayLike<number | bigint>),
      Array.from(data as ArrayLike<number | bigint>),
    );
  }
  const flags = T.tensor([true, false, true]);
  assert.equal(flags.dtype, 'bool');
  assert.deepEqual(flags.toArray(), [1, 0, 1]);
});

test('tensor() converts numbers to int64 when asked, and rejects non-integers for it', () => {
  assert.deepEqual(T.tensor([3, 1, 2], { dtype: 'int64' }).toArray(), [3, 1, 2]);
  assert.throws(() => T.tensor([1.5], { dtype: 'int64' }), /int64 data must be integers/);
});

test('tensor() rejects ragged nested arrays', () => {
  assert.throws(() => T.tensor([[1, 2], [3]]), /ragged/);
});

test('zeros, ones, full, eye and the like-constructors fill as PyTorch does', () => {
  assert.deepEqual(T.zeros([2, 2]).toArray(), [0, 0, 0, 0]);
  assert.deepEqual(T.ones([3], 'int64').toArray(), [1, 1, 1]);
  assert.equal(T.ones([3], 'int64').dtype, 'int64');
  assert.deepEqual(T.full([2], 7.5).toArray(), [7.5, 7.5]);
  assert.deepEqual(T.eye(2).toArray(), [1, 0, 0, 1]);
  const base = T.tensor([[1, 2]], { dtype: 'float64' });
  assert.equal(T.zerosLike(base).dtype, 'float64');
  assert.deepEqual(T.fullLike(base, 3).toArray(), [3, 3]);
});

test('arange gives int64 for integer arguments and float32 otherwise', () => {
  const ints = T.arange(0, 4);
  assert.equal(ints.dtype, 'int64');
  assert.deepEqual(ints.toArray(), [0, 1, 2, 3]);
  const floats = T.arange(0, 1, 0.25);
  assert.equal(floats.dtype, 'float32');
  assert.deepEqual(floats.toArray(), [0, 0.25, 0.5, 0.75]);
});

test('rand, randn, randint and randperm draw from the seeded global generator', () => {
  T.manualSeed(123);
  const a = [T.rand([5]).toArray(), T.randn([5]).toArray(), T.randint(0, 10, [5]).toArray(), T.randperm(6).toArray()];
  T.manualSeed(123);
  const b = [T.rand([5]).toArray(), T.randn([5]).toArray(), T.randint(0, 10, [5]).toArray(), T.randperm(6).toArray()];
  assert.deepEqual(a, b);
  assert.ok(a[0]!.every((v) => v >= 0 && v < 1));
  assert.ok(a[2]!.every((v) => Number.isInteger(v) && v >= 0 && v < 10));
  assert.deepEqual(
    [...a[3]!].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5],
  );
});

test('randn has roughly zero mean and unit variance', () => {
  T.manualSeed(7);
  const x = T.randn([20000]);
  assert.ok(Math.abs(x.mean().item()) < 0.03);
  assert.ok(Math.abs(x.std().item() - 1) < 0.03);
});

test('scalar() makes a 0-d tensor and item() reads it back', () => {
  const s = T.scalar(2.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 2.5);
  assert.throws(() => T.ones([2]).item(), /2 elements, not 1/);
});

test('setNumThreads changes the intra-op thread count', () => {
  const before = T.getNumThreads();
  T.setNumThreads(1);
  assert.equal(T.getNumThreads(), 1);
  T.setNumThreads(before);
  assert.throws(() => T.setNumThreads(0), /positive integer/);
});
