import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Adam, AdamW } from '../../src/optim/index.js';
import { tensor, tidy, zeros } from '../../src/tensor/index.js';
import { assertClose, fromFixture, loadFixture, type OptimizerFixture } from './support.js';

const NAMES = ['w', 'b'] as const;

describe('Adam and AdamW against torch.optim fixtures', () => {
  for (const [name, Variant] of [
    ['adam', Adam],
    ['adam_weight_decay', Adam],
    ['adamw', AdamW],
  ] as const) {
    test(`${name}: params, exp_avg, exp_avg_sq and step match PyTorch after each of 3 steps`, () => {
      const fixture = loadFixture<OptimizerFixture>(name);
      const hp = fixture.params;
      const betas = hp.betas as number[];
      tidy(() => {
        const params = NAMES.map((n) => fromFixture(fixture.inputs[n]!, true));
        const optimizer = new Variant(params, {
          lr: hp.lr as number,
          betas: [betas[0]!, betas[1]!],
          eps: hp.eps as number,
          weightDecay: hp.weight_decay as number,
        });
        fixture.steps.forEach((step, s) => {
          NAMES.forEach((n, i) => {
            params[i]!.grad = fromFixture(step.grads[n]!);
          });
          optimizer.step();
          const { json, tensors } = optimizer.stateDict();
          NAMES.forEach((n, i) => {
            assertClose(params[i]!.toArray(), step.params[n]!.data, 1e-5, `step ${s + 1} ${n}`);
            for (const key of ['exp_avg', 'exp_avg_sq']) {
              assertClose(
                tensors.get(`state.${i}.${key}`)!.toArray(),
                step.state[key]![n]!.data,
                1e-5,
                `step ${s + 1} ${key} ${n}`,
              );
            }
            assert.equal(json.state[String(i)]!.step, step.state.step![n]!.data[0]);
          });
        });
        optimizer.dispose();
      });
    });
  }
});

describe('Adam behaviour', () => {
  test('AdamW defaults to weight decay 0.01 and records itself as AdamW; Adam defaults to 0', () => {
    tidy(() => {
      const adamw = new AdamW([zeros([1]).requiresGrad_()]);
      const adam = new Adam([zeros([1]).requiresGrad_()]);
      assert.equal(adamw.defaults.weightDecay, 0.01);
      assert.equal(adam.defaults.weightDecay, 0);
      assert.deepEqual([adamw.name, adam.name], ['AdamW', 'Adam']);
      assert.deepEqual(adam.defaults.betas, [0.9, 0.999]);
      assert.deepEqual([adam.defaults.lr, adam.defaults.eps], [1e-3, 1e-8]);
    });
  });

  test('an explicit weightDecay: undefined keeps the default instead of clearing it', () => {
    tidy(() =>
      assert.equal(new AdamW([zeros([1]).requiresGrad_()], { weightDecay: undefined }).defaults.weightDecay, 0.01),
    );
  });

  test('the parameter is updated in place: an alias taken before step() sees the new values', () => {
    tidy(() => {
      const w = tensor([1, -1], { requiresGrad: true });
      const alias = w.detach();
      const optimizer = new AdamW([w], { lr: 0.1 });
      w.grad = tensor([0.5, -0.5]);
      optimizer.step();
      assertClose(w.toArray(), [1 - 0.1 * 0.01 - 0.1, -1 * (1 - 0.1 * 0.01) + 0.1], 1e-6, 'w');
      assert.deepEqual(alias.toArray(), w.toArray());
      optimizer.dispose();
    });
  });

  test('maximize ascends: the first step moves each parameter by +lr * sign(grad)', () => {
    tidy(() => {
      const w = tensor([0, 0], { requiresGrad: true });
      const optimizer = new Adam([w], { lr: 0.1, maximize: true });
      w.grad = tensor([3, -2]);
      optimizer.step();
      assertClose(w.toArray(), [0.1, -0.1], 1e-6, 'w');
      optimizer.dispose();
    });
  });
});

describe('Adam validation', () => {
  const rejects = (options: ConstructorParameters<typeof Adam>[1], pattern: RegExp): void => {
    tidy(() => assert.throws(() => new Adam([zeros([2]).requiresGrad_()], options), pattern));
  };
  test('a negative learning rate is rejected', () => rejects({ lr: -1e-3 }, /Adam: invalid learning rate -0\.001/));
  test('beta1 of 1 is rejected', () =>
    rejects({ betas: [1, 0.999] }, /invalid beta1 1 \(betas\[0\] must be in \[0, 1\)\)/));
  test('a negative beta2 is rejected', () => rejects({ betas: [0.9, -0.1] }, /invalid beta2 -0\.1/));
  test('betas that are not a pair are rejected', () =>
    rejects({ betas: [0.9] as unknown as [number, number] }, /betas must be a pair/));
  test('a negative epsilon is rejected', () => rejects({ eps: -1e-8 }, /invalid epsilon/));
  test('a negative weight decay is rejected (AdamW too)', () => {
    rejects({ weightDecay: -0.01 }, /Adam: invalid weight decay/);
    tidy(() =>
      assert.throws(
        () => new AdamW([zeros([2]).requiresGrad_()], { weightDecay: -1 }),
        /AdamW: invalid weight decay -1/,
      ),
    );
  });
  test('amsgrad, which the kernel does not implement, is rejected as an unknown option', () => {
    rejects({ amsgrad: true } as ConstructorParameters<typeof Adam>[1], /unknown option 'amsgrad'/);
  });
});
