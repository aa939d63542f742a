/**
 * The weights `tmu train` saves load in PyTorch (Debian's python3-torch, strict load_state_dict) and
 * give tmu's logits to 1e-4, on real test images normalised as the model's sidecar says. The ResNet is
 * trained for an epoch so that its BatchNorm running statistics are not the initial 0/1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { loadSafetensors } from '../../src/nn/safetensors.js';
import { dispose, noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/train/modelStore.js';
import { TORCH_PYTHON, torchUnavailableReason } from '../helpers/python.js';
import { fashionSubset, REPO_ROOT, readSidecar, subsetTrainFlags, tempDir, tmuOk } from './support.js';

/** How many real test images go through both frameworks. */
const IMAGES = 16;

const skip = torchUnavailableReason();
if (skip) console.log(`# skipping the PyTorch weight checks: ${skip}`);

describe('saved weights load in PyTorch with the same logits', { skip: skip ?? false }, () => {
  const work = tempDir();
  let dataDir: string;
  let inputFile: string;

  /** The first test images, normalised with the sidecar's statistics: [N, 1, 28, 28] float32. */
  function normalisedInputs(normalize: { mean: number[]; std: number[] }): Float32Array {
    const raw = readFileSync(join(dataDir, 't10k-images-idx3-ubyte')).subarray(16, 16 + IMAGES * 28 * 28);
    assert.equal(normalize.mean.length, 1);
    return Float32Array.from(raw, (p) => (p / 255 - normalize.mean[0]!) / normalize.std[0]!);
  }

  /** Trains a model with the CLI and returns its directory. */
  async function trainModel(name: string, flags: string[]): Promise<string> {
    const dir = join(work, name);
    await tmuOk(subsetTrainFlags(dataDir, dir, [...flags, '--epochs', '1', '--seed', '5', '--json']));
    return dir;
  }

  /** tmu's logits: the model loaded from its directory, eval mode, no gradients. */
  function tmuLogits(dir: string, x: Float32Array): Float32Array {
    const { model } = loadModel(dir);
    try {
      model.eval();
      return tidy(() =>
        noGrad(() => model.forward(tensor(x, { shape: [IMAGES, 1, 28, 28] })).toTypedArray() as Float32Array),
      );
    } finally {
      model.dispose();
    }
  }

  /** PyTorch's logits from bench/torch_models.py. */
  function torchLogits(dir: string, archFlags: string[], x: Float32Array): { shape: number[]; data: number[] } {
    writeFileSync(inputFile, JSON.stringify({ shape: [IMAGES, 1, 28, 28], data: Array.from(x) }));
    const args = [
      'bench/torch_models.py',
      'logits',
      ...archFlags,
      '--in-channels',
      '1',
      '--classes',
      '10',
      '--image-size',
      '28',
      '--weights',
      join(dir, 'model.safetensors'),
      '--input',
      inputFile,
    ];
    const result = spawnSync(TORCH_PYTHON, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    assert.equal(
      result.status,
      0,
      `${TORCH_PYTHON} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`,
    );
    const stdout = result.stdout;
    return (JSON.parse(stdout) as { logits: { shape: number[]; data: number[] } }).logits;
  }

  function compare(dir: string, archFlags: string[]): void {
    const x = normalisedInputs(readSidecar(dir).dataset.normalize);
    const ours = tmuLogits(dir, x);
    const theirs = torchLogits(dir, archFlags, x);
    assert.deepEqual(theirs.shape, [IMAGES, 10]);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs.data[i]!));
    console.log(
      `# ${(readSidecar(dir).architecture as { name: string }).name}: max |tmu - torch| = ${worst.toExponential(2)}`,
    );
    assert.ok(worst <= 1e-4, `max |tmu - torch| = ${worst}`);
    // The logits are those of a trained model, not a constant: the comparison means something.
    const spread = Math.max(...ours) - Math.min(...ours);
    assert.ok(spread > 1, `logit spread ${spread}`);
  }

  before(() => {
    dataDir = fashionSubset(join(work, 'data'));
    inputFile = join(work, 'input.json');
    console.log(`# PyTorch: ${TORCH_PYTHON}`);
  });

  test('small CNN', async () => {
    const dir = await trainModel('cnn', ['--arch', 'cnn']);
    compare(dir, ['--arch', 'cnn']);
  });

  test('ResNet-18 (width 0.125) with trained BatchNorm statistics', async () => {
    const dir = await trainModel('resnet18', ['--arch', 'resnet18', '--width', '0.125']);
    const { tensors } = loadSafetensors(join(dir, 'model.safetensors'));
    try {
      const mean = tensors.get('layer1.0.bn1.running_mean')!.toTypedArray() as Float32Array;
      const variance = tensors.get('layer1.0.bn1.running_var')!.toTypedArray() as Float32Array;
      assert.ok(
        mean.some((m) => Math.abs(m) > 1e-3),
        'running_mean has moved from 0',
      );
      assert.ok(
        variance.some((v) => Math.abs(v - 1) > 1e-3),
        'running_var has moved from 1',
      );
      assert.ok(
        Number(tensors.get('bn1.num_batches_tracked')!.item()) > 0,
        'num_batches_tracked counts the training batches',
      );
    } finally {
      dispose([...tensors.values()]);
    }
    compare(dir, ['--arch', 'resnet18', '--width', '0.125']);
  });

  test('MLP', async () => {
    const dir = await trainModel('mlp', ['--arch', 'mlp']);
    compare(dir, ['--arch', 'mlp']);
  });
});
