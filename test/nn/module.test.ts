import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  BatchNorm2d,
  Conv2d,
  decodeSafetensors,
  encodeSafetensors,
  Flatten,
  Linear,
  Module,
  ReLU,
  Sequential,
} from '../../src/nn/index.js';
import { liveTensors, manualSeed, ones, randn, type Tensor, tensor, tidy, zeros } from '../../src/tensor/index.js';

/** Conv2d(3->4, 3x3, pad 1) + BatchNorm2d + ReLU + Flatten + Linear(4*5*5 -> 3), on 5x5 inputs. */
function smallNet(): Sequential {
  return new Sequential(
    new Conv2d(3, 4, 3, { padding: 1 }),
    new BatchNorm2d(4),
    new ReLU(),
    new Flatten(),
    new Linear(100, 3),
  );
}

/** A module with its own parameter and buffer plus children, one of them reachable twice. */
class Tied extends Module {
  readonly scale = this.registerParameter('scale', ones([2]));
  readonly shared = this.registerModule('encoder', new Linear(2, 2));
  readonly head = this.registerModule('head', new Linear(2, 1));

  constructor() {
    super();
    this.registerBuffer('steps', zeros([], 'int64'));
    this.registerBuffer('cache', zeros([2]), { persistent: false });
    this.registerModule('alias', this.shared);
  }

  override forward(x: Tensor): Tensor {
    return this.head.call(this.shared.call(x.mul(this.scale)));
  }
}

function values(t: Tensor): number[] {
  return t.toArray();
}

describe('Module traversal and naming', () => {
  test('a Sequential of Conv2d, BatchNorm2d, ReLU, Flatten, Linear has exactly PyTorch state-dict keys', () => {
    const net = smallNet();
    assert.deepEqual(
      [...net.stateDict().keys()],
      [
        '0.weight',
        '0.bias',
        '1.weight',
        '1.bias',
        '1.running_mean',
        '1.running_var',
        '1.num_batches_tracked',
        '4.weight',
        '4.bias',
      ],
    );
    net.dispose();
  });

  test('namedParameters, namedBuffers and namedModules use dotted names in registration order', () => {
    const net = smallNet();
    assert.deepEqual(
      [...net.namedParameters()].map(([name]) => name),
      ['0.weight', '0.bias', '1.weight', '1.bias', '4.weight', '4.bias'],
    );
    assert.deepEqual(
      [...net.namedBuffers()].map(([name]) => name),
      ['1.running_mean', '1.running_var', '1.num_batches_tracked'],
    );
    assert.deepEqual(
      [...net.namedModules()].map(([name]) => name),
      ['', '0', '1', '2', '3', '4'],
    );
    assert.deepEqual(
      [...net.children()].map((child) => child.constructor.name),
      ['Conv2d', 'BatchNorm2d', 'ReLU', 'Flatten', 'Linear'],
    );
    assert.equal(net.parameters().length, 6);
    assert.equal(net.buffers().length, 3);
    assert.equal(net.getBuffer('1.num_batches_tracked').dtype, 'int64');
    assert.deepEqual(net.getBuffer('1.num_batches_tracked').shape, []);
    net.dispose();
  });

  test('a module own tensors come before its children and shared submodules are listed once', () => {
    const model = new Tied();
    assert.deepEqual(
      [...model.namedParameters()].map(([name]) => name),
      ['scale', 'encoder.weight', 'encoder.bias', 'head.weight', 'head.bias'],
    );
    assert.deepEqual(
      [...model.namedModules()].map(([name]) => name),
      ['', 'encoder', 'head'],
    );
    assert.deepEqual(
      [...model.namedChildren()].map(([name]) => name),
      ['encoder', 'head'],
    );
    // Buffers: the non-persistent one is a buffer but not in the state dict.
    assert.deepEqual(
      [...model.namedBuffers()].map(([name]) => name),
      ['steps', 'cache'],
    );
    assert.deepEqual(
      [...model.stateDict().keys()],
      ['scale', 'steps', 'encoder.weight', 'encoder.bias', 'head.weight', 'head.bias'],
    );
    assert.equal(model.numParameters(), 2 + 6 + 3);
    model.dispose();
  });

  test('getParameter, getBuffer and getSubmodule resolve dotted paths and name what is missing', () => {
    const net = smallNet();
    assert.equal(net.getParameter('4.bias'), (net.at(4) as Linear).bias);
    assert.equal(net.getSubmodule('1'), net.at(1));
    assert.equal(net.getSubmodule(''), net);
    assert.throws(() => net.getParameter('4.gamma'), /no parameter '4\.gamma'/);
    assert.throws(() => net.getParameter('7.weight'), /7 is not a submodule/);
    assert.throws(() => net.getBuffer('0.running_mean'), /no buffer '0\.running_mean'/);
    net.dispose();
  });

  test('registration rejects dotted names, kind clashes, cycles and non-leaf parameters', () => {
    class Bad extends Module {
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    const bad = new Bad();
    assert.throws(() => bad.registerParameter('a.b', zeros([1])), /must not contain '\.'/);
    bad.registerParameter('w', zeros([1]));
    assert.throws(() => bad.registerBuffer('w', zeros([1])), /already has a parameter/);
    assert.throws(() => bad.registerModule('self', bad), /cycle/);
    const leaf = zeros([2]).requiresGrad_();
    const derived = leaf.mul(2);
    assert.throws(() => bad.registerParameter('d', derived), /must be a leaf/);
    assert.throws(
      () => bad.registerParameter('i', zeros([2], 'int64')),
      /only floating-point parameters can require grad/,
    );
    bad.registerParameter('i', zeros([2], 'int64'), { requiresGrad: false });
    leaf.dispose();
    derived.dispose();
    bad.dispose();
  });

  test('toString prints the tree like PyTorch print(model)', () => {
    const net = new Sequential(new Linear(2, 3), new ReLU());
    assert.equal(String(net), 'Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)');
    net.dispose();
  });
});

describe('Module training mode', () => {
  test('train(false), eval() and train() propagate to every descendant', () => {
    const outer = new Sequential(smallNet(), new Sequential(new ReLU()));
    assert.ok([...outer.modules()].every((m) => m.training));
    assert.equal(outer.eval(), outer);
    assert.ok([...outer.modules()].every((m) => !m.training));
    outer.at(1).train();
    assert.equal((outer.at(1) as Sequential).at(0).training, true);
    assert.equal(outer.training, false);
    outer.train();
    assert.ok([...outer.modules()].every((m) => m.training));
    outer.dispose();
  });

  test('requiresGrad_(false) freezes every parameter', () => {
    const net = smallNet();
    assert.ok(net.parameters().every((p) => p.requiresGrad));
    net.requiresGrad_(false);
    assert.ok(net.parameters().every((p) => !p.requiresGrad));
    net.dispose();
  });
});

describe('Module state dicts', () => {
  test('loadStateDict copies values in place and round-trips through safetensors bytes', () => {
    manualSeed(1);
    const source = smallNet();
    tidy(() => void source.call(randn([2, 3, 5, 5])));
    manualSeed(2);
    const target = smallNet();
    const before = new Map(target.stateDict());
    const bytes = encodeSafetensors(source.stateDict());
    const { tensors } = decodeSafetensors(bytes, 'memory');
    const result = target.loadStateDict(tensors);
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    for (const [name, value] of target.stateDict()) {
      assert.equal(value, before.get(name), `${name} is the same tensor object`);
      assert.deepEqual(values(value), values(source.stateDict().get(name)!), name);
    }
    assert.deepEqual(values(target.getBuffer('1.num_batches_tracked')), [1]);
    for (const t of tensors.values()) t.dispose();
    source.dispose();
    target.dispose();
  });

  test('loadStateDict lists every missing key, unexpected key and shape mismatch and changes nothing', () => {
    const net = smallNet();
    const state = new Map(net.stateDict());
    state.delete('0.bias');
    state.delete('1.running_var');
    const extra = zeros([1]);
    const wrong = zeros([3, 99]);
    state.set('5.weight', extra);
    state.set('4.weight', wrong);
    const weightBefore = values(net.getParameter('0.weight'));
    assert.throws(
      () => net.loadStateDict(state),
      (error: Error) => {
        assert.match(error.message, /missing keys: 0\.bias, 1\.running_var/);
        assert.match(error.message, /unexpected keys: 5\.weight/);
        assert.match(error.message, /4\.weight: shape \[3, 99\] in the state dict, \[3, 100\] in the module/);
        assert.equal(error.message.includes('\n'), false);
        return true;
      },
    );
    assert.deepEqual(values(net.getParameter('0.weight')), weightBefore);
    extra.dispose();
    wrong.dispose();
    net.dispose();
  });

  test('loadStateDict reports dtype mismatches even when not strict', () => {
    const net = new Linear(2, 2);
    const state = new Map([['weight', zeros([2, 2], 'float64')]]);
    assert.throws(
      () => net.loadStateDict(state, { strict: false }),
      /weight: dtype float64 in the state dict, float32 in the module/,
    );
    state.get('weight')!.dispose();
    net.dispose();
  });

  test('loadStateDict with strict false loads what matches and returns the missing and unexpected keys', () => {
    const net = new Linear(2, 2);
    const weight = ones([2, 2]);
    const other = zeros([1]);
    const result = net.loadStateDict(
      new Map([
        ['weight', weight],
        ['other', other],
      ]),
      { strict: false },
    );
    assert.deepEqual(result, { missingKeys: ['bias'], unexpectedKeys: ['other'] });
    assert.deepEqual(values(net.weight), [1, 1, 1, 1]);
    weight.dispose();
    other.dispose();
    net.dispose();
  });

  test('loaded parameters still require grad and train', () => {
    const net = new Linear(2, 1);
    const weight = tensor([[1, 2]]);
    const bias = tensor([0.5]);
    net.loadStateDict(
      new Map([
        ['weight', weight],
        ['bias', bias],
      ]),
    );
    assert.ok(net.weight.requiresGrad);
    tidy(() =>
      net
        .call(tensor([[3, 4]]))
        .sum()
        .backward(),
    );
    assert.deepEqual(
      tidy(() => values(net.weight.grad!)),
      [3, 4],
    );
    weight.dispose();
    bias.dispose();
    net.dispose();
  });
});

describe('Module memory', () => {
  test('parameters created inside tidy survive it, and forward passes inside tidy leave them alone', () => {
    const net = tidy(() => {
      const built = smallNet();
      void built.call(randn([2, 3, 5, 5]));
      return built;
    });
    assert.ok(net.parameters().every((p) => !p.isDisposed));
    assert.ok(net.buffers().every((b) => !b.isDisposed));
    tidy(() => void net.call(randn([2, 3, 5, 5])));
    assert.ok(net.parameters().every((p) => !p.isDisposed));
    net.dispose();
  });

  test('dispose frees every parameter, buffer and gradient: liveTensors returns to its start', () => {
    const start = liveTensors();
    const net = smallNet();
    tidy(() =>
      net
        .call(randn([2, 3, 5, 5]))
        .sum()
        .backward(),
    );
    net.eval();
    tidy(() => void net.call(randn([1, 3, 5, 5])));
    net.dispose();
    assert.ok(net.parameters().every((p) => p.isDisposed));
    assert.equal(liveTensors(), start);
  });

  test('replacing a parameter or buffer disposes the old value and does not leak', () => {
    const net = new Linear(3, 2);
    const start = liveTensors();
    const old = net.weight;
    net.registerParameter('weight', zeros([2, 3]));
    assert.ok(old.isDisposed);
    assert.equal(liveTensors(), start);
    assert.deepEqual(values(net.weight), [0, 0, 0, 0, 0, 0]);
    net.registerParameter('weight', net.weight);
    assert.ok(!net.weight.isDisposed);
    const bn = new BatchNorm2d(2);
    const bnStart = liveTensors();
    const oldMean = bn.getBuffer('running_mean');
    bn.registerBuffer('running_mean', ones([2]));
    assert.ok(oldMean.isDisposed);
    assert.equal(liveTensors(), bnStart);
    bn.dispose();
    net.dispose();
  });

  test('zeroGrad drops gradients by default and zero-fills them with setToNone false', () => {
    const net = new Linear(2, 2);
    const step = (): void =>
      tidy(() =>
        net
          .call(ones([1, 2]))
          .sum()
          .backward(),
      );
    step();
    net.zeroGrad({ setToNone: false });
    assert.deepEqual(
      tidy(() => values(net.weight.grad!)),
      [0, 0, 0, 0],
    );
    step();
    net.zeroGrad();
    assert.equal(
      tidy(() => net.weight.grad),
      null,
    );
    net.dispose();
  });

  test('to({dtype}) converts float tensors, keeps num_batches_tracked int64 and ties, and does not leak', () => {
    const model = new Tied();
    const net = smallNet();
    const start = liveTensors();
    net.to({ dtype: 'float64' });
    model.to({ dtype: 'float64' });
    assert.equal(liveTensors(), start);
    assert.ok(net.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad));
    assert.equal(net.getBuffer('1.running_var').dtype, 'float64');
    assert.equal(net.getBuffer('1.num_batches_tracked').dtype, 'int64');
    assert.equal(model.getSubmodule('alias'), model.getSubmodule('encoder'));
    assert.equal(model.parameters().length, 5);
    const y = tidy(() => net.call(randn([2, 3, 5, 5], 'float64')).keep());
    assert.equal(y.dtype, 'float64');
    y.dispose();
    net.dispose();
    model.dispose();
  });
});
