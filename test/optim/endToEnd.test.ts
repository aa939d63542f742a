import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Adam, type Optimizer, SGD } from '../../src/optim/index.js';
import {
  add,
  manualSeed,
  matmul,
  mseLoss,
  noGrad,
  randn,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/tensor/index.js';

/** Fits y = x W + b (no noise) from a zero start and returns the final training loss. */
function fitLinearRegression(makeOptimizer: (params: Tensor[]) => Optimizer, steps: number): number {
  return tidy(() => {
    manualSeed(3);
    const x = randn([64, 3]);
    const y = add(matmul(x, tensor([[2], [-1], [0.5]])), 0.3);
    const w = zeros([3, 1]).requiresGrad_();
    const b = zeros([1]).requiresGrad_();
    const optimizer = makeOptimizer([w, b]);
    const loss = (): Tensor => mseLoss(add(matmul(x, w), b), y);
    for (let i = 0; i < steps; i++) {
      tidy(() => {
        optimizer.zeroGrad();
        loss().backward();
        optimizer.step();
      });
    }
    optimizer.dispose();
    return noGrad(() => loss().item());
  });
}

test('SGD with momentum fits a small linear regression to near-zero loss', () => {
  const loss = fitLinearRegression((p) => new SGD(p, { lr: 0.05, momentum: 0.9 }), 250);
  assert.ok(loss < 1e-8, `final loss ${loss}`);
});

test('Adam fits a small linear regression to near-zero loss', () => {
  const loss = fitLinearRegression((p) => new Adam(p, { lr: 0.05 }), 400);
  assert.ok(loss < 1e-6, `final loss ${loss}`);
});
