/**
 * The embedded runner's claim on its ledger. The embedded runner owns every job of its ledger (at start
 * it re-queues those left running), so two embedded servers on one ledger would take each other's jobs
 * away and silently drop results. The first one holds an operating-system lock until it exits (a crash
 * included); a second one refuses to start, naming the lock. Scaling out goes through a queue instead.
 *
 * SQLite: an exclusive transaction on `<ledger>.lock`, a small SQLite file beside the ledger (SQLite's
 * own file locking, released by the kernel when the process dies). PostgreSQL: a session-level advisory
 * lock on a connection held for the server's life. Servers and workers of a queue take the same lock
 * shared: they coexist with one another but not with an embedded server on the same ledger.
 *
 * @module
 */

import Database from 'better-sqlite3';
import pg from 'pg';
import type { Ledger } from '../ledger/ledger.js';

/** A held lock. */
export interface LedgerLock {
  release(): Promise<void>;
}

/** The advisory lock key of an embedded server ('tmu-srv'). */
const SERVER_LOCK = 0x746d7573;

function refusal(where: string, shared: boolean): Error {
  return new Error(
    shared
      ? `ledger ${where} is served by an embedded tmu serve (without a queue), which owns its jobs; stop it before starting queue servers or workers`
      : `ledger ${where} is already served by another tmu serve (it holds the lock); a second embedded server would take its jobs away. Stop it first, or scale out: a PostgreSQL ledger with --queue redis://...`,
  );
}

/**
 * Takes the lock on `ledger`: `exclusive` for an embedded server, `shared` for the servers and workers
 * of a queue (PostgreSQL only). Throws naming who holds it.
 */
export async function lockLedger(ledger: Ledger, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<LedgerLock> {
  const location = ledger.location;
  if (location.kind === 'sqlite') {
    if (mode === 'shared') throw new Error('a queue needs a PostgreSQL ledger');
    const path = `${location.path}.lock`;
    const db = new Database(path);
    try {
      db.pragma('busy_timeout = 0');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (/locked|busy/i.test((error as Error).message)) throw refusal(`${location.path} (lock file ${path})`, false);
      throw new Error(`cannot take the lock ${path}: ${(error as Error).message}`);
    }
    return {
      async release() {
        if (db.inTransaction) db.exec('ROLLBACK');
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  const call = mode === 'exclusive' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  const row = (await client.query(`SELECT ${call}($1) AS held`, [SERVER_LOCK])).rows[0] as { held: boolean };
  if (!row.held) {
    await client.end();
    throw refusal(ledger.description, mode === 'shared');
  }
  client.on('error', () => {});
  return {
    async release() {
      await client.end();
    },
  };
}
