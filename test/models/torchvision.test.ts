/**
 * tmu's ResNets are torchvision's, name for name: a state dict written by PyTorch with `torch.save`
 * (torchvision's own resnet18/34/50, BatchNorm statistics moved off 0/1) loads into tmu with the same
 * logits, and what tmu writes back (torch.save format and safetensors) loads strictly into torchvision
 * with tmu's logits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { ResNet, type ResNetDepth, type ResNetStem } from '../../src/models/index.js';
import { loadTorchStateDict, saveSafetensors, saveTorchStateDict, TorchStateDictError } from '../../src/nn/index.js';
import { dispose, noGrad, type Tensor, tidy } from '../../src/tensor/index.js';
import { REPO_ROOT } from '../cli/support.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';

const skip = torchUnavailableReason();

/** Writes a torchvision ResNet's state dict and a probe batch with its eval-mode logits (both torch.save). */
const WRITE = `
import sys, torch, torchvision
depth, stem, classes, size, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.manual_seed(depth)
model = getattr(torchvision.models, 'resnet%d' % depth)(num_classes=classes)
if stem == 'cifar':
    model.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = torch.nn.Identity()
model.train()
with torch.no_grad():
    for _ in range(3):
        model(torch.randn(8, 3, size, size) * 2 + 0.5)
    model.fc.weight.mul_(20)
model.eval()
x = torch.rand(4, 3, size, size)
with torch.no_grad():
    logits = model(x)
torch.save(model.state_dict(), out + '/model.pth')
torch.save({'x': x, 'logits': logits}, out + '/probe.pth')
`;

/** Loads tmu's files strictly into torchvision and prints the max |logit difference| for each. */
const CHECK = `
import sys, json, torch, torchvision
sys.path.insert(0, sys.argv[6] + '/bench')
from torch_models import load_safetensors
depth, stem, classes, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[5]
model = getattr(torchvision.models, 'resnet%d' % depth)(num_classes=classes)
if stem == 'cifar':
    model.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = torch.nn.Identity()
probe = torch.load(out + '/probe.pth')
ours = torch.load(out + '/tmu_logits.pth')['logits']
result = {}
for name, state in (('pth', torch.load(out + '/tmu.pth')), ('safetensors', load_safetensors(out + '/tmu.safetensors'))):
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        result[name] = float((model(probe['x']) - ours).abs().max())
print(json.dumps(result))
`;

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return tidy(() => a.sub(b).abs().max().item());
}

describe('torchvision ResNets round-trip through tmu with equal logits', { skip: skip ?? false }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tmu-torchvision-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  const cases: [ResNetDepth, ResNetStem, number, number][] = [
    [18, 'cifar', 10, 32],
    [34, 'imagenet', 5, 64],
    [50, 'imagenet', 7, 64],
  ];
  for (const [depth, stem, classes, size] of cases) {
    test(`resnet${depth}, ${stem} stem, ${classes} classes: torch.save state dict in, torch.save and safetensors out`, () => {
      const dir = join(work, `r${depth}`);
      runPython(`import os; os.makedirs('${dir}', exist_ok=True)`);
      runPython(WRITE, [String(depth), stem, String(classes), String(size), dir]);
      const model = new ResNet({ depth, inChannels: 3, numClasses: classes, stem });
      const state = loadTorchStateDict(join(dir, 'model.pth'));
      const probe = loadTorchStateDict(join(dir, 'probe.pth'));
      try {
        assert.ok(state.has('layer2.0.downsample.0.weight') && state.has('fc.weight'), 'torchvision key names');
        model.loadStateDict(state);
        model.eval();
        const logits = noGrad(() => model.forward(probe.get('x')!));
        const expected = probe.get('logits')!;
        const difference = maxAbsDifference(logits, expected);
        const spread = tidy(() => expected.max().sub(expected.min()).item());
        console.log(
          `# resnet${depth}: max |tmu - torchvision| = ${difference.toExponential(2)} (logit spread ${spread.toFixed(2)})`,
        );
        assert.ok(spread > 1, `the probe's logits vary (spread ${spread})`);
        assert.ok(difference <= 1e-4, `max |tmu - torchvision| = ${difference}`);

        saveTorchStateDict(join(dir, 'tmu.pth'), model.stateDict());
        saveSafetensors(join(dir, 'tmu.safetensors'), model.stateDict());
        saveTorchStateDict(join(dir, 'tmu_logits.pth'), new Map([['logits', logits]]));
        logits.dispose();
        const back = JSON.parse(
          runPython(CHECK, [String(depth), stem, String(classes), String(size), dir, REPO_ROOT]),
        ) as Record<string, number>;
        assert.ok(back.pth! <= 1e-4, `torch.save file back in torchvision: max difference ${back.pth}`);
        assert.ok(back.safetensors! <= 1e-4, `safetensors back in torchvision: max difference ${back.safetensors}`);
      } finally {
        dispose([...state.values(), ...probe.values()]);
        model.dispose();
      }
    });
  }

  test('a state dict with missing and unexpected keys is refused with both lists, and the model is unchanged', () => {
    const dir = join(work, 'r18');
    const model = new ResNet({ depth: 18, inChannels: 3, numClasses: 10, stem: 'cifar' });
    const state = loadTorchStateDict(join(dir, 'model.pth'));
    try {
      const renamed = new Map(state);
      renamed.set('head.weight', renamed.get('fc.weight')!);
      renamed.delete('fc.weight');
      const before = tidy(() => model.fc.weight.sum().item());
      assert.throws(() => model.loadStateDict(renamed), /fc\.weight[\s\S]*head\.weight|head\.weight[\s\S]*fc\.weight/);
      assert.equal(
        tidy(() => model.fc.weight.sum().item()),
        before,
      );
    } finally {
      dispose([...state.values()]);
      model.dispose();
    }
  });

  test('a truncated or foreign file is refused with an error naming the file', () => {
    const full = runPython(
      `import sys; data = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(data[: len(data) // 2]); print(len(data))`,
      [join(work, 'r18', 'model.pth'), join(work, 'truncated.pth')],
    );
    assert.ok(Number(full) > 0);
    assert.throws(
      () => loadTorchStateDict(join(work, 'truncated.pth')),
      (error: unknown) => {
        assert.ok(error instanceof TorchStateDictError);
        assert.match(error.message, /truncated\.pth: .*(truncated|end)/);
        return true;
      },
    );
    writeFileSync(join(work, 'text.pth'), 'not a model');
    assert.throws(() => loadTorchStateDict(join(work, 'text.pth')), /text\.pth: not a zip archive/);
  });
});
