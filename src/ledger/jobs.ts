/**
 * Unlearning jobs (one per model per batching window, covering the requests merged into it), the reports
 * their evaluation produced, and the pilots that shadow a candidate on live traffic.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import { type Ledger, newId, now } from './ledger.js';

/** Where a job stands; `interrupted` jobs (the service died under them) are re-run as new jobs. */
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** A stored job. */
export interface JobRecord {
  id: string;
  modelId: string;
  parentVersion: string;
  status: JobStatus;
  method: string;
  params: Record<string, unknown>;
  versionId: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  requestIds: string[];
}

interface JobRow {
  id: string;
  model_id: string;
  parent_version: string;
  status: JobStatus;
  method: string;
  params: string;
  version_id: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

async function job(ledger: Ledger, row: JobRow): Promise<JobRecord> {
  const requestIds = (
    await ledger.all<{ request_id: string }>(
      'SELECT request_id FROM job_requests WHERE job_id = ? ORDER BY request_id',
      row.id,
    )
  ).map((r) => r.request_id);
  return {
    id: row.id,
    modelId: row.model_id,
    parentVersion: row.parent_version,
    status: row.status,
    method: row.method,
    params: JSON.parse(row.params) as Record<string, unknown>,
    versionId: row.version_id,
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    requestIds,
  };
}

/** A second completion of a job: the ledger records a job's outcome once. */
export class JobAlreadyFinished extends Error {
  override name = 'JobAlreadyFinished';
  constructor(
    readonly jobId: string,
    readonly status: JobStatus | null,
  ) {
    super(status === null ? `unknown job '${jobId}'` : `job '${jobId}' is already ${status}; its outcome stands`);
  }
}

/** Starts a job over `requestIds` (their status is the caller's to change in the same transaction). */
export async function createJob(
  ledger: Ledger,
  input: {
    modelId: string;
    parentVersion: string;
    method: string;
    params: Record<string, unknown>;
    requestIds: readonly string[];
  },
  actor: string,
): Promise<JobRecord> {
  return ledger.transaction(async () => {
    const id = newId('job');
    await ledger.run(
      'INSERT INTO jobs (id, model_id, parent_version, status, method, params, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      id,
      input.modelId,
      input.parentVersion,
      'running',
      input.method,
      JSON.stringify(input.params),
      now(),
    );
    for (const request of input.requestIds)
      await ledger.run('INSERT INTO job_requests (job_id, request_id) VALUES (?, ?)', id, request);
    await ledger.append({
      type: 'job.started',
      actor,
      subject: id,
      payload: {
        model: input.modelId,
        parentVersion: input.parentVersion,
        method: input.method,
        params: input.params,
        requests: [...input.requestIds].sort(),
      },
    });
    return (await getJob(ledger, id))!;
  });
}

/** A job by id, or null. */
export async function getJob(ledger: Ledger, id: string): Promise<JobRecord | null> {
  const row = await ledger.get<JobRow>('SELECT * FROM jobs WHERE id = ?', id);
  return row ? job(ledger, row) : null;
}

/** Jobs in a status (all when omitted), oldest first; optionally of one model only. */
export async function listJobs(ledger: Ledger, status?: JobStatus, modelId?: string): Promise<JobRecord[]> {
  const where: string[] = [];
  const args: string[] = [];
  if (status) {
    where.push('status = ?');
    args.push(status);
  }
  if (modelId) {
    where.push('model_id = ?');
    args.push(modelId);
  }
  const rows = await ledger.all<JobRow>(
    `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, id`,
    ...args,
  );
  return Promise.all(rows.map((row) => job(ledger, row)));
}

/** The jobs that processed a request, oldest first (an interrupted job is followed by its re-run). */
export async function jobsOfRequest(ledger: Ledger, requestId: string): Promise<JobRecord[]> {
  const rows = await ledger.all<JobRow>(
    'SELECT j.* FROM job_requests jr JOIN jobs j ON j.id = jr.job_id WHERE jr.request_id = ? ORDER BY j.started_at, j.id',
    requestId,
  );
  return Promise.all(rows.map((row) => job(ledger, row)));
}

/** Ends a running job; a job that already ended is a {@link JobAlreadyFinished}. */
export async function finishJob(
  ledger: Ledger,
  id: string,
  outcome: {
    status: Exclude<JobStatus, 'running'>;
    versionId?: string | null;
    error?: string | null;
    seconds?: number;
  },
  actor: string,
): Promise<void> {
  await ledger.transaction(async () => {
    const changed = await ledger.run(
      "UPDATE jobs SET status = ?, version_id = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
      outcome.status,
      outcome.versionId ?? null,
      outcome.error ?? null,
      now(),
      id,
    );
    if (changed !== 1)
      throw new JobAlreadyFinished(
        id,
        (await ledger.get<{ status: JobStatus }>('SELECT status FROM jobs WHERE id = ?', id))?.status ?? null,
      );
    await ledger.append({
      type: `job.${outcome.status}`,
      actor,
      subject: id,
      payload: {
        version: outcome.versionId ?? null,
        error: outcome.error ?? null,
        ...(outcome.seconds !== undefined ? { seconds: outcome.seconds } : {}),
      },
    });
  });
}

/** A stored report. */
export interface ReportRecord {
  id: string;
  jobId: string;
  versionId: string | null;
  kind: 'evaluate' | 'pilot';
  body: Record<string, unknown>;
  createdAt: string;
}

interface ReportRow {
  id: string;
  job_id: string;
  version_id: string | null;
  kind: 'evaluate' | 'pilot';
  body: string;
  created_at: string;
}

/** Stores a report; its event carries the SHA-256 of the body, so an edited report fails verification. */
export async function addReport(
  ledger: Ledger,
  input: { jobId: string; versionId: string | null; kind: 'evaluate' | 'pilot'; body: Record<string, unknown> },
  actor: string,
): Promise<ReportRecord> {
  return ledger.transaction(async () => {
    const id = newId('rep');
    const body = canonicalJson(input.body);
    await ledger.run(
      'INSERT INTO reports (id, job_id, version_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      id,
      input.jobId,
      input.versionId,
      input.kind,
      body,
      now(),
    );
    await ledger.append({
      type: 'report.added',
      actor,
      subject: id,
      payload: {
        job: input.jobId,
        version: input.versionId,
        kind: input.kind,
        bodyDigest: createHash('sha256').update(body).digest('hex'),
      },
    });
    return (await listReports(ledger, { jobId: input.jobId })).find((report) => report.id === id)!;
  });
}

/** Reports of a job or a version, oldest first. */
export async function listReports(
  ledger: Ledger,
  filter: { jobId?: string; versionId?: string },
): Promise<ReportRecord[]> {
  const rows = filter.jobId
    ? await ledger.all<ReportRow>('SELECT * FROM reports WHERE job_id = ? ORDER BY created_at, id', filter.jobId)
    : await ledger.all<ReportRow>(
        'SELECT * FROM reports WHERE version_id = ? ORDER BY created_at, id',
        filter.versionId ?? '',
      );
  return rows.map((row) => ({
    id: row.id,
    jobId: row.job_id,
    versionId: row.version_id,
    kind: row.kind,
    body: JSON.parse(row.body) as Record<string, unknown>,
    createdAt: row.created_at,
  }));
}

/**
 * A pilot: the candidate answers live predict traffic in shadow until `target` predictions of client
 * tokens were compared, from at least the configured number of distinct clients, over at least the
 * configured time.
 */
export interface PilotRecord {
  versionId: string;
  modelId: string;
  target: number;
  seen: number;
  disagreements: number;
  status: 'running' | 'passed' | 'failed';
  /** When the pilot started (null for pilots started before this was recorded). */
  startedAt: string | null;
  /** Distinct client tokens whose predictions were compared. */
  clients: number;
}

interface PilotRow {
  version_id: string;
  model_id: string;
  target: number;
  seen: number;
  disagreements: number;
  status: PilotRecord['status'];
  started_at: string | null;
  clients: number;
}

const PILOT_SELECT =
  'SELECT p.*, (SELECT COUNT(*) FROM pilot_clients c WHERE c.version_id = p.version_id) AS clients FROM pilots p';

function pilot(row: PilotRow): PilotRecord {
  return {
    versionId: row.version_id,
    modelId: row.model_id,
    target: row.target,
    seen: row.seen,
    disagreements: row.disagreements,
    status: row.status,
    startedAt: row.started_at,
    clients: Number(row.clients),
  };
}

/** Starts a pilot of a candidate version. */
export async function startPilot(
  ledger: Ledger,
  input: { versionId: string; modelId: string; target: number },
  actor: string,
): Promise<void> {
  await ledger.transaction(async () => {
    await ledger.run(
      'INSERT INTO pilots (version_id, model_id, target, status, started_at) VALUES (?, ?, ?, ?, ?)',
      input.versionId,
      input.modelId,
      input.target,
      'running',
      now(),
    );
    await ledger.append({
      type: 'pilot.started',
      actor,
      subject: input.versionId,
      payload: { model: input.modelId, target: input.target },
    });
  });
}

/** The running pilot of a model, or null. */
export async function runningPilot(ledger: Ledger, modelId: string): Promise<PilotRecord | null> {
  const row = await ledger.get<PilotRow>(`${PILOT_SELECT} WHERE p.model_id = ? AND p.status = 'running'`, modelId);
  return row ? pilot(row) : null;
}

/** Every running pilot. */
export async function runningPilots(ledger: Ledger): Promise<PilotRecord[]> {
  return (await ledger.all<PilotRow>(`${PILOT_SELECT} WHERE p.status = 'running' ORDER BY p.version_id`)).map(pilot);
}

/** The pilot of a version, or null. */
export async function getPilot(ledger: Ledger, versionId: string): Promise<PilotRecord | null> {
  const row = await ledger.get<PilotRow>(`${PILOT_SELECT} WHERE p.version_id = ?`, versionId);
  return row ? pilot(row) : null;
}

/**
 * Adds one client token's shadow comparisons to a running pilot, with an event naming the token, so
 * the counters can be verified against the chain. Traffic that adds nothing the verdict needs (the
 * target reached, the token already counted) is not recorded. Returns the updated pilot, or null when
 * it is no longer running.
 */
export async function recordPilotTraffic(
  ledger: Ledger,
  versionId: string,
  tokenId: string,
  seen: number,
  disagreements: number,
): Promise<PilotRecord | null> {
  return ledger.transaction(async () => {
    const current = await getPilot(ledger, versionId);
    if (!current || current.status !== 'running') return null;
    const known = await ledger.get<{ token_id: string }>(
      'SELECT token_id FROM pilot_clients WHERE version_id = ? AND token_id = ?',
      versionId,
      tokenId,
    );
    if (known && current.seen >= current.target) return current;
    await ledger.run(
      'UPDATE pilots SET seen = seen + ?, disagreements = disagreements + ? WHERE version_id = ?',
      seen,
      disagreements,
      versionId,
    );
    if (!known) await ledger.run('INSERT INTO pilot_clients (version_id, token_id) VALUES (?, ?)', versionId, tokenId);
    await ledger.append({
      type: 'pilot.traffic',
      actor: tokenId,
      subject: versionId,
      payload: { seen, disagreements },
    });
    return getPilot(ledger, versionId);
  });
}

/** Ends a pilot with its verdict. */
export async function finishPilot(
  ledger: Ledger,
  versionId: string,
  status: 'passed' | 'failed',
  actor: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await ledger.transaction(async () => {
    const current = await getPilot(ledger, versionId);
    if (!current || current.status !== 'running') throw new Error(`version '${versionId}' has no running pilot`);
    await ledger.run('UPDATE pilots SET status = ? WHERE version_id = ?', status, versionId);
    await ledger.append({
      type: `pilot.${status}`,
      actor,
      subject: versionId,
      payload: { seen: current.seen, disagreements: current.disagreements, clients: current.clients, ...detail },
    });
  });
}
