/**
 * TorchScript models scripted and traced by PyTorch run in tmu as classifiers: the same eval logits and
 * penultimate features as PyTorch, the same result after an SGD step in training mode (autograd through
 * the compiled graph, BatchNorm statistics included), and a saved file that PyTorch loads with tmu's
 * weights. Bad files are refused with a message naming the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ScriptClassifier } from '../../src/models/index.js';
import { loadScript, loadTorchStateDict, resetScriptParameters, saveTorchStateDict } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { crossEntropy, dispose, noGrad, scriptFileVersions, type Tensor, tidy } from '../../src/tensor/index.js';
import { REPO_ROOT } from '../cli/support.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';

const skip = torchUnavailableReason();

/** Writes the models, probe inputs and PyTorch's results before and after one SGD step. */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'torchscript_models.py');

function maxDifference(a: Tensor, b: Tensor): number {
  return tidy(() => a.sub(b).abs().max().item());
}

describe('TorchScript models from PyTorch behave as tmu classifiers', { skip: skip ?? false }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tmu-script-'));
  let probe: Map<string, Tensor>;
  const load = (file: string) =>
    new ScriptClassifier(loadScript(join(work, file)), { inputShape: [1, 28, 28], numClasses: 10, source: file });

  before(() => {
    runPython(
      "import sys; path = sys.argv[1]; sys.argv = sys.argv[1:]; exec(compile(open(path).read(), path, 'exec'), {'__name__': '__main__'})",
      [FIXTURES, work],
    );
    probe = loadTorchStateDict(join(work, 'probe.pt'));
  });
  after(() => {
    dispose([...probe.values()]);
    rmSync(work, { recursive: true, force: true });
  });

  for (const file of ['scripted.pt', 'traced.pt']) {
    test(`${file}: PyTorch's names, eval logits and last-linear-input features equal PyTorch's`, () => {
      const model = load(file);
      try {
        assert.deepEqual(
          [...model.stateDict().keys()],
          [
            'conv1.weight',
            'conv1.bias',
            'bn1.weight',
            'bn1.bias',
            'bn1.running_mean',
            'bn1.running_var',
            'bn1.num_batches_tracked',
            'conv2.weight',
            'conv2.bias',
            'fc1.weight',
            'fc1.bias',
            'fc2.weight',
            'fc2.bias',
          ],
        );
        model.eval();
        assert.equal(model.featureSource, 'last-linear-input');
        assert.equal(model.featureSize, 32);
        const x = probe.get('x')!;
        tidy(() =>
          noGrad(() => {
            const [features, logits] = model.featuresAndLogits(x);
            const logitGap = maxDifference(logits, probe.get('logits')!);
            const featureGap = maxDifference(features, probe.get('features')!);
            assert.ok(
              logitGap <= 1e-5 && featureGap <= 1e-5,
              `logits differ by ${logitGap}, features by ${featureGap}`,
            );
          }),
        );
      } finally {
        model.dispose();
      }
    });
  }

  test('a training step through the compiled graph matches PyTorch, and PyTorch loads the saved module with tmu weights', () => {
    const model = load('scripted.pt');
    try {
      model.train();
      const optimizer = new SGD(model.parameters(), { lr: 0.1 });
      tidy(() => {
        const loss = crossEntropy(model.forward(probe.get('x')!), probe.get('y')!);
        optimizer.zeroGrad();
        loss.backward();
      });
      optimizer.step();
      model.eval();
      const after = noGrad(() => model.forward(probe.get('x')!));
      const difference = maxDifference(after, probe.get('after')!);
      console.log(`# after one SGD step: max |tmu - torch| = ${difference.toExponential(2)}`);
      assert.ok(difference <= 1e-5, `logits after a step differ by ${difference}`);
      assert.ok(maxDifference(after, probe.get('logits')!) > 1e-3, 'the step changed the model');
      assert.ok(maxDifference(model.getBuffer('bn1.running_mean'), probe.get('running_mean')!) <= 1e-6);

      model.save(join(work, 'tmu.pt'));
      saveTorchStateDict(join(work, 'tmu_logits.pt'), new Map([['logits', after]]));
      after.dispose();
      const back = runPython(
        `import sys, torch
m = torch.jit.load(sys.argv[1] + '/tmu.pt'); m.eval()
p = torch.load(sys.argv[1] + '/probe.pt'); ours = torch.load(sys.argv[1] + '/tmu_logits.pt')['logits']
with torch.no_grad(): print(float((m(p['x']) - ours).abs().max()))`,
        [work],
      );
      assert.ok(Number(back) <= 1e-5, `PyTorch's logits of the saved module differ by ${back}`);
    } finally {
      model.dispose();
    }
  });

  test('a Sequential takes its features from the input of its last Linear; forward_features wins where present; no linear falls back to logits', () => {
    const sequential = load('sequential.pt');
    const withFeatures = load('forward_features.pt');
    const noLinear = load('nolinear.pt');
    try {
      sequential.eval();
      assert.equal(sequential.featureSource, 'last-linear-input');
      tidy(() =>
        noGrad(() => {
          const [features, logits] = sequential.featuresAndLogits(probe.get('x')!);
          assert.ok(maxDifference(features, probe.get('seq_features')!) <= 1e-5);
          assert.ok(maxDifference(logits, probe.get('seq_logits')!) <= 1e-5);
        }),
      );
      assert.equal(withFeatures.featureSource, 'forward_features');
      assert.equal(withFeatures.featureSize, 6 * 14 * 14);
      assert.equal(noLinear.featureSource, 'logits');
      assert.equal(noLinear.featureSize, 10);
    } finally {
      sequential.dispose();
      withFeatures.dispose();
      noLinear.dispose();
    }
  });

  test('re-initialisation redraws every layer with PyTorch defaults and resets BatchNorm statistics', () => {
    const model = load('scripted.pt');
    try {
      const before = tidy(() => model.getParameter('fc2.weight').clone());
      assert.deepEqual(resetScriptParameters(model), []);
      assert.ok(maxDifference(before, model.getParameter('fc2.weight')) > 1e-3);
      const bound = 1 / Math.sqrt(32);
      assert.ok(tidy(() => model.getParameter('fc2.weight').abs().max().item()) <= bound);
      assert.equal(
        tidy(() => model.getBuffer('bn1.running_mean').abs().max().item()),
        0,
      );
      before.dispose();
    } finally {
      model.dispose();
    }
  });

  test('bad files and mismatched models are refused with errors naming the file', () => {
    writeFileSync(join(work, 'garbage.pt'), 'not a model');
    assert.throws(() => loadScript(join(work, 'garbage.pt')), /garbage\.pt: /);
    runPython(`import sys; d = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(d[: len(d) // 2])`, [
      join(work, 'scripted.pt'),
      join(work, 'truncated.pt'),
    ]);
    assert.throws(() => loadScript(join(work, 'truncated.pt')), /truncated\.pt: /);
    assert.throws(() => loadScript(join(work, 'state_dict.pt')), /state_dict\.pt: /);
    // A file from a newer PyTorch: the archive's version record says 11, beyond what libtorch 1.13 reads.
    runPython(
      `import sys, zipfile
src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_STORED)
for info in src.infolist():
    dst.writestr(info.filename, b'11\\n' if info.filename.endswith('/version') else src.read(info.filename))
dst.close()`,
      [join(work, 'scripted.pt'), join(work, 'newer.pt')],
    );
    const versions = scriptFileVersions();
    assert.throws(
      () => loadScript(join(work, 'newer.pt')),
      new RegExp(
        `newer\\.pt: TorchScript file-format version 11, but this build's libtorch reads versions ${versions.minFileFormat} to ${versions.maxFileFormat}; build tmu against your PyTorch's own libtorch: LIBTORCH=`,
      ),
    );
    assert.throws(
      () =>
        new ScriptClassifier(loadScript(join(work, 'noparameters.pt')), {
          inputShape: [1, 28, 28],
          numClasses: 10,
          source: 'noparameters.pt',
        }),
      /noparameters\.pt: the module has no parameters/,
    );
    assert.throws(
      () =>
        new ScriptClassifier(loadScript(join(work, 'scripted.pt')), {
          inputShape: [1, 28, 28],
          numClasses: 7,
          source: 'x.pt',
        }),
      /x\.pt: .*\[2, 10\].*7 classes/,
    );
    assert.throws(
      () =>
        new ScriptClassifier(loadScript(join(work, 'scripted.pt')), {
          inputShape: [3, 32, 32],
          numClasses: 10,
          source: 'x.pt',
        }),
      /x\.pt: the module does not take inputs of shape \[N, 3, 32, 32\]/,
    );
  });
});
