/**
 * The deletion-request service's domain logic, independent of HTTP: registering models, filing requests
 * (validated against the model's members), merging queued requests into jobs, recording a job's outcome
 * and its evaluate report, pilots, promotion, rejection and rollback. Every state change is one ledger
 * transaction with the events that record it.
 *
 * Every version is unlearned from the registered (root) model with the cumulative forget set (what the
 * production version already forgot plus the new requests), not from the previous version: the gold model
 * a version should match is the root's recipe retrained without all of those ids, and TMU's twin, built
 * once per root model, is reused by every job.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSplit, splitDigest } from '../data/split.js';
import { canonicalJson } from '../ledger/canonicalJson.js';
import {
  addReport,
  createJob,
  finishJob,
  finishPilot,
  getJob,
  getPilot,
  type JobRecord,
  jobsOfRequest,
  listJobs,
  listReports,
  type PilotRecord,
  type ReportRecord,
  recordPilotTraffic,
  runningPilot,
  startPilot,
} from '../ledger/jobs.js';
import { type Ledger, newId } from '../ledger/ledger.js';
import {
  addVersion,
  getModel,
  getVersion,
  listModels,
  listVersions,
  type ModelRecord,
  registerModel,
  setProduction,
  setVersionStatus,
  type VersionRecord,
} from '../ledger/models.js';
import {
  createRequest,
  getRequest,
  IdempotencyConflict,
  listRequests,
  queuedRequests,
  type RequestRecord,
  type RequestStatus,
  requestSampleIds,
  setRequestStatus,
} from '../ledger/requests.js';
import type { TokenInfo } from '../ledger/tokens.js';
import { isModelDir, MODEL_FILES, readExcludedIds, readSidecar } from '../train/modelStore.js';
import { getMethod } from '../unlearn/methods.js';
import { resolveParams } from '../unlearn/params.js';
import type { ServiceConfig } from './config.js';
import { conflict, notFound, ServiceError, unprocessable } from './errors.js';
import type { JobResult, JobSpec } from './jobSpec.js';
import { MemberSets } from './memberSets.js';
import { type ModelPaths, PathError } from './modelPaths.js';

/** A model with its versions and running pilot, as the API shows it. */
export interface ModelView extends ModelRecord {
  versions: VersionRecord[];
  pilot: PilotRecord | null;
}

/** A request with everything known about it, as the API shows it. */
export interface RequestView {
  request: RequestRecord & { ids: string[] };
  jobs: JobRecord[];
  reports: ReportRecord[];
  pilot: PilotRecord | null;
  version: VersionRecord | null;
}

/** Structured log lines of the service. */
export type ServiceLog = (event: string, fields: Record<string, unknown>) => void;

/** Longest list of offending ids an error message carries (the count is always exact). */
const MAX_LISTED = 100;
const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function listed(ids: readonly string[]): { ids: string[]; count: number } {
  return { ids: ids.slice(0, MAX_LISTED), count: ids.length };
}

/** The deletion-request service over a ledger and a models directory. */
export class DeletionService {
  readonly members: MemberSets;

  constructor(
    readonly ledger: Ledger,
    readonly paths: ModelPaths,
    readonly config: ServiceConfig,
    private readonly log: ServiceLog = () => {},
  ) {
    this.members = new MemberSets((path) => this.paths.absolute(path));
    const method = getMethod(config.method);
    resolveParams(method, config.params);
  }

  // ---- models -------------------------------------------------------------------------------------

  /** Registers a trained model found at `path` (relative to the models directory) under `id`. */
  registerModel(input: { id: string; path: string }, actor: TokenInfo | 'cli'): ModelView {
    if (!MODEL_ID.test(input.id))
      throw unprocessable(
        `model id '${input.id}' must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    if (getModel(this.ledger, input.id)) throw conflict(`model '${input.id}' is already registered`);
    let resolved: { absolute: string; relative: string };
    try {
      resolved = this.paths.resolveClientPath(input.path);
    } catch (error) {
      if (error instanceof PathError) throw new ServiceError(422, 'bad_path', error.message);
      throw error;
    }
    if (!isModelDir(resolved.absolute))
      throw unprocessable(
        `'${input.path}' is not a tmu model directory (no ${MODEL_FILES.sidecar} and ${MODEL_FILES.weights})`,
      );
    const sidecar = readSidecar(resolved.absolute);
    if (sidecar.excluded || sidecar.unlearning)
      throw unprocessable(`'${input.path}' is a gold or unlearned model; register the trained original`);
    const split = loadSplit(join(resolved.absolute, MODEL_FILES.split));
    const method = getMethod(this.config.method);
    if (method.capabilities.needsHoldout && split.holdout.length === 0)
      throw unprocessable(`'${input.path}' has no holdout set, which the method ${method.name} needs`);
    const model = registerModel(this.ledger, {
      id: input.id,
      path: resolved.relative,
      digest: sidecar.digest,
      splitDigest: splitDigest(split),
      dataset: sidecar.dataset.name,
      memberCount: split.member.length,
      actor: actorId(actor),
    });
    this.log('model registered', { model: model.id, path: model.path, digest: model.digest });
    return this.modelView(model.id);
  }

  /** A model with its versions. */
  modelView(id: string): ModelView {
    const model = getModel(this.ledger, id);
    if (!model) throw notFound('model', id);
    return { ...model, versions: listVersions(this.ledger, id), pilot: runningPilot(this.ledger, id) };
  }

  /** Every model with its versions. */
  listModelViews(): ModelView[] {
    return listModels(this.ledger).map((model) => this.modelView(model.id));
  }

  /** The ids a version has forgotten (none for the root). */
  forgottenIds(version: VersionRecord): string[] {
    if (version.status === 'root') return [];
    const dir = this.paths.absolute(version.path);
    return readExcludedIds(dir, readSidecar(dir));
  }

  // ---- requests -----------------------------------------------------------------------------------

  /**
   * Files a deletion request. Unknown ids, ids that are not members of the model's training set, ids the
   * production version already forgot and duplicates are 422 errors listing them.
   */
  fileRequest(
    token: TokenInfo,
    body: { model: string; ids: string[]; reason: string },
    idempotencyKey: string | null,
  ): { request: RequestRecord; created: boolean } {
    const model = getModel(this.ledger, body.model);
    if (!model) throw unprocessable(`unknown model '${body.model}'`, { model: body.model });
    if (body.ids.length > this.config.maxIdsPerRequest)
      throw unprocessable(`a request may name at most ${this.config.maxIdsPerRequest} ids, got ${body.ids.length}`);
    const bodyDigest = createHash('sha256')
      .update(canonicalJson({ model: body.model, ids: [...body.ids].sort(), reason: body.reason }))
      .digest('hex');
    if (idempotencyKey !== null) {
      // A retry must get the first answer even if the ids were forgotten since.
      const existing = this.ledger.db
        .prepare('SELECT id, body_digest FROM requests WHERE token_id = ? AND idempotency_key = ?')
        .get(token.id, idempotencyKey) as { id: string; body_digest: string } | undefined;
      if (existing) {
        if (existing.body_digest !== bodyDigest)
          throw conflict(
            `Idempotency-Key '${idempotencyKey}' was already used for request ${existing.id} with a different body`,
            { request: existing.id },
          );
        return { request: getRequest(this.ledger, existing.id)!, created: false };
      }
    }
    const { members, nonMembers } = this.members.of(model);
    const seen = new Set<string>();
    const duplicates: string[] = [];
    const unknown: string[] = [];
    const nonMember: string[] = [];
    for (const id of body.ids) {
      if (seen.has(id)) duplicates.push(id);
      seen.add(id);
      if (!members.has(id)) (nonMembers.has(id) ? nonMember : unknown).push(id);
    }
    const production = getVersion(this.ledger, model.productionVersion)!;
    const forgotten = new Set(this.forgottenIds(production));
    const alreadyForgotten = body.ids.filter((id) => forgotten.has(id));
    if (unknown.length || nonMember.length || duplicates.length || alreadyForgotten.length) {
      const problems = [
        unknown.length ? `${unknown.length} unknown` : '',
        nonMember.length ? `${nonMember.length} not members of the training set` : '',
        alreadyForgotten.length ? `${alreadyForgotten.length} already forgotten by the production version` : '',
        duplicates.length ? `${duplicates.length} duplicated` : '',
      ]
        .filter(Boolean)
        .join(', ');
      throw unprocessable(
        `ids rejected: ${problems} (e.g. ${[...unknown, ...nonMember, ...alreadyForgotten, ...duplicates].slice(0, 3).join(', ')})`,
        {
          ...(unknown.length ? { unknown: listed(unknown) } : {}),
          ...(nonMember.length ? { nonMember: listed(nonMember) } : {}),
          ...(alreadyForgotten.length ? { alreadyForgotten: listed(alreadyForgotten) } : {}),
          ...(duplicates.length ? { duplicates: listed(duplicates) } : {}),
        },
      );
    }
    try {
      const result = createRequest(this.ledger, {
        modelId: model.id,
        tokenId: token.id,
        reason: body.reason,
        ids: body.ids,
        idempotencyKey,
        bodyDigest,
      });
      if (result.created)
        this.log('request filed', { request: result.request.id, model: model.id, ids: result.request.idsCount });
      return result;
    } catch (error) {
      if (error instanceof IdempotencyConflict) throw conflict(error.message, { request: error.existing.id });
      throw error;
    }
  }

  /** A request with its jobs, reports and version; a requester sees only its own (others are 404). */
  requestView(id: string, viewer: TokenInfo): RequestView {
    const request = getRequest(this.ledger, id);
    if (!request || (viewer.role === 'requester' && request.tokenId !== viewer.id))
      throw notFound('deletion request', id);
    const jobs = jobsOfRequest(this.ledger, id);
    const version = request.versionId ? getVersion(this.ledger, request.versionId) : null;
    return {
      request: { ...request, ids: requestSampleIds(this.ledger, id) },
      jobs,
      reports: jobs.flatMap((job) => listReports(this.ledger, { jobId: job.id })),
      pilot: version ? getPilot(this.ledger, version.id) : null,
      version,
    };
  }

  /** Requests visible to `viewer`, newest first. */
  listRequests(
    viewer: TokenInfo,
    filter: { modelId?: string; status?: RequestStatus; limit?: number; offset?: number },
  ): RequestRecord[] {
    return listRequests(this.ledger, { ...filter, ...(viewer.role === 'requester' ? { tokenId: viewer.id } : {}) });
  }

  // ---- jobs ---------------------------------------------------------------------------------------

  /** Whether a model has a candidate version awaiting its pilot or promotion (jobs then wait). */
  hasCandidateInFlight(modelId: string): boolean {
    return (
      this.ledger.db
        .prepare("SELECT 1 FROM model_versions WHERE model_id = ? AND status = 'candidate' LIMIT 1")
        .get(modelId) !== undefined
    );
  }

  /** Models with queued requests and the age in milliseconds of their oldest one. */
  queuedModels(): { modelId: string; oldestAgeMs: number }[] {
    const rows = this.ledger.db
      .prepare("SELECT model_id, MIN(created_at) AS oldest FROM requests WHERE status = 'queued' GROUP BY model_id")
      .all() as { model_id: string; oldest: string }[];
    return rows.map((row) => ({ modelId: row.model_id, oldestAgeMs: Date.now() - Date.parse(row.oldest) }));
  }

  /**
   * Merges a model's queued requests into a job and returns the worker's spec (written to disk), or null
   * when there is nothing to do. Requests whose ids the production version already forgot in full are
   * completed on the spot.
   */
  startJob(modelId: string): JobSpec | null {
    return this.ledger.transaction(() => {
      const model = getModel(this.ledger, modelId)!;
      const requests = queuedRequests(this.ledger, modelId);
      if (requests.length === 0) return null;
      const production = getVersion(this.ledger, model.productionVersion)!;
      const previous = this.forgottenIds(production);
      const forgotten = new Set(previous);
      const newIds = new Set<string>();
      const alreadyDone: string[] = [];
      for (const request of requests) {
        const ids = requestSampleIds(this.ledger, request.id).filter((id) => !forgotten.has(id));
        if (ids.length === 0) alreadyDone.push(request.id);
        for (const id of ids) newIds.add(id);
      }
      if (alreadyDone.length > 0)
        setRequestStatus(
          this.ledger,
          alreadyDone,
          {
            status: 'promoted',
            reason: `the production version ${production.id} already forgot these ids`,
            versionId: production.id,
          },
          'system',
        );
      const pending = requests.filter((request) => !alreadyDone.includes(request.id));
      if (pending.length === 0) return null;
      const job = createJob(
        this.ledger,
        {
          modelId,
          parentVersion: production.id,
          method: this.config.method,
          params: this.config.params,
          requestIds: pending.map((r) => r.id),
        },
        'system',
      );
      setRequestStatus(
        this.ledger,
        pending.map((r) => r.id),
        { status: 'running', jobId: job.id },
        'system',
      );
      const versionId = newId('ver');
      mkdirSync(this.paths.jobsDir, { recursive: true });
      const spec: JobSpec = {
        jobId: job.id,
        versionId,
        rootDir: this.paths.absolute(model.path),
        parentDir: this.paths.absolute(production.path),
        forgetIds: [...previous, ...[...newIds].sort()],
        newIds: [...newIds].sort(),
        method: this.config.method,
        params: this.config.params,
        seed: this.config.seed,
        gates: this.config.gates,
        audit: this.config.audit,
        outDir: this.paths.absolute(this.paths.versionPath(modelId, versionId)),
        resultPath: join(this.paths.jobsDir, `${job.id}.result.json`),
      };
      const specPath = join(this.paths.jobsDir, `${job.id}.spec.json`);
      writeFileSync(`${specPath}.tmp`, JSON.stringify(spec));
      renameSync(`${specPath}.tmp`, specPath);
      this.log('job started', {
        job: job.id,
        model: modelId,
        requests: pending.length,
        newIds: spec.newIds.length,
        forgetIds: spec.forgetIds.length,
      });
      return spec;
    });
  }

  /** Path of a job's spec file. */
  specPath(jobId: string): string {
    return join(this.paths.jobsDir, `${jobId}.spec.json`);
  }

  /** Records a job's outcome: the candidate version and its report, or the failure. */
  completeJob(spec: JobSpec, result: JobResult, seconds: number): void {
    const job = getJob(this.ledger, spec.jobId);
    if (!job || job.status !== 'running') return;
    if (!result.ok) {
      this.ledger.transaction(() => {
        finishJob(this.ledger, job.id, { status: 'failed', error: result.error, seconds }, 'system');
        setRequestStatus(
          this.ledger,
          job.requestIds,
          { status: 'failed', reason: `job ${job.id} failed: ${result.error}` },
          'system',
        );
      });
      rmSync(spec.outDir, { recursive: true, force: true });
      this.log('job failed', { job: job.id, error: result.error });
      return;
    }
    const relativeOut = this.paths.versionPath(job.modelId, spec.versionId);
    let autoPromote = false;
    this.ledger.transaction(() => {
      addVersion(
        this.ledger,
        {
          id: spec.versionId,
          modelId: job.modelId,
          parentId: job.parentVersion,
          digest: result.digest,
          path: relativeOut,
          method: job.method,
          params: result.report.params,
          jobId: job.id,
          forgottenCount: result.forgottenCount,
          forgottenDigest: result.forgottenDigest,
          status: result.passed ? 'candidate' : 'rejected',
        },
        'system',
      );
      addReport(
        this.ledger,
        {
          jobId: job.id,
          versionId: spec.versionId,
          kind: 'evaluate',
          body: result.report as unknown as Record<string, unknown>,
        },
        'system',
      );
      finishJob(this.ledger, job.id, { status: 'succeeded', versionId: spec.versionId, seconds }, 'system');
      if (!result.passed) {
        const failed = result.report.gates
          .filter((gate) => !gate.passed)
          .map((gate) => `${gate.name} ${gate.value} (threshold ${gate.threshold})`);
        setRequestStatus(
          this.ledger,
          job.requestIds,
          { status: 'rejected', reason: `evaluation gates failed: ${failed.join('; ')}`, versionId: spec.versionId },
          'system',
        );
        return;
      }
      setRequestStatus(this.ledger, job.requestIds, { status: 'evaluated', versionId: spec.versionId }, 'system');
      if (this.config.pilotPredictions > 0) {
        startPilot(
          this.ledger,
          { versionId: spec.versionId, modelId: job.modelId, target: this.config.pilotPredictions },
          'system',
        );
        setRequestStatus(this.ledger, job.requestIds, { status: 'piloting' }, 'system');
      } else if (this.config.autoPromote) {
        autoPromote = true;
      }
    });
    this.log('job succeeded', { job: job.id, version: spec.versionId, passed: result.passed, seconds });
    if (autoPromote) this.promote(job.modelId, spec.versionId, 'system');
  }

  /** Marks jobs left running by a previous process as interrupted and re-queues their requests. */
  recoverInterrupted(): JobRecord[] {
    const interrupted = listJobs(this.ledger, 'running');
    for (const job of interrupted) {
      this.ledger.transaction(() => {
        finishJob(
          this.ledger,
          job.id,
          { status: 'interrupted', error: 'the service stopped while the job ran' },
          'system',
        );
        setRequestStatus(
          this.ledger,
          job.requestIds,
          { status: 'queued', reason: `job ${job.id} was interrupted by a service restart; re-queued` },
          'system',
        );
      });
      const spec = this.specPath(job.id);
      if (existsSync(spec)) rmSync(spec, { force: true });
      this.log('job interrupted', { job: job.id, requests: job.requestIds.length });
    }
    return interrupted;
  }

  // ---- pilot, promotion, rollback --------------------------------------------------------------

  /** Adds shadowed predictions to a model's running pilot and judges it once it reached its target. */
  recordPilot(modelId: string, seen: number, disagreements: number): void {
    const pilot = runningPilot(this.ledger, modelId);
    if (!pilot) return;
    let promote = false;
    this.ledger.transaction(() => {
      const current = recordPilotTraffic(this.ledger, pilot.versionId, seen, disagreements);
      if (!current || current.seen < current.target) return;
      const rate = current.disagreements / current.seen;
      const passed = rate <= this.config.maxPilotDisagreement;
      const version = getVersion(this.ledger, pilot.versionId)!;
      finishPilot(this.ledger, pilot.versionId, passed ? 'passed' : 'failed', 'system', {
        disagreementRate: rate,
        threshold: this.config.maxPilotDisagreement,
      });
      addReport(
        this.ledger,
        {
          jobId: version.jobId!,
          versionId: version.id,
          kind: 'pilot',
          body: {
            passed,
            seen: current.seen,
            target: current.target,
            disagreements: current.disagreements,
            disagreementRate: rate,
            threshold: this.config.maxPilotDisagreement,
          },
        },
        'system',
      );
      if (!passed) {
        setVersionStatus(
          this.ledger,
          version.id,
          'rejected',
          'system',
          `pilot disagreement ${(100 * rate).toFixed(1)}% above ${(100 * this.config.maxPilotDisagreement).toFixed(1)}%`,
        );
        const requests = this.requestsOfVersion(version.id, ['piloting']);
        setRequestStatus(
          this.ledger,
          requests,
          {
            status: 'rejected',
            reason: `pilot failed: candidate and production disagreed on ${(100 * rate).toFixed(1)}% of ${current.seen} predictions`,
          },
          'system',
        );
      } else if (this.config.autoPromote) {
        promote = true;
      }
      this.log('pilot finished', { version: version.id, passed, disagreementRate: rate });
    });
    if (promote) this.promote(modelId, pilot.versionId, 'system');
  }

  private requestsOfVersion(versionId: string, statuses: readonly RequestStatus[]): string[] {
    return (
      this.ledger.db
        .prepare(`SELECT id FROM requests WHERE version_id = ? AND status IN (${statuses.map(() => '?').join(',')})`)
        .all(versionId, ...statuses) as { id: string }[]
    ).map((row) => row.id);
  }

  /** Puts a candidate into production. A running pilot must have passed unless `force`. */
  promote(
    modelId: string,
    versionId: string,
    actor: TokenInfo | 'system',
    options: { force?: boolean } = {},
  ): ModelView {
    this.ledger.transaction(() => {
      const model = getModel(this.ledger, modelId);
      if (!model) throw notFound('model', modelId);
      const version = getVersion(this.ledger, versionId);
      if (!version || version.modelId !== modelId) throw notFound(`version of model '${modelId}'`, versionId);
      if (version.status !== 'candidate')
        throw conflict(
          `version ${versionId} is ${version.status}; only a candidate can be promoted (use rollback to return to an earlier version)`,
        );
      const pilot = getPilot(this.ledger, versionId);
      if (pilot?.status === 'running') {
        if (!options.force)
          throw conflict(
            `version ${versionId} is still piloting (${pilot.seen}/${pilot.target} predictions compared); wait or promote with force`,
            { pilot },
          );
        finishPilot(this.ledger, versionId, 'passed', actorId(actor), { forced: true });
      }
      setProduction(this.ledger, modelId, versionId, actorId(actor), 'promote');
      setVersionStatus(this.ledger, versionId, 'promoted', actorId(actor));
      setRequestStatus(
        this.ledger,
        this.requestsOfVersion(versionId, ['evaluated', 'piloting']),
        { status: 'promoted' },
        actorId(actor),
      );
    });
    this.log('promoted', { model: modelId, version: versionId, actor: actorId(actor) });
    return this.modelView(modelId);
  }

  /** Rejects a candidate (its requests are rejected with the reason). */
  reject(modelId: string, versionId: string, reason: string, actor: TokenInfo): ModelView {
    this.ledger.transaction(() => {
      const version = getVersion(this.ledger, versionId);
      if (!version || version.modelId !== modelId) throw notFound(`version of model '${modelId}'`, versionId);
      if (version.status !== 'candidate')
        throw conflict(`version ${versionId} is ${version.status}; only a candidate can be rejected`);
      if (getPilot(this.ledger, versionId)?.status === 'running')
        finishPilot(this.ledger, versionId, 'failed', actor.id, { rejectedBy: actor.id });
      setVersionStatus(this.ledger, versionId, 'rejected', actor.id, reason);
      setRequestStatus(
        this.ledger,
        this.requestsOfVersion(versionId, ['evaluated', 'piloting']),
        { status: 'rejected', reason: `rejected by ${actor.name}: ${reason}` },
        actor.id,
      );
    });
    return this.modelView(modelId);
  }

  /**
   * Moves production back to `versionId` (default: the production version's parent). Requests whose
   * forgetting the rollback undoes are re-queued, so a rollback never silently cancels a deletion.
   */
  rollback(modelId: string, versionId: string | undefined, actor: TokenInfo): ModelView {
    this.ledger.transaction(() => {
      const model = getModel(this.ledger, modelId);
      if (!model) throw notFound('model', modelId);
      const current = getVersion(this.ledger, model.productionVersion)!;
      const targetId = versionId ?? current.parentId;
      if (!targetId) throw conflict(`model '${modelId}' is at its root version; there is nothing to roll back to`);
      const target = getVersion(this.ledger, targetId);
      if (!target || target.modelId !== modelId) throw notFound(`version of model '${modelId}'`, targetId);
      if (target.status !== 'root' && target.status !== 'promoted')
        throw conflict(
          `version ${targetId} is ${target.status}; only a version that was in production can be rolled back to`,
        );
      if (target.id === current.id) throw conflict(`version ${targetId} is already in production`);
      const lineage = new Set<string>();
      for (
        let cursor: VersionRecord | null = target;
        cursor;
        cursor = cursor.parentId ? getVersion(this.ledger, cursor.parentId) : null
      )
        lineage.add(cursor.id);
      setProduction(this.ledger, modelId, target.id, actor.id, 'rollback');
      const undone = (
        this.ledger.db
          .prepare("SELECT id, version_id FROM requests WHERE model_id = ? AND status = 'promoted'")
          .all(modelId) as { id: string; version_id: string | null }[]
      )
        .filter((row) => row.version_id !== null && !lineage.has(row.version_id))
        .map((row) => row.id);
      if (undone.length > 0)
        setRequestStatus(
          this.ledger,
          undone,
          { status: 'queued', reason: `production rolled back to ${target.id}; re-queued`, versionId: null },
          actor.id,
        );
    });
    this.log('rolled back', { model: modelId, actor: actor.id });
    return this.modelView(modelId);
  }
}

function actorId(actor: TokenInfo | 'cli' | 'system'): string {
  return typeof actor === 'string' ? actor : actor.id;
}
