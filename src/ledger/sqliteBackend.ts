/**
 * The SQLite ledger backend (better-sqlite3 12, WAL journal): the embedded default, one file on one
 * host. Write transactions are `BEGIN IMMEDIATE`, which takes SQLite's write lock at once, so writers of
 * every process on the host queue instead of forking the hash chain. Within this process one connection
 * serves every caller: operations queue on it, so a read never sees another caller's uncommitted rows.
 *
 * @module
 */

import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { LedgerBackend, SqlConnection, SqlValue } from './backend.js';
import { SQLITE_MIGRATIONS } from './schema.js';

/** A queue of async operations run one at a time. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** The SQLite backend over one file. */
export class SqliteBackend implements LedgerBackend {
  readonly kind = 'sqlite' as const;
  readonly latestSchema = SQLITE_MIGRATIONS.length;
  readonly description: string;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex = new Mutex();
  private readonly direct: SqlConnection;

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {
    this.description = path;
    this.direct = {
      all: async <T>(sql: string, args: readonly SqlValue[] = []) => this.statement(sql).all(...args) as T[],
      get: async <T>(sql: string, args: readonly SqlValue[] = []) => this.statement(sql).get(...args) as T | undefined,
      run: async (sql: string, args: readonly SqlValue[] = []) => this.statement(sql).run(...args).changes,
    };
  }

  /** Opens (creating if `create`) the file. */
  static open(path: string, options: { create: boolean; readonly: boolean }): SqliteBackend {
    if (!existsSync(path)) {
      if (!options.create || options.readonly) throw new Error(`ledger ${path} does not exist`);
      mkdirSync(dirname(path), { recursive: true });
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: options.readonly, fileMustExist: !options.create });
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
    } catch (error) {
      throw new Error(`cannot open ledger ${path}: ${(error as Error).message}`);
    }
    return new SqliteBackend(db, path);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(sql: string, args: readonly SqlValue[] = []): Promise<T[]> {
    return this.mutex.run(() => this.direct.all<T>(sql, args));
  }

  get<T>(sql: string, args: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.mutex.run(() => this.direct.get<T>(sql, args));
  }

  run(sql: string, args: readonly SqlValue[] = []): Promise<number> {
    return this.mutex.run(() => this.direct.run(sql, args));
  }

  write<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return this.mutex.run(() => this.inTransaction('BEGIN IMMEDIATE', fn));
  }

  read<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    return this.mutex.run(() => this.inTransaction('BEGIN', fn));
  }

  private async inTransaction<T>(begin: string, fn: (connection: SqlConnection) => Promise<T>): Promise<T> {
    this.db.exec(begin);
    try {
      const result = await fn(this.direct);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async schemaVersion(): Promise<number> {
    try {
      return this.db.pragma('user_version', { simple: true }) as number;
    } catch (error) {
      throw new Error(`${this.path} is not a tmu ledger (SQLite said: ${(error as Error).message})`);
    }
  }

  async migrate(from: number, step: (connection: SqlConnection, version: number) => Promise<void>): Promise<void> {
    // Rebuilding a table that others reference needs foreign keys off, which SQLite only allows outside a
    // transaction; they are checked in full before each migration commits.
    this.db.pragma('foreign_keys = OFF');
    try {
      for (let next = from; next < SQLITE_MIGRATIONS.length; next++) {
        await this.write(async (connection) => {
          this.db.exec(SQLITE_MIGRATIONS[next]!);
          await step(connection, next + 1);
          const broken = this.db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0)
            throw new Error(`${this.path}: migration to schema ${next + 1} broke ${broken.length} foreign keys`);
          this.db.pragma(`user_version = ${next + 1}`);
        });
        this.statements.clear();
      }
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.db.open) this.db.close();
    });
  }
}
