import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';

test('backward accumulates gradients into .grad of leaves', () => {
  const x = T.tensor([1, 2, 3]).requiresGrad_();
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
  x.grad!.zero_();
  assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
});

test('backward with an explicit gradient computes a vector-Jacobian product', () => {
  const x = T.tensor([1, 2]).requiresGrad_();
  x.mul(3).backward(T.tensor([1, 10]));
  assert.deepEqual(x.grad!.toArray(), [3, 30]);
});

test('grad() returns input gradients without touching parameter .grad', () => {
  const weight = T.tensor([2, -1]).requiresGrad_();
  const input = T.tensor([0.5, 4]).requiresGrad_();
  const loss = input.mul(weight).sum();
  const [inputGrad] = T.grad(loss, [input]);
  assert.deepEqual(inputGrad!.toArray(), [2, -1]);
  assert.equal(weight.grad, null);
});

test('grad() gives zeros for an input the output does not depend on', () => {
  const a = T.tensor([1]).requiresGrad_();
  const b = T.tensor([1]).requiresGrad_();
  const [, gradB] = T.grad(a.mul(2).sum(), [a, b]);
  assert.deepEqual(gradB!.toArray(), [0]);
});

test('noGrad disables recording and restores it afterwards, even on throw', () => {
  const x = T.ones([2]).requiresGrad_();
  const y = T.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.throws(() =>
    T.noGrad(() => {
      throw new Error('x');
    }),
  );
  assert.equal(T.isGradEnabled(), true);
  assert.equal(x.mul(2).requiresGrad, true);
  const z = T.noGrad(() => T.enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
});

test('inferenceMode computes like noGrad, nests, and is left even on throw', () => {
  const x = T.ones([2]).requiresGrad_();
  const y = T.inferenceMode(() => {
    assert.equal(T.isInferenceMode(), true);
    assert.equal(T.isGradEnabled(), false);
    return T.inferenceMode(() => x.mul(3));
  });
  assert.equal(T.isInferenceMode(), false);
  assert.equal(y.requiresGrad, false);
  assert.deepEqual(y.toArray(), [3, 3]);
  assert.throws(
    () =>
      T.inferenceMode(() => {
        throw new Error('inside');
      }),
    /inside/,
  );
  assert.equal(T.isInferenceMode(), false);
  assert.equal(T.isGradEnabled(), true);
  assert.equal(x.mul(2).requiresGrad, true, 'recording works again afterwards');
});

test('detach cuts the graph and isLeaf tells leaves from op results', () => {
  const x = T.ones([2]).requiresGrad_();
  const y = x.mul(2);
  assert.equal(x.isLeaf, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.detach().requiresGrad, false);
});

test('the grad setter replaces a gradient and null clears it', () => {
  const x = T.zeros([2]).requiresGrad_();
  x.grad = T.tensor([1, 2]);
  assert.deepEqual(x.grad!.toArray(), [1, 2]);
  x.grad = null;
  assert.equal(x.grad, null);
  assert.throws(() => {
    x.grad = T.ones([3]);
  }, /gradient shape differs/);
});
