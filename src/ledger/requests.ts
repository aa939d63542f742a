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
 * {@link IdempotencyConflict}. The check and the insert run under the ledger's write lock, so concurrent
 * retries on different servers still file one request.
 */
export async function createRequest(
  ledger: Ledger,
  input: {
    modelId: string;
    tokenId: string;
    reason: string;
    ids: readonly string[];
    /** The filter the ids were expanded from (recorded in the ledger), if the request named one. */
    filter?: readonly string[];
    idempotencyKey: string | null;
    bodyDigest: string;
  },
): Promise<{ request: RequestRecord; created: boolean }> {
  return ledger.transaction(async () => {
    if (input.idempotencyKey !== null) {
      const existing = await ledger.get<RequestRow>(
        'SELECT * FROM requests WHERE token_id = ? AND idempotency_key = ?',
        input.tokenId,
        input.idempotencyKey,
      );
      if (existing) {
        if (existing.body_digest !== input.bodyDigest) throw new IdempotencyConflict(record(existing));
        return { request: record(existing), created: false };
      }
    }
    const ids = [...new Set(input.ids)].sort();
    const id = newId('req');
    const at = now();
    const digest = sampleIdsDigest(ids);
    // The event first: canonical JSON refuses text the database would store differently.
    await ledger.append({
      type: 'request.created',
      actor: input.tokenId,
      subject: id,
      payload: {
        model: input.modelId,
        reason: input.reason,
        idsCount: ids.length,
        idsDigest: digest,
        ...(input.filter ? { filter: [...input.filter] } : {}),
        idempotencyKey: input.idempotencyKey,
      },
    });
    await ledger.run(
      'INSERT INTO requests (id, model_id, token_id, reason, status, ids_count, ids_digest, idempotency_key, body_digest, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
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
    for (let start = 0; start < ids.length; start += 400) {
      const chunk = ids.slice(start, start + 400);
      await ledger.run(
        `INSERT INTO request_samples (request_id, sample_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
        ...chunk.flatMap((sample) => [id, sample]),
      );
    }
    return { request: (await getRequest(ledger, id))!, created: true };
  });
}

/** The request a token filed under an idempotency key, with its body digest, or null. */
export async function requestByIdempotencyKey(
  ledger: Ledger,
  tokenId: string,
  key: string,
): Promise<{ request: RequestRecord; bodyDigest: string } | null> {
  const row = await ledger.get<RequestRow>(
    'SELECT * FROM requests WHERE token_id = ? AND idempotency_key = ?',
    tokenId,
    key,
  );
  return row ? { request: record(row), bodyDigest: row.body_digest } : null;
}

/** A request by id, or null. */
export async function getRequest(ledger: Ledger, id: string): Promise<RequestRecord | null> {
  const row = await ledger.get<RequestRow>('SELECT * FROM requests WHERE id = ?', id);
  return row ? record(row) : null;
}

/** The sample ids of a request, sorted. */
export async function requestSampleIds(ledger: Ledger, id: string): Promise<string[]> {
  return (
    await ledger.all<{ sample_id: string }>(
      'SELECT sample_id FROM request_samples WHERE request_id = ? ORDER BY sample_id',
      id,
    )
  ).map((row) => row.sample_id);
}

/** Requests, newest first, filtered by requester token, model and status. */
export async function listRequests(
  ledger: Ledger,
  filter: { tokenId?: string; modelId?: string; status?: RequestStatus; limit?: number; offset?: number } = {},
): Promise<RequestRecord[]> {
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
  const rows = await ledger.all<RequestRow>(
    `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    ...args,
  );
  return rows.map(record);
}

/** Queued requests of a model, oldest first. */
export async function queuedRequests(ledger: Ledger, modelId: string): Promise<RequestRecord[]> {
  return (
    await ledger.all<RequestRow>(
      "SELECT * FROM requests WHERE model_id = ? AND status = 'queued' ORDER BY created_at, id",
      modelId,
    )
  ).map(record);
}

/**
 * Moves requests to a new status, recording one event each. The event names the job and version the
 * request is linked to when they change (`version: null` when a rollback unlinks it).
 */
export async function setRequestStatus(
  ledger: Ledger,
  ids: readonly string[],
  change: { status: RequestStatus; reason?: string | null; jobId?: string | null; versionId?: string | null },
  actor: string,
): Promise<void> {
  await ledger.transaction(async () => {
    const at = now();
    for (const id of ids) {
      const changed =
        change.versionId !== undefined
          ? await ledger.run(
              'UPDATE requests SET status = ?, status_reason = ?, job_id = COALESCE(?, job_id), version_id = ?, updated_at = ? WHERE id = ?',
              change.status,
              change.reason ?? null,
              change.jobId ?? null,
              change.versionId,
              at,
              id,
            )
          : await ledger.run(
              'UPDATE requests SET status = ?, status_reason = ?, job_id = COALESCE(?, job_id), updated_at = ? WHERE id = ?',
              change.status,
              change.reason ?? null,
              change.jobId ?? null,
              at,
              id,
            );
      if (changed !== 1) throw new Error(`unknown request '${id}'`);
      const payload: Record<string, unknown> = {};
      if (change.reason) payload.reason = change.reason;
      if (change.jobId) payload.job = change.jobId;
      if (change.versionId !== undefined) payload.version = change.versionId;
      await ledger.append({ type: `request.${change.status}`, actor, subject: id, payload });
    }
  });
}
