/**
 * The embedded service (SQLite, `tmu serve` on loopback, a 1-epoch MLP on a small real Fashion-MNIST
 * subset) in operation and under attack: health, readiness, Prometheus metrics and access logs (failed
 * authentication included); the per-token rate limit; a second server on the same ledger refused; URLs
 * and schemes taken for what they are; input the ledger could not store exactly refused at the API (lone
 * surrogates, blank or control-character reasons, bad idempotency keys), the body limit in step with the
 * maximum number of ids, one registration per model directory; a credential swapped or a request deleted
 * in the database caught by verification; a pilot that cannot be decided early; and SIGTERM to the pid
 * the user holds: a logged drain, staging removed, exit 0.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Database from 'better-sqlite3';

import { hashToken } from '../../src/ledger/tokens.js';
import { parseServiceConfig } from '../../src/service/config.js';
import { fashionSubset, TMU_BIN } from '../unlearn/support.js';
import { api, freshMembers, logEvents, startTestService, type TestService, waitForStatus } from './support.js';

const work = mkdtempSync(join(tmpdir(), 'tmu-operations-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A 1-epoch MLP on the subset (trained once for the file). */
function trainMlp(): string {
  const out = join(work, 'mlp');
  if (existsSync(out)) return out;
  const data = fashionSubset(join(work, 'data'));
  const result = spawnSync(
    process.execPath,
    [TMU_BIN, 'train', '--data-dir', data, '--arch', 'mlp', '--epochs', '1', '--seed', '0', '--out', out, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr.split('\n').filter(Boolean).pop());
  return out;
}

const BASE = { method: 'finetune', params: { epochs: 1 } };

describe('the embedded service in operation', { timeout: 600_000 }, () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({
      ...BASE,
      modelFrom: trainMlp(),
      batchWindowMs: 3_600_000,
      config: { maxIdsPerRequest: 300 },
    });
  });
  after(() => service?.stop());

  const file = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: service.modelId, ids: freshMembers(service, 1), reason: 'erasure', ...body },
      headers,
    });

  test('health and readiness need no token; readiness checks the ledger and the models directory', async () => {
    const health = await api(service, 'GET', '/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.ok, true);
    const ready = await api(service, 'GET', '/v1/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ready: true, checks: { ledger: 'ok', models: 'ok' } });
  });

  test('every request is logged, failed authentication included, and counted in the Prometheus metrics', async () => {
    assert.equal((await api(service, 'GET', '/v1/deletion-requests', { token: 'tmu_stolen' })).status, 401);
    assert.equal(
      (
        await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
          token: service.tokens.requester,
          body: { version: 'v' },
        })
      ).status,
      403,
    );
    const metrics = await api(service, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(
      metrics.text,
      /tmu_http_requests_total\{method="GET",route="\/v1\/deletion-requests",status="401"\} 1/,
    );
    assert.match(metrics.text, /tmu_auth_failures_total\{reason="unauthenticated"\} 1/);
    assert.match(metrics.text, /tmu_auth_failures_total\{reason="forbidden"\} 1/);
    assert.match(metrics.text, /tmu_http_request_duration_seconds_bucket/);
    assert.match(metrics.text, /tmu_queue_depth\{queue="jobs",state="waiting"\} \d+/);
    const failed = logEvents(service.log, 'auth failed');
    assert.ok(
      failed.some((line) => line.status === 401 && line.url === '/v1/deletion-requests' && typeof line.ip === 'string'),
    );
    assert.ok(failed.some((line) => line.status === 403 && typeof line.token === 'string'));
    assert.ok(
      logEvents(service.log, 'http').some((line) => line.status === 401 && line.route === '/v1/deletion-requests'),
    );
  });

  test('a reason with a lone surrogate, a blank reason or control characters is refused and nothing is recorded', async () => {
    const before = (await api(service, 'GET', '/v1/deletion-requests?limit=1000', { token: service.tokens.auditor }))
      .body.requests.length;
    // JSON.stringify keeps a lone surrogate as the escape \ud800, which is what a client can send.
    for (const reason of ['deleted \ud800 me', '   ', 'line\nbreak', 'bell\u0007', 'nul\u0000']) {
      const response = await file({ reason });
      assert.equal(response.status, 400, `${JSON.stringify(reason)}: ${JSON.stringify(response.body)}`);
      assert.match(response.body.error.message, /reason: .*(surrogate|blank|control)/);
    }
    const after = (await api(service, 'GET', '/v1/deletion-requests?limit=1000', { token: service.tokens.auditor }))
      .body.requests.length;
    assert.equal(after, before);
    const verified = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(verified.body.ok, true);
  });

  test('the Idempotency-Key has a length cap and a defined charset', async () => {
    for (const key of ['k'.repeat(129), 'has space', 'é-key', 'semi;colon']) {
      const response = await file({}, { 'idempotency-key': key });
      assert.equal(response.status, 400, key);
      assert.match(response.body.error.message, /Idempotency-Key/);
    }
    const fine = await file({}, { 'idempotency-key': `${'k'.repeat(100)}:0a-Z_.~+/=` });
    assert.equal(fine.status, 202, JSON.stringify(fine.body));
  });

  test('the body limit holds the documented maximum of ids: the maximum is judged on its ids, one more is refused as too many', async () => {
    const long = (i: number) => `fashion-mnist/train/${String(i).padStart(236, '0')}`;
    assert.equal(long(1).length, 256);
    const maximum = await file({ ids: Array.from({ length: 300 }, (_, i) => long(i)) });
    assert.equal(maximum.status, 422, JSON.stringify(maximum.body).slice(0, 300));
    assert.equal(maximum.body.error.details.unknown.count, 300);
    const over = await file({ ids: Array.from({ length: 301 }, (_, i) => `x/${i}`) });
    assert.equal(over.status, 422);
    assert.match(over.body.error.message, /at most 300 ids/);
    assert.throws(
      () => parseServiceConfig({ maxIdsPerRequest: 50_000, bodyLimitBytes: 1_048_576 }),
      /bodyLimitBytes: 1048576 bytes cannot hold a request of maxIdsPerRequest 50000 ids/,
    );
  });

  test('one model directory has one registration: a second id for the same folder (or a path to it) is 409', async () => {
    for (const path of ['base', './base', 'base/']) {
      const again = await api(service, 'POST', '/v1/models', {
        token: service.tokens.operator,
        body: { id: 'same-weights', path },
      });
      assert.equal(again.status, 409, path);
      assert.match(again.body.error.message, /already registered as model 'fmnist-cnn'/);
    }
  });

  test('a token_hash swapped in the database lets the attacker in, and verification names the token row', async () => {
    const db = new Database(service.dbPath);
    const attacker = 'tmu_attacker-chosen-secret';
    const operator = db.prepare("SELECT id FROM tokens WHERE name = 'ops'").get() as { id: string };
    db.prepare('UPDATE tokens SET token_hash = ? WHERE id = ?').run(hashToken(attacker), operator.id);
    db.close();
    assert.equal((await api(service, 'GET', '/v1/jobs', { token: attacker })).status, 200);
    const verified = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(verified.body.ok, false);
    assert.deepEqual(
      verified.body.problems.map((p) => `${p.table} ${p.row}`),
      [`tokens ${operator.id}`],
    );
  });

  test('a request deleted from the database with its sample ids fails verification', async () => {
    const filed = await file({});
    const id = filed.body.request.id as string;
    const db = new Database(service.dbPath);
    db.pragma('foreign_keys = OFF');
    db.prepare('DELETE FROM request_samples WHERE request_id = ?').run(id);
    db.prepare('DELETE FROM requests WHERE id = ?').run(id);
    db.close();
    const verified = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.ok(
      verified.body.problems.some((p) => p.row === id && /deleted/.test(p.problem)),
      JSON.stringify(verified.body.problems),
    );
    const cli = spawnSync(process.execPath, [TMU_BIN, 'ledger', 'verify', '--db', service.dbPath], {
      encoding: 'utf8',
    });
    assert.equal(cli.status, 1);
    assert.match(cli.stdout, /FAILS verification: 2 problems/);
    assert.match(cli.stdout, new RegExp(`requests row ${id}: its request.created event has no row`));
  });

  test('a second server on the same SQLite ledger refuses to start; --queue with SQLite and unknown schemes are errors', () => {
    const second = spawnSync(
      process.execPath,
      [TMU_BIN, 'serve', '--db', service.dbPath, '--models', service.modelsDir, '--port', '0'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, /already served by another tmu serve/);
    const queued = spawnSync(
      process.execPath,
      [
        TMU_BIN,
        'serve',
        '--db',
        join(work, 'other.sqlite'),
        '--queue',
        'redis://127.0.0.1:1',
        '--models',
        service.modelsDir,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(queued.status, 2);
    assert.match(queued.stderr, /--queue needs a PostgreSQL ledger/);
    const worker = spawnSync(
      process.execPath,
      [TMU_BIN, 'worker', '--db', service.dbPath, '--queue', 'redis://127.0.0.1:1', '--models', service.modelsDir],
      { encoding: 'utf8' },
    );
    assert.equal(worker.status, 2);
    assert.match(worker.stderr, /needs a PostgreSQL ledger/);
    for (const db of ['postgres:ledger', 'mysql://h/x']) {
      const result = spawnSync(process.execPath, [TMU_BIN, 'serve', '--db', db, '--models', service.modelsDir], {
        encoding: 'utf8',
        cwd: work,
      });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /not a PostgreSQL URL|unknown ledger scheme/);
    }
    assert.equal(existsSync(join(work, 'postgres:ledger')), false);
  });
});

test('a pilot cannot be decided before its minimum time and number of client tokens (10 minutes and 2 by default)', async () => {
  const config = parseServiceConfig({});
  assert.deepEqual({ clients: config.pilotMinClients, ms: config.pilotMinDurationMs }, { clients: 2, ms: 600_000 });
  const { DeletionService } = await import('../../src/service/deletionService.js');
  const due = DeletionService.prototype.pilotDue;
  const judge = (minutesAgo: number, clients: number, seen = 100) =>
    due.call({ config } as never, {
      versionId: 'v',
      modelId: 'm',
      target: 100,
      seen,
      disagreements: 0,
      status: 'running',
      startedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      clients,
    });
  assert.equal(judge(9, 5), false, 'too early');
  assert.equal(judge(11, 1), false, 'one client');
  assert.equal(judge(11, 2, 99), false, 'short of the target');
  assert.equal(judge(11, 2), true);
});

test(
  'the rate limit per token answers 429 with Retry-After once a token is over it',
  { timeout: 300_000 },
  async () => {
    const service = await startTestService({
      ...BASE,
      modelFrom: trainMlp(),
      batchWindowMs: 3_600_000,
      config: { rateLimitPerMinute: 5 },
    });
    try {
      // Registration used one of the operator's five.
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await api(service, 'GET', '/v1/models', { token: service.tokens.operator })).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
      const limited = await api(service, 'GET', '/v1/models', { token: service.tokens.operator });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal(
        (await api(service, 'GET', '/v1/models', { token: service.tokens.auditor })).status,
        200,
        'other tokens are not held back',
      );
    } finally {
      await service.stop();
    }
  },
);

test(
  'SIGTERM to the pid the user holds (the launcher) drains the server, removes the staging of the job it cut short, and exits 0',
  { timeout: 600_000 },
  async () => {
    const service = await startTestService({
      ...BASE,
      params: { epochs: 30 },
      modelFrom: trainMlp(),
      batchWindowMs: 100,
    });
    try {
      const filed = await api(service, 'POST', '/v1/deletion-requests', {
        token: service.tokens.requester,
        body: { model: service.modelId, ids: freshMembers(service, 5), reason: 'erasure' },
      });
      await waitForStatus(service, filed.body.request.id, ['running'], 120_000);
      const staging = join(service.modelsDir, '.tmu-versions', '.staging');
      const deadline = Date.now() + 60_000;
      while (!(existsSync(staging) && readdirSync(staging).length > 0) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(readdirSync(staging).length > 0, 'the job has a staging folder');
      const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
      service.process.kill('SIGTERM');
      assert.equal(await exited, 0);
      const lines = service.log.map((line) => JSON.parse(line) as { event: string });
      const names = lines.map((line) => line.event);
      assert.ok(
        names.includes('draining') && names.includes('job cut short') && names.includes('stopped'),
        names.join(', '),
      );
      assert.ok(names.indexOf('stopped') > names.indexOf('draining'));
      assert.deepEqual(readdirSync(staging), [], 'staging removed');
      // The job cut short runs again at the next start, as after a crash.
      await service.restart();
      const done = await waitForStatus(service, filed.body.request.id, ['evaluated', 'rejected', 'failed'], 300_000);
      assert.equal(done.status, 'evaluated', done.body.request.statusReason ?? '');
    } finally {
      await service.stop();
    }
  },
);

test(
  '`tmu serve ... & kill $!` from a shell: the launcher forwards SIGTERM and the server exits 0',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(work, 'shell-'));
    cpSync(trainMlp(), join(dir, 'models', 'base'), { recursive: true });
    const script = `"${process.execPath}" "${TMU_BIN}" serve --db "${dir}/ledger.sqlite" --models "${dir}/models" --port 0 --json > "${dir}/out" 2> "${dir}/err" &
pid=$!
for i in $(seq 1 600); do grep -q url "${dir}/out" 2>/dev/null && break; sleep 0.1; done
kill $pid
wait $pid
echo "exit $?"`;
    const result = await new Promise<{ stdout: string }>((resolve) => {
      const shell = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      shell.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      shell.on('exit', () => resolve({ stdout }));
    });
    assert.match(result.stdout, /exit 0/);
    const log = spawnSync('cat', [join(dir, 'err')], { encoding: 'utf8' }).stdout;
    assert.match(log, /"event":"draining"/);
    assert.match(log, /"event":"stopped"/);
  },
);
