/**
 * API tokens. A token is shown once, when created; the ledger keeps only its SHA-256, so a copy of the
 * database does not leak credentials. Roles: `requester` files deletion requests and reads its own,
 * `operator` registers models, promotes and rolls back, `auditor` reads everything and exports.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import { type Ledger, newId, now } from './ledger.js';

/** The roles a token can have. */
export const ROLES = ['requester', 'operator', 'auditor'] as const;
/** A token's role. */
export type Role = (typeof ROLES)[number];

/** A token as stored (without its secret). */
export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  revoked_at: string | null;
}

function info(row: TokenRow): TokenInfo {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, revokedAt: row.revoked_at };
}

/** SHA-256 of a token's secret, as stored. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Creates a token; the returned `secret` is the only copy. */
export function createToken(
  ledger: Ledger,
  options: { name: string; role: Role; actor?: string },
): TokenInfo & { secret: string } {
  if (!(ROLES as readonly string[]).includes(options.role))
    throw new Error(`unknown role '${options.role}' (roles: ${ROLES.join(', ')})`);
  if (!/^[\w.@-]{1,64}$/.test(options.name))
    throw new Error(`token name '${options.name}' must be 1-64 letters, digits, '_', '.', '@' or '-'`);
  const secret = `tmu_${randomBytes(24).toString('base64url')}`;
  const id = newId('tok');
  const createdAt = now();
  ledger.transaction(() => {
    ledger.db
      .prepare('INSERT INTO tokens (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, options.name, options.role, hashToken(secret), createdAt);
    ledger.append({
      type: 'token.created',
      actor: options.actor ?? 'cli',
      subject: id,
      payload: { name: options.name, role: options.role },
    });
  });
  return { id, name: options.name, role: options.role, createdAt, revokedAt: null, secret };
}

/** The live (not revoked) token with this secret, or null. */
export function authenticate(ledger: Ledger, secret: string): TokenInfo | null {
  const row = ledger.db
    .prepare('SELECT id, name, role, created_at, revoked_at FROM tokens WHERE token_hash = ? AND revoked_at IS NULL')
    .get(hashToken(secret)) as TokenRow | undefined;
  return row ? info(row) : null;
}

/** Every token, newest first. */
export function listTokens(ledger: Ledger): TokenInfo[] {
  return (
    ledger.db
      .prepare('SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY created_at DESC')
      .all() as TokenRow[]
  ).map(info);
}

/** Revokes a token by id; an unknown or already revoked id is an error. */
export function revokeToken(ledger: Ledger, id: string, actor = 'cli'): void {
  ledger.transaction(() => {
    const result = ledger.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(now(), id);
    if (result.changes !== 1) throw new Error(`no live token with id '${id}'`);
    ledger.append({ type: 'token.revoked', actor, subject: id, payload: {} });
  });
}
