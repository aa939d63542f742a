/**
 * The compliance report as HTML: built from a real ledger (a request filed, unlearned by a job, evaluated,
 * piloted and promoted), the page states the key facts and escapes everything from the ledger.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { type ComplianceReport, complianceReport } from '../../src/ledger/compliance.js';
import { renderComplianceHtml } from '../../src/ledger/complianceHtml.js';
import { addReport, createJob, finishJob, finishPilot, recordPilotTraffic, startPilot } from '../../src/ledger/jobs.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { addVersion, registerModel, setProduction, setVersionStatus } from '../../src/ledger/models.js';
import { createRequest, setRequestStatus } from '../../src/ledger/requests.js';
import { createToken } from '../../src/ledger/tokens.js';

const EVIL_REASON = 'GDPR art. 17 <script>alert("x")</script> & more';

async function buildLedger(): Promise<{ ledger: Ledger; requestId: string; versionId: string; jobId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-compliance-html-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = await Ledger.open(join(dir, 'ledger.db'));
  after(() => ledger.close());
  const requester = await createToken(ledger, { name: 'alice', role: 'requester' });
  const model = await registerModel(ledger, {
    id: 'fmnist-mlp',
    path: 'fmnist-mlp',
    digest: 'a'.repeat(64),
    splitDigest: 'b'.repeat(64),
    dataset: 'fashion-mnist',
    memberCount: 45000,
    actor: 'cli',
  });
  const ids = ['fashion-mnist/train/7', 'fashion-mnist/train/42', 'fashion-mnist/train/<b>9</b>'];
  const { request } = await createRequest(ledger, {
    modelId: model.id,
    tokenId: requester.id,
    reason: EVIL_REASON,
    ids,
    idempotencyKey: null,
    bodyDigest: 'c'.repeat(64),
  });
  const job = await createJob(
    ledger,
    {
      modelId: model.id,
      parentVersion: model.productionVersion,
      method: 'tmu',
      params: { epochs: 3 },
      requestIds: [request.id],
    },
    'system',
  );
  await setRequestStatus(ledger, [request.id], { status: 'running', jobId: job.id }, 'system');
  const version = await addVersion(
    ledger,
    {
      modelId: model.id,
      parentId: model.productionVersion,
      digest: 'd'.repeat(64),
      path: 'fmnist-mlp/v1',
      method: 'tmu',
      params: { epochs: 3 },
      jobId: job.id,
      forgottenCount: 3,
      forgottenDigest: request.idsDigest,
      status: 'candidate',
    },
    'system',
  );
  await addReport(
    ledger,
    {
      jobId: job.id,
      versionId: version.id,
      kind: 'evaluate',
      body: {
        passed: true,
        gates: [
          {
            name: 'testAccDrop',
            value: 0.31,
            threshold: 1.0,
            passed: true,
            description: 'test accuracy drop <= 1 point',
          },
          { name: 'forgetAccBelowParent', value: 17, threshold: 0, passed: true, description: 'forget accuracy fell' },
        ],
        metrics: {
          parentTestAcc: 91.2,
          candidateTestAcc: 90.89,
          testAccDrop: 0.31,
          parentForgetAcc: 97,
          candidateForgetAcc: 80,
          miaEfficacy: 62,
          miaReference: 58,
          easy: 2,
          hard: 1,
          forgetCount: 3,
          newIds: 3,
        },
        seconds: { unlearn: 3.2, evaluate: 1.1, audit: null },
        audit: null,
        method: 'tmu',
        params: { epochs: 3 },
      },
    },
    'system',
  );
  await finishJob(ledger, job.id, { status: 'succeeded', versionId: version.id, seconds: 4.3 }, 'system');
  await setRequestStatus(ledger, [request.id], { status: 'evaluated', versionId: version.id }, 'system');
  await startPilot(ledger, { versionId: version.id, modelId: model.id, target: 50 }, 'system');
  await setRequestStatus(ledger, [request.id], { status: 'piloting' }, 'system');
  const client = await createToken(ledger, { name: 'web', role: 'client' });
  await recordPilotTraffic(ledger, version.id, client.id, 50, 1);
  await finishPilot(ledger, version.id, 'passed', 'system', { disagreementRate: 0.02 });
  await addReport(
    ledger,
    {
      jobId: job.id,
      versionId: version.id,
      kind: 'pilot',
      body: { passed: true, seen: 50, target: 50, disagreements: 1, disagreementRate: 0.02, threshold: 0.05 },
    },
    'system',
  );
  await setVersionStatus(ledger, version.id, 'promoted', 'system');
  await setProduction(ledger, model.id, version.id, 'system', 'promote');
  await setRequestStatus(ledger, [request.id], { status: 'promoted', reason: 'pilot passed' }, 'system');
  return { ledger, requestId: request.id, versionId: version.id, jobId: job.id };
}

test('the compliance page of a promoted request states its facts, its evidence and the verification', async () => {
  const { ledger, requestId, versionId, jobId } = await buildLedger();
  const report = await complianceReport(ledger, requestId);
  const html = renderComplianceHtml(report);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes(`<title>Compliance report: deletion request ${requestId}</title>`));
  assert.ok(html.includes(`<h1>Deletion request ${requestId}</h1>`));
  for (const fact of [
    'fmnist-mlp',
    report.request.tokenId,
    'promoted',
    'pilot passed',
    report.request.idsDigest,
    versionId,
    jobId,
    'd'.repeat(16),
    'testAccDrop',
    'forgetAccBelowParent',
    'miaEfficacy',
    '50 / 50',
    'The ledger verifies',
    report.verification.head,
  ]) {
    assert.ok(html.includes(fact), `the page mentions ${fact}`);
  }
  assert.ok(report.inProduction);
  assert.match(html, /in production<\/th><td><span class="ok">yes<\/span>/);
  assert.match(html, /<details><summary>3 sample ids/);
  assert.ok(html.includes('<li>fashion-mnist/train/7</li>'));
  // Every event about the request appears with its seq and a hash prefix.
  for (const event of report.events) {
    assert.ok(html.includes(`>${event.type}<`), `event ${event.type}`);
    assert.ok(html.includes(`${event.hash.slice(0, 12)}…`), `hash prefix of event ${event.seq}`);
  }
  assert.equal((html.match(/✓ passed/g) ?? []).length, 4, 'two gates, the evaluation and the pilot passed');
});

test('the compliance page escapes every string from the ledger', async () => {
  const { ledger, requestId } = await buildLedger();
  const html = renderComplianceHtml(await complianceReport(ledger, requestId));
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes('<b>9</b>'), 'sample ids are escaped');
  assert.ok(html.includes('GDPR art. 17 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'));
  assert.ok(html.includes('fashion-mnist/train/&lt;b&gt;9&lt;/b&gt;'));
});

test('a failed verification, a missing version and no reports are shown as such', async () => {
  const { ledger, requestId } = await buildLedger();
  const full = await complianceReport(ledger, requestId);
  const report: ComplianceReport = {
    ...full,
    request: { ...full.request, status: 'queued', statusReason: null, versionId: null, jobId: null },
    jobs: [],
    version: null,
    parentVersion: null,
    reports: [],
    pilot: null,
    inProduction: false,
    events: full.events.slice(0, 1),
    verification: {
      ok: false,
      events: 4,
      checked: {},
      problems: [{ table: 'events', row: '5', problem: "hash does not match the row's contents <edited>" }],
      firstBad: { table: 'events', row: '5', problem: "hash does not match the row's contents <edited>" },
      head: full.verification.head,
      headSeq: full.verification.headSeq,
    },
  };
  const html = renderComplianceHtml(report);
  assert.ok(html.includes('The ledger does not verify'));
  assert.ok(html.includes('hash does not match the row&#39;s contents &lt;edited&gt;'));
  assert.ok(html.includes('No evaluation report yet.'));
  assert.match(html, /in production<\/th><td><span class="bad">no<\/span>/);
  assert.ok(html.includes('production now'));
});
