/**
 * Verification of a ledger: recomputes the event hash chain, checks every state row against the events
 * that wrote it (tokens with their credential hash, models, versions, requests with their sample ids,
 * jobs with their requests, reports, pilots with their counters and clients), and every event against
 * the row it created, so a row edited, inserted or deleted by hand, in the log or in the state tables,
 * is named. Every problem is reported, not only the first.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import { eventHash, GENESIS_HASH } from './eventHash.js';
import type { EventRow, Ledger } from './ledger.js';
import { sampleIdsDigest } from './requests.js';

/** One problem found. */
export interface LedgerProblem {
  table: string;
  /** The row: an event's seq, or a state row's id. */
  row: string;
  problem: string;
}

/** What {@link verifyLedger} found. */
export interface VerifyResult {
  ok: boolean;
  events: number;
  /** Rows checked per state table. */
  checked: Record<string, number>;
  /** Every problem, in the order of the checks (the event log first). */
  problems: LedgerProblem[];
  /** The first problem, or null. */
  firstBad: LedgerProblem | null;
  /** The hash of the last event: a value to write down (or publish) to detect a truncated log later. */
  head: string;
  /** The seq of the last event (0 for an empty log). */
  headSeq: number;
}

/** A chain head recorded earlier (by `tmu ledger backup`, or written down). */
export interface ExpectedHead {
  seq: number;
  hash: string;
}

interface Event {
  seq: number;
  type: string;
  actor: string;
  subject: string;
  payload: Record<string, unknown>;
}

const REQUEST_STATUSES = ['queued', 'running', 'evaluated', 'piloting', 'promoted', 'rejected', 'failed'];
const JOB_ENDS = ['succeeded', 'failed', 'interrupted'];

/** Events indexed by subject, in chain order. */
class EventIndex {
  private readonly bySubject = new Map<string, Event[]>();
  readonly all: Event[] = [];

  add(event: Event): void {
    this.all.push(event);
    const list = this.bySubject.get(event.subject);
    if (list) list.push(event);
    else this.bySubject.set(event.subject, [event]);
  }

  of(subject: string): Event[] {
    return this.bySubject.get(subject) ?? [];
  }

  first(type: string, subject: string): Record<string, unknown> | null {
    return this.of(subject).find((event) => event.type === type)?.payload ?? null;
  }

  last(subject: string, types: readonly string[]): Event | null {
    const list = this.of(subject);
    for (let i = list.length - 1; i >= 0; i--) if (types.includes(list[i]!.type)) return list[i]!;
    return null;
  }

  subjects(type: string): string[] {
    return [...new Set(this.all.filter((event) => event.type === type).map((event) => event.subject))];
  }
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

function parsed(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol('unparsable');
  }
}

/**
 * Checks the chain and the state rows on one snapshot of the ledger. With `expectHead`, also checks that
 * the log still holds that event (a copy truncated before it fails).
 */
export async function verifyLedger(ledger: Ledger, options: { expectHead?: ExpectedHead } = {}): Promise<VerifyResult> {
  return ledger.snapshot(() => verifySnapshot(ledger, options));
}

async function verifySnapshot(ledger: Ledger, options: { expectHead?: ExpectedHead }): Promise<VerifyResult> {
  const problems: LedgerProblem[] = [];
  const checked: Record<string, number> = {};
  const bad = (table: string, row: string | number, problem: string): void => {
    problems.push({ table, row: String(row), problem });
  };

  // 1. The chain itself. Each row is compared with its stored predecessor, so one edit is one problem.
  const index = new EventIndex();
  let previous = GENESIS_HASH;
  let expectedSeq = 1;
  let events = 0;
  let headSeq = 0;
  const hashes = new Map<number, string>();
  for (const row of await ledger.all<EventRow>('SELECT * FROM events ORDER BY seq')) {
    events++;
    const found: string[] = [];
    if (row.seq !== expectedSeq) found.push(`expected seq ${expectedSeq}: an event was removed or inserted`);
    if (row.prev_hash !== previous) found.push('prev_hash does not match the hash of the event before it');
    const hash = eventHash({
      seq: row.seq,
      at: row.at,
      type: row.type,
      actor: row.actor,
      subject: row.subject,
      payload: row.payload,
      prevHash: row.prev_hash,
    });
    if (hash !== row.hash) found.push("hash does not match the row's contents (the row was edited)");
    let payload: Record<string, unknown> | null = null;
    try {
      payload = JSON.parse(row.payload) as Record<string, unknown>;
      if (canonicalJson(payload) !== row.payload) found.push('payload is not canonical JSON');
    } catch (error) {
      found.push(`payload is not canonical JSON (${(error as Error).message})`);
    }
    for (const problem of found) bad('events', row.seq, problem);
    if (payload) index.add({ seq: row.seq, type: row.type, actor: row.actor, subject: row.subject, payload });
    previous = row.hash;
    expectedSeq = row.seq + 1;
    headSeq = row.seq;
    hashes.set(row.seq, row.hash);
  }
  if (options.expectHead && options.expectHead.seq > 0) {
    const { seq, hash } = options.expectHead;
    const stored = hashes.get(seq);
    if (stored === undefined)
      bad('events', seq, `the recorded head (seq ${seq}) is missing: the log was truncated to ${headSeq} events`);
    else if (stored !== hash) bad('events', seq, `the recorded head hash ${hash} differs from the log's ${stored}`);
  }

  // 2. State rows against their events, and 3. events against the rows they created.
  const tokenRoles = new Map<string, string>();
  checked.tokens = 0;
  const tokens = await ledger.all<{
    id: string;
    name: string;
    role: string;
    token_hash: string;
    revoked_at: string | null;
  }>('SELECT id, name, role, token_hash, revoked_at FROM tokens');
  for (const row of tokens) {
    checked.tokens++;
    tokenRoles.set(row.id, row.role);
    const event = index.first('token.created', row.id);
    if (!event) {
      bad('tokens', row.id, 'no token.created event (a token was inserted by hand)');
      continue;
    }
    if (event.role !== row.role || event.name !== row.name)
      bad(
        'tokens',
        row.id,
        `role or name differs from its token.created event (${String(event.role)} ${String(event.name)})`,
      );
    const recorded = event.tokenHash ?? index.last(row.id, ['token.hash-recorded'])?.payload.tokenHash;
    if (recorded === undefined) bad('tokens', row.id, 'no event records its credential hash');
    else if (recorded !== row.token_hash)
      bad('tokens', row.id, 'token_hash differs from the hash its events recorded (the credential was replaced)');
    const revoked = index.last(row.id, ['token.revoked']) !== null;
    if (revoked !== (row.revoked_at !== null))
      bad('tokens', row.id, 'revocation differs from the token.revoked events');
  }
  const tokenIds = new Set(tokens.map((row) => row.id));
  for (const subject of index.subjects('token.created'))
    if (!tokenIds.has(subject)) bad('tokens', subject, 'its token.created event has no row (the token was deleted)');

  checked.models = 0;
  const models = await ledger.all<{
    id: string;
    path: string;
    digest: string;
    split_digest: string;
    dataset: string;
    member_count: number;
    production_version: string;
  }>('SELECT * FROM models');
  const paths = new Map<string, string>();
  for (const row of models) {
    checked.models++;
    const other = paths.get(row.path);
    if (other !== undefined) bad('models', row.id, `its path '${row.path}' is also registered as model '${other}'`);
    paths.set(row.path, row.id);
    const event = index.first('model.registered', row.id);
    if (!event) {
      bad('models', row.id, 'no model.registered event');
      continue;
    }
    if (
      event.path !== row.path ||
      event.digest !== row.digest ||
      event.splitDigest !== row.split_digest ||
      event.memberCount !== row.member_count ||
      event.dataset !== row.dataset
    )
      bad('models', row.id, 'path, digest, split, dataset or member count differs from its model.registered event');
    const move = index.last(row.id, ['model.promoted', 'model.rolled-back']);
    const expected = move ? move.payload.to : event.rootVersion;
    if (row.production_version !== expected)
      bad(
        'models',
        row.id,
        `production version ${row.production_version} differs from the ledger's ${String(expected)}`,
      );
  }
  const modelIds = new Set(models.map((row) => row.id));
  for (const subject of index.subjects('model.registered'))
    if (!modelIds.has(subject)) bad('models', subject, 'its model.registered event has no row (the model was deleted)');

  checked.model_versions = 0;
  const versions = await ledger.all<{
    id: string;
    model_id: string;
    parent_id: string | null;
    digest: string;
    path: string;
    method: string | null;
    job_id: string | null;
    forgotten_count: number;
    forgotten_digest: string | null;
    status: string;
  }>('SELECT * FROM model_versions');
  for (const row of versions) {
    checked.model_versions++;
    if (row.status === 'root') {
      const event = index.first('model.registered', row.model_id);
      if (!event || event.rootVersion !== row.id || event.digest !== row.digest || event.path !== row.path)
        bad('model_versions', row.id, 'root version differs from its model.registered event');
      continue;
    }
    const event = index.first('version.created', row.id);
    if (!event) {
      bad('model_versions', row.id, 'no version.created event');
      continue;
    }
    if (
      event.digest !== row.digest ||
      event.path !== row.path ||
      event.parent !== row.parent_id ||
      event.model !== row.model_id ||
      event.forgottenDigest !== row.forgotten_digest ||
      event.forgottenCount !== row.forgotten_count ||
      (event.job ?? null) !== row.job_id ||
      (event.method ?? null) !== row.method
    )
      bad(
        'model_versions',
        row.id,
        'digest, path, parent, job, method or forgotten ids differ from its version.created event',
      );
    const status =
      index
        .last(row.id, ['version.promoted', 'version.rejected', 'version.candidate'])
        ?.type.slice('version.'.length) ?? (event.status as string);
    if (status !== row.status)
      bad('model_versions', row.id, `status '${row.status}' differs from the ledger's '${status}'`);
  }
  const versionIds = new Set(versions.map((row) => row.id));
  for (const subject of index.subjects('version.created'))
    if (!versionIds.has(subject))
      bad('model_versions', subject, 'its version.created event has no row (the version was deleted)');
  for (const subject of index.subjects('model.registered')) {
    const root = index.first('model.registered', subject)?.rootVersion;
    if (typeof root === 'string' && !versionIds.has(root))
      bad('model_versions', root, `the root version of model '${subject}' has no row (it was deleted)`);
  }

  checked.requests = 0;
  const requests = await ledger.all<{
    id: string;
    model_id: string;
    token_id: string;
    reason: string;
    status: string;
    ids_count: number;
    ids_digest: string;
    idempotency_key: string | null;
    job_id: string | null;
    version_id: string | null;
  }>('SELECT * FROM requests');
  const samples = new Map<string, string[]>();
  for (const row of await ledger.all<{ request_id: string; sample_id: string }>(
    'SELECT request_id, sample_id FROM request_samples ORDER BY request_id, sample_id',
  )) {
    const list = samples.get(row.request_id);
    if (list) list.push(row.sample_id);
    else samples.set(row.request_id, [row.sample_id]);
  }
  const statusTypes = REQUEST_STATUSES.map((status) => `request.${status}`);
  for (const row of requests) {
    checked.requests++;
    const event = index.first('request.created', row.id);
    const created = index.of(row.id).find((e) => e.type === 'request.created');
    if (!event || !created) {
      bad('requests', row.id, 'no request.created event (a request was inserted by hand)');
      continue;
    }
    if (
      event.model !== row.model_id ||
      event.reason !== row.reason ||
      event.idsDigest !== row.ids_digest ||
      event.idsCount !== row.ids_count ||
      (event.idempotencyKey ?? null) !== row.idempotency_key ||
      created.actor !== row.token_id
    )
      bad('requests', row.id, 'model, token, reason, idempotency key or ids differ from its request.created event');
    if (sampleIdsDigest(samples.get(row.id) ?? []) !== row.ids_digest)
      bad('requests', row.id, 'its sample ids (request_samples) differ from the digest the ledger recorded');
    const history = index.of(row.id).filter((e) => statusTypes.includes(e.type));
    const status = history.at(-1)?.type.slice('request.'.length) ?? 'queued';
    if (status !== row.status) bad('requests', row.id, `status '${row.status}' differs from the ledger's '${status}'`);
    let job: unknown = null;
    let version: unknown = null;
    for (const e of history) {
      if (e.payload.job) job = e.payload.job;
      if ('version' in e.payload) version = e.payload.version;
      else if (e.type === 'request.queued') version = null;
    }
    if (job !== row.job_id || version !== row.version_id)
      bad('requests', row.id, 'its job or version link differs from the ledger events');
  }
  const requestIds = new Set(requests.map((row) => row.id));
  for (const subject of index.subjects('request.created'))
    if (!requestIds.has(subject))
      bad('requests', subject, 'its request.created event has no row (the request was deleted)');
  for (const id of samples.keys())
    if (!requestIds.has(id)) bad('request_samples', id, 'sample ids of a request that does not exist');

  checked.jobs = 0;
  const jobs = await ledger.all<{
    id: string;
    model_id: string;
    parent_version: string;
    status: string;
    method: string;
    params: string;
    version_id: string | null;
  }>('SELECT * FROM jobs');
  const links = new Map<string, string[]>();
  for (const row of await ledger.all<{ job_id: string; request_id: string }>(
    'SELECT job_id, request_id FROM job_requests ORDER BY job_id, request_id',
  )) {
    const list = links.get(row.job_id);
    if (list) list.push(row.request_id);
    else links.set(row.job_id, [row.request_id]);
  }
  for (const row of jobs) {
    checked.jobs++;
    const event = index.first('job.started', row.id);
    if (!event) {
      bad('jobs', row.id, 'no job.started event');
      continue;
    }
    if (
      event.model !== row.model_id ||
      event.parentVersion !== row.parent_version ||
      event.method !== row.method ||
      !same(event.params, parsed(row.params))
    )
      bad('jobs', row.id, 'model, parent version, method or params differ from its job.started event');
    if (!same([...((event.requests as string[]) ?? [])].sort(), links.get(row.id) ?? []))
      bad('jobs', row.id, 'its requests (job_requests) differ from its job.started event');
    const end = index.last(
      row.id,
      JOB_ENDS.map((status) => `job.${status}`),
    );
    const status = end?.type.slice('job.'.length) ?? 'running';
    if (status !== row.status) bad('jobs', row.id, `status '${row.status}' differs from the ledger's '${status}'`);
    else if ((end?.payload.version ?? null) !== row.version_id)
      bad('jobs', row.id, 'its version differs from its completion event');
  }
  const jobIds = new Set(jobs.map((row) => row.id));
  for (const subject of index.subjects('job.started'))
    if (!jobIds.has(subject)) bad('jobs', subject, 'its job.started event has no row (the job was deleted)');
  for (const id of links.keys())
    if (!jobIds.has(id)) bad('job_requests', id, 'request links of a job that does not exist');

  checked.reports = 0;
  const reports = await ledger.all<{
    id: string;
    job_id: string;
    version_id: string | null;
    kind: string;
    body: string;
  }>('SELECT id, job_id, version_id, kind, body FROM reports');
  for (const row of reports) {
    checked.reports++;
    const event = index.first('report.added', row.id);
    if (!event) {
      bad('reports', row.id, 'no report.added event');
      continue;
    }
    if (event.bodyDigest !== createHash('sha256').update(row.body).digest('hex'))
      bad('reports', row.id, 'body differs from the digest its report.added event recorded');
    if (event.job !== row.job_id || (event.version ?? null) !== row.version_id || event.kind !== row.kind)
      bad('reports', row.id, 'job, version or kind differs from its report.added event');
  }
  const reportIds = new Set(reports.map((row) => row.id));
  for (const subject of index.subjects('report.added'))
    if (!reportIds.has(subject)) bad('reports', subject, 'its report.added event has no row (the report was deleted)');

  checked.pilots = 0;
  const pilots = await ledger.all<{
    version_id: string;
    model_id: string;
    target: number;
    seen: number;
    disagreements: number;
    status: string;
  }>('SELECT version_id, model_id, target, seen, disagreements, status FROM pilots');
  const clients = new Map<string, Set<string>>();
  for (const row of await ledger.all<{ version_id: string; token_id: string }>(
    'SELECT version_id, token_id FROM pilot_clients',
  )) {
    const set = clients.get(row.version_id);
    if (set) set.add(row.token_id);
    else clients.set(row.version_id, new Set([row.token_id]));
  }
  for (const row of pilots) {
    checked.pilots++;
    const event = index.first('pilot.started', row.version_id);
    if (!event) {
      bad('pilots', row.version_id, 'no pilot.started event');
      continue;
    }
    if (event.model !== row.model_id || event.target !== row.target)
      bad('pilots', row.version_id, 'model or target differs from its pilot.started event');
    const end = index.last(row.version_id, ['pilot.passed', 'pilot.failed']);
    const status = end?.type.slice('pilot.'.length) ?? 'running';
    if (status !== row.status)
      bad('pilots', row.version_id, `status '${row.status}' differs from the ledger's '${status}'`);
    const traffic = index.of(row.version_id).filter((e) => e.type === 'pilot.traffic');
    let seen = 0;
    let disagreements = 0;
    const actors = new Set<string>();
    for (const e of traffic) {
      seen += Number(e.payload.seen);
      disagreements += Number(e.payload.disagreements);
      if (e.actor === 'migration') continue;
      actors.add(e.actor);
      if (tokenRoles.get(e.actor) !== 'client')
        bad(
          'pilots',
          row.version_id,
          `traffic event ${e.seq} counts predictions of '${e.actor}', which is not a client token`,
        );
    }
    // Pilots that ended before traffic was recorded carry their counters in the verdict's event.
    const legacy = traffic.length === 0 && end !== null;
    const expectedSeen = legacy ? end.payload.seen : seen;
    const expectedDisagreements = legacy ? end.payload.disagreements : disagreements;
    if (row.seen !== expectedSeen || row.disagreements !== expectedDisagreements)
      bad(
        'pilots',
        row.version_id,
        `counters ${row.seen}/${row.disagreements} differ from its traffic events (${String(expectedSeen)}/${String(expectedDisagreements)})`,
      );
    if (!legacy && !same([...(clients.get(row.version_id) ?? [])].sort(), [...actors].sort()))
      bad('pilots', row.version_id, 'its client tokens (pilot_clients) differ from its traffic events');
  }
  const pilotIds = new Set(pilots.map((row) => row.version_id));
  for (const subject of index.subjects('pilot.started'))
    if (!pilotIds.has(subject)) bad('pilots', subject, 'its pilot.started event has no row (the pilot was deleted)');

  return {
    ok: problems.length === 0,
    events,
    checked,
    problems,
    firstBad: problems[0] ?? null,
    head: previous,
    headSeq,
  };
}
