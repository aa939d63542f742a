import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MLP } from '../../src/models/mlp.js';
import { manualSeed, noGrad, tensor } from '../../src/tensor/index.js';

function values(n: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

test('an MLP with batch norm and dropout names its layers as PyTorch and is deterministic in eval mode', () => {
  manualSeed(0);
  const model = new MLP({ inFeatures: 6, numClasses: 3, hidden: [8, 4], dropout: 0.5, batchNorm: true });
  const names = [...model.namedParameters()].map(([name]) => name);
  assert.deepEqual(names, [
    'layers.0.weight',
    'layers.0.bias',
    'layers.1.weight',
    'layers.1.bias',
    'layers.4.weight',
    'layers.4.bias',
    'layers.5.weight',
    'layers.5.bias',
    'head.weight',
    'head.bias',
  ]);
  const x = tensor(values(60, 1), { shape: [10, 6] });
  model.train();
  noGrad(() => model.forward(x));
  model.eval();
  const a = noGrad(() => model.forward(x)).toTypedArray();
  const b = noGrad(() => model.forward(x)).toTypedArray();
  assert.deepEqual(a, b);
  model.dispose();
});

test('folding an input change into the first layer gives the same logits on the changed inputs', () => {
  manualSeed(1);
  const model = new MLP({ inFeatures: 5, numClasses: 2, hidden: [7], batchNorm: true });
  model.eval();
  const scale = Float32Array.from([0.5, 2, 1, 1.25, 1]);
  const shift = Float32Array.from([0.1, -0.3, 0, 0.7, 0]);
  const newInputs = values(40, 2);
  // Column 4 is a category no row has any more: its weights are cleared, so the rows must leave it 0.
  for (let r = 0; r < 8; r++) newInputs[r * 5 + 4] = 0;
  const oldInputs = newInputs.map((v, k) => scale[k % 5]! * v + shift[k % 5]!);
  const before = noGrad(() => model.forward(tensor(oldInputs, { shape: [8, 5] }))).toTypedArray() as Float32Array;
  model.foldInputChange(scale, shift, [4]);
  const after = noGrad(() => model.forward(tensor(newInputs, { shape: [8, 5] }))).toTypedArray() as Float32Array;
  for (let k = 0; k < before.length; k++)
    assert.ok(Math.abs(before[k]! - after[k]!) < 1e-5, `${before[k]} vs ${after[k]}`);
  const weight = model.inputLayer.weight.toTypedArray() as Float32Array;
  for (let o = 0; o < 7; o++) assert.ok(weight[o * 5 + 4] === 0);
  assert.throws(() => model.foldInputChange(new Float32Array(3), new Float32Array(3)), /3 values for 5 inputs/);
  model.dispose();
});
