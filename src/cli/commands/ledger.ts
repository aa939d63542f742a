import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupLedger } from '../../ledger/backup.js';
import { complianceReport } from '../../ledger/compliance.js';
import { renderComplianceHtml } from '../../ledger/complianceHtml.js';
import { copyLedger } from '../../ledger/copy.js';
import { Ledger } from '../../ledger/ledger.js';
import { describeLocation, parseLedgerLocation } from '../../ledger/location.js';
import { createToken, listTokens, ROLES, type Role, revokeToken } from '../../ledger/tokens.js';
import { type ExpectedHead, type VerifyResult, verifyLedger } from '../../ledger/verify.js';
import type { Command, FlagValues } from '../command.js';
import { choiceFlag, optionalString, printResult, requireString, UsageError } from '../command.js';

const USAGE =
  'usage: tmu ledger verify | export --request ID --out DIR | token create --role ROLE --name NAME | token list | token revoke ID | backup --out FILE  (all with --db LEDGER) | migrate --from LEDGER --to LEDGER';

/** Problems listed by `verify` before it says how many more there are. */
const LISTED_PROBLEMS = 50;

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** `--expect-head`: `SEQ:HASH`, or a head file written by `tmu ledger backup`. */
function expectedHead(flags: FlagValues): ExpectedHead | undefined {
  const value = optionalString(flags, 'expect-head');
  if (value === undefined) return undefined;
  const inline = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (inline) return { seq: Number(inline[1]), hash: inline[2]! };
  if (!existsSync(value))
    throw new UsageError(`--expect-head must be SEQ:HASH or a head file from tmu ledger backup, got '${value}'`);
  const head = JSON.parse(readFileSync(value, 'utf8')) as Partial<ExpectedHead>;
  if (typeof head.seq !== 'number' || typeof head.hash !== 'string')
    throw new Error(`${value} is not a head file (it needs seq and hash)`);
  return { seq: head.seq, hash: head.hash };
}

function verifyText(where: string, result: VerifyResult): string {
  if (result.ok)
    return `ledger ${where} verifies: ${result.events} events, ${Object.entries(result.checked)
      .map(([table, n]) => `${n} ${table}`)
      .join(', ')}; head ${result.headSeq}:${result.head}`;
  const lines = result.problems
    .slice(0, LISTED_PROBLEMS)
    .map((problem) => `  ${problem.table} row ${problem.row}: ${problem.problem}`);
  if (result.problems.length > LISTED_PROBLEMS)
    lines.push(`  ... and ${result.problems.length - LISTED_PROBLEMS} more`);
  return [
    `ledger ${where} FAILS verification: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
    ...lines,
  ].join('\n');
}

/** `tmu ledger`: verify, export, tokens, backup and migrate. */
export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'verify the audit ledger, export a compliance report, manage API tokens, back it up, migrate it',
  details: [
    'LEDGER is a SQLite file (or sqlite:FILE) or a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE).',
    'Subcommands:',
    '  tmu ledger verify --db LEDGER [--expect-head SEQ:HASH|FILE]   recompute the hash chain, check every row',
    '                                                  both ways; exit 1 listing every bad row',
    '  tmu ledger export --db LEDGER --request REQ --out DIR   write DIR/REQ.json and DIR/REQ.html',
    '  tmu ledger token create --db LEDGER --role operator --name ops   print a new token (shown once)',
    '  tmu ledger token list --db LEDGER',
    '  tmu ledger token revoke --db LEDGER TOKEN_ID',
    '  tmu ledger backup --db LEDGER --out FILE        consistent online copy into a new SQLite FILE, verified;',
    '                                                  its chain head goes to FILE.head.json and into the ledger',
    '  tmu ledger migrate --from sqlite:FILE --to postgres://...   copy a ledger into an empty one and verify it',
    `Roles: ${ROLES.join(', ')} (requester: file and read own requests; operator: register models, promote,`,
    'roll back; auditor: read everything, verify, export; client: production predict calls, the only traffic',
    'that counts for a pilot).',
  ].join('\n'),
  flags: {
    db: { type: 'string', description: 'the ledger (SQLite file or postgres:// URL)', value: 'LEDGER' },
    request: { type: 'string', description: 'export: the deletion request id', value: 'ID' },
    out: { type: 'string', description: 'export: output directory; backup: the new SQLite file', value: 'PATH' },
    role: { type: 'string', description: `token create: ${ROLES.join(', ')}`, value: 'ROLE' },
    name: { type: 'string', description: 'token create: a name for the token (who holds it)', value: 'NAME' },
    from: { type: 'string', description: 'migrate: the ledger to copy', value: 'LEDGER' },
    to: {
      type: 'string',
      description: 'migrate: the empty ledger to copy it into (created if missing)',
      value: 'LEDGER',
    },
    'expect-head': {
      type: 'string',
      description: 'verify: the chain must still hold this head (SEQ:HASH, or a FILE.head.json of a backup)',
      value: 'HEAD',
    },
  },
  async run(flags, positionals) {
    const [sub, ...rest] = positionals;
    if (sub === 'migrate') {
      const from = parseLedgerLocation(requireString(flags, 'from'));
      const to = parseLedgerLocation(requireString(flags, 'to'));
      const source = await Ledger.open(from, { create: false });
      try {
        const target = await Ledger.open(to);
        try {
          const result = await copyLedger(source, target);
          printResult(
            flags,
            {
              from: describeLocation(from),
              to: describeLocation(to),
              rows: result.rows,
              head: result.head,
              verified: true,
            },
            `copied ${describeLocation(from)} to ${describeLocation(to)}: ${Object.entries(result.rows)
              .map(([table, n]) => `${n} ${table}`)
              .join(', ')}; the copy verifies, head ${result.head.seq}:${result.head.hash}`,
          );
          return 0;
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
      }
    }
    const db = requireString(flags, 'db');
    const where = describeLocation(parseLedgerLocation(db));
    if (sub === 'verify') {
      const head = expectedHead(flags);
      const ledger = await Ledger.open(db, { create: false });
      try {
        const result = await verifyLedger(ledger, head ? { expectHead: head } : {});
        printResult(flags, result, verifyText(where, result));
        return result.ok ? 0 : 1;
      } finally {
        await ledger.close();
      }
    }
    if (sub === 'backup') {
      const out = requireString(flags, 'out');
      const ledger = await Ledger.open(db, { create: false });
      try {
        const result = await backupLedger(ledger, out);
        printResult(
          flags,
          result,
          `backed up ${where} to ${result.file} (${result.events} events, verified); head ${result.head.seq}:${result.head.hash} written to ${result.headFile}`,
        );
        return 0;
      } finally {
        await ledger.close();
      }
    }
    if (sub === 'export') {
      const id = requireString(flags, 'request');
      const out = requireString(flags, 'out');
      const ledger = await Ledger.open(db, { create: false });
      try {
        const report = await complianceReport(ledger, id);
        mkdirSync(out, { recursive: true });
        writeAtomic(join(out, `${id}.json`), `${JSON.stringify(report, null, 2)}\n`);
        writeAtomic(join(out, `${id}.html`), renderComplianceHtml(report));
        printResult(
          flags,
          { json: join(out, `${id}.json`), html: join(out, `${id}.html`), verified: report.verification.ok },
          `wrote ${join(out, `${id}.json`)} and ${join(out, `${id}.html`)}${report.verification.ok ? '' : ' (WARNING: the ledger does not verify)'}`,
        );
        return 0;
      } finally {
        await ledger.close();
      }
    }
    if (sub === 'token') {
      const [action, id] = rest;
      const ledger = await Ledger.open(db, { create: action === 'create' });
      try {
        if (action === 'create') {
          const role = choiceFlag<Role>(flags, 'role', ROLES, 'requester');
          if (flags.role === undefined) throw new UsageError('--role is required');
          const token = await createToken(ledger, { name: requireString(flags, 'name'), role });
          printResult(
            flags,
            token,
            `${token.secret}\n(token ${token.id}, role ${token.role}, name ${token.name}: store it now, it is not shown again)`,
          );
          return 0;
        }
        if (action === 'list') {
          const tokens = await listTokens(ledger);
          printResult(
            flags,
            { tokens },
            tokens
              .map(
                (t) =>
                  `${t.id}  ${t.role.padEnd(9)}  ${t.name}  ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`,
              )
              .join('\n') || '(no tokens)',
          );
          return 0;
        }
        if (action === 'revoke') {
          if (!id) throw new UsageError('token revoke needs the token id (see tmu ledger token list)');
          await revokeToken(ledger, id);
          printResult(flags, { revoked: id }, `revoked ${id}`);
          return 0;
        }
        throw new UsageError(USAGE);
      } finally {
        await ledger.close();
      }
    }
    throw new UsageError(USAGE);
  },
};
