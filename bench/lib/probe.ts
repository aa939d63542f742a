/**
 * A/B probe of variants of the training or inference loop (the measurements cited in bench/README.md):
 * runs each variant for a fixed time, alternating their order every round, and prints images per
 * CPU-second (wall-clock second with PROBE_WALL=1) and the median ratio of each variant to the first.
 *
 * Usage:
 *   node bin/with-runtime-env.mjs node dist/bench/lib/probe.js cnn|resnet train|infer SECONDS THREADS ROUNDS VARIANT...
 *
 * A variant name switches behaviours by the words it contains: `wrapped` (each module's forward in its
 * own tidy scope), `eager` (each intermediate freed as soon as the next layer consumed it, as PyTorch's
 * reference counting does), `none` (gradients reset to none instead of zeroed); e.g. `base wrapped eager`.
 *
 * @module
 */
import { loadDataset } from '../../src/data/index.js';
import type { Classifier } from '../../src/models/index.js';
import { ResNet18, SmallCNN } from '../../src/models/index.js';
import { SGD } from '../../src/optim/index.js';
import {
  adaptiveAvgPool2d,
  crossEntropy,
  manualSeed,
  maxPool2d,
  noGrad,
  setNumThreads,
  type Tensor,
  tidy,
} from '../../src/tensor/index.js';
import { median } from './common.js';
import { Cursor, preload } from './tmuRunner.js';

const [modelName, phase, secs, threads, rounds, ...variants] = process.argv.slice(2);
setNumThreads(Number(threads));
manualSeed(0);
const isCnn = modelName === 'cnn';
const data = preload(loadDataset('fashion-mnist').train, isCnn ? 0 : 2);
const model: Classifier = isCnn
  ? new SmallCNN({ inChannels: 1, numClasses: 10, imageSize: 28 })
  : new ResNet18({ inChannels: 1, numClasses: 10, width: 0.5 });
const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const cur = new Cursor(60000, 128);

/** Frees each intermediate as soon as the next layer has consumed it (PyTorch's refcount behaviour). */
function forwardEager(x: Tensor): Tensor {
  const chain = (input: Tensor, f: (t: Tensor) => Tensor, owned: boolean): Tensor => {
    const out = f(input);
    if (owned) input.dispose();
    return out;
  };
  if (isCnn) {
    const m = model as SmallCNN;
    let h = chain(x, (t) => m.conv1.forward(t), false);
    h = chain(h, (t) => t.relu(), true);
    h = chain(h, (t) => maxPool2d(t, 2), true);
    h = chain(h, (t) => m.conv2.forward(t), true);
    h = chain(h, (t) => t.relu(), true);
    h = chain(h, (t) => maxPool2d(t, 2), true);
    h = chain(h, (t) => t.flatten(1), true);
    h = chain(h, (t) => m.fc1.forward(t), true);
    h = chain(h, (t) => t.relu(), true);
    return chain(h, (t) => m.fc2.forward(t), true);
  }
  const m = model as ResNet18;
  let out = tidy(() => m.bn1.forward(m.conv1.forward(x)).relu());
  for (const stage of m.stages)
    for (const block of stage) {
      const input = out;
      out = tidy(() => block.forward(input));
      input.dispose();
    }
  const logits = tidy(() => m.head(adaptiveAvgPool2d(out, [1, 1]).flatten(1)));
  out.dispose();
  return logits;
}
const originals = new Map<object, (x: Tensor) => Tensor>();
for (const m of model.modules()) originals.set(m, m.forward);
function wrap(on: boolean): void {
  for (const m of model.modules()) {
    const f = originals.get(m)!;
    (m as { forward: (x: Tensor) => Tensor }).forward = on
      ? function (this: unknown, x: Tensor) {
          return tidy(() => f.call(m, x));
        }
      : f;
  }
}
const useWall = process.env.PROBE_WALL === '1';
function run(variant: string): number {
  wrap(variant.includes('wrapped'));
  const eager = variant.includes('eager');
  const none = variant.includes('none');
  const forward = eager ? forwardEager : (x: Tensor) => model.forward(x);
  if (phase === 'train') model.train();
  else model.eval();
  const step = () => {
    const s = cur.take();
    tidy(() => {
      if (phase === 'infer') {
        noGrad(() => forward(data.x.narrow(0, s, 128)));
        return;
      }
      if (none) model.zeroGrad({ setToNone: true });
      else opt.zeroGrad();
      const loss = crossEntropy(forward(data.x.narrow(0, s, 128)), data.y.narrow(0, s, 128));
      loss.backward();
      opt.step();
    });
  };
  step();
  let steps = 0;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  while ((performance.now() - t1) / 1000 < Number(secs)) {
    step();
    steps++;
  }
  const c = process.cpuUsage(c1);
  return useWall ? (steps * 128) / ((performance.now() - t1) / 1000) : (steps * 128) / ((c.user + c.system) / 1e6);
}
const ratios: Record<string, number[]> = {};
for (let r = 0; r < Number(rounds); r++) {
  const order = r % 2 ? [...variants].reverse() : variants;
  const res: Record<string, number> = {};
  for (const k of order) res[k] = Math.round(run(k));
  for (const k of variants.slice(1)) ratios[k] = [...(ratios[k] ?? []), res[k]! / res[variants[0]!]!];
  console.log(phase, JSON.stringify(res));
}
for (const [k, v] of Object.entries(ratios))
  console.log(modelName, phase, `median ${k}/${variants[0]}`, median(v).toFixed(3));
