import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';

test('tidy disposes intermediates and keeps the returned tensor', () => {
  const before = T.liveTensors();
  const result = T.tidy(() => {
    const a = T.ones([4]);
    const b = a.mul(2);
    return b.add(1);
  });
  assert.equal(T.liveTensors(), before + 1);
  assert.deepEqual(result.toArray(), [3, 3, 3, 3]);
  result.dispose();
  assert.equal(T.liveTensors(), before);
});

test('tidy keeps tensors returned inside arrays and objects, and keep()-ed ones', () => {
  const before = T.liveTensors();
  let kept: T.Tensor | undefined;
  const result = T.tidy(() => {
    kept = T.zeros([1]).keep();
    T.ones([3]);
    return { pair: [T.ones([1]), T.zeros([1])], single: T.full([1], 2) };
  });
  assert.equal(T.liveTensors(), before + 4);
  assert.equal(result.single.item(), 2);
  assert.equal(kept!.isDisposed, false);
  T.dispose([result.pair, result.single, kept!]);
  assert.equal(T.liveTensors(), before);
});

test('nested tidy moves a returned tensor to the outer scope, which then disposes it', () => {
  const before = T.liveTensors();
  T.tidy(() => {
    const inner = T.tidy(() => T.ones([2]).mul(3));
    assert.equal(inner.isDisposed, false);
    return undefined;
  });
  assert.equal(T.liveTensors(), before);
});

test('tidy frees its tensors when the function throws', () => {
  const before = T.liveTensors();
  assert.throws(
    () =>
      T.tidy(() => {
        T.ones([10]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(T.liveTensors(), before);
});

test('tidy refuses async functions', () => {
  assert.throws(() => T.tidy(() => Promise.resolve(1) as unknown as number), /Promise/);
});

test('a training step inside tidy returns the live-tensor count to its start', () => {
  T.manualSeed(0);
  const weight = T.randn([10, 4]).mul(0.1).requiresGrad_().keep();
  const bias = T.zeros([10]).requiresGrad_().keep();
  const x = T.randn([32, 4]).keep();
  const y = T.randint(0, 10, [32]).keep();
  const step = (): void =>
    T.tidy(() => {
      const loss = T.crossEntropy(T.linear(x, weight, bias), y);
      loss.backward();
      T.noGrad(() => {
        weight.sub_(weight.grad!.mul(0.1));
        bias.sub_(bias.grad!.mul(0.1));
        weight.grad!.zero_();
        bias.grad!.zero_();
      });
    });
  step();
  const start = T.liveTensors();
  for (let i = 0; i < 20; i++) step();
  assert.equal(T.liveTensors(), start);
  T.dispose([weight, bias, x, y]);
});

test('dispose is idempotent and use after dispose throws a clear error', () => {
  const x = T.ones([2]);
  x.dispose();
  x.dispose();
  assert.equal(x.isDisposed, true);
  assert.throws(() => x.add(1), /add: argument 'self' is a tensor that was already disposed/);
  assert.throws(() => T.cat([T.ones([1]), x]), /element 1 of 'tensors' is a tensor that was already disposed/);
  assert.equal(x.toString(), 'Tensor(disposed)');
});
