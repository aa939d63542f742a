/**
 * The deletion-request API over a real server on loopback and a real SQLite ledger: authentication and
 * roles, bad input, 200 concurrent requests recorded exactly once with idempotent retries, the OpenAPI
 * document, and ledger verification before and after a row is edited by hand. Jobs are held back (a long
 * batching window) so that only the API is exercised.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Database from 'better-sqlite3';
import { TMU_BIN } from '../unlearn/support.js';
import { api, freshMembers, inPool, startTestService, type TestService } from './support.js';

describe('deletion-request API', { timeout: 600_000 }, () => {
  let service: TestService;
  before(async () => {
    // 250 ids at most: the body limit follows (about 77 KB), so a 100 KB body is over it.
    service = await startTestService({ batchWindowMs: 3_600_000, config: { maxIdsPerRequest: 250 } });
  });
  after(() => service?.stop());

  const file = (ids: string[], options: { token?: string; key?: string; reason?: string } = {}) =>
    api(service, 'POST', '/v1/deletion-requests', {
      token: options.token ?? service.tokens.requester,
      body: { model: service.modelId, ids, reason: options.reason ?? 'customer request' },
      ...(options.key ? { headers: { 'idempotency-key': options.key } } : {}),
    });

  test('the OpenAPI document and health need no token; the document lists every v1 route', async () => {
    const doc = await api(service, 'GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    for (const path of [
      '/v1/models',
      '/v1/deletion-requests',
      '/v1/deletion-requests/{id}',
      '/v1/models/{id}/promote',
      '/v1/models/{id}/rollback',
      '/v1/models/{id}/predict',
      '/v1/ledger/verify',
    ]) {
      assert.ok(doc.body.paths[path], `OpenAPI document lacks ${path}`);
    }
    assert.deepEqual(
      Object.keys(
        doc.body.paths['/v1/deletion-requests'].post.requestBody.content['application/json'].schema.properties,
      ).sort(),
      ['ids', 'model', 'reason', 'where'],
    );
    assert.equal((await api(service, 'GET', '/v1/health')).status, 200);
  });

  test('a missing, malformed or unknown token is 401; a token of the wrong role is 403', async () => {
    const missing = await api(service, 'GET', '/v1/deletion-requests');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'unauthorized');
    assert.equal(
      (await api(service, 'GET', '/v1/deletion-requests', { headers: { authorization: 'Basic abc' } })).status,
      401,
    );
    assert.equal((await api(service, 'GET', '/v1/deletion-requests', { token: 'tmu_not-a-real-token' })).status, 401);
    const promote = await api(service, 'POST', `/v1/models/${service.modelId}/promote`, {
      token: service.tokens.requester,
      body: { version: 'ver_x' },
    });
    assert.equal(promote.status, 403);
    assert.match(promote.body.error.message, /operator/);
    assert.equal(
      (await file(freshMembers(service, 1), { token: service.tokens.auditor })).status,
      403,
      'an auditor cannot file requests',
    );
    assert.equal(
      (await api(service, 'GET', '/v1/ledger/events', { token: service.tokens.operator })).status,
      403,
      'only auditors read the raw event log',
    );
  });

  test('unknown and non-member ids are 422 listing them, and nothing is recorded', async () => {
    const before = (await api(service, 'GET', '/v1/deletion-requests?limit=1000', { token: service.tokens.auditor }))
      .body.requests.length;
    const member = freshMembers(service, 1)[0]!;
    const nonMember = service.nonMembers[0]!;
    const response = await file([member, 'fashion-mnist/train/99999999', nonMember, 'no-such-sample']);
    assert.equal(response.status, 422);
    assert.deepEqual(response.body.error.details.unknown, {
      ids: ['fashion-mnist/train/99999999', 'no-such-sample'],
      count: 2,
    });
    assert.deepEqual(response.body.error.details.nonMember, { ids: [nonMember], count: 1 });
    const duplicate = await file([member, member]);
    assert.equal(duplicate.status, 422);
    assert.deepEqual(duplicate.body.error.details.duplicates.ids, [member]);
    const unknownModel = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: 'nope', ids: [member], reason: 'x' },
    });
    assert.equal(unknownModel.status, 422);
    const after = (await api(service, 'GET', '/v1/deletion-requests?limit=1000', { token: service.tokens.auditor }))
      .body.requests.length;
    assert.equal(after, before);
  });

  test('malformed JSON is 400, a body that does not match the schema is 400 naming the field, a body over the limit is 413', async () => {
    const malformed = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      raw: '{"model": "fmnist-cnn", "ids": [',
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /JSON/);
    const wrongShape = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: service.modelId, ids: 'fashion-mnist/train/1', reason: 'x', extra: 1 },
    });
    assert.equal(wrongShape.status, 400);
    assert.match(wrongShape.body.error.message, /ids/);
    const huge = await api(service, 'POST', '/v1/deletion-requests', {
      token: service.tokens.requester,
      body: { model: service.modelId, ids: ['fashion-mnist/train/1'], reason: 'x'.repeat(100 * 1024) },
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'payload_too_large');
  });

  test('a model path outside the models directory is rejected, by .., by absolute path and by symlink', async () => {
    mkdirSync(join(service.dir, 'outside'), { recursive: true });
    spawnSync('cp', ['-r', join(service.modelsDir, 'base'), join(service.dir, 'outside', 'model')]);
    symlinkSync(join(service.dir, 'outside', 'model'), join(service.modelsDir, 'sneaky'));
    for (const path of ['../outside/model', join(service.dir, 'outside', 'model'), 'sneaky', 'missing']) {
      const response = await api(service, 'POST', '/v1/models', {
        token: service.tokens.operator,
        body: { id: `m-${path.length}`, path },
      });
      assert.equal(response.status, 422, `${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'bad_path');
    }
    const duplicate = await api(service, 'POST', '/v1/models', {
      token: service.tokens.operator,
      body: { id: service.modelId, path: 'base' },
    });
    assert.equal(duplicate.status, 409);
  });

  test('200 concurrent deletion requests are all recorded exactly once, and idempotent retries make no duplicates', async () => {
    const ids = freshMembers(service, 200);
    const fileAll = () =>
      inPool(ids.length, 25, async (i) => {
        const response = await file([ids[i]!], { key: `concurrent-${i}` });
        return { status: response.status, id: response.body.request?.id as string };
      });
    const results = await fileAll();
    assert.deepEqual([...new Set(results.map((r) => r.status))], [202]);
    assert.equal(new Set(results.map((r) => r.id)).size, 200);
    // Retries (same key, same body) return the first request; the same key with another body is refused.
    const retries = await fileAll();
    assert.deepEqual([...new Set(retries.map((r) => r.status))], [200]);
    assert.deepEqual(
      retries.map((r) => r.id),
      results.map((r) => r.id),
    );
    const reused = await file([ids[0]!, ids[1]!], { key: 'concurrent-0' });
    assert.equal(reused.status, 409);
    const db = new Database(service.dbPath, { readonly: true });
    try {
      const rows = db
        .prepare(
          'SELECT sample_id, COUNT(*) AS n FROM request_samples WHERE sample_id IN (SELECT value FROM json_each(?)) GROUP BY sample_id',
        )
        .all(JSON.stringify(ids)) as { n: number }[];
      assert.equal(rows.length, 200);
      assert.ok(
        rows.every((row) => row.n === 1),
        'every id recorded exactly once',
      );
      const created = db
        .prepare(
          "SELECT COUNT(*) AS n FROM events WHERE type = 'request.created' AND subject IN (SELECT value FROM json_each(?))",
        )
        .get(JSON.stringify(results.map((r) => r.id))) as { n: number };
      assert.equal(created.n, 200, 'one ledger event per request');
    } finally {
      db.close();
    }
  });

  test('a requester sees only its own requests; auditors see all', async () => {
    const mine = await file(freshMembers(service, 1));
    assert.equal(mine.status, 202);
    const operatorFiled = await file(freshMembers(service, 1), { token: service.tokens.operator });
    assert.equal(operatorFiled.status, 202);
    const requesterView = await api(service, 'GET', `/v1/deletion-requests/${operatorFiled.body.request.id}`, {
      token: service.tokens.requester,
    });
    assert.equal(requesterView.status, 404);
    const list = await api(service, 'GET', '/v1/deletion-requests?limit=1000', { token: service.tokens.requester });
    assert.ok(list.body.requests.every((r: { tokenId: string }) => r.tokenId === mine.body.request.tokenId));
    const auditorView = await api(service, 'GET', `/v1/deletion-requests/${operatorFiled.body.request.id}`, {
      token: service.tokens.auditor,
    });
    assert.equal(auditorView.status, 200);
    assert.equal(auditorView.body.request.ids.length, 1);
  });

  test('the ledger verifies, and after a row is edited by hand verification fails naming that row', async () => {
    const verified = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(verified.status, 200);
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body.firstBad));
    const cli = spawnSync(process.execPath, [TMU_BIN, 'ledger', 'verify', '--db', service.dbPath], {
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /verifies/);

    const db = new Database(service.dbPath);
    let seq: number;
    try {
      // The service's own connection cannot edit events (triggers); someone with the file can drop them.
      assert.throws(() => db.prepare("UPDATE events SET actor = 'x' WHERE seq = 5").run(), /append-only/);
      db.exec('DROP TRIGGER events_no_update');
      seq = (
        db.prepare("SELECT seq FROM events WHERE type = 'request.created' ORDER BY seq LIMIT 1 OFFSET 3").get() as {
          seq: number;
        }
      ).seq;
      db.prepare(
        "UPDATE events SET payload = replace(payload, 'customer request', 'nothing to see') WHERE seq = ?",
      ).run(seq);
    } finally {
      db.close();
    }
    const tampered = await api(service, 'GET', '/v1/ledger/verify', { token: service.tokens.auditor });
    assert.equal(tampered.body.ok, false);
    assert.deepEqual(
      { table: tampered.body.firstBad.table, row: tampered.body.firstBad.row },
      { table: 'events', row: String(seq) },
    );
    const failed = spawnSync(process.execPath, [TMU_BIN, 'ledger', 'verify', '--db', service.dbPath], {
      encoding: 'utf8',
    });
    assert.equal(failed.status, 1);
    assert.match(failed.stdout, new RegExp(`events row ${seq}:`));
  });
});
