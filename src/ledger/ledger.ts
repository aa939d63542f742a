/**
 * The ledger database: one SQLite file (better-sqlite3, WAL journal) holding the deletion-request
 * service's whole state and its hash-chained event log. Every state change goes through
 * {@link Ledger.transaction}, which appends the events describing it in the same SQLite transaction, so
 * the state and its audit trail can never disagree, even after a crash.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson } from './canonicalJson.js';
import { eventHash, GENESIS_HASH } from './eventHash.js';
import { MIGRATIONS } from './schema.js';

/** A SQLite handle (better-sqlite3). */
export type Db = Database.Database;

/** What an event row records: who did what to which subject, with the evidence in `payload`. */
export interface LedgerEventInput {
  type: string;
  /** A token id, `system` (the job runner) or `cli`. */
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

/** The ledger: a migrated SQLite database plus the event log's append operation. */
export class Ledger {
  readonly db: Db;
  readonly path: string;

  private constructor(db: Db, path: string) {
    this.db = db;
    this.path = path;
  }

  /**
   * Opens (creating if `create`) the ledger at `path` and applies pending migrations. An existing file
   * that is not a SQLite database, or has a schema newer than this tmu knows, is an error naming it.
   */
  static open(path: string, options: { create?: boolean; readonly?: boolean } = {}): Ledger {
    const create = options.create ?? true;
    if (!existsSync(path)) {
      if (!create || options.readonly) throw new Error(`ledger ${path} does not exist`);
      mkdirSync(dirname(path), { recursive: true });
    }
    let db: Db;
    try {
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !create });
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
    } catch (error) {
      throw new Error(`cannot open ledger ${path}: ${(error as Error).message}`);
    }
    const ledger = new Ledger(db, path);
    try {
      ledger.migrate(options.readonly ?? false);
    } catch (error) {
      db.close();
      throw error;
    }
    return ledger;
  }

  private migrate(readonly: boolean): void {
    let version: number;
    try {
      version = this.db.pragma('user_version', { simple: true }) as number;
    } catch (error) {
      throw new Error(`${this.path} is not a tmu ledger (SQLite said: ${(error as Error).message})`);
    }
    if (version > MIGRATIONS.length)
      throw new Error(
        `${this.path} has ledger schema ${version}, newer than this tmu (${MIGRATIONS.length}); upgrade tmu`,
      );
    if (version === MIGRATIONS.length) return;
    if (readonly)
      throw new Error(
        `${this.path} has ledger schema ${version}; open it read-write once to migrate it to ${MIGRATIONS.length}`,
      );
    for (let next = version; next < MIGRATIONS.length; next++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next]!);
        this.db.pragma(`user_version = ${next + 1}`);
      })();
    }
  }

  /** Runs `fn` in one SQLite transaction (IMMEDIATE: writers queue instead of failing). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Appends an event chained to the last one; call inside {@link transaction} with the change it records. */
  append(event: LedgerEventInput): LedgerEvent {
    if (!this.db.inTransaction)
      throw new Error('ledger events must be appended inside a transaction with the change they record');
    const last = this.db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
      | { seq: number; hash: string }
      | undefined;
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
    this.db
      .prepare(
        'INSERT INTO events (seq, at, type, actor, subject, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(seq, at, event.type, event.actor, event.subject, payload, prevHash, hash);
    return { ...event, seq, at, prevHash, hash };
  }

  /** Events, oldest first; optionally only those about one of `subjects`. */
  events(options: { subjects?: readonly string[]; limit?: number; afterSeq?: number } = {}): LedgerEvent[] {
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
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(eventFromRow);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
