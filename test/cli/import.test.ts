/**
 * A user's own PyTorch model through every command: a CNN trained in PyTorch inside the test on a
 * Fashion-MNIST subset, saved scripted and traced, is imported with `tmu import`; `tmu eval` gives
 * PyTorch's accuracies; `tmu unlearn` with TMU and two baselines writes TorchScript files that PyTorch
 * loads, whose logits equal tmu's. Bad input is refused with a message naming it, and nothing is written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { loadTorchStateDict } from '../../src/nn/index.js';
import { dispose, noGrad, tidy } from '../../src/tensor/index.js';
import { loadModel } from '../../src/train/modelStore.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';
import { fashionSubset, REPO_ROOT, readSidecar, tempDir, tmu, tmuOk } from './support.js';

const skip = torchUnavailableReason();

/** Runs a Python file as its own main program (torch.jit.script needs the classes' source file). */
function runPythonFile(file: string, args: string[]): string {
  return runPython(
    "import sys; path = sys.argv[1]; sys.argv = sys.argv[1:]; exec(compile(open(path).read(), path, 'exec'), {'__name__': '__main__'})",
    [file, ...args],
  );
}

/** PyTorch loads a TorchScript file and writes its eval logits on the first 50 test images (torch.save). */
const TORCH_LOGITS = `
import sys, gzip, numpy as np, torch
model, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
raw = open(data + '/t10k-images-idx3-ubyte', 'rb').read()
x = torch.tensor(np.frombuffer(raw, np.uint8, offset=16)[: 50 * 784].reshape(50, 1, 28, 28).copy()) / 255.0
m = torch.jit.load(model); m.eval()
with torch.no_grad(): logits = m(x)
torch.save({'x': x, 'logits': logits}, out)
`;

describe('a PyTorch model through tmu import, eval and unlearn, and back into PyTorch', { skip: skip ?? false }, () => {
  const work = tempDir('tmu-import-');
  const dataDir = join(work, 'data');
  const exported = join(work, 'pytorch');
  let pytorch: { member: number; holdout: number; test: number };

  before(() => {
    fashionSubset(dataDir);
    runPython(`import os; os.makedirs('${exported}')`);
    runPythonFile(join(REPO_ROOT, 'test', 'fixtures', 'train_fashion_cnn.py'), [dataDir, exported]);
    pytorch = JSON.parse(readFileSync(join(exported, 'pytorch.json'), 'utf8'));
  });

  const importFlags = (file: string, out: string) => [
    'import',
    '--model',
    join(exported, file),
    '--dataset',
    'fashion-mnist',
    '--data-dir',
    dataDir,
    '--split',
    join(exported, 'split.json'),
    '--normalize',
    'none',
    '--optimizer',
    'adam',
    '--lr',
    '0.002',
    '--batch-size',
    '50',
    '--epochs',
    '4',
    '--out',
    out,
  ];

  /** PyTorch's twin of tmu's small CNN (bench/torch_models.py), its state dict saved with torch.save as cnn.pth. */
  function writeCnnStateDict(): void {
    if (existsSync(join(exported, 'cnn.pth'))) return;
    runPython(
      `import sys, torch
sys.path.insert(0, sys.argv[1])
from torch_models import build_model
torch.manual_seed(1)
m = build_model('cnn', 1, 10, 1.0, 28)
torch.save(m.state_dict(), sys.argv[2])`,
      [join(REPO_ROOT, 'bench'), join(exported, 'cnn.pth')],
    );
  }

  /** The max |logit difference| between PyTorch running `file` and tmu running the model directory. */
  function compareWithPyTorch(dir: string): number {
    const probe = join(dir, 'probe.pt');
    runPython(TORCH_LOGITS, [join(dir, 'model.pt'), dataDir, probe]);
    const expected = loadTorchStateDict(probe);
    const { model } = loadModel(dir);
    try {
      model.eval();
      return tidy(() =>
        noGrad(() => model.forward(expected.get('x')!).sub(expected.get('logits')!).abs().max().item()),
      );
    } finally {
      model.dispose();
      dispose([...expected.values()]);
    }
  }

  for (const file of ['scripted.pt', 'traced.pt']) {
    test(`${file}: imported with its digest, format and origin; tmu eval gives PyTorch's accuracies`, async () => {
      const out = join(work, `imported-${file}`);
      await tmuOk(importFlags(file, out));
      const sidecar = readSidecar(out);
      assert.deepEqual((sidecar.origin as { format: string }).format, 'torchscript');
      assert.match((sidecar.origin as { digest: string }).digest, /^[0-9a-f]{64}$/);
      assert.deepEqual(sidecar.dataset.normalize, { mean: [0], std: [1] });
      assert.equal((sidecar.recipe as { optimizer: string }).optimizer, 'adam');
      assert.ok(existsSync(join(out, 'model.pt')) && existsSync(join(out, 'model.safetensors')));
      const evaluated = JSON.parse((await tmuOk(['eval', '--model', out, '--json'])).stdout) as {
        acc: { member: number; holdout: number; test: number };
      };
      for (const set of ['member', 'holdout', 'test'] as const)
        assert.ok(
          Math.abs(evaluated.acc[set] - pytorch[set]) < 1e-4,
          `${set}: tmu ${evaluated.acc[set]}%, PyTorch ${pytorch[set]}%`,
        );
      assert.ok(compareWithPyTorch(out) <= 1e-5);
    });
  }

  for (const method of ['tmu', 'finetune', 'gradient-ascent']) {
    test(`tmu unlearn --method ${method} writes a TorchScript file PyTorch loads, with tmu's logits`, async () => {
      const original = join(work, 'imported-scripted.pt');
      const out = join(work, `unlearned-${method}`);
      await tmuOk([
        'unlearn',
        '--model',
        original,
        '--forget',
        join(exported, 'forget.json'),
        '--method',
        method,
        '--out',
        out,
      ]);
      const sidecar = readSidecar(out);
      assert.equal((sidecar.origin as { format: string }).format, 'torchscript');
      assert.equal(sidecar.parent, readSidecar(original).digest);
      assert.notEqual(sidecar.digest, readSidecar(original).digest, 'the weights changed');
      assert.equal(
        (sidecar.unlearning as { summary: { featureSource: string } }).summary.featureSource,
        'last-linear-input',
        'the summary records where the penultimate features came from',
      );
      const difference = compareWithPyTorch(out);
      console.log(
        `# ${method}: max |tmu - PyTorch| on the unlearned TorchScript file = ${difference.toExponential(2)}`,
      );
      assert.ok(difference <= 1e-5, `max |tmu - PyTorch| = ${difference}`);
    });
  }

  test('a state dict (torch.save) with --arch comes back from tmu unlearn as a torch.save state dict PyTorch loads strictly', async () => {
    writeCnnStateDict();
    const imported = join(work, 'imported-state-dict');
    const flags = importFlags('cnn.pth', imported);
    await tmuOk([...flags, '--arch', 'cnn']);
    assert.equal((readSidecar(imported).origin as { format: string }).format, 'torch-state-dict');
    const out = join(work, 'unlearned-state-dict');
    await tmuOk([
      'unlearn',
      '--model',
      imported,
      '--forget',
      join(exported, 'forget.json'),
      '--method',
      'finetune',
      '--out',
      out,
    ]);
    assert.ok(existsSync(join(out, 'model.pth')));
    const probe = join(out, 'probe.pt');
    runPython(
      `import sys, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from torch_models import build_model
m = build_model('cnn', 1, 10, 1.0, 28)
m.load_state_dict(torch.load(sys.argv[2]), strict=True)
m.eval()
raw = open(sys.argv[3] + '/t10k-images-idx3-ubyte', 'rb').read()
x = torch.tensor(np.frombuffer(raw, np.uint8, offset=16)[: 50 * 784].reshape(50, 1, 28, 28).copy()) / 255.0
with torch.no_grad(): torch.save({'x': x, 'logits': m(x)}, sys.argv[4])`,
      [join(REPO_ROOT, 'bench'), join(out, 'model.pth'), dataDir, probe],
    );
    const expected = loadTorchStateDict(probe);
    const { model } = loadModel(out);
    try {
      model.eval();
      const difference = tidy(() =>
        noGrad(() => model.forward(expected.get('x')!).sub(expected.get('logits')!).abs().max().item()),
      );
      assert.ok(difference <= 1e-5, `max |tmu - PyTorch| = ${difference}`);
    } finally {
      model.dispose();
      dispose([...expected.values()]);
    }
  });

  test('a state dict without --arch, or with keys the architecture lacks, is refused with the keys listed', async () => {
    writeCnnStateDict();
    const out = join(work, 'refused-state-dict');
    const noArch = await tmu(importFlags('cnn.pth', out));
    assert.equal(noArch.status, 1);
    assert.match(noArch.stderr, /cnn\.pth: a state dict holds weights only: name its architecture with --arch/);
    const wrongArch = await tmu([...importFlags('cnn.pth', out), '--arch', 'mlp']);
    assert.equal(wrongArch.status, 1);
    assert.match(wrongArch.stderr, /cnn\.pth: .*missing keys: layers\.0\.weight.*unexpected keys: conv1\.weight/);
    assert.equal(existsSync(out), false, 'nothing was written');
  });

  test("--curriculum keeps the user's early checkpoint as TMU's curriculum model; one of another architecture is refused", async () => {
    const out = join(work, 'with-curriculum');
    await tmuOk([...importFlags('scripted.pt', out), '--curriculum', join(exported, 'traced.pt')]);
    const curriculum = readSidecar(out).curriculum;
    assert.ok(curriculum !== null && curriculum.epoch === 2 && /^[0-9a-f]{64}$/.test(curriculum.digest));
    assert.ok(existsSync(join(out, 'curriculum.safetensors')));
    runPython(
      `import sys, torch
m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
torch.jit.script(m).save(sys.argv[1])`,
      [join(exported, 'other.pt')],
    );
    const refusedOut = join(work, 'refused-curriculum');
    const refused = await tmu([...importFlags('scripted.pt', refusedOut), '--curriculum', join(exported, 'other.pt')]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /other\.pt: the curriculum checkpoint's parameters differ from the model's/);
    assert.equal(existsSync(refusedOut), false, 'nothing was written');
  });

  test('a state dict with NaN weights is refused, naming the tensors', async () => {
    runPython(
      `import sys, torch
sys.path.insert(0, sys.argv[1])
from torch_models import build_model
m = build_model('cnn', 1, 10, 1.0, 28)
with torch.no_grad(): m.fc2.weight[0, 0] = float('nan')
torch.save(m.state_dict(), sys.argv[2])`,
      [join(REPO_ROOT, 'bench'), join(exported, 'nan.pth')],
    );
    const out = join(work, 'refused-nan');
    const result = await tmu([...importFlags('nan.pth', out), '--arch', 'cnn']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /nan\.pth: NaN values in fc2\.weight/);
    assert.equal(existsSync(out), false, 'nothing was written');
  });

  test('bad input is refused with a message naming it, and writes nothing', async () => {
    const out = join(work, 'refused');
    writeFileSync(join(work, 'notes.txt'), 'not a model');
    const notModel = await tmu([
      ...importFlags('scripted.pt', out).slice(0, 2),
      join(work, 'notes.txt'),
      ...importFlags('scripted.pt', out).slice(3),
    ]);
    assert.equal(notModel.status, 1);
    assert.match(notModel.stderr, /notes\.txt: not a TorchScript archive/);

    const split = JSON.parse(readFileSync(join(exported, 'split.json'), 'utf8')) as { holdout: string[] };
    split.holdout.push('fashion-mnist/train/99999');
    writeFileSync(join(work, 'bad-split.json'), JSON.stringify(split));
    const flags = importFlags('scripted.pt', out);
    flags[flags.indexOf('--split') + 1] = join(work, 'bad-split.json');
    const badSplit = await tmu(flags);
    assert.equal(badSplit.status, 1);
    assert.match(badSplit.stderr, /"holdout" id\(s\) are not in fashion-mnist\/train: fashion-mnist\/train\/99999/);

    const normalize = importFlags('scripted.pt', out);
    normalize[normalize.indexOf('--normalize') + 1] = '0.5,0.5:0.2,0.2';
    const badNormalize = await tmu(normalize);
    assert.equal(badNormalize.status, 2);
    assert.match(badNormalize.stderr, /2 mean\(s\) and 2 std\(s\); the dataset has 1 channel/);
    assert.equal(existsSync(out), false, 'nothing was written');
  });
});
