/**
 * Model preparation on a real server: the configured method's amortised state (TMU's twin and predictor)
 * is built in a worker process as soon as a model is registered, the model's jobs wait for it and reuse
 * it, a restart finds it cached, and a failed preparation is reported without holding the jobs back.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import {
  type ApiBody,
  api,
  freshMembers,
  startTestService,
  type TestService,
  trainModel,
  waitForStatus,
} from './support.js';

interface PreparationView {
  status: string;
  method: string;
  seconds: number | null;
  reused: boolean | null;
  error: string | null;
  summary: { twin?: { cached: boolean; key: string }; predictor?: { cached: boolean } } | null;
}

async function preparation(service: TestService): Promise<PreparationView> {
  const model = await api(service, 'GET', `/v1/models/${service.modelId}`, { token: service.tokens.auditor });
  assert.equal(model.status, 200, JSON.stringify(model.body));
  return model.body.preparation as PreparationView;
}

async function waitForPreparation(
  service: TestService,
  statuses: readonly string[],
  timeoutMs = 240_000,
): Promise<PreparationView> {
  const deadline = Date.now() + timeoutMs;
  let last: PreparationView | null = null;
  while (Date.now() < deadline) {
    last = await preparation(service);
    if (statuses.includes(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the preparation did not reach ${statuses.join('/')} in ${timeoutMs} ms (last: ${JSON.stringify(last)}); server log tail:\n${service.log.slice(-8).join('\n')}`,
  );
}

async function fileRequest(service: TestService, count: number): Promise<string> {
  const filed = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, ids: freshMembers(service, count), reason: 'erasure request' },
  });
  assert.equal(filed.status, 202, JSON.stringify(filed.body));
  return filed.body.request.id as string;
}

/** The TMU summary of the evaluate report of a request's job. */
function jobSummary(body: ApiBody): { twin: { cached: boolean; key: string } } {
  const report = body.reports.find((r) => r.kind === 'evaluate');
  assert.ok(report, 'the job wrote its evaluate report');
  return report.body.summary as { twin: { cached: boolean; key: string } };
}

test(
  'a registered model is prepared in the background: a request filed meanwhile waits for the twin and reuses it, and a restart finds it cached',
  { timeout: 600_000 },
  async () => {
    const service = await startTestService({ batchWindowMs: 0 });
    after(() => service.stop());
    const registered = service.registration.preparation as PreparationView;
    assert.equal(registered.status, 'queued', 'the registration answers before the preparation starts');
    assert.equal(registered.method, 'tmu');
    // Filed at once, with no batching window: only the preparation holds the job back.
    const request = await fileRequest(service, 6);
    // States are polled, never timed: on a busy machine the preparation may still be queued here.
    await waitForPreparation(service, ['running', 'ready', 'failed']);

    const ready = await waitForPreparation(service, ['ready', 'failed']);
    assert.equal(ready.status, 'ready', ready.error ?? '');
    assert.equal(ready.reused, false, 'the first preparation built the twin');
    assert.equal(ready.summary?.twin?.cached, false);
    assert.equal(ready.summary?.predictor?.cached, false);
    assert.match(ready.summary?.twin?.key ?? '', /^[0-9a-f]{16}$/);
    assert.ok(
      existsSync(join(service.modelsDir, 'base', 'cache', 'tmu-twin', ready.summary!.twin!.key, 'entry.json')),
      'the twin is cached beside the registered model',
    );
    assert.ok(
      service.log.some((line) => line.includes('model prepared')),
      'the service logged the preparation',
    );

    const done = await waitForStatus(service, request, ['evaluated', 'piloting', 'rejected', 'failed'], 300_000);
    assert.ok(['evaluated', 'piloting'].includes(done.status), `${done.body.request.statusReason}`);
    const summary = jobSummary(done.body);
    assert.equal(
      summary.twin.cached,
      true,
      'the job reused the twin the preparation built instead of building its own',
    );
    assert.equal(summary.twin.key, ready.summary!.twin!.key);

    service.process.kill('SIGTERM');
    await new Promise((resolve) => service.process.once('exit', resolve));
    await service.restart();
    const again = await waitForPreparation(service, ['ready', 'failed']);
    assert.equal(again.status, 'ready', again.error ?? '');
    assert.equal(again.reused, true, 'after a restart the preparation finds the twin and predictor cached');
  },
);

test('models are prepared one at a time, in the order they were registered', { timeout: 600_000 }, async () => {
  const service = await startTestService({ batchWindowMs: 3_600_000 });
  after(() => service.stop());
  // A second model from the pristine training run, so that it has no twin to find.
  cpSync(trainModel(), join(service.modelsDir, 'second'), { recursive: true });
  const second = await api(service, 'POST', '/v1/models', {
    token: service.tokens.operator,
    body: { id: 'second', path: 'second' },
  });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  assert.equal(second.body.preparation.status, 'queued');
  assert.equal((await waitForPreparation(service, ['ready', 'failed'])).status, 'ready');
  assert.equal((await waitForPreparation({ ...service, modelId: 'second' }, ['ready', 'failed'])).status, 'ready');
  const sequence = service.log
    .map((line) => {
      try {
        return JSON.parse(line) as { event?: string; model?: string };
      } catch {
        return {};
      }
    })
    .filter((record) => record.event === 'model preparation started' || record.event === 'model prepared')
    .map((record) => `${record.event === 'model prepared' ? 'prepared' : 'started'} ${record.model}`);
  assert.deepEqual(sequence, ['started fmnist-cnn', 'prepared fmnist-cnn', 'started second', 'prepared second']);
});

test(
  'with prepareModels false the model is not prepared and its first job builds the twin',
  { timeout: 600_000 },
  async () => {
    const service = await startTestService({ batchWindowMs: 0, prepareModels: false });
    after(() => service.stop());
    assert.equal((service.registration.preparation as PreparationView).status, 'disabled');
    const request = await fileRequest(service, 6);
    const done = await waitForStatus(service, request, ['evaluated', 'piloting', 'rejected', 'failed'], 300_000);
    assert.ok(['evaluated', 'piloting'].includes(done.status), `${done.body.request.statusReason}`);
    assert.equal(jobSummary(done.body).twin.cached, false, 'nothing had built the twin before the job');
    assert.equal((await preparation(service)).status, 'disabled');
    assert.ok(!service.log.some((line) => line.includes('model preparation started')), 'no preparation ran');
  },
);

test('a method with nothing to prepare reports not-needed', { timeout: 300_000 }, async () => {
  const service = await startTestService({ method: 'finetune' });
  after(() => service.stop());
  assert.equal((service.registration.preparation as PreparationView).status, 'not-needed');
  const listed = await api(service, 'GET', '/v1/models', { token: service.tokens.auditor });
  assert.equal(listed.body.models[0].preparation.status, 'not-needed');
});

test(
  "a failed preparation is reported with its error and does not hold the model's jobs back",
  { timeout: 600_000 },
  async () => {
    // A file where the cache folder belongs: the preparation cannot store the twin, and neither can a job.
    const source = mkdtempSync(join(tmpdir(), 'tmu-service-broken-'));
    after(() => rmSync(source, { recursive: true, force: true }));
    cpSync(trainModel(), join(source, 'base'), { recursive: true });
    writeFileSync(join(source, 'base', 'cache'), 'not a folder');
    const service = await startTestService({ batchWindowMs: 0, modelFrom: join(source, 'base') });
    after(() => service.stop());
    const failed = await waitForPreparation(service, ['ready', 'failed']);
    assert.equal(failed.status, 'failed');
    assert.match(
      failed.error ?? '',
      /base\/cache: tmu caches prepared state in this folder, but it is a file/,
      'the error names the path and the cause',
    );
    assert.ok(service.log.some((line) => line.includes('model preparation failed')));
    const request = await fileRequest(service, 6);
    const done = await waitForStatus(service, request, ['evaluated', 'piloting', 'rejected', 'failed'], 300_000);
    assert.equal(done.status, 'failed', 'the job ran, and failed on the same cause');
    assert.match(done.body.request.statusReason ?? '', /tmu caches prepared state in this folder, but it is a file/);
  },
);
