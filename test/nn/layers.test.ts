import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  LeakyReLU,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from '../../src/nn/index.js';
import { manualSeed, ones, randn, tensor, tidy } from '../../src/tensor/index.js';

describe('layers', () => {
  test('Conv2d output size follows stride, padding and dilation; groups must divide the channels', () => {
    const conv = new Conv2d(4, 6, [3, 5], { stride: 2, padding: [1, 2], groups: 2, bias: false });
    assert.equal(conv.bias, null);
    assert.deepEqual(conv.weight.shape, [6, 2, 3, 5]);
    assert.deepEqual([...conv.stateDict().keys()], ['weight']);
    tidy(() => assert.deepEqual(conv.call(randn([2, 4, 7, 9])).shape, [2, 6, 4, 5]));
    const dilated = new Conv2d(1, 1, 3, { dilation: 2 });
    tidy(() => assert.deepEqual(dilated.call(randn([1, 1, 7, 7])).shape, [1, 1, 3, 3]));
    assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /inChannels \(3\) must be divisible by groups \(2\)/);
    conv.dispose();
    dilated.dispose();
  });

  test('Linear maps the last dimension and works without bias', () => {
    const fc = new Linear(5, 2, { bias: false });
    assert.equal(fc.bias, null);
    assert.equal(fc.numParameters(), 10);
    tidy(() => assert.deepEqual(fc.call(randn([3, 4, 5])).shape, [3, 4, 2]));
    fc.dispose();
  });

  test('pooling layers default the stride to the kernel and adaptive pooling reaches any size', () => {
    tidy(() => {
      const x = randn([2, 3, 7, 6]);
      assert.deepEqual(new MaxPool2d(2).call(x).shape, [2, 3, 3, 3]);
      assert.deepEqual(new MaxPool2d(3, { stride: 2, padding: 1 }).call(x).shape, [2, 3, 4, 3]);
      assert.deepEqual(new AvgPool2d(2, { stride: 1 }).call(x).shape, [2, 3, 6, 5]);
      assert.deepEqual(new AdaptiveAvgPool2d([3, 4]).call(x).shape, [2, 3, 3, 4]);
      assert.deepEqual(new AdaptiveAvgPool2d(1).call(x).shape, [2, 3, 1, 1]);
    });
  });

  test('Flatten keeps the batch dimension and Identity returns the very same tensor', () => {
    tidy(() => {
      const x = randn([2, 3, 4, 5]);
      assert.deepEqual(new Flatten().call(x).shape, [2, 60]);
      assert.deepEqual(new Flatten(0, 1).call(x).shape, [6, 4, 5]);
      assert.equal(new Identity().call(x), x);
    });
  });

  test('activations compute relu, leaky relu, sigmoid and tanh', () => {
    tidy(() => {
      const x = tensor([-2, 0, 1]);
      assert.deepEqual(new ReLU().call(x).toArray(), [0, 0, 1]);
      assert.deepEqual(new LeakyReLU(0.5).call(x).toArray(), [-1, 0, 1]);
      assert.equal(new Sigmoid().call(x).toArray()[1], 0.5);
      assert.equal(new Tanh().call(x).toArray()[1], 0);
    });
  });

  test('Dropout drops in training mode and is the identity in evaluation mode', () => {
    manualSeed(3);
    const drop = new Dropout(0.5);
    tidy(() => {
      const x = ones([200]);
      assert.ok(
        drop
          .call(x)
          .toArray()
          .some((v) => v === 0),
      );
      drop.eval();
      assert.ok(
        drop
          .call(x)
          .toArray()
          .every((v) => v === 1),
      );
    });
    assert.throws(() => new Dropout(-0.1), /Dropout: p must be a number in \[0, 1\]/);
  });

  test('Sequential chains its modules, indexes them and runs a replaced child', () => {
    const net = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    assert.equal(net.length, 3);
    assert.ok(net.at(-1) instanceof Linear);
    assert.deepEqual(
      [...net].map((m) => m.constructor.name),
      ['Linear', 'ReLU', 'Linear'],
    );
    assert.throws(() => net.at(3), /index 3 out of range for 3 modules/);
    tidy(() => assert.deepEqual(net.call(randn([5, 3])).shape, [5, 2]));
    net.registerModule('1', new Tanh());
    assert.ok(net.at(1) instanceof Tanh);
    net.append(new Sigmoid());
    tidy(() =>
      assert.ok(
        net
          .call(randn([5, 3]))
          .toArray()
          .every((v) => v > 0 && v < 1),
      ),
    );
    net.dispose();
  });
});
