/**
 * Where a ledger lives, from the `--db` value: a SQLite file path (or `sqlite:FILE`) or a PostgreSQL URL
 * (`postgres://` or `postgresql://`). Anything else that looks like a URL is an error rather than a
 * file name: `postgres:db` must not quietly become a folder named `postgres:`.
 *
 * @module
 */

/** A parsed ledger location. */
export type LedgerLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Parses a `--db` value; an unknown scheme or a malformed PostgreSQL URL is an error naming it. */
export function parseLedgerLocation(value: string): LedgerLocation {
  if (value.trim() === '') throw new Error('the ledger location is empty (a SQLite file or a postgres:// URL)');
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: value };
  if (scheme === 'sqlite') {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error(`'${value}' names no file (write sqlite:FILE)`);
    return { kind: 'sqlite', path };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (!value.slice(scheme.length + 1).startsWith('//'))
      throw new Error(`'${value}' is not a PostgreSQL URL (write postgres://USER@HOST:PORT/DATABASE)`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`'${redact(value)}' is not a valid PostgreSQL URL`);
    }
    if (url.pathname === '' || url.pathname === '/')
      throw new Error(`'${redact(value)}' names no database (postgres://USER@HOST:PORT/DATABASE)`);
    return { kind: 'postgres', url: value };
  }
  throw new Error(
    `unknown ledger scheme '${scheme}:' in '${redact(value)}' (a SQLite file path, sqlite:FILE, or postgres://USER@HOST:PORT/DATABASE)`,
  );
}

/** The location as it may be logged: a URL's password replaced by `***`. */
export function describeLocation(location: LedgerLocation): string {
  return location.kind === 'sqlite' ? location.path : redact(location.url);
}

function redact(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
