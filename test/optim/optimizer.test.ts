import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Adam, AdamW, type Optimizer, SGD } from '../../src/optim/index.js';
import {
  add,
  clone,
  dispose,
  liveTensors,
  manualSeed,
  matmul,
  mseLoss,
  randn,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../../src/tensor/index.js';
import { assertBitIdentical, assertClose } from './support.js';

/** A fresh leaf parameter with the values of `t`. */
function parameterLike(t: Tensor): Tensor {
  return clone(t).detach().requiresGrad_();
}

describe('param groups and learning rate', () => {
  test('each group is updated with its own learning rate; unset hyper-parameters come from the defaults', () => {
    tidy(() => {
      const w = tensor([1, 1], { requiresGrad: true });
      const b = tensor([1], { requiresGrad: true });
      const optimizer = new SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.5 });
      assert.deepEqual(
        optimizer.paramGroups.map((g) => [g.lr, g.momentum]),
        [
          [0.1, 0.5],
          [0.01, 0.5],
        ],
      );
      w.grad = tensor([1, 2]);
      b.grad = tensor([1]);
      optimizer.step();
      assertClose(w.toArray(), [0.9, 0.8], 1e-7, 'w');
      assertClose(b.toArray(), [0.99], 1e-7, 'b');
      optimizer.dispose();
    });
  });

  test('the lr setter sets every group and the getter reads the first; negative values are rejected', () => {
    tidy(() => {
      const optimizer = new SGD(
        [{ params: [zeros([1]).requiresGrad_()] }, { params: [zeros([1]).requiresGrad_()], lr: 0.5 }],
        { lr: 0.1 },
      );
      assert.equal(optimizer.lr, 0.1);
      optimizer.lr = 0.02;
      assert.deepEqual(
        optimizer.paramGroups.map((g) => g.lr),
        [0.02, 0.02],
      );
      assert.throws(() => {
        optimizer.lr = -1;
      }, /invalid learning rate -1/);
      assert.equal(optimizer.lr, 0.02);
    });
  });

  test('addParamGroup appends a group whose parameters are stepped and get the next indices', () => {
    tidy(() => {
      const w = tensor([1], { requiresGrad: true });
      const b = tensor([1], { requiresGrad: true });
      const optimizer = new SGD([w], { lr: 0.1, momentum: 0.9 });
      optimizer.addParamGroup({ params: [b], lr: 1 });
      w.grad = tensor([1]);
      b.grad = tensor([1]);
      optimizer.step();
      assertClose(b.toArray(), [0], 1e-7, 'b');
      const { json, tensors } = optimizer.stateDict();
      assert.deepEqual(
        json.paramGroups.map((g) => g.params),
        [[0], [1]],
      );
      assert.deepEqual([...tensors.keys()], ['state.0.momentum_buffer', 'state.1.momentum_buffer']);
      optimizer.dispose();
    });
  });

  test('construction rejects empty lists, duplicates, non-leaf and integer tensors, and unknown group keys', () => {
    tidy(() => {
      const w = zeros([2]).requiresGrad_();
      assert.throws(() => new SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
      assert.throws(() => new SGD([w, w], { lr: 0.1 }), /parameter 1 already belongs to a param group/);
      assert.throws(
        () => new SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 }),
        /param group 1: parameter 0 already belongs/,
      );
      assert.throws(() => new SGD([w.mul(2)], { lr: 0.1 }), /not a leaf tensor/);
      assert.throws(() => new SGD([zeros([2], 'int64')], { lr: 0.1 }), /is int64; only floating-point tensors/);
      assert.throws(
        () => new SGD([{ params: [w], learningRate: 0.1 } as { params: Tensor[] }], { lr: 0.1 }),
        /unknown option 'learningRate'/,
      );
      assert.throws(() => new SGD([{ params: [] }], { lr: 0.1 }), /param group 0: has no parameters/);
    });
  });
});

describe('zeroGrad', () => {
  test('zeroes gradients in place (an alias of the old gradient reads zeros) and leaves missing ones missing', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const b = tensor([1], { requiresGrad: true });
      const optimizer = new SGD([w, b], { lr: 0.1 });
      w.grad = tensor([3, 4]);
      const alias = w.grad!;
      optimizer.zeroGrad();
      assert.deepEqual(alias.toArray(), [0, 0]);
      assert.deepEqual(w.grad!.toArray(), [0, 0]);
      assert.equal(b.grad, null);
    });
  });
});

describe('parameters without a gradient', () => {
  test('SGD skips them, and a parameter first updated later starts its momentum buffer at its gradient', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const b = tensor([3], { requiresGrad: true });
      const optimizer = new SGD([w, b], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
      w.grad = tensor([1, 1]);
      optimizer.step();
      assertClose(w.toArray(), [0.9, 1.9], 1e-6, 'w after step 1');
      assert.deepEqual(b.toArray(), [3]);
      assert.deepEqual([...optimizer.stateDict().tensors.keys()], ['state.0.momentum_buffer']);
      b.grad = tensor([2]);
      optimizer.step();
      // w continues: buf = 0.9 * 1 + (1 - 0.5) * 1; b starts: buf = 2 (not (1 - 0.5) * 2).
      assertClose(w.toArray(), [0.9 - 0.14, 1.9 - 0.14], 1e-6, 'w after step 2');
      assertClose(b.toArray(), [2.8], 1e-6, 'b after step 2');
      optimizer.dispose();
    });
  });

  test('Adam keeps a step count per parameter: one that joins later gets a first-step update', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const b = tensor([3], { requiresGrad: true });
      const reference = parameterLike(w);
      const optimizer = new Adam([w, b], { lr: 0.1 });
      const referenceOptimizer = new Adam([reference], { lr: 0.1 });
      for (const grads of [
        [0.5, -1],
        [0.25, 2],
      ]) {
        w.grad = tensor(grads);
        reference.grad = tensor(grads);
        if (grads[0] === 0.25) b.grad = tensor([-4]);
        optimizer.step();
        referenceOptimizer.step();
      }
      assertBitIdentical(w, reference, 'w');
      assertClose(b.toArray(), [3.1], 1e-6, 'b');
      assert.deepEqual(optimizer.stateDict().json.state, { 0: { step: 2 }, 1: { step: 1 } });
      optimizer.dispose();
      referenceOptimizer.dispose();
    });
  });
});

/** One training step of a linear model on fixed data, everything temporary freed. */
function linearStep(optimizer: Optimizer, x: Tensor, y: Tensor, w: Tensor, b: Tensor): void {
  tidy(() => {
    optimizer.zeroGrad();
    mseLoss(add(matmul(x, w), b), y).backward();
    optimizer.step();
  });
}

const VARIANTS: [string, (params: Tensor[]) => Optimizer][] = [
  [
    'SGD (momentum, nesterov, weight decay)',
    (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
  ],
  ['SGD (momentum, dampening)', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1 })],
  ['Adam (L2 weight decay)', (p) => new Adam(p, { lr: 0.01, weightDecay: 0.01 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.01 })],
];

describe('memory', () => {
  for (const [name, make] of VARIANTS) {
    test(`${name}: 100 steps inside tidy leave the live-tensor count flat`, () => {
      manualSeed(1);
      const [x, y, w, b] = [randn([16, 4]), randn([16, 1]), randn([4, 1]).requiresGrad_(), zeros([1]).requiresGrad_()];
      const optimizer = make([w, b]);
      linearStep(optimizer, x, y, w, b);
      const before = liveTensors();
      for (let i = 0; i < 100; i++) linearStep(optimizer, x, y, w, b);
      assert.equal(liveTensors(), before);
      optimizer.dispose();
      dispose([x, y, w, b]);
    });
  }

  test('dispose() frees the state and work tensors, and a later step throws', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const b = tensor([1], { requiresGrad: true });
      const optimizer = new SGD([w, b], { lr: 0.1, momentum: 0.9, nesterov: true });
      w.grad = tensor([1, 1]);
      b.grad = tensor([1]);
      optimizer.step();
      const before = liveTensors();
      optimizer.dispose();
      assert.equal(liveTensors(), before - 4, 'two momentum buffers and two work tensors');
      assert.throws(() => optimizer.step(), /SGD: the optimizer was disposed/);
      optimizer.dispose();
    });
  });
});

describe('state dict', () => {
  for (const [name, make] of VARIANTS) {
    test(`${name}: an optimizer restored mid-way from a JSON round trip steps bit-identically to the original`, () => {
      tidy(() => {
        manualSeed(7);
        const grads = Array.from({ length: 6 }, () => [randn([3, 2]), randn([3])] as const);
        const original = [randn([3, 2]).requiresGrad_(), randn([3]).requiresGrad_()];
        const first = make(original);
        const stepWith = (optimizer: Optimizer, params: Tensor[], s: number): void => {
          params[0]!.grad = clone(grads[s]![0]);
          params[1]!.grad = clone(grads[s]![1]);
          optimizer.step();
        };
        for (let s = 0; s < 3; s++) stepWith(first, original, s);

        const saved = first.stateDict();
        const resumedParams = original.map(parameterLike);
        const resumed = make(resumedParams);
        resumed.lr = 123;
        resumed.loadStateDict({
          json: JSON.parse(JSON.stringify(saved.json)) as typeof saved.json,
          tensors: saved.tensors,
        });
        assert.equal(resumed.lr, first.lr, 'hyper-parameters come back');
        dispose(saved.tensors);

        for (let s = 3; s < 6; s++) {
          stepWith(first, original, s);
          stepWith(resumed, resumedParams, s);
        }
        for (const [i, p] of original.entries()) assertBitIdentical(resumedParams[i]!, p, `parameter ${i}`);
        const [a, b] = [first.stateDict(), resumed.stateDict()];
        assert.deepEqual(b.json, a.json);
        for (const [key, t] of a.tensors) assertBitIdentical(b.tensors.get(key)!, t, key);
        first.dispose();
        resumed.dispose();
      });
    });
  }

  test('stateDict() returns copies that later steps do not change', () => {
    tidy(() => {
      const w = tensor([1], { requiresGrad: true });
      const optimizer = new SGD([w], { lr: 0.1, momentum: 0.9 });
      w.grad = tensor([1]);
      optimizer.step();
      const saved = optimizer.stateDict().tensors.get('state.0.momentum_buffer')!;
      optimizer.step();
      assert.deepEqual(saved.toArray(), [1]);
      optimizer.dispose();
    });
  });

  test('loadStateDict rejects another optimizer kind, other group counts, shapes and names, and leaves the state as it was', () => {
    tidy(() => {
      const w = tensor([1, 2], { requiresGrad: true });
      const sgd = new SGD([w], { lr: 0.1, momentum: 0.9 });
      const adam = new Adam([parameterLike(w)]);
      w.grad = tensor([1, 1]);
      sgd.step();
      const good = sgd.stateDict();
      assert.throws(() => adam.loadStateDict(good), /written by SGD, not Adam/);
      const twoGroups = { ...good.json, paramGroups: [good.json.paramGroups[0]!, good.json.paramGroups[0]!] };
      assert.throws(
        () => sgd.loadStateDict({ json: twoGroups, tensors: good.tensors }),
        /2 param groups, this optimizer 1/,
      );
      const wrongShape = new Map([['state.0.momentum_buffer', tensor([5, 5, 5])]]);
      assert.throws(
        () =>
          sgd.loadStateDict({
            json: { ...good.json, paramGroups: [{ ...good.json.paramGroups[0]!, lr: 7 }] },
            tensors: wrongShape,
          }),
        /has shape \[3\], parameter 0 has \[2\]/,
      );
      const wrongName = new Map([['state.0.exp_avg', tensor([5, 5])]]);
      assert.throws(
        () => sgd.loadStateDict({ json: good.json, tensors: wrongName }),
        /unexpected state tensor 'state\.0\.exp_avg'/,
      );
      const badHyper = { ...good.json, paramGroups: [{ ...good.json.paramGroups[0]!, momentum: -1 }] };
      assert.throws(() => sgd.loadStateDict({ json: badHyper, tensors: good.tensors }), /invalid momentum -1/);
      assert.equal(sgd.lr, 0.1);
      assert.deepEqual(sgd.stateDict().tensors.get('state.0.momentum_buffer')!.toArray(), [1, 1]);
      sgd.dispose();
      adam.dispose();
    });
  });

  test('loading a dict without state for a parameter resets it to fresh (its next step is a first step)', () => {
    tidy(() => {
      const w = tensor([0], { requiresGrad: true });
      const optimizer = new SGD([w], { lr: 1, momentum: 0.9 });
      const fresh = optimizer.stateDict();
      w.grad = tensor([1]);
      optimizer.step();
      optimizer.loadStateDict(fresh);
      optimizer.step();
      assertClose(w.toArray(), [-2], 1e-7, 'w');
      optimizer.dispose();
    });
  });
});
