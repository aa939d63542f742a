/**
 * Compares the functional API with PyTorch on the reference fixtures in test/fixtures/torch (written by
 * test/fixtures/generate_torch_fixtures.py): outputs, input gradients and running statistics to 1e-5.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { functional as F } from '../../src/nn/index.js';
import { type DType, liveTensors, type Reduction, type Tensor, tensor, tidy } from '../../src/tensor/index.js';

interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64';
  data: number[];
}

interface Fixture {
  op: string;
  dtype: DType;
  params: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
}

type Runner = (inputs: Record<string, Tensor>, params: Record<string, unknown>) => Tensor;

// The compiled test runs from dist/test/nn; the fixtures stay in the source tree.
const FIXTURE_DIR = fileURLToPath(new URL('../../../test/fixtures/torch/', import.meta.url));
const TOLERANCE = 1e-5;
/** Fixtures of other layers (optimizers, LR schedules), tested there. */
const NOT_NN = new Set(['sgd', 'adam', 'adamw', 'lr_schedule']);

function param<T>(params: Record<string, unknown>, name: string): T {
  if (!(name in params)) throw new Error(`fixture has no param '${name}'`);
  return params[name] as T;
}

function input(inputs: Record<string, Tensor>, name: string): Tensor {
  const found = inputs[name];
  if (found === undefined) throw new Error(`fixture has no input '${name}'`);
  return found;
}

const optional = (inputs: Record<string, Tensor>, name: string): Tensor | null => inputs[name] ?? null;
const pair = (value: unknown): [number, number] => value as [number, number];

const RUNNERS: Readonly<Record<string, Runner>> = {
  conv2d: (x, p) =>
    F.conv2d(input(x, 'input'), input(x, 'weight'), optional(x, 'bias'), {
      stride: pair(param(p, 'stride')),
      padding: pair(param(p, 'padding')),
      dilation: pair(param(p, 'dilation')),
      groups: param(p, 'groups'),
    }),
  batch_norm: (x, p) =>
    F.batchNorm(input(x, 'input'), input(x, 'running_mean'), input(x, 'running_var'), {
      weight: optional(x, 'weight'),
      bias: optional(x, 'bias'),
      training: param(p, 'training'),
      momentum: param(p, 'momentum'),
      eps: param(p, 'eps'),
    }),
  cross_entropy: (x, p) =>
    F.crossEntropy(input(x, 'input'), input(x, 'target'), {
      weight: optional(x, 'weight'),
      reduction: param<Reduction>(p, 'reduction'),
      labelSmoothing: param(p, 'label_smoothing'),
      ignoreIndex: param(p, 'ignore_index'),
    }),
  nll_loss: (x, p) =>
    F.nllLoss(input(x, 'input'), input(x, 'target'), {
      weight: optional(x, 'weight'),
      reduction: param<Reduction>(p, 'reduction'),
    }),
  kl_div: (x, p) =>
    F.klDiv(input(x, 'input'), input(x, 'target'), {
      reduction: param(p, 'reduction'),
      logTarget: param(p, 'log_target'),
    }),
  binary_cross_entropy_with_logits: (x, p) =>
    F.binaryCrossEntropyWithLogits(input(x, 'input'), input(x, 'target'), {
      posWeight: optional(x, 'pos_weight'),
      weight: optional(x, 'weight'),
      reduction: param<Reduction>(p, 'reduction'),
    }),
  mse_loss: (x, p) => F.mseLoss(input(x, 'input'), input(x, 'target'), { reduction: param<Reduction>(p, 'reduction') }),
  adaptive_avg_pool2d: (x, p) => F.adaptiveAvgPool2d(input(x, 'input'), pair(param(p, 'output_size'))),
  max_pool2d: (x, p) =>
    F.maxPool2d(input(x, 'input'), pair(param(p, 'kernel_size')), {
      stride: pair(param(p, 'stride')),
      padding: pair(param(p, 'padding')),
      dilation: pair(param(p, 'dilation')),
      ceilMode: param(p, 'ceil_mode'),
    }),
  avg_pool2d: (x, p) =>
    F.avgPool2d(input(x, 'input'), pair(param(p, 'kernel_size')), {
      stride: pair(param(p, 'stride')),
      padding: pair(param(p, 'padding')),
      ceilMode: param(p, 'ceil_mode'),
      countIncludePad: param(p, 'count_include_pad'),
    }),
  linear: (x) => F.linear(input(x, 'input'), input(x, 'weight'), optional(x, 'bias')),
  log_softmax: (x, p) => F.logSoftmax(input(x, 'input'), param(p, 'dim')),
  softmax: (x, p) => F.softmax(input(x, 'input'), param(p, 'dim')),
  normalize: (x, p) => F.normalize(input(x, 'input'), { p: param(p, 'p'), dim: param(p, 'dim'), eps: param(p, 'eps') }),
  cdist: (x, p) => F.cdist(input(x, 'x1'), input(x, 'x2'), { p: param(p, 'p') }),
  leaky_relu: (x, p) => F.leakyRelu(input(x, 'input'), param(p, 'negative_slope')),
  relu: (x) => F.relu(input(x, 'input')),
};

function toTensor(fixture: FixtureTensor): Tensor {
  const data =
    fixture.dtype === 'int64'
      ? BigInt64Array.from(fixture.data, (v) => BigInt(v))
      : fixture.dtype === 'float64'
        ? Float64Array.from(fixture.data)
        : Float32Array.from(fixture.data);
  return tensor(data, { shape: fixture.shape, dtype: fixture.dtype });
}

function assertMatches(actual: Tensor, expected: FixtureTensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const values = actual.toArray();
  const bad: string[] = [];
  values.forEach((value, k) => {
    const want = expected.data[k]!;
    if (!(Math.abs(value - want) <= TOLERANCE + TOLERANCE * Math.abs(want))) bad.push(`[${k}] ${value} vs ${want}`);
  });
  assert.equal(
    bad.length,
    0,
    `${what}: ${bad.length} of ${values.length} elements differ from PyTorch: ${bad.slice(0, 5).join(', ')}`,
  );
}

function runFixture(fixture: Fixture): void {
  const runner = RUNNERS[fixture.op]!;
  tidy(() => {
    const inputs: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(fixture.inputs)) {
      if (name === 'grad_output') continue;
      const created = toTensor(value);
      inputs[name] = name in fixture.grads ? created.requiresGrad_(true) : created;
    }
    const output = runner(inputs, fixture.params);
    assertMatches(output, fixture.outputs.output!, 'output');
    output.backward(toTensor(fixture.inputs.grad_output!));
    for (const [name, expected] of Object.entries(fixture.grads)) {
      const gradient = input(inputs, name).grad;
      assert.ok(gradient !== null, `grad of ${name} was not computed`);
      assertMatches(gradient, expected, `grad of ${name}`);
    }
    // Extra outputs are the running statistics after the call (batch_norm), updated in place.
    for (const [name, expected] of Object.entries(fixture.outputs)) {
      if (name !== 'output') assertMatches(input(inputs, name), expected, `${name} after the call`);
    }
  });
}

const files = readdirSync(FIXTURE_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();
const fixtures = files.map((file) => [file, JSON.parse(readFileSync(FIXTURE_DIR + file, 'utf8')) as Fixture] as const);

describe('PyTorch reference fixtures', () => {
  test('every op with an nn runner has at least one fixture', () => {
    const present = new Set(fixtures.map(([, fixture]) => fixture.op));
    assert.deepEqual(
      Object.keys(RUNNERS).filter((op) => !present.has(op)),
      [],
    );
  });

  for (const [file, fixture] of fixtures) {
    if (NOT_NN.has(fixture.op)) continue;
    const runner = RUNNERS[fixture.op];
    test(
      `${file.replace(/\.json$/, '')}: output and gradients match PyTorch to 1e-5`,
      { skip: runner === undefined ? `no nn runner for op '${fixture.op}'` : false },
      () => {
        const start = liveTensors();
        runFixture(fixture);
        assert.equal(liveTensors(), start);
      },
    );
  }
});
