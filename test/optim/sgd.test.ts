import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { SGD } from '../../src/optim/index.js';
import { tensor, tidy, zeros } from '../../src/tensor/index.js';
import { assertClose, fromFixture, loadFixture, type OptimizerFixture } from './support.js';

const CASES = [
  'sgd_plain',
  'sgd_momentum',
  'sgd_momentum_dampening',
  'sgd_nesterov',
  'sgd_momentum_weight_decay',
  'sgd_weight_decay',
];
const NAMES = ['w', 'b'] as const;

describe('SGD against torch.optim.SGD fixtures', () => {
  for (const name of CASES) {
    test(`${name}: params and momentum buffers match PyTorch after each of 3 steps`, () => {
      const fixture = loadFixture<OptimizerFixture>(name);
      const hp = fixture.params;
      tidy(() => {
        const params = NAMES.map((n) => fromFixture(fixture.inputs[n]!, true));
        const optimizer = new SGD(params, {
          lr: hp.lr as number,
          momentum: hp.momentum as number,
          dampening: hp.dampening as number,
          weightDecay: hp.weight_decay as number,
          nesterov: hp.nesterov as boolean,
        });
        fixture.steps.forEach((step, s) => {
          NAMES.forEach((n, i) => {
            params[i]!.grad = fromFixture(step.grads[n]!);
          });
          optimizer.step();
          const { tensors } = optimizer.stateDict();
          NAMES.forEach((n, i) => {
            assertClose(params[i]!.toArray(), step.params[n]!.data, 1e-5, `step ${s + 1} ${n}`);
            const expected = step.state.momentum_buffer?.[n];
            const actual = tensors.get(`state.${i}.momentum_buffer`);
            if (expected === undefined)
              assert.equal(actual, undefined, `step ${s + 1}: no momentum buffer without momentum`);
            else assertClose(actual!.toArray(), expected.data, 1e-5, `step ${s + 1} momentum_buffer ${n}`);
          });
        });
        optimizer.dispose();
      });
    });
  }
});

describe('SGD updates in place', () => {
  test('the parameter keeps its identity and storage: an alias taken before step() sees the new values', () => {
    tidy(() => {
      const w = tensor([1, 2, 3], { requiresGrad: true });
      const alias = w.detach();
      const optimizer = new SGD([w], { lr: 0.5, momentum: 0.9, weightDecay: 0.1, nesterov: true });
      w.grad = tensor([1, 1, 1]);
      optimizer.step();
      assert.equal(optimizer.paramGroups[0]!.params[0], w);
      assert.notDeepEqual(w.toArray(), [1, 2, 3]);
      assert.deepEqual(alias.toArray(), w.toArray());
      optimizer.dispose();
    });
  });

  test('maximize ascends: plain SGD with maximize adds lr * grad', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const optimizer = new SGD([w], { lr: 0.5, maximize: true });
      w.grad = tensor([2, -4]);
      optimizer.step();
      assert.deepEqual(w.toArray(), [2, 0]);
      optimizer.dispose();
    });
  });
});

describe('SGD validation', () => {
  const param = (): ReturnType<typeof zeros> => zeros([2]).requiresGrad_();
  const rejects = (options: Parameters<typeof construct>[0], pattern: RegExp): void => {
    tidy(() => assert.throws(() => construct(options), pattern));
  };
  const construct = (options: ConstructorParameters<typeof SGD>[1]): SGD => new SGD([param()], options);

  test('a negative learning rate is rejected', () => rejects({ lr: -0.1 }, /SGD: invalid learning rate -0\.1/));
  test('a negative momentum is rejected', () => rejects({ lr: 0.1, momentum: -0.9 }, /SGD: invalid momentum -0\.9/));
  test('a negative dampening is rejected', () =>
    rejects({ lr: 0.1, momentum: 0.9, dampening: -1 }, /SGD: invalid dampening -1/));
  test('a negative weight decay is rejected', () =>
    rejects({ lr: 0.1, weightDecay: -1e-4 }, /SGD: invalid weight decay/));
  test('a non-finite learning rate is rejected', () =>
    rejects({ lr: Number.NaN }, /learning rate must be a finite number/));
  test('nesterov without momentum is rejected', () =>
    rejects({ lr: 0.1, nesterov: true }, /Nesterov momentum requires a momentum > 0 and zero dampening/));
  test('nesterov with dampening is rejected', () =>
    rejects({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }, /Nesterov momentum requires/));
  test('a missing lr is rejected, as in PyTorch', () => rejects({} as { lr: number }, /SGD: lr is required/));
  test('a misspelt option is rejected with the valid ones listed', () => {
    rejects(
      { lr: 0.1, momentun: 0.9 } as { lr: number },
      /unknown option 'momentun' \(valid: lr, momentum, dampening, weightDecay, nesterov, maximize\)/,
    );
  });
  test('a param group with an invalid override is rejected', () => {
    tidy(() => assert.throws(() => new SGD([{ params: [param()], momentum: -1 }], { lr: 0.1 }), /invalid momentum -1/));
  });
});
