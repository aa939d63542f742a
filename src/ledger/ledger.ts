/**
 * The ledger: the deletion-request service's whole state and its hash-chained event log, in SQLite (the
 * embedded default) or PostgreSQL (many servers and workers). Every state change goes through
 * {@link Ledger.transaction}, which appends the events describing it in the same database transaction,
 * under the ledger's single-writer lock, so the state and its audit trail can never disagree and the
 * chain never forks, even after a crash.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { LedgerBackend, SqlConnection, SqlValue } from './backend.js';
import { canonicalJson } from './canonicalJson.js';
import { eventHash, GENESIS_HASH } from './eventHash.js';
import { describeLocation, type LedgerLocation, parseLedgerLocation } from './location.js';
import { PostgresBackend } from './postgresBackend.js';
import { SqliteBackend } from './sqliteBackend.js';

/** What an event row records: who did what to which subject, with the evidence in `payload`. */
export interface LedgerEventInput {
  type: string;
  /** A token id, `system` (the job runner), `cli` or `migration`. */
  actor: string;
  /** The id of the request, job, model or version concerned. */
  subject: string;
  payload: Record<string, unknown>;
}

/** A stored event row. */
export interface LedgerEvent extends LedgerEventInput {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** An event row as stored. */
export interface EventRow {
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

/** Converts a stored row to an event. */
export function eventFromRow(row: EventRow): LedgerEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** A new random identifier with a type prefix, e.g. `req_3f9c...`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

/** The current time as stored in the ledger (ISO 8601, UTC, milliseconds). */
export function now(): string {
  return new Date().toISOString();
}

/** Options of {@link Ledger.open}. */
export interface OpenOptions {
  /** Create the SQLite file if it is missing (default true). */
  create?: boolean;
  readonly?: boolean;
  /** Errors of idle PostgreSQL connections (logged by the service). */
  onError?: (error: Error) => void;
}

/** The ledger over a backend, with the event log's append operation. */
export class Ledger {
  readonly location: LedgerLocation;
  private readonly active = new AsyncLocalStorage<{ connection: SqlConnection; write: boolean }>();

  private constructor(
    readonly backend: LedgerBackend,
    location: LedgerLocation,
  ) {
    this.location = location;
  }

  /**
   * Opens the ledger at `location` (a SQLite path, `sqlite:FILE` or a `postgres://` URL) and applies
   * pending migrations. A file that is not a SQLite database, a schema newer than this tmu knows, or an
   * unknown URL scheme is an error naming it.
   */
  static async open(location: string | LedgerLocation, options: OpenOptions = {}): Promise<Ledger> {
    const parsed = typeof location === 'string' ? parseLedgerLocation(location) : location;
    const backend =
      parsed.kind === 'sqlite'
        ? SqliteBackend.open(parsed.path, { create: options.create ?? true, readonly: options.readonly ?? false })
        : await PostgresBackend.open(parsed.url, options.onError);
    const ledger = new Ledger(backend, parsed);
    try {
      await ledger.migrate(options.readonly ?? false);
    } catch (error) {
      await backend.close();
      throw error;
    }
    return ledger;
  }

  /** `sqlite` or `postgres`. */
  get kind(): 'sqlite' | 'postgres' {
    return this.backend.kind;
  }

  /** Where the ledger is, as it may be logged. */
  get description(): string {
    return describeLocation(this.location);
  }

  private async migrate(readonly: boolean): Promise<void> {
    const version = await this.backend.schemaVersion();
    const latest = this.backend.latestSchema;
    if (version > latest)
      throw new Error(`${this.description} has ledger schema ${version}, newer than this tmu (${latest}); upgrade tmu`);
    if (version === latest) return;
    if (readonly)
      throw new Error(
        `${this.description} has ledger schema ${version}; open it read-write once to migrate it to ${latest}`,
      );
    await this.backend.migrate(version, (connection, reached) =>
      this.active.run({ connection, write: true }, () => this.afterMigration(reached)),
    );
  }

  /**
   * What a schema change needs recorded in the chain. SQLite schema 2 starts verifying token hashes and
   * pilot counters against events: tokens created before carry no hash in their event, and running
   * pilots' counters have no traffic events yet, so both are recorded once, as found, by `migration`.
   */
  private async afterMigration(version: number): Promise<void> {
    if (this.kind !== 'sqlite' || version !== 2) return;
    for (const token of await this.all<{ id: string; token_hash: string }>(
      'SELECT id, token_hash FROM tokens ORDER BY created_at, id',
    ))
      await this.append({
        type: 'token.hash-recorded',
        actor: 'migration',
        subject: token.id,
        payload: { tokenHash: token.token_hash },
      });
    for (const pilot of await this.all<{ version_id: string; seen: number; disagreements: number }>(
      "SELECT version_id, seen, disagreements FROM pilots WHERE status = 'running' ORDER BY version_id",
    ))
      await this.append({
        type: 'pilot.traffic',
        actor: 'migration',
        subject: pilot.version_id,
        payload: { seen: pilot.seen, disagreements: pilot.disagreements },
      });
  }

  private connection(): SqlConnection {
    return this.active.getStore()?.connection ?? this.backend;
  }

  /** Every row of a query (`?` placeholders), inside the current transaction if there is one. */
  all<T>(sql: string, ...args: SqlValue[]): Promise<T[]> {
    return this.connection().all<T>(sql, args);
  }

  /** The first row of a query, or undefined. */
  get<T>(sql: string, ...args: SqlValue[]): Promise<T | undefined> {
    return this.connection().get<T>(sql, args);
  }

  /** Runs a statement; returns the number of rows changed. */
  run(sql: string, ...args: SqlValue[]): Promise<number> {
    return this.connection().run(sql, args);
  }

  /** Whether the caller runs inside a write transaction. */
  get inTransaction(): boolean {
    return this.active.getStore()?.write === true;
  }

  /**
   * Runs `fn` in one write transaction under the ledger's write lock. A transaction started inside
   * another joins it (one commit, one rollback).
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.active.getStore();
    if (current) {
      if (!current.write) return Promise.reject(new Error('a ledger write cannot run inside a read snapshot'));
      return fn();
    }
    return this.backend.write((connection) => this.active.run({ connection, write: true }, fn));
  }

  /** Runs `fn` on one consistent snapshot of the ledger (reads only). */
  snapshot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active.getStore()) return fn();
    return this.backend.read((connection) => this.active.run({ connection, write: false }, fn));
  }

  /** Appends an event chained to the last one; call inside {@link transaction} with the change it records. */
  async append(event: LedgerEventInput): Promise<LedgerEvent> {
    if (!this.inTransaction)
      throw new Error('ledger events must be appended inside a transaction with the change they record');
    const last = await this.get<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
    );
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const at = now();
    const payload = canonicalJson(event.payload);
    const hash = eventHash({
      seq,
      at,
      type: event.type,
      actor: event.actor,
      subject: event.subject,
      payload,
      prevHash,
    });
    await this.run(
      'INSERT INTO events (seq, at, type, actor, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      seq,
      at,
      event.type,
      event.actor,
      event.subject,
      payload,
      prevHash,
      hash,
    );
    return { ...event, seq, at, prevHash, hash };
  }

  /** Events, oldest first; optionally only those about one of `subjects`. */
  async events(
    options: { subjects?: readonly string[]; limit?: number; afterSeq?: number } = {},
  ): Promise<LedgerEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (options.subjects) {
      if (options.subjects.length === 0) return [];
      where.push(`subject IN (${options.subjects.map(() => '?').join(',')})`);
      args.push(...options.subjects);
    }
    if (options.afterSeq !== undefined) {
      where.push('seq > ?');
      args.push(options.afterSeq);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${options.limit ? `LIMIT ${Math.floor(options.limit)}` : ''}`;
    return (await this.all<EventRow>(sql, ...args)).map(eventFromRow);
  }

  /** The last event's seq and hash (seq 0 and the genesis hash for an empty log). */
  async head(): Promise<{ seq: number; hash: string }> {
    const last = await this.get<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
    );
    return last ?? { seq: 0, hash: GENESIS_HASH };
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
