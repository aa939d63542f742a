/**
 * The service takes a user's own TorchScript model: an imported model directory registers with
 * POST /v1/models, a deletion request for it is unlearned, evaluated and promoted, and the promoted
 * version is a TorchScript file that PyTorch loads and runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { fashionSubset, REPO_ROOT, tmuOk } from '../cli/support.js';
import { runPython, torchUnavailableReason } from '../helpers/python.js';
import { api, fileAndWait, startTestService } from './support.js';

const skip = torchUnavailableReason();

test(
  'an imported TorchScript model registers, takes a deletion request, and its promoted version is a TorchScript file PyTorch loads',
  { skip: skip ?? false, timeout: 600_000 },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'tmu-service-import-'));
    after(() => rmSync(work, { recursive: true, force: true }));
    const dataDir = fashionSubset(join(work, 'data'));
    const exported = join(work, 'pytorch');
    const fixture = join(REPO_ROOT, 'test', 'fixtures', 'train_fashion_cnn.py');
    runPython(
      `import os, sys; os.makedirs(sys.argv[2]); path = sys.argv[1]; sys.argv = [path, sys.argv[3], sys.argv[2]]; exec(compile(open(path).read(), path, 'exec'), {'__name__': '__main__'})`,
      [fixture, exported, dataDir],
    );
    const imported = join(work, 'imported');
    await tmuOk([
      'import',
      '--model',
      join(exported, 'scripted.pt'),
      '--data-dir',
      dataDir,
      '--split',
      join(exported, 'split.json'),
      '--optimizer',
      'adam',
      '--lr',
      '0.002',
      '--epochs',
      '4',
      '--out',
      imported,
    ]);

    const service = await startTestService({ modelFrom: imported, batchWindowMs: 200 });
    after(() => service.stop());
    assert.equal(service.registration.digest.length, 64);
    const done = await fileAndWait(service, 10, ['evaluated', 'rejected', 'failed'], 300_000);
    assert.equal(done.status, 'evaluated');
    const request = await api(service, 'GET', `/v1/deletion-requests/${done.id}`, { token: service.tokens.auditor });
    const version = request.body.version;
    const promoted = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
      token: service.tokens.operator,
      body: { version: version.id },
    });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.equal(promoted.body.productionVersion, version.id);

    const model = await api(service, 'GET', `/v1/models/${service.modelId}`, { token: service.tokens.auditor });
    const production = model.body.versions.find((v) => v.id === model.body.productionVersion)!;
    const file = join(service.modelsDir, production.path, 'model.pt');
    const answer = runPython(
      `import sys, torch
m = torch.jit.load(sys.argv[1]); m.eval()
with torch.no_grad(): out = m(torch.rand(3, 1, 28, 28))
print(list(out.shape))`,
      [file],
    );
    assert.equal(answer.trim(), '[3, 10]');
  },
);
