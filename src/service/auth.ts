/**
 * Bearer-token authentication and role checks. Missing or invalid tokens are 401; a valid token whose
 * role may not call the route is 403.
 *
 * @module
 */

import type { Ledger } from '../ledger/ledger.js';
import { authenticate, type Role, type TokenInfo } from '../ledger/tokens.js';
import { ServiceError } from './errors.js';

/** Resolves the `Authorization` header to a token, or throws 401. */
export async function authenticateHeader(ledger: Ledger, header: string | undefined): Promise<TokenInfo> {
  if (!header) throw new ServiceError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ServiceError(401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
  const token = await authenticate(ledger, match[1]!);
  if (!token) throw new ServiceError(401, 'unauthorized', 'invalid or revoked token');
  return token;
}

/** Throws 403 unless the token has one of `roles`. */
export function requireRole(token: TokenInfo, roles: readonly Role[], action: string): void {
  if (!roles.includes(token.role))
    throw new ServiceError(
      403,
      'forbidden',
      `${action} needs role ${roles.join(' or ')}; token '${token.name}' is ${token.role}`,
    );
}
