/**
 * The ledger on a real SQLite file: migrations, the hash chain, verification naming the first edited row
 * in the event log and in each state table, tokens stored hashed, idempotent request filing, and clear
 * errors for files that are not ledgers.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import Database from 'better-sqlite3';

import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { addVersion, registerModel } from '../../src/ledger/models.js';
import { createRequest, IdempotencyConflict } from '../../src/ledger/requests.js';
import { authenticate, createToken, revokeToken } from '../../src/ledger/tokens.js';
import { verifyLedger } from '../../src/ledger/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'tmu-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** A ledger with a model, a token, two requests and a candidate version. */
function populated(): { path: string; requestId: string; tokenId: string; versionId: string } {
  const path = join(dir, `ledger-${counter++}.sqlite`);
  const ledger = Ledger.open(path);
  try {
    const token = createToken(ledger, { name: 'alice', role: 'requester' });
    const model = registerModel(ledger, {
      id: 'm',
      path: 'base',
      digest: 'd'.repeat(64),
      splitDigest: 's'.repeat(64),
      dataset: 'fashion-mnist',
      memberCount: 10,
      actor: 'cli',
    });
    const { request } = createRequest(ledger, {
      modelId: 'm',
      tokenId: token.id,
      reason: 'erasure',
      ids: ['a/train/1', 'a/train/2'],
      idempotencyKey: 'k1',
      bodyDigest: 'b1',
    });
    createRequest(ledger, {
      modelId: 'm',
      tokenId: token.id,
      reason: 'erasure 2',
      ids: ['a/train/3'],
      idempotencyKey: null,
      bodyDigest: 'b2',
    });
    const version = addVersion(
      ledger,
      {
        modelId: 'm',
        parentId: model.productionVersion,
        digest: 'e'.repeat(64),
        path: '.tmu-versions/m/v',
        method: 'tmu',
        params: {},
        jobId: null,
        forgottenCount: 2,
        forgottenDigest: 'f'.repeat(64),
        status: 'candidate',
      },
      'system',
    );
    return { path, requestId: request.id, tokenId: token.id, versionId: version.id };
  } finally {
    ledger.close();
  }
}

function tamper(path: string, sql: string, ...args: unknown[]): void {
  const db = new Database(path);
  try {
    db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
    db.prepare(sql).run(...args);
  } finally {
    db.close();
  }
}

function verify(path: string): ReturnType<typeof verifyLedger> {
  const ledger = Ledger.open(path, { create: false });
  try {
    return verifyLedger(ledger);
  } finally {
    ledger.close();
  }
}

test('canonical JSON sorts keys at every depth and refuses non-JSON values', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
    '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
  );
  assert.throws(() => canonicalJson({ a: Number.NaN }), /NaN/);
  assert.throws(() => canonicalJson({ a: () => 1 }), /function/);
});

test('a fresh ledger verifies, and every event links to the one before', () => {
  const { path } = populated();
  const result = verify(path);
  assert.equal(result.ok, true, JSON.stringify(result.firstBad));
  assert.equal(result.checked.requests, 2);
  const ledger = Ledger.open(path);
  try {
    const events = ledger.events();
    assert.equal(events.length, result.events);
    for (let i = 1; i < events.length; i++) assert.equal(events[i]!.prevHash, events[i - 1]!.hash);
    assert.equal(events.at(-1)!.hash, result.head);
  } finally {
    ledger.close();
  }
});

test('the service cannot edit or delete events (triggers), and appends outside a transaction are refused', () => {
  const { path } = populated();
  const ledger = Ledger.open(path);
  try {
    assert.throws(() => ledger.db.prepare('DELETE FROM events WHERE seq = 1').run(), /append-only/);
    assert.throws(() => ledger.append({ type: 'x', actor: 'cli', subject: 's', payload: {} }), /inside a transaction/);
  } finally {
    ledger.close();
  }
});

test('verification names an edited, deleted or inserted event row', () => {
  const edited = populated();
  tamper(edited.path, "UPDATE events SET actor = 'mallory' WHERE seq = 3");
  assert.deepEqual(verify(edited.path).firstBad, {
    table: 'events',
    row: '3',
    problem: "hash does not match the row's contents (the row was edited)",
  });
  const deleted = populated();
  tamper(deleted.path, 'DELETE FROM events WHERE seq = 2');
  assert.equal(verify(deleted.path).firstBad?.row, '3');
  assert.match(verify(deleted.path).firstBad!.problem, /removed or inserted/);
});

test('verification names a state row edited by hand: a token role, a request reason, a request id list, a version digest', () => {
  const role = populated();
  tamper(role.path, "UPDATE tokens SET role = 'auditor' WHERE id = ?", role.tokenId);
  assert.deepEqual({ ...verify(role.path).firstBad, problem: '' }, { table: 'tokens', row: role.tokenId, problem: '' });
  const reason = populated();
  tamper(reason.path, "UPDATE requests SET reason = 'nothing' WHERE id = ?", reason.requestId);
  assert.equal(verify(reason.path).firstBad?.row, reason.requestId);
  const ids = populated();
  tamper(ids.path, 'DELETE FROM request_samples WHERE request_id = ? AND sample_id = ?', ids.requestId, 'a/train/2');
  assert.match(verify(ids.path).firstBad!.problem, /sample ids/);
  const status = populated();
  tamper(status.path, "UPDATE requests SET status = 'promoted' WHERE id = ?", status.requestId);
  assert.match(verify(status.path).firstBad!.problem, /status 'promoted'/);
  const digest = populated();
  tamper(digest.path, "UPDATE model_versions SET digest = 'x' WHERE id = ?", digest.versionId);
  assert.equal(verify(digest.path).firstBad?.table, 'model_versions');
});

test('tokens are stored hashed, authenticate until revoked, and need a known role', () => {
  const path = join(dir, 'tokens.sqlite');
  const ledger = Ledger.open(path);
  try {
    const token = createToken(ledger, { name: 'bob', role: 'operator' });
    assert.match(token.secret, /^tmu_/);
    const stored = ledger.db.prepare('SELECT token_hash FROM tokens WHERE id = ?').get(token.id) as {
      token_hash: string;
    };
    assert.notEqual(stored.token_hash, token.secret);
    assert.equal(authenticate(ledger, token.secret)?.role, 'operator');
    revokeToken(ledger, token.id);
    assert.equal(authenticate(ledger, token.secret), null);
    assert.throws(() => revokeToken(ledger, token.id), /no live token/);
    assert.throws(() => createToken(ledger, { name: 'eve', role: 'root' as 'operator' }), /unknown role/);
  } finally {
    ledger.close();
  }
});

test('an idempotency key returns the first request for the same body and refuses another body', () => {
  const { path, tokenId, requestId } = populated();
  const ledger = Ledger.open(path);
  try {
    const again = createRequest(ledger, {
      modelId: 'm',
      tokenId,
      reason: 'erasure',
      ids: ['a/train/1', 'a/train/2'],
      idempotencyKey: 'k1',
      bodyDigest: 'b1',
    });
    assert.deepEqual({ id: again.request.id, created: again.created }, { id: requestId, created: false });
    assert.throws(
      () =>
        createRequest(ledger, {
          modelId: 'm',
          tokenId,
          reason: 'other',
          ids: ['a/train/1'],
          idempotencyKey: 'k1',
          bodyDigest: 'b9',
        }),
      IdempotencyConflict,
    );
  } finally {
    ledger.close();
  }
});

test('a file that is not a SQLite ledger, or a missing one opened without create, is a clear error', () => {
  const junk = join(dir, 'junk.sqlite');
  writeFileSync(junk, 'this is not a database, just some text that is long enough to look like a header....');
  assert.throws(() => Ledger.open(junk), /junk\.sqlite/);
  assert.throws(() => Ledger.open(join(dir, 'missing.sqlite'), { create: false }), /does not exist/);
});
