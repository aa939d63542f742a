/**
 * Verification of a ledger: recomputes the event hash chain and checks that every state row (tokens,
 * models, versions, requests, reports) still says what the events recorded when it was written. A row
 * edited by hand, in the log or in the state tables, is named.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { eventHash, GENESIS_HASH } from './eventHash.js';
import type { Ledger } from './ledger.js';
import { sampleIdsDigest } from './requests.js';

/** The first problem found. */
export interface LedgerProblem {
  table: string;
  /** The row: an event's seq, or a state row's id. */
  row: string;
  problem: string;
}

/** What {@link verifyLedger} found. */
export interface VerifyResult {
  ok: boolean;
  events: number;
  /** Rows checked per state table. */
  checked: Record<string, number>;
  firstBad: LedgerProblem | null;
  /** The hash of the last event: a value to write down (or publish) to detect a truncated log later. */
  head: string;
}

interface EventRow {
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

class Problem extends Error {
  constructor(readonly found: LedgerProblem) {
    super(`${found.table} row ${found.row}: ${found.problem}`);
  }
}

function fail(table: string, row: string | number, problem: string): never {
  throw new Problem({ table, row: String(row), problem });
}

/** Checks the chain and the state rows; stops at the first problem. */
export function verifyLedger(ledger: Ledger): VerifyResult {
  const db = ledger.db;
  const checked: Record<string, number> = {};
  let events = 0;
  let head = GENESIS_HASH;
  try {
    // 1. The chain itself.
    const byType = new Map<string, EventRow[]>();
    let expectedSeq = 1;
    for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>) {
      if (row.seq !== expectedSeq)
        fail('events', row.seq, `expected seq ${expectedSeq}: an event was removed or inserted`);
      if (row.prev_hash !== head) fail('events', row.seq, 'prev_hash does not match the hash of the event before it');
      const hash = eventHash({
        seq: row.seq,
        at: row.at,
        type: row.type,
        actor: row.actor,
        subject: row.subject,
        payload: row.payload,
        prevHash: row.prev_hash,
      });
      if (hash !== row.hash) fail('events', row.seq, "hash does not match the row's contents (the row was edited)");
      head = row.hash;
      expectedSeq++;
      events++;
      const key = `${row.type}|${row.subject}`;
      const list = byType.get(key);
      if (list) list.push(row);
      else byType.set(key, [row]);
    }
    const created = (type: string, subject: string): Record<string, unknown> | null => {
      const rows = byType.get(`${type}|${subject}`);
      return rows ? (JSON.parse(rows[0]!.payload) as Record<string, unknown>) : null;
    };
    const lastOf = (prefix: string, subject: string, types: readonly string[]): string | null => {
      const rows = db
        .prepare(
          `SELECT type FROM events WHERE subject = ? AND type IN (${types.map(() => '?').join(',')}) ORDER BY seq DESC LIMIT 1`,
        )
        .get(subject, ...types.map((t) => `${prefix}.${t}`)) as { type: string } | undefined;
      return rows ? rows.type.slice(prefix.length + 1) : null;
    };

    // 2. State rows against the events that wrote them.
    checked.tokens = 0;
    for (const row of db.prepare('SELECT id, name, role, revoked_at FROM tokens').iterate() as IterableIterator<{
      id: string;
      name: string;
      role: string;
      revoked_at: string | null;
    }>) {
      const event = created('token.created', row.id);
      if (!event) fail('tokens', row.id, 'no token.created event');
      if (event.role !== row.role || event.name !== row.name)
        fail(
          'tokens',
          row.id,
          `role or name differs from its token.created event (${String(event.role)} ${String(event.name)})`,
        );
      const revoked = byType.has(`token.revoked|${row.id}`);
      if (revoked !== (row.revoked_at !== null))
        fail('tokens', row.id, 'revocation differs from the token.revoked events');
      checked.tokens++;
    }
    checked.models = 0;
    for (const row of db.prepare('SELECT * FROM models').iterate() as IterableIterator<{
      id: string;
      path: string;
      digest: string;
      split_digest: string;
      member_count: number;
      production_version: string;
    }>) {
      const event = created('model.registered', row.id);
      if (!event) fail('models', row.id, 'no model.registered event');
      if (
        event.path !== row.path ||
        event.digest !== row.digest ||
        event.splitDigest !== row.split_digest ||
        event.memberCount !== row.member_count
      )
        fail('models', row.id, 'path, digest, split or member count differs from its model.registered event');
      const moves = db
        .prepare(
          "SELECT payload FROM events WHERE subject = ? AND type IN ('model.promoted', 'model.rolled-back') ORDER BY seq DESC LIMIT 1",
        )
        .get(row.id) as { payload: string } | undefined;
      const expected = moves ? (JSON.parse(moves.payload) as { to: string }).to : event.rootVersion;
      if (row.production_version !== expected)
        fail(
          'models',
          row.id,
          `production version ${row.production_version} differs from the ledger's ${String(expected)}`,
        );
      checked.models++;
    }
    checked.model_versions = 0;
    for (const row of db.prepare('SELECT * FROM model_versions').iterate() as IterableIterator<{
      id: string;
      model_id: string;
      parent_id: string | null;
      digest: string;
      path: string;
      status: string;
      forgotten_digest: string | null;
    }>) {
      if (row.status === 'root') {
        const event = created('model.registered', row.model_id);
        if (!event || event.rootVersion !== row.id || event.digest !== row.digest || event.path !== row.path)
          fail('model_versions', row.id, 'root version differs from its model.registered event');
      } else {
        const event = created('version.created', row.id);
        if (!event) fail('model_versions', row.id, 'no version.created event');
        if (
          event.digest !== row.digest ||
          event.path !== row.path ||
          event.parent !== row.parent_id ||
          event.model !== row.model_id ||
          event.forgottenDigest !== row.forgotten_digest
        )
          fail('model_versions', row.id, 'digest, path, parent or forgotten ids differ from its version.created event');
        const status = lastOf('version', row.id, ['promoted', 'rejected', 'candidate']) ?? (event.status as string);
        if (status !== row.status)
          fail('model_versions', row.id, `status '${row.status}' differs from the ledger's '${status}'`);
      }
      checked.model_versions++;
    }
    checked.requests = 0;
    const statuses = ['queued', 'running', 'evaluated', 'piloting', 'promoted', 'rejected', 'failed'];
    for (const row of db.prepare('SELECT * FROM requests').iterate() as IterableIterator<{
      id: string;
      model_id: string;
      token_id: string;
      reason: string;
      status: string;
      ids_count: number;
      ids_digest: string;
    }>) {
      const event = created('request.created', row.id);
      if (!event) fail('requests', row.id, 'no request.created event');
      if (
        event.model !== row.model_id ||
        event.reason !== row.reason ||
        event.idsDigest !== row.ids_digest ||
        event.idsCount !== row.ids_count
      )
        fail('requests', row.id, 'model, reason or ids differ from its request.created event');
      const ids = (
        db.prepare('SELECT sample_id FROM request_samples WHERE request_id = ?').all(row.id) as { sample_id: string }[]
      ).map((r) => r.sample_id);
      if (sampleIdsDigest(ids) !== row.ids_digest)
        fail('requests', row.id, 'its sample ids (request_samples) differ from the digest the ledger recorded');
      const status =
        lastOf(
          'request',
          row.id,
          statuses.filter((s) => s !== 'created'),
        ) ?? 'queued';
      if (status !== row.status)
        fail('requests', row.id, `status '${row.status}' differs from the ledger's '${status}'`);
      checked.requests++;
    }
    checked.reports = 0;
    for (const row of db.prepare('SELECT id, body FROM reports').iterate() as IterableIterator<{
      id: string;
      body: string;
    }>) {
      const event = created('report.added', row.id);
      if (!event) fail('reports', row.id, 'no report.added event');
      if (event.bodyDigest !== createHash('sha256').update(row.body).digest('hex'))
        fail('reports', row.id, 'body differs from the digest its report.added event recorded');
      checked.reports++;
    }
    return { ok: true, events, checked, firstBad: null, head };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, events, checked, firstBad: error.found, head };
    throw error;
  }
}
