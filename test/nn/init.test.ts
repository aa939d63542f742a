import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { BatchNorm2d, Conv2d, init, Linear } from '../../src/nn/index.js';
import { empty, manualSeed, type Tensor, zeros } from '../../src/tensor/index.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';

interface Stats {
  maxAbs: number;
  mean: number;
  variance: number;
}

function stats(t: Tensor): Stats {
  const data = t.toTypedArray() as Float32Array;
  let [sum, maxAbs] = [0, 0];
  for (const v of data) {
    sum += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = sum / data.length;
  let squares = 0;
  for (const v of data) squares += (v - mean) ** 2;
  return { maxAbs, mean, variance: squares / data.length };
}

/** U(-bound, bound): every |w| <= bound, the largest close to it, mean ~0, variance ~bound^2/3. */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const n = t.numel;
  const { maxAbs, mean, variance } = stats(t);
  assert.ok(maxAbs <= bound, `${what}: max |w| ${maxAbs} exceeds the bound ${bound}`);
  assert.ok(maxAbs >= bound * (1 - 20 / n), `${what}: max |w| ${maxAbs} is not close to the bound ${bound}`);
  // Five standard errors of the sample mean and variance of U(-b, b) (variance b^2/3, fourth moment b^4/5).
  assert.ok(Math.abs(mean) < (5 * bound) / Math.sqrt(3 * n), `${what}: mean ${mean}`);
  const varianceSe = Math.sqrt((bound ** 4 / 5 - bound ** 4 / 9) / n);
  assert.ok(
    Math.abs(variance - bound ** 2 / 3) < 5 * varianceSe,
    `${what}: variance ${variance}, expected ${bound ** 2 / 3}`,
  );
}

describe('fan and gain', () => {
  test('fan in and fan out follow _calculate_fan_in_and_fan_out for linear and conv weights', () => {
    const linearWeight = empty([30, 40]);
    const convWeight = empty([8, 3, 3, 5]);
    assert.deepEqual(init.calculateFanInAndFanOut(linearWeight), { fanIn: 40, fanOut: 30 });
    assert.deepEqual(init.calculateFanInAndFanOut(convWeight), { fanIn: 45, fanOut: 120 });
    const vector = empty([5]);
    assert.throws(() => init.calculateFanInAndFanOut(vector), /fewer than 2 dimensions/);
    for (const t of [linearWeight, convWeight, vector]) t.dispose();
  });

  test('gains are 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2/(1+a^2)) for leaky_relu', () => {
    assert.equal(init.calculateGain('linear'), 1);
    assert.equal(init.calculateGain('conv2d'), 1);
    assert.equal(init.calculateGain('sigmoid'), 1);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('relu'), Math.SQRT2);
    assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
    assert.throws(() => init.calculateGain('swish' as init.Nonlinearity), /unsupported nonlinearity 'swish'/);
  });
});

describe('default layer initialisation', () => {
  test('Linear weight and bias are U(-1/sqrt(in), 1/sqrt(in)) like PyTorch', () => {
    manualSeed(0);
    const layer = new Linear(400, 300);
    assertUniform(layer.weight, 1 / 20, 'Linear weight');
    const bias = stats(layer.bias!);
    assert.ok(bias.maxAbs <= 1 / 20 && bias.maxAbs > 0.9 / 20, `Linear bias max ${bias.maxAbs}`);
    layer.dispose();
  });

  test('Conv2d weight and bias are U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with fanIn = in/groups * kH * kW', () => {
    manualSeed(0);
    const conv = new Conv2d(32, 64, 3, { groups: 2 });
    assert.deepEqual(conv.weight.shape, [64, 16, 3, 3]);
    assertUniform(conv.weight, 1 / 12, 'Conv2d weight');
    const bias = stats(conv.bias!);
    assert.ok(bias.maxAbs <= 1 / 12 && bias.maxAbs > 0.8 / 12, `Conv2d bias max ${bias.maxAbs}`);
    conv.dispose();
  });

  test('BatchNorm2d starts with weight 1, bias 0, running mean 0, running var 1, no batches tracked', () => {
    const bn = new BatchNorm2d(3);
    assert.deepEqual(bn.weight!.toArray(), [1, 1, 1]);
    assert.deepEqual(bn.bias!.toArray(), [0, 0, 0]);
    assert.deepEqual(bn.runningMean!.toArray(), [0, 0, 0]);
    assert.deepEqual(bn.runningVar!.toArray(), [1, 1, 1]);
    assert.deepEqual(bn.numBatchesTracked!.toArray(), [0]);
    bn.dispose();
  });

  test('the same seed gives bit-identical Linear and Conv2d parameters to PyTorch', (t) => {
    const reason = torchUnavailableReason();
    if (reason !== null) {
      t.skip(reason);
      return;
    }
    const script = [
      'import json, torch, torch.nn as nn',
      'torch.manual_seed(7)',
      'fc = nn.Linear(5, 3)',
      'conv = nn.Conv2d(4, 6, 3, groups=2)',
      'print(json.dumps([p.detach().double().flatten().tolist() for p in [fc.weight, fc.bias, conv.weight, conv.bias]]))',
    ].join('\n');
    const expected = JSON.parse(runPython(script)) as number[][];
    manualSeed(7);
    const fc = new Linear(5, 3);
    const conv = new Conv2d(4, 6, 3, { groups: 2 });
    assert.deepEqual(
      [fc.weight, fc.bias!, conv.weight, conv.bias!].map((p) => p.toArray()),
      expected,
    );
    fc.dispose();
    conv.dispose();
  });
});

describe('init functions', () => {
  test('kaimingUniform_ with relu gain has bound sqrt(6/fanIn), and fan_out mode uses fanOut', () => {
    manualSeed(3);
    const w = empty([200, 300]);
    init.kaimingUniform_(w, { nonlinearity: 'relu' });
    assertUniform(w, Math.sqrt(6 / 300), 'kaiming relu fan_in');
    init.kaimingUniform_(w, { nonlinearity: 'relu', mode: 'fan_out' });
    assertUniform(w, Math.sqrt(6 / 200), 'kaiming relu fan_out');
    w.dispose();
  });

  test('kaimingNormal_ has standard deviation gain/sqrt(fan)', () => {
    manualSeed(4);
    const w = empty([128, 64, 3, 3]);
    init.kaimingNormal_(w, { nonlinearity: 'relu', mode: 'fan_out' });
    const { mean, variance } = stats(w);
    const expected = 2 / (128 * 9);
    assert.ok(Math.abs(mean) < 1e-3 * Math.sqrt(expected) * 10, `mean ${mean}`);
    assert.ok(Math.abs(variance / expected - 1) < 0.01, `variance ${variance}, expected ${expected}`);
    w.dispose();
  });

  test('xavierUniform_ has bound gain * sqrt(6 / (fanIn + fanOut))', () => {
    manualSeed(5);
    const w = empty([300, 500]);
    init.xavierUniform_(w, 2);
    assertUniform(w, 2 * Math.sqrt(6 / 800), 'xavier');
    w.dispose();
  });

  test('uniform_, normal_, zeros_, ones_ and constant_ fill in place without recording gradients', () => {
    manualSeed(6);
    const w = zeros([1000]).requiresGrad_();
    assert.equal(init.uniform_(w, 2, 3), w);
    assert.ok(w.isLeaf);
    const u = stats(w);
    assert.ok(u.maxAbs <= 3 && w.toArray().every((v) => v >= 2));
    init.normal_(w, 5, 0.5);
    const n = stats(w);
    assert.ok(Math.abs(n.mean - 5) < 0.1 && Math.abs(Math.sqrt(n.variance) - 0.5) < 0.05);
    init.zeros_(w);
    assert.ok(w.toArray().every((v) => v === 0));
    init.ones_(w);
    assert.ok(w.toArray().every((v) => v === 1));
    init.constant_(w, 0.25);
    assert.ok(w.toArray().every((v) => v === 0.25));
    assert.ok(w.isLeaf && w.requiresGrad);
    assert.throws(() => init.uniform_(w, 1, 0), /need a <= b/);
    w.dispose();
  });
});
