/**
 * Deletion requests: who asked to forget which sample ids of which model, why, and where the request
 * stands. Ids are stored one row each, so an auditor can ask which request removed a given sample.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { type Ledger, newId, now } from './ledger.js';

/** Where a request stands. */
export type RequestStatus = 'queued' | 'running' | 'evaluated' | 'piloting' | 'promoted' | 'rejected' | 'failed';
/** Statuses after which a request never changes again (short of a rollback). */
export const FINAL_STATUSES: readonly RequestStatus[] = ['promoted', 'rejected', 'failed'];

/** A stored deletion request. */
export interface RequestRecord {
  id: string;
  modelId: string;
  tokenId: string;
  reason: string;
  status: RequestStatus;
  statusReason: string | null;
  idsCount: number;
  idsDigest: string;
  idempotencyKey: string | null;
  jobId: string | null;
  versionId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface RequestRow {
  id: string;
  model_id: string;
  token_id: string;
  reason: string;
  status: RequestStatus;
  status_reason: string | null;
  ids_count: number;
  ids_digest: string;
  idempotency_key: string | null;
  body_digest: string;
  job_id: string | null;
  version_id: string | null;
  created_at: string;
  updated_at: string;
}

function record(row: RequestRow): RequestRecord {
  return {
    id: row.id,
    modelId: row.model_id,
    tokenId: row.token_id,
    reason: row.reason,
    status: row.status,
    statusReason: row.status_reason,
    idsCount: row.ids_count,
    idsDigest: row.ids_digest,
    idempotencyKey: row.idempotency_key,
    jobId: row.job_id,
    versionId: row.version_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** SHA-256 of the sorted, de-duplicated ids (newline-separated): what the ledger event commits to. */
export function sampleIdsDigest(ids: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(ids)].sort().join('\n'))
    .digest('hex');
}

/** A retry with an Idempotency-Key already used for a different request body. */
export class IdempotencyConflict extends Error {
  override name = 'IdempotencyConflict';
  constructor(readonly existing: RequestRecord) {
    super(
      `Idempotency-Key '${existing.idempotencyKey}' was already used for request ${existing.id} with a different body`,
    );
  }
}

/**
 * Files a deletion request. With an idempotency key the same token's retry returns the first request
 * (`created: false`) instead of filing it twice; the same key with another body is an
 * {@link IdempotencyConflict}.
 */
export function createRequest(
  ledger: Ledger,
  input: {
    modelId: string;
    tokenId: string;
    reason: string;
    ids: readonly string[];
    idempotencyKey: string | null;
    bodyDigest: string;
  },
): { request: RequestRecord; created: boolean } {
  return ledger.transaction(() => {
    if (input.idempotencyKey !== null) {
      const existing = ledger.db
        .prepare('SELECT * FROM requests WHERE token_id = ? AND idempotency_key = ?')
        .get(input.tokenId, input.idempotencyKey) as RequestRow | undefined;
      if (existing) {
        if (existing.body_digest !== input.bodyDigest) throw new IdempotencyConflict(record(existing));
        return { request: record(existing), created: false };
      }
    }
    const ids = [...new Set(input.ids)].sort();
    const id = newId('req');
    const at = now();
    const digest = sampleIdsDigest(ids);
    ledger.db
      .prepare(
        'INSERT INTO requests (id, model_id, token_id, reason, status, ids_count, ids_digest, idempotency_key, body_digest, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        id,
        input.modelId,
        input.tokenId,
        input.reason,
        'queued',
        ids.length,
        digest,
        input.idempotencyKey,
        input.bodyDigest,
        at,
        at,
      );
    const insert = ledger.db.prepare('INSERT INTO request_samples (request_id, sample_id) VALUES (?, ?)');
    for (const sample of ids) insert.run(id, sample);
    ledger.append({
      type: 'request.created',
      actor: input.tokenId,
      subject: id,
      payload: {
        model: input.modelId,
        reason: input.reason,
        idsCount: ids.length,
        idsDigest: digest,
        idempotencyKey: input.idempotencyKey,
      },
    });
    return { request: getRequest(ledger, id)!, created: true };
  });
}

/** A request by id, or null. */
export function getRequest(ledger: Ledger, id: string): RequestRecord | null {
  const row = ledger.db.prepare('SELECT * FROM requests WHERE id = ?').get(id) as RequestRow | undefined;
  return row ? record(row) : null;
}

/** The sample ids of a request, sorted. */
export function requestSampleIds(ledger: Ledger, id: string): string[] {
  return (
    ledger.db.prepare('SELECT sample_id FROM request_samples WHERE request_id = ? ORDER BY sample_id').all(id) as {
      sample_id: string;
    }[]
  ).map((row) => row.sample_id);
}

/** Requests, newest first, filtered by requester token, model and status. */
export function listRequests(
  ledger: Ledger,
  filter: { tokenId?: string; modelId?: string; status?: RequestStatus; limit?: number; offset?: number } = {},
): RequestRecord[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.tokenId) {
    where.push('token_id = ?');
    args.push(filter.tokenId);
  }
  if (filter.modelId) {
    where.push('model_id = ?');
    args.push(filter.modelId);
  }
  if (filter.status) {
    where.push('status = ?');
    args.push(filter.status);
  }
  args.push(filter.limit ?? 100, filter.offset ?? 0);
  const rows = ledger.db
    .prepare(
      `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
    )
    .all(...args) as RequestRow[];
  return rows.map(record);
}

/** Queued requests of a model, oldest first. */
export function queuedRequests(ledger: Ledger, modelId: string): RequestRecord[] {
  return (
    ledger.db
      .prepare("SELECT * FROM requests WHERE model_id = ? AND status = 'queued' ORDER BY created_at, rowid")
      .all(modelId) as RequestRow[]
  ).map(record);
}

/** Moves requests to a new status, recording one event each. */
export function setRequestStatus(
  ledger: Ledger,
  ids: readonly string[],
  change: { status: RequestStatus; reason?: string | null; jobId?: string | null; versionId?: string | null },
  actor: string,
): void {
  ledger.transaction(() => {
    const at = now();
    const update = ledger.db.prepare(
      'UPDATE requests SET status = ?, status_reason = ?, job_id = COALESCE(?, job_id), version_id = CASE WHEN ? THEN ? ELSE version_id END, updated_at = ? WHERE id = ?',
    );
    for (const id of ids) {
      const clearVersion = change.versionId !== undefined;
      const result = update.run(
        change.status,
        change.reason ?? null,
        change.jobId ?? null,
        clearVersion ? 1 : 0,
        change.versionId ?? null,
        at,
        id,
      );
      if (result.changes !== 1) throw new Error(`unknown request '${id}'`);
      const payload: Record<string, unknown> = {};
      if (change.reason) payload.reason = change.reason;
      if (change.jobId) payload.job = change.jobId;
      if (change.versionId) payload.version = change.versionId;
      ledger.append({ type: `request.${change.status}`, actor, subject: id, payload });
    }
  });
}
