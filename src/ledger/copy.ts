/**
 * Copies a whole ledger into an empty one, row by row and byte for byte (the events keep their seq,
 * time and hashes), from one consistent snapshot of the source: how `tmu ledger migrate` moves a SQLite
 * ledger to PostgreSQL (or back) and how `tmu ledger backup` copies a PostgreSQL ledger into a SQLite
 * file. The copy is verified and its chain head compared with the source's.
 *
 * @module
 */

import type { SqlValue } from './backend.js';
import type { Ledger } from './ledger.js';
import { LEDGER_TABLES } from './schema.js';
import { type VerifyResult, verifyLedger } from './verify.js';

/** What a copy did. */
export interface CopyResult {
  /** Rows copied per table. */
  rows: Record<string, number>;
  /** The source's chain head at the snapshot. */
  head: { seq: number; hash: string };
  /** Verification of the copy. */
  verification: VerifyResult;
}

/** Parents before children: versions by creation, so a version's parent is always there first. */
const ORDER: Record<string, string> = {
  model_versions: 'created_at, id',
  events: 'seq',
};

/** Rows per INSERT statement. */
const BATCH = 200;

/** Copies `source` into `target`, which must hold no rows; throws if the copy does not verify. */
export async function copyLedger(source: Ledger, target: Ledger): Promise<CopyResult> {
  for (const table of LEDGER_TABLES) {
    const row = await target.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    if (Number(row?.n ?? 0) > 0)
      throw new Error(
        `the destination ledger ${target.description} is not empty (${table} has rows); copy into a new one`,
      );
  }
  const { tables, head } = await source.snapshot(async () => {
    const tables: [string, Record<string, SqlValue>[]][] = [];
    for (const table of LEDGER_TABLES)
      tables.push([
        table,
        await source.all<Record<string, SqlValue>>(
          `SELECT * FROM ${table}${ORDER[table] ? ` ORDER BY ${ORDER[table]}` : ''}`,
        ),
      ]);
    return { tables, head: await source.head() };
  });
  const rows: Record<string, number> = {};
  await target.transaction(async () => {
    for (const [table, list] of tables) {
      rows[table] = list.length;
      if (list.length === 0) continue;
      const columns = Object.keys(list[0]!);
      for (let start = 0; start < list.length; start += BATCH) {
        const chunk = list.slice(start, start + BATCH);
        await target.run(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
          ...chunk.flatMap((row) => columns.map((column) => row[column] ?? null)),
        );
      }
    }
  });
  const verification = await verifyLedger(target);
  if (!verification.ok)
    throw new Error(
      `the copy in ${target.description} does not verify: ${verification.firstBad!.table} row ${verification.firstBad!.row}: ${verification.firstBad!.problem}`,
    );
  if (verification.head !== head.hash || verification.headSeq !== head.seq)
    throw new Error(`the copy's chain head (${verification.headSeq}) differs from the source's (${head.seq})`);
  return { rows, head, verification };
}
