/**
 * Online backups of a ledger into a SQLite file, while servers keep writing: a SQLite ledger through
 * SQLite's backup API (page by page, consistent), a PostgreSQL ledger by copying one REPEATABLE READ
 * snapshot (for the whole database, use pg_dump: docs/deployment.md). The copy is verified, and its chain
 * head (the last event's seq and hash) is written beside it and recorded as an event in the source
 * ledger, so a copy later cut short (events lost from its end, which its own chain cannot show) fails
 * `tmu ledger verify --expect-head`.
 *
 * @module
 */

import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { writeTextAtomic } from '../data/files.js';
import { copyLedger } from './copy.js';
import { Ledger } from './ledger.js';
import { SqliteBackend } from './sqliteBackend.js';
import { type ExpectedHead, verifyLedger } from './verify.js';

/** What a backup wrote. */
export interface BackupResult {
  file: string;
  /** The file beside it holding the chain head. */
  headFile: string;
  head: ExpectedHead;
  events: number;
}

/** The head file written beside a backup. */
export function headFileOf(file: string): string {
  return `${file}.head.json`;
}

/** Backs `source` up into the new SQLite file `file`. */
export async function backupLedger(source: Ledger, file: string): Promise<BackupResult> {
  if (existsSync(file)) throw new Error(`${file} exists; a backup goes to a new file`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  try {
    if (source.backend instanceof SqliteBackend) {
      await source.backend.db.backup(partial);
    } else {
      const target = await Ledger.open({ kind: 'sqlite', path: partial });
      try {
        await copyLedger(source, target);
      } finally {
        await target.close();
      }
    }
    const copy = await Ledger.open({ kind: 'sqlite', path: partial }, { create: false });
    let head: ExpectedHead;
    let events: number;
    try {
      const verification = await verifyLedger(copy);
      if (!verification.ok)
        throw new Error(
          `the backup does not verify: ${verification.firstBad!.table} row ${verification.firstBad!.row}: ${verification.firstBad!.problem}`,
        );
      head = { seq: verification.headSeq, hash: verification.head };
      events = verification.events;
    } finally {
      await copy.close();
    }
    for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
    renameSync(partial, file);
    const headFile = headFileOf(file);
    writeTextAtomic(
      headFile,
      `${JSON.stringify({ ledger: source.description, file: basename(file), at: new Date().toISOString(), ...head }, null, 2)}\n`,
    );
    await source.transaction(() =>
      source.append({
        type: 'ledger.backed-up',
        actor: 'cli',
        subject: 'ledger',
        payload: { file: basename(file), ...head },
      }),
    );
    return { file, headFile, head, events };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
