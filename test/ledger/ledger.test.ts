/**
 * The ledger on both backends, a real SQLite file and a private PostgreSQL server: migrations, the hash
 * chain, and verification that names every row tampered with in the log or the state tables, in both
 * directions (a row edited, inserted or deleted; an event whose row is gone), including a swapped
 * credential hash, pilot counters and a truncated backup; tokens stored hashed; idempotent request
 * filing; one registration per model directory; text with no exact database form refused; ledger
 * locations parsed strictly; and a SQLite ledger migrated to PostgreSQL, verified.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Database from 'better-sqlite3';
import pg from 'pg';

import { backupLedger } from '../../src/ledger/backup.js';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import { copyLedger } from '../../src/ledger/copy.js';
import { addReport, createJob, finishJob, recordPilotTraffic, startPilot } from '../../src/ledger/jobs.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { parseLedgerLocation } from '../../src/ledger/location.js';
import { addVersion, PathAlreadyRegistered, registerModel } from '../../src/ledger/models.js';
import { createRequest, IdempotencyConflict, setRequestStatus } from '../../src/ledger/requests.js';
import { SQLITE_MIGRATIONS } from '../../src/ledger/schema.js';
import { authenticate, createToken, hashToken, revokeToken } from '../../src/ledger/tokens.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { type PrivatePostgres, startPostgres } from '../helpers/privateServers.js';
import { TMU_BIN } from '../unlearn/support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmu-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
let postgres: PrivatePostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** One backend under test: where a new ledger goes, and how someone with database access edits it. */
interface Backend {
  name: 'sqlite' | 'postgres';
  fresh(): Promise<string>;
  tamper(location: string, sql: string, ...args: (string | number)[]): Promise<void>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async fresh() {
      return join(dir, `ledger-${counter++}.sqlite`);
    },
    async tamper(location, sql, ...args) {
      const db = new Database(location);
      try {
        db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
        db.pragma('foreign_keys = OFF');
        db.prepare(sql).run(...args);
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'postgres',
    async fresh() {
      return postgres.createDatabase(`ledger_${counter++}`);
    },
    async tamper(location, sql, ...args) {
      const client = new pg.Client({ connectionString: location });
      await client.connect();
      try {
        // The database owner can switch off the triggers and the foreign keys: what the chain is for.
        await client.query('SET session_replication_role = replica');
        let n = 0;
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          args,
        );
      } finally {
        await client.end();
      }
    },
  },
];

interface Populated {
  location: string;
  requestId: string;
  otherRequestId: string;
  tokenId: string;
  clientId: string;
  versionId: string;
  jobId: string;
}

/** A ledger with a model, tokens, two requests, a job with a candidate version, its report and a pilot. */
async function populated(backend: Backend): Promise<Populated> {
  const location = await backend.fresh();
  const ledger = await Ledger.open(location);
  try {
    const token = await createToken(ledger, { name: 'alice', role: 'requester' });
    const client = await createToken(ledger, { name: 'shop', role: 'client' });
    const model = await registerModel(ledger, {
      id: 'm',
      path: 'base',
      digest: 'd'.repeat(64),
      splitDigest: 's'.repeat(64),
      dataset: 'fashion-mnist',
      memberCount: 10,
      actor: 'cli',
    });
    const { request } = await createRequest(ledger, {
      modelId: 'm',
      tokenId: token.id,
      reason: 'erasure',
      ids: ['a/train/1', 'a/train/2'],
      idempotencyKey: 'k1',
      bodyDigest: 'b1',
    });
    const other = await createRequest(ledger, {
      modelId: 'm',
      tokenId: token.id,
      reason: 'erasure 2',
      ids: ['a/train/3'],
      idempotencyKey: null,
      bodyDigest: 'b2',
    });
    const job = await createJob(
      ledger,
      { modelId: 'm', parentVersion: model.productionVersion, method: 'tmu', params: {}, requestIds: [request.id] },
      'system',
    );
    await setRequestStatus(ledger, [request.id], { status: 'running', jobId: job.id }, 'system');
    const version = await addVersion(
      ledger,
      {
        modelId: 'm',
        parentId: model.productionVersion,
        digest: 'e'.repeat(64),
        path: '.tmu-versions/m/v',
        method: 'tmu',
        params: {},
        jobId: job.id,
        forgottenCount: 2,
        forgottenDigest: 'f'.repeat(64),
        status: 'candidate',
      },
      'system',
    );
    await addReport(
      ledger,
      { jobId: job.id, versionId: version.id, kind: 'evaluate', body: { passed: true } },
      'system',
    );
    await finishJob(ledger, job.id, { status: 'succeeded', versionId: version.id }, 'system');
    await setRequestStatus(ledger, [request.id], { status: 'evaluated', versionId: version.id }, 'system');
    await startPilot(ledger, { versionId: version.id, modelId: 'm', target: 10 }, 'system');
    await recordPilotTraffic(ledger, version.id, client.id, 4, 1);
    return {
      location,
      requestId: request.id,
      otherRequestId: other.request.id,
      tokenId: token.id,
      clientId: client.id,
      versionId: version.id,
      jobId: job.id,
    };
  } finally {
    await ledger.close();
  }
}

async function verify(location: string, options: Parameters<typeof verifyLedger>[1] = {}) {
  const ledger = await Ledger.open(location, { create: false });
  try {
    return await verifyLedger(ledger, options);
  } finally {
    await ledger.close();
  }
}

/** The problems as `table row` strings. */
function rows(result: Awaited<ReturnType<typeof verify>>): string[] {
  return result.problems.map((problem) => `${problem.table} ${problem.row}`);
}

test('canonical JSON sorts keys at every depth and refuses non-JSON values and lone surrogates', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
    '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
  );
  assert.throws(() => canonicalJson({ a: Number.NaN }), /NaN/);
  assert.throws(() => canonicalJson({ a: () => 1 }), /function/);
  assert.throws(() => canonicalJson({ reason: 'x\ud800y' }), /lone UTF-16 surrogate/);
  assert.equal(canonicalJson({ reason: '😀' }), '{"reason":"😀"}', 'a surrogate pair is fine');
});

test('a ledger location is a SQLite path, sqlite:FILE or a postgres:// URL; anything else with a scheme is an error', () => {
  assert.deepEqual(parseLedgerLocation('runs/tmu.sqlite'), { kind: 'sqlite', path: 'runs/tmu.sqlite' });
  assert.deepEqual(parseLedgerLocation('sqlite:runs/tmu.sqlite'), { kind: 'sqlite', path: 'runs/tmu.sqlite' });
  assert.equal(parseLedgerLocation('postgres://u@h:5432/tmu').kind, 'postgres');
  assert.equal(parseLedgerLocation('postgresql://u@h/tmu').kind, 'postgres');
  assert.throws(() => parseLedgerLocation('postgres:tmu'), /not a PostgreSQL URL/);
  assert.throws(() => parseLedgerLocation('postgres://u@h:5432'), /names no database/);
  assert.throws(() => parseLedgerLocation('mysql://u@h/tmu'), /unknown ledger scheme 'mysql:'/);
  assert.throws(
    () => parseLedgerLocation('postgres://u:secret@h:x/tmu'),
    (error: Error) => !error.message.includes('secret'),
  );
});

test('the CLI takes `--db postgres:...` as a URL: no folder named postgres: appears, and an unknown scheme is an error', () => {
  for (const db of ['postgres:ledger', 'redis://127.0.0.1/0']) {
    const result = spawnSync(
      process.execPath,
      [TMU_BIN, 'ledger', 'token', 'create', '--db', db, '--role', 'operator', '--name', 'x'],
      {
        encoding: 'utf8',
        cwd: dir,
      },
    );
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /not a PostgreSQL URL|unknown ledger scheme/);
  }
  assert.equal(existsSync(join(dir, 'postgres:ledger')), false);
  assert.equal(existsSync(join(dir, 'postgres:')), false);
});

for (const backend of BACKENDS) {
  describe(`ledger on ${backend.name}`, { timeout: 300_000 }, () => {
    test('a fresh ledger verifies, and every event links to the one before', async () => {
      const { location } = await populated(backend);
      const result = await verify(location);
      assert.equal(result.ok, true, JSON.stringify(result.problems));
      assert.equal(result.checked.requests, 2);
      assert.equal(result.checked.pilots, 1);
      const ledger = await Ledger.open(location);
      try {
        const events = await ledger.events();
        assert.equal(events.length, result.events);
        for (let i = 1; i < events.length; i++) assert.equal(events[i]!.prevHash, events[i - 1]!.hash);
        assert.equal(events.at(-1)!.hash, result.head);
      } finally {
        await ledger.close();
      }
    });

    test('the service cannot edit or delete events (triggers), and appends outside a transaction are refused', async () => {
      const { location } = await populated(backend);
      const ledger = await Ledger.open(location);
      try {
        await assert.rejects(ledger.run('DELETE FROM events WHERE seq = 1'), /append-only/);
        await assert.rejects(ledger.run("UPDATE events SET actor = 'x' WHERE seq = 1"), /append-only/);
        await assert.rejects(
          ledger.append({ type: 'x', actor: 'cli', subject: 's', payload: {} }),
          /inside a transaction/,
        );
      } finally {
        await ledger.close();
      }
    });

    test('verification names an edited, deleted or inserted event row', async () => {
      const edited = await populated(backend);
      await backend.tamper(edited.location, "UPDATE events SET actor = 'mallory' WHERE seq = 3");
      assert.deepEqual((await verify(edited.location)).problems, [
        { table: 'events', row: '3', problem: "hash does not match the row's contents (the row was edited)" },
      ]);
      const deleted = await populated(backend);
      await backend.tamper(deleted.location, 'DELETE FROM events WHERE seq = 2');
      const result = await verify(deleted.location);
      assert.equal(result.firstBad?.row, '3');
      assert.match(result.firstBad!.problem, /removed or inserted/);
    });

    test('verification names state rows edited by hand, and reports every one of them', async () => {
      const p = await populated(backend);
      await backend.tamper(p.location, "UPDATE tokens SET role = 'auditor' WHERE id = ?", p.tokenId);
      await backend.tamper(p.location, "UPDATE requests SET reason = 'nothing' WHERE id = ?", p.requestId);
      await backend.tamper(
        p.location,
        'DELETE FROM request_samples WHERE request_id = ? AND sample_id = ?',
        p.otherRequestId,
        'a/train/3',
      );
      await backend.tamper(p.location, "UPDATE model_versions SET digest = 'x' WHERE id = ?", p.versionId);
      await backend.tamper(p.location, "UPDATE jobs SET status = 'failed' WHERE id = ?", p.jobId);
      await backend.tamper(p.location, 'UPDATE pilots SET seen = 1000 WHERE version_id = ?', p.versionId);
      const result = await verify(p.location);
      assert.deepEqual(
        rows(result).sort(),
        [
          `jobs ${p.jobId}`,
          `model_versions ${p.versionId}`,
          `pilots ${p.versionId}`,
          `requests ${p.otherRequestId}`,
          `requests ${p.requestId}`,
          `tokens ${p.tokenId}`,
        ].sort(),
      );
      assert.match(result.problems.find((x) => x.row === p.otherRequestId)!.problem, /sample ids/);
      assert.match(result.problems.find((x) => x.table === 'pilots')!.problem, /counters 1000\/1/);
    });

    test("a swapped token_hash (an attacker's credential under an operator's id) fails verification", async () => {
      const p = await populated(backend);
      const attacker = 'tmu_attacker-secret';
      await backend.tamper(p.location, 'UPDATE tokens SET token_hash = ? WHERE id = ?', hashToken(attacker), p.tokenId);
      const ledger = await Ledger.open(p.location);
      try {
        assert.equal((await authenticate(ledger, attacker))?.id, p.tokenId, 'the swap lets the attacker in');
        const result = await verifyLedger(ledger);
        assert.deepEqual(rows(result), [`tokens ${p.tokenId}`]);
        assert.match(result.firstBad!.problem, /credential was replaced/);
      } finally {
        await ledger.close();
      }
    });

    test('a request deleted with its sample ids and job link fails verification (events are checked against rows)', async () => {
      const p = await populated(backend);
      await backend.tamper(p.location, 'DELETE FROM request_samples WHERE request_id = ?', p.otherRequestId);
      await backend.tamper(p.location, 'DELETE FROM requests WHERE id = ?', p.otherRequestId);
      assert.deepEqual(rows(await verify(p.location)), [`requests ${p.otherRequestId}`]);
      const linked = await populated(backend);
      await backend.tamper(linked.location, 'DELETE FROM job_requests WHERE request_id = ?', linked.requestId);
      await backend.tamper(linked.location, 'DELETE FROM request_samples WHERE request_id = ?', linked.requestId);
      await backend.tamper(linked.location, 'DELETE FROM requests WHERE id = ?', linked.requestId);
      assert.deepEqual(rows(await verify(linked.location)).sort(), [
        `jobs ${linked.jobId}`,
        `requests ${linked.requestId}`,
      ]);
      const token = await populated(backend);
      await backend.tamper(token.location, 'DELETE FROM tokens WHERE id = ?', token.clientId);
      assert.ok(rows(await verify(token.location)).includes(`tokens ${token.clientId}`));
    });

    test('pilot traffic is verified against its events: only client tokens count', async () => {
      const p = await populated(backend);
      const ledger = await Ledger.open(p.location);
      try {
        // The ledger functions record traffic for whichever token they are given; the service passes only
        // client tokens, and verification flags any other.
        await recordPilotTraffic(ledger, p.versionId, p.tokenId, 3, 0);
        const result = await verifyLedger(ledger);
        assert.deepEqual(rows(result), [`pilots ${p.versionId}`]);
        assert.match(result.firstBad!.problem, /not a client token/);
      } finally {
        await ledger.close();
      }
    });

    test('one model directory has one registration', async () => {
      const location = await backend.fresh();
      const ledger = await Ledger.open(location);
      try {
        const input = { path: 'base', digest: 'd', splitDigest: 's', dataset: 'x', memberCount: 1, actor: 'cli' };
        await registerModel(ledger, { id: 'a', ...input });
        await assert.rejects(registerModel(ledger, { id: 'b', ...input }), PathAlreadyRegistered);
        await backend.tamper(
          location,
          "INSERT INTO models (id, path, digest, split_digest, dataset, member_count, production_version, created_at) VALUES ('b', 'base', 'd', 's', 'x', 1, 'v', 'now')",
        );
        assert.ok((await verifyLedger(ledger)).problems.some((x) => /also registered as model/.test(x.problem)));
      } finally {
        await ledger.close();
      }
    });

    test('text with a lone surrogate is refused before anything is stored', async () => {
      const location = await backend.fresh();
      const ledger = await Ledger.open(location);
      try {
        const token = await createToken(ledger, { name: 'alice', role: 'requester' });
        await registerModel(ledger, {
          id: 'm',
          path: 'base',
          digest: 'd',
          splitDigest: 's',
          dataset: 'x',
          memberCount: 1,
          actor: 'cli',
        });
        await assert.rejects(
          createRequest(ledger, {
            modelId: 'm',
            tokenId: token.id,
            reason: 'bad \ud800',
            ids: ['a'],
            idempotencyKey: null,
            bodyDigest: 'b',
          }),
          /surrogate/,
        );
        assert.equal((await ledger.get<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))?.n, 0);
        assert.equal((await verifyLedger(ledger)).ok, true);
      } finally {
        await ledger.close();
      }
    });

    test('tokens are stored hashed, authenticate until revoked, and need a known role', async () => {
      const ledger = await Ledger.open(await backend.fresh());
      try {
        const token = await createToken(ledger, { name: 'bob', role: 'operator' });
        assert.match(token.secret, /^tmu_/);
        const stored = await ledger.get<{ token_hash: string }>('SELECT token_hash FROM tokens WHERE id = ?', token.id);
        assert.equal(stored?.token_hash, hashToken(token.secret));
        assert.equal((await authenticate(ledger, token.secret))?.role, 'operator');
        await revokeToken(ledger, token.id);
        assert.equal(await authenticate(ledger, token.secret), null);
        await assert.rejects(revokeToken(ledger, token.id), /no live token/);
        await assert.rejects(createToken(ledger, { name: 'eve', role: 'root' as 'operator' }), /unknown role/);
        assert.equal((await createToken(ledger, { name: 'shop', role: 'client' })).role, 'client');
      } finally {
        await ledger.close();
      }
    });

    test('an idempotency key returns the first request for the same body, even under concurrent retries, and refuses another body', async () => {
      const p = await populated(backend);
      const ledger = await Ledger.open(p.location);
      try {
        const input = {
          modelId: 'm',
          tokenId: p.tokenId,
          reason: 'erasure',
          ids: ['a/train/1', 'a/train/2'],
          bodyDigest: 'b1',
        };
        const again = await createRequest(ledger, { ...input, idempotencyKey: 'k1' });
        assert.deepEqual({ id: again.request.id, created: again.created }, { id: p.requestId, created: false });
        await assert.rejects(
          createRequest(ledger, { ...input, idempotencyKey: 'k1', bodyDigest: 'b9' }),
          IdempotencyConflict,
        );
        const racing = await Promise.all(
          Array.from({ length: 8 }, () => createRequest(ledger, { ...input, idempotencyKey: 'k-race' })),
        );
        assert.equal(new Set(racing.map((r) => r.request.id)).size, 1);
        assert.equal(racing.filter((r) => r.created).length, 1);
        assert.equal((await verifyLedger(ledger)).ok, true);
      } finally {
        await ledger.close();
      }
    });

    test('a backup is a verified copy whose recorded head detects a copy cut short', async () => {
      const p = await populated(backend);
      const ledger = await Ledger.open(p.location);
      const file = join(dir, `backup-${counter++}.sqlite`);
      try {
        const result = await backupLedger(ledger, file);
        assert.equal(result.head.seq, result.events);
        const events = await ledger.events();
        assert.equal(events.at(-1)!.type, 'ledger.backed-up', 'the source ledger records the backup and its head');
        assert.equal(events.at(-1)!.payload.hash, result.head.hash);
      } finally {
        await ledger.close();
      }
      assert.equal((await verify(file, { expectHead: headOf(file) })).ok, true);
      // Cut the copy's last event and what it created: its own chain still verifies, the head does not.
      const copy = new Database(file);
      const last = copy.prepare('SELECT seq, type, subject FROM events ORDER BY seq DESC LIMIT 1').get() as {
        seq: number;
        type: string;
        subject: string;
      };
      copy.exec('DROP TRIGGER events_no_delete');
      copy.prepare('DELETE FROM events WHERE seq = ?').run(last.seq);
      assert.equal(last.type, 'pilot.traffic');
      copy.prepare('UPDATE pilots SET seen = 0, disagreements = 0').run();
      copy.prepare('DELETE FROM pilot_clients').run();
      copy.close();
      assert.equal((await verify(file)).ok, true, 'truncation leaves a valid chain');
      const cut = await verify(file, { expectHead: headOf(file) });
      assert.equal(cut.ok, false);
      assert.match(cut.firstBad!.problem, /truncated/);
      const cli = spawnSync(
        process.execPath,
        [TMU_BIN, 'ledger', 'verify', '--db', file, '--expect-head', `${file}.head.json`],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(cli.status, 1);
      assert.match(cli.stdout, /truncated/);
    });
  });
}

function headOf(file: string): { seq: number; hash: string } {
  const head = JSON.parse(readFileSync(`${file}.head.json`, 'utf8')) as { seq: number; hash: string };
  return { seq: head.seq, hash: head.hash };
}

test('a SQLite ledger migrates to PostgreSQL (tmu ledger migrate) and the copy verifies, with the same head', async () => {
  const p = await populated(BACKENDS[0]!);
  const target = await postgres.createDatabase(`migrated_${counter++}`);
  const cli = spawnSync(
    process.execPath,
    [TMU_BIN, 'ledger', 'migrate', '--from', `sqlite:${p.location}`, '--to', target, '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const migrated = JSON.parse(cli.stdout) as { rows: Record<string, number>; head: { seq: number; hash: string } };
  assert.equal(migrated.rows.requests, 2);
  const source = await verify(p.location);
  const copy = await verify(target);
  assert.equal(copy.ok, true, JSON.stringify(copy.problems));
  assert.deepEqual({ head: copy.head, seq: copy.headSeq }, { head: source.head, seq: source.headSeq });
  // A second migration into the now non-empty ledger is refused.
  const again = spawnSync(
    process.execPath,
    [TMU_BIN, 'ledger', 'migrate', '--from', `sqlite:${p.location}`, '--to', target],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);
  // And the copy is a ledger like any other: a later write chains on, verify and tampering work there.
  const ledger = await Ledger.open(target);
  try {
    await createToken(ledger, { name: 'late', role: 'auditor' });
    assert.equal((await verifyLedger(ledger)).ok, true);
  } finally {
    await ledger.close();
  }
  await copyLedgerRefusesNonEmpty(p.location, target);
});

async function copyLedgerRefusesNonEmpty(from: string, to: string): Promise<void> {
  const source = await Ledger.open(from);
  const target = await Ledger.open(to);
  try {
    await assert.rejects(copyLedger(source, target), /not empty/);
  } finally {
    await source.close();
    await target.close();
  }
}

test('a ledger of the first SQLite schema migrates in place and still verifies, its token hashes recorded', async () => {
  const path = join(dir, 'v1.sqlite');
  const db = new Database(path);
  db.exec(SQLITE_MIGRATIONS[0]!);
  db.pragma('user_version = 1');
  db.close();
  // Written by the schema-1 code: token.created without the hash.
  const { eventHash, GENESIS_HASH } = await import('../../src/ledger/eventHash.js');
  const raw = new Database(path);
  const at = '2024-01-01T00:00:00.000Z';
  const payload = canonicalJson({ name: 'old', role: 'operator' });
  raw
    .prepare('INSERT INTO tokens (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
    .run('tok_old', 'old', 'operator', 'h'.repeat(64), at);
  const hash = eventHash({
    seq: 1,
    at,
    type: 'token.created',
    actor: 'cli',
    subject: 'tok_old',
    payload,
    prevHash: GENESIS_HASH,
  });
  raw
    .prepare(
      'INSERT INTO events (seq, at, type, actor, subject, payload, prev_hash, hash) VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(at, 'token.created', 'cli', 'tok_old', payload, GENESIS_HASH, hash);
  raw.close();
  const ledger = await Ledger.open(path);
  try {
    const result = await verifyLedger(ledger);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.equal((await ledger.events()).at(-1)!.type, 'token.hash-recorded');
    assert.equal(
      (await createToken(ledger, { name: 'shop', role: 'client' })).role,
      'client',
      'the client role exists now',
    );
  } finally {
    await ledger.close();
  }
  await BACKENDS[0]!.tamper(path, "UPDATE tokens SET token_hash = 'x' WHERE id = 'tok_old'");
  assert.match((await verify(path)).firstBad!.problem, /credential was replaced/);
});

test('a file that is not a SQLite ledger, or a missing one opened without create, is a clear error', async () => {
  const junk = join(dir, 'junk.sqlite');
  writeFileSync(junk, 'this is not a database, just some text that is long enough to look like a header....');
  await assert.rejects(Ledger.open(junk), /junk\.sqlite/);
  await assert.rejects(Ledger.open(join(dir, 'missing.sqlite'), { create: false }), /does not exist/);
});
