import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ResNet18 } from '../../src/models/index.js';
import type { BasicBlock } from '../../src/models/resnet.js';
import {
  adaptiveAvgPool2d,
  crossEntropy,
  liveTensors,
  manualSeed,
  randn,
  type Tensor,
  tensor,
  tidy,
} from '../../src/tensor/index.js';

function model(): ResNet18 {
  manualSeed(0);
  return new ResNet18({ inChannels: 1, numClasses: 10, width: 0.125 });
}

/** The same network written without releasing anything: the reference the released version must equal. */
function referenceForward(net: ResNet18, x: Tensor): Tensor {
  let out = net.bn1.forward(net.conv1.forward(x)).relu();
  for (const stage of net.stages) {
    for (const module of stage) {
      const block = module as BasicBlock;
      const main = block.bn2.forward(block.conv2.forward(block.bn1.forward(block.conv1.forward(out)).relu()));
      out = main.add(block.shortcut.forward(out)).relu();
    }
  }
  return net.head(adaptiveAvgPool2d(out, [1, 1]).flatten(1));
}

for (const mode of ['eval', 'train'] as const) {
  test(`a ResNet-18 forward in ${mode} mode releases its intermediates as it goes: only the output stays live`, () => {
    const net = model();
    net.train(mode === 'train');
    tidy(() => {
      const x = randn([2, 1, 32, 32]);
      const before = liveTensors();
      const out = net.forward(x);
      assert.equal(liveTensors() - before, 1, 'intermediate activations still hold handles');
      assert.deepEqual(out.shape, [2, 10]);
    });
  });
}

test('releasing intermediates changes neither the outputs nor the gradients (training mode)', () => {
  const released = model();
  const reference = model();
  released.train();
  reference.train();
  tidy(() => {
    const x = randn([4, 1, 32, 32]);
    const labels = tensor(new BigInt64Array([1n, 2n, 3n, 4n]));
    const a = released.forward(x);
    const b = referenceForward(reference, x);
    assert.deepEqual(a.toArray(), b.toArray());
    crossEntropy(a, labels).backward();
    crossEntropy(b, labels).backward();
    const gradients = (net: ResNet18) =>
      net.parameters().map((p) => Array.from(p.grad!.toTypedArray() as Float32Array));
    assert.deepEqual(gradients(released), gradients(reference));
  });
});
