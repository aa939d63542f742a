/**
 * What the ledger needs from a database: statements with `?` placeholders, a write transaction that
 * holds the ledger's single-writer lock (so the hash chain can never fork, whatever number of processes
 * write), and a read snapshot. Two implementations: SQLite (better-sqlite3, the embedded default) and
 * PostgreSQL (node-postgres, for many servers and workers).
 *
 * @module
 */

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/** Statements on one connection (a transaction's, or the backend's own outside transactions). */
export interface SqlConnection {
  /** Every row of a query. */
  all<T>(sql: string, args?: readonly SqlValue[]): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(sql: string, args?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, args?: readonly SqlValue[]): Promise<number>;
}

/** A ledger database. */
export interface LedgerBackend extends SqlConnection {
  readonly kind: 'sqlite' | 'postgres';
  /** The location as it may be logged (no password). */
  readonly description: string;
  /**
   * Runs `fn` in a write transaction that holds the ledger's write lock from its first statement to
   * its commit: writers from every process queue one behind the other. Rolls back if `fn` throws.
   */
  write<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T>;
  /** Runs `fn` on one consistent snapshot (read-only). */
  read<T>(fn: (connection: SqlConnection) => Promise<T>): Promise<T>;
  /** The schema version stored in the database (0 for an empty one). */
  schemaVersion(): Promise<number>;
  /** Applies the schema migrations from `from` up to the backend's latest, each in one write transaction. */
  migrate(from: number, step: (connection: SqlConnection, version: number) => Promise<void>): Promise<void>;
  /** The newest schema version this tmu knows for the backend. */
  readonly latestSchema: number;
  close(): Promise<void>;
}
