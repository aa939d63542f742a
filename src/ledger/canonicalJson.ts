/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. Two equal values always give the same
 * bytes, which is what a hash over a ledger row needs (plain JSON.stringify depends on insertion order).
 *
 * @module
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A UTF-16 surrogate that is not half of a pair (with the `u` flag, pairs match as one code point). */
export const LONE_SURROGATE = /\p{Cs}/u;

/** The canonical JSON text of `value`; non-finite numbers and undefined are errors, not silently nulls. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value))
        throw new Error(
          'canonicalJson: a string holds a lone UTF-16 surrogate, which has no UTF-8 form (the database would store another text)',
        );
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      for (const key of Object.keys(value as object))
        if (LONE_SURROGATE.test(key)) throw new Error('canonicalJson: a key holds a lone UTF-16 surrogate');
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: a ${typeof value} is not JSON`);
  }
}
