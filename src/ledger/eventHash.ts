/**
 * The hash chain of the event log: each row's hash covers its own fields and the previous row's hash, so
 * editing, inserting or deleting any row breaks every hash after it.
 *
 * @module
 */

import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an event's hash covers (`payload` as stored: canonical JSON). */
export interface HashedFields {
  seq: number;
  at: string;
  type: string;
  actor: string;
  subject: string;
  payload: string;
  prevHash: string;
}

/** SHA-256 over the fields, each length-prefixed so that no two field lists hash alike. */
export function eventHash(fields: HashedFields): string {
  const hash = createHash('sha256');
  for (const part of [
    String(fields.seq),
    fields.at,
    fields.type,
    fields.actor,
    fields.subject,
    fields.payload,
    fields.prevHash,
  ]) {
    hash.update(`${Buffer.byteLength(part)}:`).update(part);
  }
  return hash.digest('hex');
}
