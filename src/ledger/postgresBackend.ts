/**
 * The PostgreSQL ledger backend (node-postgres, PostgreSQL 15): one ledger shared by any number of API
 * servers and workers. Every write transaction first takes one transaction-scoped advisory lock, so
 * writes are serialised across all processes and hosts exactly as SQLite's write lock serialises them on
 * one host: the hash chain has one writer at a time and read-modify-write steps (idempotency keys, job
 * claims, pilot counters) see every earlier commit. Reads need no lock.
 *
 * @module
 */

import pg from 'pg';
import type { LedgerBackend, SqlConnection, SqlValue } from './backend.js';
import { describeLocation } from './location.js';
import { POSTGRES_MIGRATIONS } from './schema.js';

/** The advisory lock key of ledger writes ('tmu-ledger' as a number). */
const WRITE_LOCK = 0x746d756c;

/** `?` placeholders to PostgreSQL's `$n`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// COUNT(*) and SUM() are bigint, which node-postgres returns as strings by default; the ledger's numbers
// are far below 2^53.
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

function connection(client: pg.Pool | pg.PoolClient): SqlConnection {
  return {
    all: async <T>(sql: string, args: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), args as SqlValue[])).rows as T[],
    get: async <T>(sql: string, args: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), args as SqlValue[])).rows[0] as T | undefined,
    run: async (sql: string, args: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), args as SqlValue[])).rowCount ?? 0,
  };
}

/** The PostgreSQL backend over a connection pool. */
export class PostgresBackend implements LedgerBackend {
  readonly kind = 'postgres' as const;
  readonly latestSchema = POSTGRES_MIGRATIONS.length;
  readonly description: string;
  readonly pool: pg.Pool;
  private readonly direct: SqlConnection;

  private constructor(url: string, onError: (error: Error) => void) {
    this.description = describeLocation({ kind: 'postgres', url });
    this.pool = new pg.Pool({ connectionString: url, max: 8, types: TYPES, connectionTimeoutMillis: 10_000 });
    // An idle client losing its server emits here; without a listener that would end the process.
    this.pool.on('error', onError);
    this.direct = connection(this.pool);
  }

  /** Connects (checking that the server answers). */
  static async open(url: string, onError: (error: Error) => void = () => {}): Promise<PostgresBackend> {
    const backend = new PostgresBackend(url, onError);
    try {
      await backend.pool.query('SELECT 1');
    } catch (error) {
      await backend.pool.end();
      throw new Error(`cannot open ledger ${backend.description}: ${(error as Error).message}`);
    }
    return backend;
  }

  all<T>(sql: string, args?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, args);
  }

  get<T>(sql: string, args?: readonly SqlValue[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, args);
  }

  run(sql: string, args?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, args);
  }

  write<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', true, fn);
  }

  read<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', false, fn);
  }

  private async inTransaction<T>(
    begin: string,
    lock: boolean,
    fn: (connection: SqlConnection) => Promise<T>,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      if (lock) await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const result = await fn(connection(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    const table = await this.get<{ name: string | null }>("SELECT to_regclass('tmu_schema')::text AS name");
    if (!table?.name) {
      const other = await this.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'events'",
      );
      if (other && other.n > 0)
        throw new Error(`${this.description} holds an events table but no tmu_schema: not a tmu ledger`);
      return 0;
    }
    return (await this.get<{ version: number }>('SELECT version FROM tmu_schema'))?.version ?? 0;
  }

  async migrate(from: number, step: (connection: SqlConnection, version: number) => Promise<void>): Promise<void> {
    await this.write(async (conn) => {
      // Servers starting together: the first migrates under the lock, the others find it done.
      await conn.run('CREATE TABLE IF NOT EXISTS tmu_schema (version INTEGER NOT NULL)');
      const row = await conn.get<{ version: number }>('SELECT version FROM tmu_schema');
      let version = row?.version ?? 0;
      if (row === undefined) await conn.run('INSERT INTO tmu_schema (version) VALUES (0)');
      if (version < from) version = from;
      for (let next = version; next < POSTGRES_MIGRATIONS.length; next++) {
        await conn.run(POSTGRES_MIGRATIONS[next]!);
        await step(conn, next + 1);
        await conn.run('UPDATE tmu_schema SET version = ?', [next + 1]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
