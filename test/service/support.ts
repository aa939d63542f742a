/**
 * Helpers of the service tests: a real service (`tmu serve` as a child process, on loopback, with a real
 * SQLite ledger) over a small CNN trained on a tiny real Fashion-MNIST subset, three API tokens, and
 * helpers to call the API.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { JobRecord, PilotRecord, ReportRecord } from '../../src/ledger/jobs.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { ModelRecord, VersionRecord } from '../../src/ledger/models.js';
import type { RequestRecord } from '../../src/ledger/requests.js';
import { createToken } from '../../src/ledger/tokens.js';
import type { LedgerProblem } from '../../src/ledger/verify.js';
import type { EvaluateReport } from '../../src/service/jobSpec.js';
import type { ModelPreparation } from '../../src/service/modelPreparer.js';
import { fashionSubset, TMU_BIN } from '../unlearn/support.js';

/** A running test service. */
export interface TestService {
  url: string;
  tokens: { operator: string; requester: string; auditor: string; client: string; client2: string };
  modelId: string;
  dir: string;
  dbPath: string;
  modelsDir: string;
  /** The member ids of the registered model, in split order. */
  members: string[];
  /** Ids of the model's split that are not members (holdout and test). */
  nonMembers: string[];
  /** The server process (the `tmu serve` child). */
  process: ChildProcess;
  /** Server log lines (stderr). */
  log: string[];
  stop(): Promise<void>;
  /** Starts the server again on the same ledger and models (after a crash or stop). */
  restart(): Promise<void>;
  /** The body of the model's registration (201). */
  registration: ApiBody;
}

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  batchWindowMs?: number;
  pilotPredictions?: number;
  autoPromote?: boolean;
  method?: string;
  params?: Record<string, unknown>;
  bodyLimitBytes?: number;
  maxPilotDisagreement?: number;
  /** Retrain the gold model per job (the exact audit). */
  audit?: boolean;
  /** Reuse this directory's trained model (from an earlier service) instead of training one. */
  modelFrom?: string;
  /** Prepare registered models in the background (the service's default: true). */
  prepareModels?: boolean;
  /** Further configuration keys (docs/service.md), e.g. maxIdsPerRequest, pilotMinClients. */
  config?: Record<string, unknown>;
}

let trainedModel: string | null = null;

/** Trains (once per test process) the small CNN the services register, and returns its directory. */
export function trainModel(): string {
  if (trainedModel) return trainedModel;
  const dir = mkdtempSync(join(tmpdir(), 'tmu-service-model-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const data = fashionSubset(join(dir, 'data'));
  const out = join(dir, 'base');
  const result = spawnSync(
    process.execPath,
    [TMU_BIN, 'train', '--data-dir', data, '--arch', 'cnn', '--epochs', '8', '--seed', '0', '--out', out, '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `training the test model failed: ${result.stderr.split('\n').filter(Boolean).pop()}`);
  trainedModel = out;
  return out;
}

async function launch(service: {
  dbPath: string;
  modelsDir: string;
  configPath: string;
  log: string[];
}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      TMU_BIN,
      'serve',
      '--db',
      service.dbPath,
      '--models',
      service.modelsDir,
      '--config',
      service.configPath,
      '--port',
      '0',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  createInterface({ input: child.stderr! }).on('line', (line) => service.log.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tmu serve did not start in 60 s:\n${service.log.slice(-5).join('\n')}`)),
      60_000,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tmu serve exited with ${code}:\n${service.log.slice(-5).join('\n')}`));
    });
  });
  return { child, url };
}

/** Starts a service with a registered model `fmnist-cnn` and one token per role. */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-service-'));
  const modelsDir = join(dir, 'models');
  mkdirSync(modelsDir);
  // The registered model is a copy inside the models directory (versions are written next to it).
  const source = options.modelFrom ?? trainModel();
  spawnSync('cp', ['-r', source, join(modelsDir, 'base')]);
  const dbPath = join(dir, 'ledger.sqlite');
  const ledger = await Ledger.open(dbPath);
  const tokens = {
    operator: (await createToken(ledger, { name: 'ops', role: 'operator' })).secret,
    requester: (await createToken(ledger, { name: 'customer-care', role: 'requester' })).secret,
    auditor: (await createToken(ledger, { name: 'dpo', role: 'auditor' })).secret,
    client: (await createToken(ledger, { name: 'shop', role: 'client' })).secret,
    client2: (await createToken(ledger, { name: 'app', role: 'client' })).secret,
  };
  await ledger.close();
  const configPath = join(dir, 'service.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      batchWindowMs: options.batchWindowMs ?? 300,
      pollMs: 50,
      pilotPredictions: options.pilotPredictions ?? 0,
      // The tiny test model moves a lot under any update; the gates' thresholds are unit-tested elsewhere.
      gates: { maxTestAccDrop: 100, miaTolerance: 100 },
      autoPromote: options.autoPromote ?? false,
      method: options.method ?? 'tmu',
      params: options.params ?? {},
      ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      ...(options.audit ? { audit: true } : {}),
      ...(options.prepareModels !== undefined ? { prepareModels: options.prepareModels } : {}),
      ...(options.maxPilotDisagreement !== undefined ? { maxPilotDisagreement: options.maxPilotDisagreement } : {}),
      ...(options.config ?? {}),
    }),
  );
  const log: string[] = [];
  let { child, url } = await launch({ dbPath, modelsDir, configPath, log });
  const split = JSON.parse(readFileSync(join(modelsDir, 'base', 'split.json'), 'utf8')) as {
    member: string[];
    holdout: string[];
    test: string[];
  };
  const service: TestService = {
    url,
    tokens,
    modelId: 'fmnist-cnn',
    registration: {} as ApiBody,
    dir,
    dbPath,
    modelsDir,
    members: split.member,
    nonMembers: [...split.holdout, ...split.test],
    process: child,
    log,
    async stop() {
      if (service.process.exitCode === null && service.process.signalCode === null) {
        const exited = new Promise((resolve) => service.process.once('exit', resolve));
        service.process.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      ({ child, url } = await launch({ dbPath, modelsDir, configPath, log }));
      service.process = child;
      service.url = url;
    },
  };
  const registered = await api(service, 'POST', '/v1/models', {
    token: tokens.operator,
    body: { id: service.modelId, path: 'base' },
  });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  service.registration = registered.body;
  return service;
}

/** The error every refused call answers with. */
export interface ApiError {
  code: string;
  message: string;
  /** Per problem (unknown ids, duplicates, ...), how many ids and which. */
  details: Record<string, { count: number; ids: string[] }>;
}

/**
 * The fields of the service's JSON answers that tests read, typed as the routes that answer with them
 * send them. Which fields an answer has depends on the route; a test reads only those its route sends
 * (reading one it does not is a failing test, not a type error).
 */
export interface ApiBody {
  error: ApiError;
  request: RequestRecord & { ids: string[] };
  requests: RequestRecord[];
  jobs: JobRecord[];
  reports: (Omit<ReportRecord, 'body'> & { body: EvaluateReport })[];
  pilot: PilotRecord;
  version: VersionRecord;
  models: (ModelRecord & { preparation: ModelPreparation })[];
  /** A model's answer (registration, GET /v1/models/{id}): its record's fields and its versions. */
  digest: string;
  versions: VersionRecord[];
  preparation: ModelPreparation;
  productionVersion: string;
  inProduction: boolean;
  predictions: { id: string | null; label: number; probabilities: number[] }[];
  ok: boolean;
  firstBad: LedgerProblem;
  problems: LedgerProblem[];
  verification: { ok: boolean };
  events: { type: string; [field: string]: unknown }[];
  /** The OpenAPI document's operations, as far as tests read them. */
  paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }>;
  summary: Record<string, unknown>;
  openapi: string;
}

/** An API call's answer. */
export interface ApiResponse {
  status: number;
  /** The answer as JSON, when it is JSON. */
  body: ApiBody;
  /** The answer as text (the dashboard, a compliance page, Prometheus metrics). */
  text: string;
  headers: Headers;
}

/** Calls the API; `body` is sent as JSON unless `raw` text is given. */
export async function api(
  service: Pick<TestService, 'url'>,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the dashboard, a compliance page): keep the text.
  }
  return { status: response.status, body: body as ApiBody, text, headers: response.headers };
}

const used = new WeakMap<TestService, number>();

/** The next `count` member ids no earlier call of this helper handed out for `service`. */
export function freshMembers(service: TestService, count: number): string[] {
  const start = used.get(service) ?? 0;
  used.set(service, start + count);
  assert.ok(start + count <= service.members.length, 'ran out of member ids');
  return service.members.slice(start, start + count);
}

/** Polls a request until its status is one of `statuses`. */
export async function waitForStatus(
  service: TestService,
  id: string,
  statuses: readonly string[],
  timeoutMs = 120_000,
): Promise<{ id: string; status: string; body: ApiBody }> {
  const deadline = Date.now() + timeoutMs;
  let last: ApiResponse | null = null;
  while (Date.now() < deadline) {
    last = await api(service, 'GET', `/v1/deletion-requests/${id}`, { token: service.tokens.auditor });
    if (last.status === 200 && statuses.includes(last.body.request.status))
      return { id, status: last.body.request.status, body: last.body };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `request ${id} did not reach ${statuses.join('/')} in ${timeoutMs} ms (last: ${JSON.stringify(last?.body?.request ?? last?.body)}); server log tail (access lines left out):\n${service.log
      .filter((line) => !line.includes('"event":"http"'))
      .slice(-8)
      .join('\n')}`,
  );
}

/** Files a deletion request of `count` member ids of the test model and waits until it reaches one of `statuses`. */
export async function fileAndWait(
  service: TestService,
  count: number,
  statuses: string[],
  timeoutMs?: number,
): Promise<{ id: string; status: string }> {
  const filed = await api(service, 'POST', '/v1/deletion-requests', {
    token: service.tokens.requester,
    body: { model: service.modelId, ids: freshMembers(service, count), reason: 'test: customer asked to be forgotten' },
  });
  assert.equal(filed.status, 202, JSON.stringify(filed.body));
  const { id, status } = await waitForStatus(service, filed.body.request.id, statuses, timeoutMs);
  return { id, status };
}

/** Runs `task(0..count-1)` on a bounded pool of `concurrency` clients; results in index order. */
export async function inPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** The structured log records among `lines` whose event is `event` (lines that are not JSON are skipped). */
export function logEvents(lines: readonly string[], event: string): Record<string, unknown>[] {
  return lines
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((record): record is Record<string, unknown> => record !== null && record.event === event);
}
