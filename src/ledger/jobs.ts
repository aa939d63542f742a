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

function job(ledger: Ledger, row: JobRow): JobRecord {
  const requestIds = (
    ledger.db.prepare('SELECT request_id FROM job_requests WHERE job_id = ? ORDER BY request_id').all(row.id) as {
      request_id: string;
    }[]
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

/** Starts a job over `requestIds` (their status is the caller's to change in the same transaction). */
export function createJob(
  ledger: Ledger,
  input: {
    modelId: string;
    parentVersion: string;
    method: string;
    params: Record<string, unknown>;
    requestIds: readonly string[];
  },
  actor: string,
): JobRecord {
  return ledger.transaction(() => {
    const id = newId('job');
    ledger.db
      .prepare(
        'INSERT INTO jobs (id, model_id, parent_version, status, method, params, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, input.modelId, input.parentVersion, 'running', input.method, JSON.stringify(input.params), now());
    const link = ledger.db.prepare('INSERT INTO job_requests (job_id, request_id) VALUES (?, ?)');
    for (const request of input.requestIds) link.run(id, request);
    ledger.append({
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
    return getJob(ledger, id)!;
  });
}

/** A job by id, or null. */
export function getJob(ledger: Ledger, id: string): JobRecord | null {
  const row = ledger.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row ? job(ledger, row) : null;
}

/** Jobs in a status (all when omitted), oldest first. */
export function listJobs(ledger: Ledger, status?: JobStatus): JobRecord[] {
  const rows = (
    status
      ? ledger.db.prepare('SELECT * FROM jobs WHERE status = ? ORDER BY started_at').all(status)
      : ledger.db.prepare('SELECT * FROM jobs ORDER BY started_at').all()
  ) as JobRow[];
  return rows.map((row) => job(ledger, row));
}

/** The jobs that processed a request, oldest first (an interrupted job is followed by its re-run). */
export function jobsOfRequest(ledger: Ledger, requestId: string): JobRecord[] {
  const rows = ledger.db
    .prepare(
      'SELECT j.* FROM job_requests jr JOIN jobs j ON j.id = jr.job_id WHERE jr.request_id = ? ORDER BY j.started_at',
    )
    .all(requestId) as JobRow[];
  return rows.map((row) => job(ledger, row));
}

/** Ends a job. */
export function finishJob(
  ledger: Ledger,
  id: string,
  outcome: {
    status: Exclude<JobStatus, 'running'>;
    versionId?: string | null;
    error?: string | null;
    seconds?: number;
  },
  actor: string,
): void {
  ledger.transaction(() => {
    const result = ledger.db
      .prepare(
        "UPDATE jobs SET status = ?, version_id = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
      )
      .run(outcome.status, outcome.versionId ?? null, outcome.error ?? null, now(), id);
    if (result.changes !== 1) throw new Error(`job '${id}' is not running`);
    ledger.append({
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
export function addReport(
  ledger: Ledger,
  input: { jobId: string; versionId: string | null; kind: 'evaluate' | 'pilot'; body: Record<string, unknown> },
  actor: string,
): ReportRecord {
  return ledger.transaction(() => {
    const id = newId('rep');
    const body = canonicalJson(input.body);
    ledger.db
      .prepare('INSERT INTO reports (id, job_id, version_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, input.jobId, input.versionId, input.kind, body, now());
    ledger.append({
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
    return listReports(ledger, { jobId: input.jobId }).find((report) => report.id === id)!;
  });
}

/** Reports of a job or a version, oldest first. */
export function listReports(ledger: Ledger, filter: { jobId?: string; versionId?: string }): ReportRecord[] {
  const rows = (
    filter.jobId
      ? ledger.db.prepare('SELECT * FROM reports WHERE job_id = ? ORDER BY created_at, rowid').all(filter.jobId)
      : ledger.db
          .prepare('SELECT * FROM reports WHERE version_id = ? ORDER BY created_at, rowid')
          .all(filter.versionId ?? '')
  ) as ReportRow[];
  return rows.map((row) => ({
    id: row.id,
    jobId: row.job_id,
    versionId: row.version_id,
    kind: row.kind,
    body: JSON.parse(row.body) as Record<string, unknown>,
    createdAt: row.created_at,
  }));
}

/** A pilot: the candidate answers live predict traffic in shadow until `target` predictions were compared. */
export interface PilotRecord {
  versionId: string;
  modelId: string;
  target: number;
  seen: number;
  disagreements: number;
  status: 'running' | 'passed' | 'failed';
}

interface PilotRow {
  version_id: string;
  model_id: string;
  target: number;
  seen: number;
  disagreements: number;
  status: PilotRecord['status'];
}

function pilot(row: PilotRow): PilotRecord {
  return {
    versionId: row.version_id,
    modelId: row.model_id,
    target: row.target,
    seen: row.seen,
    disagreements: row.disagreements,
    status: row.status,
  };
}

/** Starts a pilot of a candidate version. */
export function startPilot(
  ledger: Ledger,
  input: { versionId: string; modelId: string; target: number },
  actor: string,
): void {
  ledger.transaction(() => {
    ledger.db
      .prepare('INSERT INTO pilots (version_id, model_id, target, status) VALUES (?, ?, ?, ?)')
      .run(input.versionId, input.modelId, input.target, 'running');
    ledger.append({
      type: 'pilot.started',
      actor,
      subject: input.versionId,
      payload: { model: input.modelId, target: input.target },
    });
  });
}

/** The running pilot of a model, or null. */
export function runningPilot(ledger: Ledger, modelId: string): PilotRecord | null {
  const row = ledger.db.prepare("SELECT * FROM pilots WHERE model_id = ? AND status = 'running'").get(modelId) as
    | PilotRow
    | undefined;
  return row ? pilot(row) : null;
}

/** The pilot of a version, or null. */
export function getPilot(ledger: Ledger, versionId: string): PilotRecord | null {
  const row = ledger.db.prepare('SELECT * FROM pilots WHERE version_id = ?').get(versionId) as PilotRow | undefined;
  return row ? pilot(row) : null;
}

/**
 * Adds shadow comparisons to a running pilot (counters only: per-prediction rows would dwarf the ledger).
 * Returns the updated pilot, or null when it is no longer running.
 */
export function recordPilotTraffic(
  ledger: Ledger,
  versionId: string,
  seen: number,
  disagreements: number,
): PilotRecord | null {
  const updated = ledger.db
    .prepare(
      "UPDATE pilots SET seen = seen + ?, disagreements = disagreements + ? WHERE version_id = ? AND status = 'running'",
    )
    .run(seen, disagreements, versionId);
  return updated.changes === 1 ? getPilot(ledger, versionId) : null;
}

/** Ends a pilot with its verdict. */
export function finishPilot(
  ledger: Ledger,
  versionId: string,
  status: 'passed' | 'failed',
  actor: string,
  detail: Record<string, unknown>,
): void {
  ledger.transaction(() => {
    const current = getPilot(ledger, versionId);
    if (!current || current.status !== 'running') throw new Error(`version '${versionId}' has no running pilot`);
    ledger.db.prepare('UPDATE pilots SET status = ? WHERE version_id = ?').run(status, versionId);
    ledger.append({
      type: `pilot.${status}`,
      actor,
      subject: versionId,
      payload: { seen: current.seen, disagreements: current.disagreements, ...detail },
    });
  });
}
