import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { complianceReport } from '../../ledger/compliance.js';
import { renderComplianceHtml } from '../../ledger/complianceHtml.js';
import { Ledger } from '../../ledger/ledger.js';
import { createToken, listTokens, ROLES, type Role, revokeToken } from '../../ledger/tokens.js';
import { verifyLedger } from '../../ledger/verify.js';
import type { Command } from '../command.js';
import { choiceFlag, printResult, requireString, UsageError } from '../command.js';

const USAGE =
  'usage: tmu ledger verify | export --request ID --out DIR | token create --role ROLE --name NAME | token list | token revoke ID  (all with --db FILE)';

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** `tmu ledger`: verify the audit ledger, export compliance reports, manage API tokens. */
export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'verify the audit ledger, export a compliance report, manage API tokens',
  details: [
    'Subcommands:',
    '  tmu ledger verify --db tmu.sqlite                       recompute the hash chain; exit 1 naming the first bad row',
    '  tmu ledger export --db tmu.sqlite --request REQ --out DIR  write DIR/REQ.json and DIR/REQ.html',
    '  tmu ledger token create --db tmu.sqlite --role operator --name ops   print a new token (shown once)',
    '  tmu ledger token list --db tmu.sqlite',
    '  tmu ledger token revoke --db tmu.sqlite TOKEN_ID',
    `Roles: ${ROLES.join(', ')} (requester: file and read own requests; operator: register models, promote,`,
    'roll back; auditor: read everything, verify, export).',
  ].join('\n'),
  flags: {
    db: { type: 'string', description: 'the ledger (SQLite file)', value: 'FILE' },
    request: { type: 'string', description: 'export: the deletion request id', value: 'ID' },
    out: { type: 'string', description: 'export: output directory', value: 'DIR' },
    role: { type: 'string', description: `token create: ${ROLES.join(', ')}`, value: 'ROLE' },
    name: { type: 'string', description: 'token create: a name for the token (who holds it)', value: 'NAME' },
  },
  async run(flags, positionals) {
    const [sub, ...rest] = positionals;
    const db = requireString(flags, 'db');
    if (sub === 'verify') {
      const ledger = Ledger.open(db, { create: false });
      try {
        const result = verifyLedger(ledger);
        const human = result.ok
          ? `ledger ${db} verifies: ${result.events} events, ${Object.entries(result.checked)
              .map(([table, n]) => `${n} ${table}`)
              .join(', ')}; head ${result.head}`
          : `ledger ${db} FAILS verification: ${result.firstBad!.table} row ${result.firstBad!.row}: ${result.firstBad!.problem}`;
        printResult(flags, result, human);
        return result.ok ? 0 : 1;
      } finally {
        ledger.close();
      }
    }
    if (sub === 'export') {
      const id = requireString(flags, 'request');
      const out = requireString(flags, 'out');
      const ledger = Ledger.open(db, { create: false });
      try {
        const report = complianceReport(ledger, id);
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
        ledger.close();
      }
    }
    if (sub === 'token') {
      const [action, id] = rest;
      const ledger = Ledger.open(db, { create: action === 'create' });
      try {
        if (action === 'create') {
          const role = choiceFlag<Role>(flags, 'role', ROLES, 'requester');
          if (flags.role === undefined) throw new UsageError('--role is required');
          const token = createToken(ledger, { name: requireString(flags, 'name'), role });
          printResult(
            flags,
            token,
            `${token.secret}\n(token ${token.id}, role ${token.role}, name ${token.name}: store it now, it is not shown again)`,
          );
          return 0;
        }
        if (action === 'list') {
          const tokens = listTokens(ledger);
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
          revokeToken(ledger, id);
          printResult(flags, { revoked: id }, `revoked ${id}`);
          return 0;
        }
        throw new UsageError(USAGE);
      } finally {
        ledger.close();
      }
    }
    throw new UsageError(USAGE);
  },
};
