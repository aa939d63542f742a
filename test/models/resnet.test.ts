import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type BasicBlock, Bottleneck, ResNet } from '../../src/models/index.js';
import {
  adaptiveAvgPool2d,
  crossEntropy,
  liveTensors,
  manualSeed,
  maxPool2d,
  randn,
  type Tensor,
  tensor,
  tidy,
} from '../../src/tensor/index.js';

function model(depth: 18 | 50, stem: 'cifar' | 'imagenet'): ResNet {
  manualSeed(0);
  return new ResNet({ depth, inChannels: 1, numClasses: 10, width: 0.125, stem });
}

/** The same network written without releasing anything: the reference the released version must equal. */
function referenceForward(net: ResNet, x: Tensor): Tensor {
  let out = net.bn1.forward(net.conv1.forward(x)).relu();
  if (net.stem === 'imagenet') out = maxPool2d(out, 3, 2, 1);
  for (const stage of net.stages) {
    for (const module of stage) {
      let main: Tensor;
      const block = module as BasicBlock | Bottleneck;
      if (block instanceof Bottleneck) {
        main = block.bn1.forward(block.conv1.forward(out)).relu();
        main = block.bn2.forward(block.conv2.forward(main)).relu();
        main = block.bn3.forward(block.conv3.forward(main));
      } else {
        main = block.bn2.forward(block.conv2.forward(block.bn1.forward(block.conv1.forward(out)).relu()));
      }
      out = main.add(block.downsample === null ? out : block.downsample.forward(out)).relu();
    }
  }
  return net.head(adaptiveAvgPool2d(out, [1, 1]).flatten(1));
}

for (const [depth, stem] of [
  [18, 'cifar'],
  [50, 'imagenet'],
] as const) {
  for (const mode of ['eval', 'train'] as const) {
    test(`a ResNet-${depth} (${stem} stem) forward in ${mode} mode releases its intermediates as it goes: only the output stays live`, () => {
      const net = model(depth, stem);
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

  test(`ResNet-${depth} (${stem} stem): releasing intermediates changes neither the outputs nor the gradients`, () => {
    const released = model(depth, stem);
    const reference = model(depth, stem);
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
      const gradients = (net: ResNet) =>
        net.parameters().map((p: Tensor) => Array.from(p.grad!.toTypedArray() as Float32Array));
      assert.deepEqual(gradients(released), gradients(reference));
    });
  });
}
