/**
 * The service with a table model (an MLP over 400 real churn customers): a deletion request by sample id
 * (row-position ids) runs to an evaluated candidate through the refitted preprocessing, the candidate is
 * promoted and answers predictions by sample id, and the compliance export lists the removed ids.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { REPO_ROOT, TMU_BIN } from '../cli/support.js';
import { api, startTestService, type TestService, waitForStatus } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmu-service-table-'));
let service: TestService | undefined;
after(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a deletion request by sample id unlearns a table model, which then serves and is exported for compliance', async () => {
  const lines = gunzipSync(readFileSync(join(REPO_ROOT, 'datasets', 'customers', 'wa_churn.csv.gz')))
    .toString('utf8')
    .split('\n');
  const file = join(dir, 'churn-400.csv.gz');
  writeFileSync(file, gzipSync(`${lines.slice(0, 401).join('\n')}\n`));
  const model = join(dir, 'model');
  const trained = spawnSync(
    process.execPath,
    [
      TMU_BIN,
      'train',
      '--dataset',
      'csv',
      '--data',
      file,
      '--label',
      'churn',
      '--hidden',
      '16',
      '--epochs',
      '4',
      '--curriculum-epoch',
      '1',
      '--out',
      model,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(trained.status, 0, trained.stderr);
  service = await startTestService({ modelFrom: model, method: 'finetune', prepareModels: false });
  const ids = service.members.slice(0, 12);
  assert.match(ids[0]!, /^churn-400\.csv\.gz\/row\/\d+$/);
  const filed = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, ids, reason: 'test: customers left and asked to be forgotten' },
  });
  assert.equal(filed.status, 202, JSON.stringify(filed.body));
  const request = filed.body.request.id as string;
  const evaluated = await waitForStatus(service, request, ['evaluated', 'failed', 'rejected'], 120_000);
  assert.equal(evaluated.status, 'evaluated', JSON.stringify(evaluated.body.jobs));
  const candidate = evaluated.body.request.versionId as string;
  const promoted = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
    token: service.tokens.operator,
    body: { version: candidate },
  });
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  const served = await api(service, 'POST', `/v1/models/${service.modelId}/predict`, {
    token: service.tokens.client,
    body: { ids: service.nonMembers.slice(0, 3) },
  });
  assert.equal(served.status, 200, JSON.stringify(served.body));
  assert.equal(served.body.version, candidate);
  assert.equal(served.body.predictions.length, 3);
  assert.equal(served.body.predictions[0].probabilities.length, 2);
  const raw = await api(service, 'POST', `/v1/models/${service.modelId}/predict`, {
    token: service.tokens.client,
    body: { inputs: [[1, 2, 3]] },
  });
  assert.equal(raw.status, 422);
  assert.match(JSON.stringify(raw.body), /table rows/);
  // A group leaving at once: the filter is expanded on the server and recorded with the request.
  const filter = ['contract=Two year', 'tenure>60'];
  const byFilter = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, where: filter, reason: 'test: a group of customers left' },
  });
  assert.equal(byFilter.status, 202, JSON.stringify(byFilter.body));
  const filtered = await waitForStatus(service, byFilter.body.request.id, ['queued', 'running', 'evaluated'], 10_000);
  const filteredIds = filtered.body.request.ids as string[];
  assert.ok(filteredIds.length > 0 && filteredIds.every((id) => service!.members.includes(id) && !ids.includes(id)));
  const unknown = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, where: ['colour=red'], reason: 'test' },
  });
  assert.equal(unknown.status, 422);
  assert.match(unknown.body.error.message, /no column named "colour"/);
  const numericOnText = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, where: ['contract<2'], reason: 'test' },
  });
  assert.equal(numericOnText.status, 422);
  assert.match(numericOnText.body.error.message, /column "contract" is categorical, not numeric/);
  const filterCompliance = await api(service, 'GET', `/v1/deletion-requests/${byFilter.body.request.id}/compliance`, {
    token: service.tokens.auditor,
  });
  assert.equal(filterCompliance.status, 200);
  const filterExport = JSON.stringify(filterCompliance.body);
  assert.ok(filterExport.includes('contract=Two year') && filterExport.includes('tenure>60'), 'the filter is recorded');
  for (const id of filteredIds) assert.ok(filterExport.includes(id), `${id} listed`);

  const compliance = await api(service, 'GET', `/v1/deletion-requests/${request}/compliance`, {
    token: service.tokens.auditor,
  });
  assert.equal(compliance.status, 200);
  const exported = JSON.stringify(compliance.body);
  for (const id of ids) assert.ok(exported.includes(id), `${id} listed`);
  assert.ok(!exported.includes('Month-to-month'), 'no personal data of the deleted rows');
});
