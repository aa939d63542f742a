/**
 * A deletion request's whole life on a real server (loopback, SQLite ledger, TMU jobs in worker
 * processes on a small CNN trained on real Fashion-MNIST): requests merged into one job, evaluated,
 * piloted in shadow on predict traffic, promoted by an operator, served, exported for compliance and
 * rolled back; and `kill -9` of the server during a running job: after a restart the job is re-run, no
 * request is lost, and production does not change until a promotion.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import Database from 'better-sqlite3';
import { TMU_BIN } from '../unlearn/support.js';
import { api, freshMembers, startTestService, type TestService, waitForStatus } from './support.js';

async function production(service: TestService): Promise<string> {
  const model = await api(service, 'GET', `/v1/models/${service.modelId}`, { token: service.tokens.operator });
  return model.body.productionVersion;
}

test(
  'requests are merged into one job, evaluated (with the exact audit), piloted, promoted, served, exported and rolled back',
  { timeout: 600_000 },
  async () => {
    const service = await startTestService({
      batchWindowMs: 1500,
      pilotPredictions: 30,
      maxPilotDisagreement: 1,
      audit: true,
      config: { pilotMinClients: 2, pilotMinDurationMs: 0 },
    });
    after(() => service.stop());
    const root = await production(service);
    const file = async (ids: string[]) =>
      (
        await api(service, 'POST', '/v1/deletion-requests', {
          token: service.tokens.requester,
          body: { model: service.modelId, ids, reason: 'erasure request' },
        })
      ).body.request.id as string;
    const first = await file(freshMembers(service, 6));
    const second = await file(freshMembers(service, 6));
    const a = await waitForStatus(service, first, ['piloting', 'rejected', 'failed'], 300_000);
    const b = await waitForStatus(service, second, ['piloting', 'rejected', 'failed'], 30_000);
    assert.equal(a.status, 'piloting', `${a.body.request.statusReason}`);
    assert.equal(b.status, 'piloting');
    assert.equal(a.body.jobs.length, 1);
    assert.equal(a.body.jobs[0].id, b.body.jobs[0].id, 'both requests were merged into one job');
    assert.equal(a.body.jobs[0].requestIds.length, 2);
    const candidate = a.body.version.id as string;
    assert.equal(a.body.version.forgottenCount, 12);
    const report = a.body.reports.find((r) => r.kind === 'evaluate')!.body;
    assert.equal(report.passed, true);
    assert.equal(report.metrics.newIds, 12);
    assert.equal(
      (report.metrics.easy ?? 0) + (report.metrics.hard ?? 0),
      12,
      'TMU split the forgotten ids into easy and hard',
    );
    // The exact audit retrained the gold model without the 12 ids and compared.
    assert.ok(report.audit, 'the audit ran');
    assert.ok(
      report.audit.goldTestAcc > 50 && report.audit.agreement >= 0 && report.audit.agreement <= 100,
      JSON.stringify(report.audit),
    );
    assert.ok(
      Math.abs(report.audit.forgetGap - Math.abs(report.audit.goldForgetAcc - report.metrics.candidateForgetAcc)) <
        1e-9,
    );
    assert.equal(existsSync(join(service.modelsDir, a.body.version.path, 'model.safetensors')), true);

    // The pilot: production answers, the candidate shadows; promotion waits for it.
    assert.equal(await production(service), root);
    const early = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
      token: service.tokens.operator,
      body: { version: candidate },
    });
    assert.equal(early.status, 409);
    assert.match(early.body.error.message, /piloting/);
    // Only client tokens' traffic counts, from at least two of them (pilotMinClients).
    const predict = (token: string, ids: string[]) =>
      api(service, 'POST', `/v1/models/${service.modelId}/predict`, { token, body: { ids } });
    const ignored = await predict(service.tokens.requester, service.nonMembers.slice(0, 30));
    assert.equal(ignored.status, 200);
    assert.equal(ignored.body.version, root, 'production answers during the pilot');
    const first15 = await predict(service.tokens.client, service.nonMembers.slice(0, 30));
    assert.equal(first15.body.predictions.length, 30);
    const afterOne = (await api(service, 'GET', `/v1/models/${service.modelId}`, { token: service.tokens.operator }))
      .body.pilot;
    assert.deepEqual(
      { status: afterOne.status, seen: afterOne.seen, clients: afterOne.clients },
      { status: 'running', seen: 30, clients: 1 },
      'the requester did not count; one client is not enough',
    );
    const predicted = await predict(service.tokens.client2, service.nonMembers.slice(30, 31));
    assert.equal(predicted.status, 200);
    assert.equal(predicted.body.version, root, 'production answers during the pilot');
    const model = await api(service, 'GET', `/v1/models/${service.modelId}`, { token: service.tokens.operator });
    const pilot = (await api(service, 'GET', `/v1/deletion-requests/${first}`, { token: service.tokens.auditor })).body
      .pilot;
    assert.equal(model.body.pilot, null, 'the pilot is over');
    assert.deepEqual(
      { status: pilot.status, seen: pilot.seen, clients: pilot.clients },
      { status: 'passed', seen: 31, clients: 2 },
    );

    const promoted = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
      token: service.tokens.operator,
      body: { version: candidate },
    });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.equal(promoted.body.productionVersion, candidate);
    for (const id of [first, second])
      assert.equal((await waitForStatus(service, id, ['promoted'], 5_000)).status, 'promoted');
    const served = await api(service, 'POST', `/v1/models/${service.modelId}/predict`, {
      token: service.tokens.requester,
      body: { inputs: [Array.from({ length: 784 }, (_, i) => i % 256)] },
    });
    assert.equal(served.body.version, candidate);
    assert.equal(served.body.predictions[0].probabilities.length, 10);
    const badInput = await api(service, 'POST', `/v1/models/${service.modelId}/predict`, {
      token: service.tokens.requester,
      body: { inputs: [[1, 2, 3]] },
    });
    assert.equal(badInput.status, 422);
    // The production version's forgotten ids cannot be filed again.
    const again = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: service.modelId, ids: a.body.request.ids.slice(0, 2), reason: 'again' },
    });
    assert.equal(again.status, 422);
    assert.equal(again.body.error.details.alreadyForgotten.count, 2);

    // Compliance: over the API (auditor) and from the CLI.
    const compliance = await api(service, 'GET', `/v1/deletion-requests/${first}/compliance`, {
      token: service.tokens.auditor,
    });
    assert.equal(compliance.status, 200);
    assert.equal(compliance.body.inProduction, true);
    assert.equal(compliance.body.verification.ok, true);
    assert.ok(compliance.body.events.some((e) => e.type === 'model.promoted'));
    const exported = spawnSync(
      process.execPath,
      [TMU_BIN, 'ledger', 'export', '--db', service.dbPath, '--request', first, '--out', join(service.dir, 'export')],
      { encoding: 'utf8' },
    );
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(readFileSync(join(service.dir, 'export', `${first}.html`), 'utf8'), new RegExp(first));
    assert.equal(JSON.parse(readFileSync(join(service.dir, 'export', `${first}.json`), 'utf8')).request.id, first);

    // Rollback: production returns to the root; the deletions it undid are re-queued, not dropped.
    const rolledBack = await api(service, 'POST', `/v1/models/${service.modelId}/rollback`, {
      token: service.tokens.operator,
      body: {},
    });
    assert.equal(rolledBack.status, 200);
    assert.equal(rolledBack.body.productionVersion, root);
    const requeued = await waitForStatus(service, first, ['queued', 'running', 'evaluated', 'piloting'], 5_000);
    assert.match(requeued.body.request.statusReason ?? 'rolled back', /rolled back|re-queued|job/);
    const verify = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body.firstBad));
  },
);

test(
  'kill -9 of the server during a running job: after a restart the job is re-run, no request is lost, production is unchanged until promotion',
  { timeout: 600_000 },
  async () => {
    const service = await startTestService({ batchWindowMs: 200, pilotPredictions: 0 });
    after(() => service.stop());
    const root = await production(service);
    const filed = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: service.modelId, ids: freshMembers(service, 10), reason: 'erasure request' },
    });
    const id = filed.body.request.id as string;
    await waitForStatus(service, id, ['running'], 60_000);
    const serverPid = service.process.pid!;
    const exited = new Promise((resolve) => service.process.once('exit', resolve));
    process.kill(serverPid, 'SIGKILL');
    await exited;
    // The worker of the killed server must not live on as an orphan.
    const deadline = Date.now() + 10_000;
    let orphans = '';
    do {
      orphans = spawnSync('pgrep', ['-f', `jobWorker.js ${service.modelsDir}`], { encoding: 'utf8' }).stdout.trim();
      if (!orphans) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    assert.equal(orphans, '', 'the job worker died with its server');
    const db = new Database(service.dbPath, { readonly: true });
    try {
      assert.equal(
        (db.prepare('SELECT status FROM requests WHERE id = ?').get(id) as { status: string }).status,
        'running',
      );
      assert.equal((db.prepare('SELECT production_version AS p FROM models').get() as { p: string }).p, root);
    } finally {
      db.close();
    }

    await service.restart();
    const done = await waitForStatus(service, id, ['evaluated', 'rejected', 'failed'], 300_000);
    assert.equal(done.status, 'evaluated', `${done.body.request.statusReason}`);
    assert.deepEqual(
      done.body.jobs.map((job: { status: string }) => job.status),
      ['interrupted', 'succeeded'],
      'the interrupted job was re-run',
    );
    assert.equal(done.body.request.ids.length, 10, 'no id was lost');
    assert.equal(await production(service), root, 'production unchanged until promotion');
    const promoted = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
      token: service.tokens.operator,
      body: { version: done.body.version.id },
    });
    assert.equal(promoted.status, 200);
    assert.equal(await production(service), done.body.version.id);
    const verify = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body.firstBad));
  },
);
