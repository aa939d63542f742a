/**
 * Queue throughput: deletion jobs per hour of a scaled-out deployment with one `tmu worker` against two,
 * on this machine, in one run. See bench/README.md.
 *
 *   npm run bench:queue -- [--json] [--models K] [--ids N] [--epochs E] [--data-dir DIR]
 *
 * Starts a private PostgreSQL and Redis (as the tests do), trains a 1-epoch MLP on a Fashion-MNIST subset
 * and registers K copies of it; then, for one worker and for two (each with one intra-op and one inter-op
 * libtorch thread, one job at a time), on a fresh ledger: files one deletion request of N ids per model at
 * once and times until every one is evaluated. Jobs of different models run in parallel, so with K >= 2
 * the second worker always has work. Prints JSON with both rates, their ratio and the machine's load
 * average before and after.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ledger } from '../src/ledger/ledger.js';
import { createToken } from '../src/ledger/tokens.js';
import { startPostgres, startRedis } from '../test/helpers/privateServers.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const TMU = join(ROOT, 'bin', 'tmu.mjs');
const USAGE = `usage: npm run bench:queue -- [--json] [--models K] [--ids N] [--epochs E] [--data-dir DIR]

  --models K     registered models, one job each per run (default 6)
  --ids N        ids per deletion request: the job size (default 20)
  --epochs E     fine-tuning epochs per job (the method is finetune; default 6)
  --data-dir D   Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)
  --json         print JSON only`;

interface Proc {
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [TMU, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve(JSON.parse(line) as Record<string, unknown>),
    );
    child.once('exit', (code) => reject(new Error(`tmu ${args[0]} exited with ${code}:\n${tail.join('\n')}`)));
  });
  return { child, ready };
}

async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  await exited;
}

async function call<T>(url: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as unknown;
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json as T;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      models: { type: 'string', default: '6' },
      ids: { type: 'string', default: '20' },
      epochs: { type: 'string', default: '6' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const models = Number(values.models);
  const ids = Number(values.ids);
  const epochs = Number(values.epochs);
  for (const [name, value] of [
    ['models', models],
    ['ids', ids],
    ['epochs', epochs],
  ] as const)
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  const say = (message: string): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'bench', message })}\n`);
  };
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'tmu-bench-queue-'));
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  try {
    say('training the 1-epoch MLP');
    const base = join(dir, 'base');
    const trained = spawnSync(
      process.execPath,
      [
        TMU,
        'train',
        '--arch',
        'mlp',
        '--epochs',
        '1',
        '--seed',
        '0',
        '--out',
        base,
        '--json',
        ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
      ],
      { encoding: 'utf8' },
    );
    if (trained.status !== 0) throw new Error(`training failed: ${trained.stderr.split('\n').filter(Boolean).pop()}`);
    const members = (JSON.parse(readFileSync(join(base, 'split.json'), 'utf8')) as { member: string[] }).member;
    const runs: Record<
      string,
      { workers: number; jobs: number; seconds: number; jobsPerHour: number; finishedAfterSeconds: number[] }
    > = {};
    for (const workers of [1, 2]) {
      const db = await postgres.createDatabase(`bench_${workers}`);
      const modelsDir = join(dir, `models-${workers}`);
      mkdirSync(modelsDir);
      for (let m = 0; m < models; m++) cpSync(base, join(modelsDir, `m${m}`), { recursive: true });
      const ledger = await Ledger.open(db);
      const operator = (await createToken(ledger, { name: 'ops', role: 'operator' })).secret;
      const requester = (await createToken(ledger, { name: 'bench', role: 'requester' })).secret;
      await ledger.close();
      const config = join(dir, `service-${workers}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          batchWindowMs: 100,
          pollMs: 100,
          method: 'finetune',
          params: { epochs },
          gates: { maxTestAccDrop: 100, miaTolerance: 100 },
          pilotPredictions: 0,
          autoPromote: true,
          rateLimitPerMinute: 0,
        }),
      );
      const server = start([
        'serve',
        '--db',
        db,
        '--queue',
        redis.url,
        '--models',
        modelsDir,
        '--config',
        config,
        '--port',
        '0',
      ]);
      const pool = Array.from({ length: workers }, () =>
        start([
          'worker',
          '--db',
          db,
          '--queue',
          redis.url,
          '--models',
          modelsDir,
          '--config',
          config,
          '--threads',
          '1',
          '--interop-threads',
          '1',
        ]),
      );
      try {
        const url = String((await server.ready).url);
        await Promise.all(pool.map((worker) => worker.ready));
        for (let m = 0; m < models; m++)
          await call(url, 'POST', '/v1/models', operator, { id: `m${m}`, path: `m${m}` });
        say(`${workers} worker(s): ${models} jobs of ${ids} ids`);
        const started = performance.now();
        const filed = await Promise.all(
          Array.from({ length: models }, (_, m) =>
            call<{ request: { id: string } }>(url, 'POST', '/v1/deletion-requests', requester, {
              model: `m${m}`,
              ids: members.slice(m * ids, (m + 1) * ids),
              reason: 'benchmark',
            }),
          ),
        );
        const pending = new Set(filed.map((f) => f.request.id));
        const finishedAfterSeconds: number[] = [];
        while (pending.size > 0) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          for (const id of [...pending]) {
            const view = await call<{
              request: { status: string; statusReason: string | null };
              jobs: { startedAt: string; finishedAt: string }[];
            }>(url, 'GET', `/v1/deletion-requests/${id}`, operator);
            const status = view.request.status as string;
            if (status === 'failed' || status === 'rejected')
              throw new Error(`request ${id} ${status}: ${view.request.statusReason}`);
            if (status === 'evaluated' || status === 'promoted' || status === 'piloting') {
              pending.delete(id);
              const job = view.jobs.at(-1)!;
              finishedAfterSeconds.push((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000);
            }
          }
        }
        const seconds = (performance.now() - started) / 1000;
        runs[`${workers}`] = {
          workers,
          jobs: models,
          seconds: Number(seconds.toFixed(2)),
          jobsPerHour: Math.round((models / seconds) * 3600),
          finishedAfterSeconds: finishedAfterSeconds.map((s) => Number(s.toFixed(2))),
        };
        say(`${workers} worker(s): ${seconds.toFixed(1)} s`);
      } finally {
        await Promise.all([stop(server), ...pool.map(stop)]);
      }
    }
    const one = runs['1']!;
    const two = runs['2']!;
    const result = {
      benchmark: 'queue-throughput',
      cpus: availableParallelism(),
      job: { method: 'finetune', params: { epochs }, ids, threadsPerWorker: { intraOp: 1, interOp: 1 } },
      oneWorker: one,
      twoWorkers: two,
      ratio: Number((two.jobsPerHour / one.jobsPerHour).toFixed(3)),
      loadAverage: {
        before: loadBefore.map((x) => Number(x.toFixed(2))),
        after: loadavg().map((x) => Number(x.toFixed(2))),
      },
    };
    assert.ok(one.jobsPerHour > 0);
    process.stdout.write(`${JSON.stringify(result, null, values.json ? 0 : 2)}\n`);
  } finally {
    await Promise.all([postgres.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:queue: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
