/**
 * The scaled-out deployment on real parts: a private PostgreSQL ledger and a private Redis, two
 * `tmu serve` processes and two `tmu worker` processes on loopback, a 1-epoch MLP trained on a small real
 * Fashion-MNIST subset and registered twice (two model directories). 200 concurrent deletion requests
 * spread over both servers, each retried on the other server with its idempotency key, are recorded
 * once; one worker is killed with kill -9 in the middle of a job, whose lock then expires and which the
 * other worker finishes; every request is evaluated (and promoted), each job has exactly one version, the
 * ledger verifies and no version or staging folder is left over. Then a job that throws is retried with
 * backoff up to its attempts and ends failed with its reason, visible in the API; and SIGTERM drains
 * servers and workers, which exit 0.
 *
 * Nothing here depends on timing: every wait polls for a state, with deadlines generous enough for a
 * loaded 2-core machine.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { Ledger } from '../../src/ledger/ledger.js';
import { createToken } from '../../src/ledger/tokens.js';
import { type PrivatePostgres, type PrivateServer, startPostgres, startRedis } from '../helpers/privateServers.js';
import { fashionSubset, TMU_BIN } from '../unlearn/support.js';
import { api, inPool, logEvents } from './support.js';

/** A `tmu` process started by the test, with its log lines. */
interface Proc {
  name: string;
  child: ChildProcess;
  log: string[];
  /** The first stdout line (the JSON the command prints once ready). */
  ready: Promise<Record<string, unknown>>;
}

function start(name: string, args: string[]): Proc {
  const child = spawn(process.execPath, [TMU_BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve(JSON.parse(line) as Record<string, unknown>),
    );
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${log.slice(-10).join('\n')}`)));
  });
  return { name, child, log, ready };
}

function events(proc: Proc, event: string): Record<string, unknown>[] {
  return logEvents(proc.log, event);
}

async function poll<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(proc: Proc): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
  proc.child.kill('SIGTERM');
  return exited;
}

describe('scaled out: two servers and two workers on PostgreSQL and Redis', { timeout: 1_200_000 }, () => {
  let postgres: PrivatePostgres;
  let redis: PrivateServer;
  let db: string;
  let dir: string;
  let models: string;
  let configPath: string;
  let tokens: { operator: string; requester: string; auditor: string };
  let members: string[];
  const servers: Proc[] = [];
  const workers: Proc[] = [];
  const procs: Proc[] = [];

  before(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    db = await postgres.createDatabase('tmu');
    dir = mkdtempSync(join(tmpdir(), 'tmu-scale-'));
    models = join(dir, 'models');
    mkdirSync(models);
    const data = fashionSubset(join(dir, 'data'));
    const trained = spawnSync(
      process.execPath,
      [
        TMU_BIN,
        'train',
        '--data-dir',
        data,
        '--arch',
        'mlp',
        '--epochs',
        '1',
        '--seed',
        '0',
        '--out',
        join(models, 'a'),
        '--json',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(trained.status, 0, trained.stderr.split('\n').filter(Boolean).pop());
    cpSync(join(models, 'a'), join(models, 'b'), { recursive: true });
    cpSync(join(models, 'a'), join(models, 'c'), { recursive: true });
    members = (
      JSON.parse(spawnSync('cat', [join(models, 'a', 'split.json')], { encoding: 'utf8' }).stdout) as {
        member: string[];
      }
    ).member;
    const ledger = await Ledger.open(db);
    tokens = {
      operator: (await createToken(ledger, { name: 'ops', role: 'operator' })).secret,
      requester: (await createToken(ledger, { name: 'customer-care', role: 'requester' })).secret,
      auditor: (await createToken(ledger, { name: 'dpo', role: 'auditor' })).secret,
    };
    await ledger.close();
    configPath = join(dir, 'service.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        batchWindowMs: 1000,
        pollMs: 100,
        method: 'finetune',
        params: { epochs: 8 },
        gates: { maxTestAccDrop: 100, miaTolerance: 100 },
        pilotPredictions: 0,
        autoPromote: true,
        rateLimitPerMinute: 0,
        // A short lock so that the killed worker's job returns within seconds; long enough that a worker
        // on a loaded machine still renews it in time (its main thread only waits for the job's process).
        queue: { attempts: 3, backoffMs: 500, lockDurationMs: 8000, stalledIntervalMs: 3000, maxStalledCount: 3 },
      }),
    );
    for (let i = 0; i < 2; i++) {
      const server = start(`server ${i}`, [
        'serve',
        '--db',
        db,
        '--queue',
        redis.url,
        '--models',
        models,
        '--config',
        configPath,
        '--port',
        '0',
      ]);
      servers.push(server);
      procs.push(server);
    }
    for (let i = 0; i < 2; i++) {
      const worker = start(`worker ${i}`, [
        'worker',
        '--queue',
        redis.url,
        '--db',
        db,
        '--models',
        models,
        '--config',
        configPath,
        '--threads',
        '1',
        '--interop-threads',
        '1',
        '--metrics-port',
        '0',
      ]);
      workers.push(worker);
      procs.push(worker);
    }
    await Promise.all(procs.map((proc) => proc.ready));
    for (const server of servers) urls.push(String((await server.ready).url));
    for (const [index, id] of ['model-a', 'model-b', 'model-c'].entries()) {
      const registered = await api(url(index % 2), 'POST', '/v1/models', {
        token: tokens.operator,
        body: { id, path: ['a', 'b', 'c'][index] },
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
    }
  });

  after(async () => {
    for (const proc of procs)
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await Promise.all([postgres?.stop(), redis?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const urls: string[] = [];
  const url = (i: number): { url: string } => ({ url: urls[i]! });

  test('the same model directory cannot be registered under a second id on another server', async () => {
    const again = await api(url(1), 'POST', '/v1/models', {
      token: tokens.operator,
      body: { id: 'model-a2', path: 'a' },
    });
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /already registered as model 'model-a'/);
  });

  test('200 concurrent requests over two servers are recorded once; a worker killed mid-job loses it to the other; every request is evaluated, one version per job, the ledger verifies, no folder is left over', async () => {
    const file = (i: number, server: number) =>
      api(url(server), 'POST', '/v1/deletion-requests', {
        token: tokens.requester,
        body: {
          model: i % 2 === 0 ? 'model-a' : 'model-b',
          ids: [members[Math.floor(i / 2)]!],
          reason: `erasure ${i}`,
        },
        headers: { 'idempotency-key': `scale-${i}` },
      });
    const first = await inPool(200, 25, async (i) => {
      const response = await file(i, i % 2);
      return { status: response.status, id: response.body.request?.id as string, body: response.body };
    });
    assert.deepEqual(
      [...new Set(first.map((r) => r.status))],
      [202],
      JSON.stringify(first.find((r) => r.status !== 202)?.body),
    );
    assert.equal(new Set(first.map((r) => r.id)).size, 200);
    // Every request retried on the other server: the same request, not a second one.
    const retries = await inPool(200, 25, async (i) => {
      const response = await file(i, (i + 1) % 2);
      return { status: response.status, id: response.body.request?.id as string };
    });
    assert.deepEqual([...new Set(retries.map((r) => r.status))], [200]);
    assert.deepEqual(
      retries.map((r) => r.id),
      first.map((r) => r.id),
    );

    // Kill a worker with kill -9 in the middle of a job: one whose attempt started and has not ended.
    const started = await poll('a worker in the middle of a job', 300_000, async () => {
      for (const worker of workers) {
        const ended = new Set(
          ['job succeeded', 'job failed', 'job attempt failed', 'job outcome already recorded'].flatMap((name) =>
            events(worker, name).map((e) => String(e.job)),
          ),
        );
        const running = events(worker, 'job attempt started').filter((e) => !ended.has(String(e.job)));
        if (running.length > 0)
          return { worker, job: String(running.at(-1)!.job), version: String(running.at(-1)!.version) };
      }
      return null;
    });
    started.worker.child.kill('SIGKILL');
    const survivor = workers.find((worker) => worker !== started.worker)!;

    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      const statuses = async () =>
        (
          await client.query<{ status: string; n: string }>(
            'SELECT status, COUNT(*) AS n FROM requests GROUP BY status',
          )
        ).rows;
      await poll('every request evaluated and promoted', 900_000, async () => {
        const rows = await statuses();
        const failed = rows.find((row) => row.status === 'failed' || row.status === 'rejected');
        if (failed) {
          const reasons = await client.query(
            "SELECT status_reason FROM requests WHERE status IN ('failed', 'rejected') LIMIT 3",
          );
          throw new Error(`requests ${failed.status}: ${JSON.stringify(reasons.rows)}`);
        }
        return rows.length === 1 && rows[0]!.status === 'promoted' && Number(rows[0]!.n) === 200;
      });

      // The killed worker's job: the survivor ran it again and it succeeded once.
      const rerun = events(survivor, 'job attempt started').filter((e) => e.job === started.job);
      assert.ok(
        rerun.length >= 1,
        `the other worker took over job ${started.job} after the kill (survivor log: ${JSON.stringify(events(survivor, 'job attempt started').map((e) => e.job))})`,
      );
      const killedJob = await client.query<{ status: string; version_id: string }>(
        'SELECT status, version_id FROM jobs WHERE id = $1',
        [started.job],
      );
      assert.equal(killedJob.rows[0]!.status, 'succeeded');
      assert.notEqual(
        killedJob.rows[0]!.version_id,
        started.version,
        "the killed attempt's candidate was not committed",
      );

      const samples = await client.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM request_samples s JOIN requests r ON r.id = s.request_id',
      );
      assert.equal(Number(samples.rows[0]!.n), 200, 'each request and sample recorded once');
      const duplicates = await client.query(
        'SELECT model_id, sample_id FROM request_samples s JOIN requests r ON r.id = s.request_id GROUP BY model_id, sample_id HAVING COUNT(*) > 1',
      );
      assert.equal(duplicates.rowCount, 0);
      const jobs = await client.query<{ id: string; status: string; versions: string }>(
        "SELECT j.id, j.status, (SELECT COUNT(*) FROM model_versions v WHERE v.job_id = j.id) AS versions FROM jobs j WHERE j.model_id IN ('model-a', 'model-b')",
      );
      assert.ok(jobs.rows.length >= 2);
      for (const job of jobs.rows)
        assert.deepEqual({ status: job.status, versions: Number(job.versions) }, { status: 'succeeded', versions: 1 });
      // Versions on disk are exactly the ledger's; nothing is left in staging.
      const recorded = new Set(
        (await client.query<{ path: string }>("SELECT path FROM model_versions WHERE status <> 'root'")).rows.map(
          (row) => row.path,
        ),
      );
      const onDisk = ['model-a', 'model-b'].flatMap((model) => {
        const folder = join(models, '.tmu-versions', model);
        return existsSync(folder) ? readdirSync(folder).map((name) => join('.tmu-versions', model, name)) : [];
      });
      assert.deepEqual(onDisk.sort(), [...recorded].sort());
      const staging = join(models, '.tmu-versions', '.staging');
      await poll(
        'staging folders removed',
        60_000,
        async () => !existsSync(staging) || readdirSync(staging).length === 0,
      );
    } finally {
      await client.end();
    }
    // The survivor's own metrics count the jobs it ran.
    const metricsUrl = String((await survivor.ready).metrics);
    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /tmu_job_duration_seconds_count\{outcome="succeeded"\} [1-9]/);
    const verified = spawnSync(process.execPath, [TMU_BIN, 'ledger', 'verify', '--db', db], { encoding: 'utf8' });
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    const ready = await api(url(0), 'GET', '/v1/ready');
    assert.deepEqual(ready.body, { ready: true, checks: { ledger: 'ok', queue: 'ok', models: 'ok' } });
  });

  test('a job that throws is retried with backoff up to its attempts, then fails with its reason in the API', async () => {
    // The registered weights of model-c become unreadable: every attempt throws.
    writeFileSync(join(models, 'c', 'model.safetensors'), 'not safetensors');
    const filed = await api(url(0), 'POST', '/v1/deletion-requests', {
      token: tokens.requester,
      body: { model: 'model-c', ids: [members[0]!], reason: 'erasure' },
    });
    assert.equal(filed.status, 202, JSON.stringify(filed.body));
    const id = filed.body.request.id as string;
    const failed = await poll('the request fails', 300_000, async () => {
      const view = await api(url(1), 'GET', `/v1/deletion-requests/${id}`, { token: tokens.auditor });
      return view.body.request.status === 'failed' ? view.body : null;
    });
    const jobId = failed.jobs[0].id as string;
    assert.equal(failed.jobs[0].status, 'failed');
    assert.match(failed.request.statusReason ?? '', new RegExp(`job ${jobId} failed: .+`));
    const attempts = workers.flatMap((worker) => events(worker, 'job attempt failed')).filter((e) => e.job === jobId);
    assert.deepEqual(attempts.map((e) => e.attempt).sort(), [1, 2, 3], 'three attempts (queue.attempts), then failed');
    const listed = await api(url(0), 'GET', '/v1/jobs', { token: tokens.operator });
    assert.equal(listed.body.jobs.find((job) => job.id === jobId)?.error, failed.jobs[0].error);
  });

  test('an embedded server (no queue) refuses a ledger that queue servers and workers use', () => {
    const embedded = spawnSync(process.execPath, [TMU_BIN, 'serve', '--db', db, '--models', models, '--port', '0'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(embedded.status, 1, embedded.stderr);
    assert.match(embedded.stderr, /already served by another tmu serve/);
  });

  test('SIGTERM drains the servers and the workers: each logs its stop and exits 0', async () => {
    for (const proc of [...servers, ...workers.filter((worker) => worker.child.signalCode === null)]) {
      const code = await stop(proc);
      assert.equal(code, 0, `${proc.name}: ${proc.log.slice(-5).join('\n')}`);
      assert.equal(events(proc, 'draining').length, 1, proc.name);
      assert.equal(events(proc, 'stopped').length, 1, proc.name);
    }
  });
});
