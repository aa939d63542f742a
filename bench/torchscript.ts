/**
 * TorchScript against tmu-native: the same model (the engine benchmark's small CNN or ResNet-18, same
 * weights) run in tmu as a tmu-native module and as a TorchScript module scripted by PyTorch and loaded
 * through libtorch's `torch::jit::load`. Training throughput (forward, cross-entropy, backward, SGD step
 * with momentum) and inference throughput, timed in alternating rounds so that machine load falls on
 * both alike; the median round of each is reported. Prints JSON.
 *
 *   node bin/with-runtime-env.mjs node dist/bench/torchscript.js [--model small-cnn|resnet18-w0.5-32px]
 *       [--rounds 7] [--steps 10] [--batch 128] [--threads N]
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { Classifier } from '../src/models/classifier.js';
import { ScriptClassifier } from '../src/models/index.js';
import { loadScript, saveSafetensors } from '../src/nn/index.js';
import { SGD } from '../src/optim/index.js';
import {
  crossEntropy,
  getNumThreads,
  inferenceMode,
  manualSeed,
  randint,
  randn,
  setNumThreads,
  tidy,
} from '../src/tensor/index.js';
import { runPython } from '../test/helpers/python.js';
import { MODEL_NAMES, type ModelName, median } from './lib/common.js';
import { buildModel, MODEL_PAD } from './lib/tmuRunner.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'small-cnn' },
    rounds: { type: 'string', default: '7' },
    steps: { type: 'string', default: '10' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string' },
  },
});
const model = values.model as ModelName;
if (!MODEL_NAMES.includes(model)) throw new Error(`--model must be one of ${MODEL_NAMES.join(', ')}`);
const rounds = Number(values.rounds);
const steps = Number(values.steps);
const batch = Number(values.batch);
if (values.threads !== undefined) setNumThreads(Number(values.threads));
const side = 28 + 2 * MODEL_PAD[model];

/** Scripts bench/torch_models.py's twin of the model with tmu's weights. */
function scriptTwin(native: Classifier, dir: string): string {
  const weights = join(dir, 'weights.safetensors');
  const file = join(dir, 'model.pt');
  saveSafetensors(weights, native.stateDict());
  const [arch, width] = model === 'small-cnn' ? ['cnn', '1'] : ['resnet18', '0.5'];
  runPython(
    `import sys, torch
sys.path.insert(0, sys.argv[1])
from torch_models import build_model, load_safetensors
m = build_model(sys.argv[2], 1, 10, float(sys.argv[3]), int(sys.argv[4]))
m.load_state_dict(load_safetensors(sys.argv[5]), strict=True)
torch.jit.script(m).save(sys.argv[6])`,
    [join(process.cwd(), 'bench'), arch, width, String(side), weights, file],
  );
  return file;
}

function trainRound(net: Classifier, optimizer: SGD): number {
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    tidy(() => {
      const x = randn([batch, 1, side, side]);
      const y = randint(0, 10, [batch]);
      optimizer.zeroGrad();
      crossEntropy(net.forward(x), y).backward();
    });
    optimizer.step();
  }
  return (steps * batch) / ((performance.now() - started) / 1000);
}

function inferRound(net: Classifier): number {
  const started = performance.now();
  inferenceMode(() => {
    for (let step = 0; step < steps; step++)
      tidy(() =>
        net
          .forward(randn([batch * 4, 1, side, side]))
          .sum()
          .item(),
      );
  });
  return (steps * batch * 4) / ((performance.now() - started) / 1000);
}

manualSeed(0);
const native = buildModel(model);
const dir = mkdtempSync(join(tmpdir(), 'tmu-bench-torchscript-'));
try {
  const script = new ScriptClassifier(loadScript(scriptTwin(native, dir)), {
    inputShape: [1, side, side],
    numClasses: 10,
    source: 'model.pt',
  });
  const logitGap = tidy(() => {
    native.eval();
    script.eval();
    const x = randn([8, 1, side, side]);
    return native.forward(x).sub(script.forward(x)).abs().max().item();
  });
  const engines = [
    { name: 'native', net: native as Classifier },
    { name: 'torchscript', net: script as Classifier },
  ].map((engine) => ({
    ...engine,
    optimizer: new SGD(engine.net.parameters(), { lr: 0.01, momentum: 0.9 }),
    train: [] as number[],
    infer: [] as number[],
  }));
  for (const engine of engines) {
    engine.net.train();
    trainRound(engine.net, engine.optimizer);
    engine.net.eval();
    inferRound(engine.net);
  }
  for (let round = 0; round < rounds; round++) {
    for (const engine of round % 2 === 0 ? engines : [...engines].reverse()) {
      engine.net.train();
      engine.train.push(trainRound(engine.net, engine.optimizer));
      engine.net.eval();
      engine.infer.push(inferRound(engine.net));
    }
  }
  const [nativeRun, scriptRun] = engines as [(typeof engines)[0], (typeof engines)[0]];
  const summary = (key: 'train' | 'infer') => {
    const nativeRate = median(nativeRun[key]);
    const scriptRate = median(scriptRun[key]);
    return {
      nativeImagesPerSecond: Math.round(nativeRate),
      torchscriptImagesPerSecond: Math.round(scriptRate),
      torchscriptOverNative: Number((scriptRate / nativeRate).toFixed(3)),
      // Per round, in the order run: the spread shows how much other load there was.
      nativeRounds: nativeRun[key].map(Math.round),
      torchscriptRounds: scriptRun[key].map(Math.round),
    };
  };
  const train = summary('train');
  const inference = summary('infer');
  console.log(
    JSON.stringify(
      {
        benchmark: 'torchscript-vs-native',
        model,
        threads: getNumThreads(),
        batch,
        rounds,
        stepsPerRound: steps,
        initialLogitGap: logitGap,
        train,
        inference,
        torchscriptWithin10Percent: train.torchscriptOverNative >= 0.9 && inference.torchscriptOverNative >= 0.9,
      },
      null,
      2,
    ),
  );
  script.dispose();
} finally {
  native.dispose();
  rmSync(dir, { recursive: true, force: true });
}
