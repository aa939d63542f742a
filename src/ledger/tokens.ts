/**
 * API tokens. A token is shown once, when created; the ledger keeps only its SHA-256, so a copy of the
 * database does not leak credentials. The hash is also recorded in the token's creation event, so a hash
 * swapped in the table (an attacker's own token under an operator's id) fails verification. Roles:
 * `requester` files deletion requests and reads its own, `operator` registers models, promotes and
 * rolls back, `auditor` reads everything and exports, `client` is a production caller of predict, the
 * only traffic that counts for a pilot.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import { type Ledger, newId, now } from './ledger.js';

/** The roles a token can have. */
export const ROLES = ['requester', 'operator', 'auditor', 'client'] as const;
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
export async function createToken(
  ledger: Ledger,
  options: { name: string; role: Role; actor?: string },
): Promise<TokenInfo & { secret: string }> {
  if (!(ROLES as readonly string[]).includes(options.role))
    throw new Error(`unknown role '${options.role}' (roles: ${ROLES.join(', ')})`);
  if (!/^[\w.@-]{1,64}$/.test(options.name))
    throw new Error(`token name '${options.name}' must be 1-64 letters, digits, '_', '.', '@' or '-'`);
  const secret = `tmu_${randomBytes(24).toString('base64url')}`;
  const id = newId('tok');
  const createdAt = now();
  const tokenHash = hashToken(secret);
  await ledger.transaction(async () => {
    await ledger.run(
      'INSERT INTO tokens (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      id,
      options.name,
      options.role,
      tokenHash,
      createdAt,
    );
    await ledger.append({
      type: 'token.created',
      actor: options.actor ?? 'cli',
      subject: id,
      payload: { name: options.name, role: options.role, tokenHash },
    });
  });
  return { id, name: options.name, role: options.role, createdAt, revokedAt: null, secret };
}

/** The live (not revoked) token with this secret, or null. */
export async function authenticate(ledger: Ledger, secret: string): Promise<TokenInfo | null> {
  const row = await ledger.get<TokenRow>(
    'SELECT id, name, role, created_at, revoked_at FROM tokens WHERE token_hash = ? AND revoked_at IS NULL',
    hashToken(secret),
  );
  return row ? info(row) : null;
}

/** A token by id, or null. */
export async function getToken(ledger: Ledger, id: string): Promise<TokenInfo | null> {
  const row = await ledger.get<TokenRow>('SELECT id, name, role, created_at, revoked_at FROM tokens WHERE id = ?', id);
  return row ? info(row) : null;
}

/** Every token, newest first. */
export async function listTokens(ledger: Ledger): Promise<TokenInfo[]> {
  return (
    await ledger.all<TokenRow>('SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY created_at DESC, id')
  ).map(info);
}

/** Revokes a token by id; an unknown or already revoked id is an error. */
export async function revokeToken(ledger: Ledger, id: string, actor = 'cli'): Promise<void> {
  await ledger.transaction(async () => {
    const changed = await ledger.run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', now(), id);
    if (changed !== 1) throw new Error(`no live token with id '${id}'`);
    await ledger.append({ type: 'token.revoked', actor, subject: id, payload: {} });
  });
}
