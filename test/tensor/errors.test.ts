import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';

test('a typed array of the wrong length for the shape is rejected', () => {
  assert.throws(
    () => T.tensor(new Float32Array(5), { shape: [2, 3] }),
    /fromTypedArray: data has 5 elements but shape \[2, 3\] needs 6/,
  );
});

test("mismatched shapes give libtorch's message prefixed by the op name", () => {
  assert.throws(
    () => T.ones([2, 3]).add(T.ones([4])),
    /^Error: add: The size of tensor a \(3\) must match the size of tensor b \(4\)/,
  );
  assert.throws(() => T.ones([2, 3]).matmul(T.ones([2, 3])), /matmul: .*cannot be multiplied/);
});

test('wrong dtypes are rejected with a clear message', () => {
  assert.throws(
    () => T.tensor([1, 2], { dtype: 'int64' }).requiresGrad_(),
    /only floating-point tensors can require grad/,
  );
  assert.throws(() => T.crossEntropy(T.ones([2, 3]), T.tensor([0.5, 1])), /crossEntropy:/);
  assert.throws(() => T.zeros([2], 'complex64' as T.DType), /unknown dtype 'complex64'/);
});

test('arguments of the wrong JS type are rejected without crashing', () => {
  assert.throws(
    () => T.add(T.ones([1]), 'x' as unknown as number),
    /add: argument 'other' must be a Tensor or a number/,
  );
  assert.throws(() => T.ones([1.5]), /argument 'shape' must be an array of integers/);
  assert.throws(() => T.ones([2]).reshape([3]), /reshape: shape '\[3\]' is invalid for input of size 2/);
  assert.throws(
    () => T.crossEntropy(T.ones([2, 3]), T.tensor([0, 1], { dtype: 'int64' }), null, 'avg' as T.Reduction),
    /'none', 'mean' or 'sum'/,
  );
});

test('asking for a device the build lacks names the fix', () => {
  if (T.cudaAvailable()) return;
  assert.throws(() => T.zeros([1], 'float32', 'cuda'), /no CUDA support; rebuild with LIBTORCH=/);
});

test('backward on a tensor without grad history is an error, not a crash', () => {
  assert.throws(() => T.ones([1]).backward(), /does not require grad/);
  const x = T.ones([3]).requiresGrad_();
  assert.throws(() => x.mul(2).backward(), /only for scalar outputs/);
});
