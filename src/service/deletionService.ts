/**
 * The deletion-request service's domain logic, independent of HTTP: registering models, filing requests
 * (validated against the model's members), merging queued requests into jobs, recording a job's outcome
 * and its evaluate report, pilots, promotion, rejection and rollback. Every state change is one ledger
 * transaction with the events that record it.
 *
 * Any number of services may share one ledger (PostgreSQL, with a job queue): each decision that reads
 * and then writes (an idempotency key, merging requests into a job, a pilot's verdict, a job's outcome)
 * runs in one transaction under the ledger's write lock, so they agree whichever server makes it.
 *
 * Every version is unlearned from the registered (root) model with the cumulative forget set (what the
 * production version already forgot plus the new requests), not from the previous version: the gold model
 * a version should match is the root's recipe retrained without all of those ids, and TMU's twin, built
 * once per root model, is reused by every job.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { matchRows, parseCondition } from '../data/rowFilter.js';
import { loadSplit, splitDigest } from '../data/split.js';
import { openTable } from '../data/tableSource.js';
import { canonicalJson } from '../ledger/canonicalJson.js';
import {
  addReport,
  createJob,
  finishJob,
  finishPilot,
  getJob,
  getPilot,
  JobAlreadyFinished,
  type JobRecord,
  jobsOfRequest,
  listJobs,
  listReports,
  type PilotRecord,
  type ReportRecord,
  recordPilotTraffic,
  runningPilot,
  runningPilots,
  startPilot,
} from '../ledger/jobs.js';
import type { Ledger } from '../ledger/ledger.js';
import {
  addVersion,
  getModel,
  getVersion,
  listModels,
  listVersions,
  type ModelRecord,
  PathAlreadyRegistered,
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
  requestByIdempotencyKey,
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
/** The file in a version folder naming the job that wrote it (how orphans of crashed commits are found). */
const JOB_MARKER = 'tmu-job.json';

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
  async registerModel(input: { id: string; path: string }, actor: TokenInfo | 'cli'): Promise<ModelView> {
    if (!MODEL_ID.test(input.id))
      throw unprocessable(
        `model id '${input.id}' must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    if (await getModel(this.ledger, input.id)) throw conflict(`model '${input.id}' is already registered`);
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
    let model: ModelRecord;
    try {
      model = await registerModel(this.ledger, {
        id: input.id,
        path: resolved.relative,
        digest: sidecar.digest,
        splitDigest: splitDigest(split),
        dataset: sidecar.dataset.name,
        memberCount: split.member.length,
        actor: actorId(actor),
      });
    } catch (error) {
      if (error instanceof PathAlreadyRegistered)
        throw conflict(`${error.message}; one model directory has one registration`, { model: error.existing });
      if (error instanceof Error && /already registered/.test(error.message)) throw conflict(error.message);
      throw error;
    }
    this.log('model registered', { model: model.id, path: model.path, digest: model.digest });
    return this.modelView(model.id);
  }

  /** A model with its versions. */
  async modelView(id: string): Promise<ModelView> {
    const model = await getModel(this.ledger, id);
    if (!model) throw notFound('model', id);
    return {
      ...model,
      versions: await listVersions(this.ledger, id),
      pilot: await runningPilot(this.ledger, id),
    };
  }

  /** Every model with its versions. */
  async listModelViews(): Promise<ModelView[]> {
    return Promise.all((await listModels(this.ledger)).map((model) => this.modelView(model.id)));
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
  async fileRequest(
    token: TokenInfo,
    request: { model: string; ids?: string[] | undefined; where?: string[] | undefined; reason: string },
    idempotencyKey: string | null,
  ): Promise<{ request: RequestRecord; created: boolean }> {
    const model = await getModel(this.ledger, request.model);
    if (!model) throw unprocessable(`unknown model '${request.model}'`, { model: request.model });
    if ((request.ids === undefined) === (request.where === undefined))
      throw unprocessable('a deletion request names either ids or a filter (where), not both and not neither');
    if (request.ids && request.ids.length > this.config.maxIdsPerRequest)
      throw unprocessable(`a request may name at most ${this.config.maxIdsPerRequest} ids, got ${request.ids.length}`);
    const body = { ...request, ids: request.ids ?? (await this.expandFilter(model, request.where!)) };
    const bodyDigest = createHash('sha256')
      .update(
        canonicalJson({
          model: body.model,
          ...(request.where ? { where: request.where } : { ids: [...body.ids].sort() }),
          reason: body.reason,
        }),
      )
      .digest('hex');
    if (idempotencyKey !== null) {
      // A retry must get the first answer even if the ids were forgotten since.
      const existing = await requestByIdempotencyKey(this.ledger, token.id, idempotencyKey);
      if (existing) {
        if (existing.bodyDigest !== bodyDigest)
          throw conflict(
            `Idempotency-Key '${idempotencyKey}' was already used for request ${existing.request.id} with a different body`,
            { request: existing.request.id },
          );
        return { request: existing.request, created: false };
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
    const production = (await getVersion(this.ledger, model.productionVersion))!;
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
      const result = await createRequest(this.ledger, {
        modelId: model.id,
        tokenId: token.id,
        reason: body.reason,
        ids: body.ids,
        ...(request.where ? { filter: request.where } : {}),
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

  /**
   * The member ids of a table model's rows that match every condition of a filter and that its
   * production version has not forgotten yet.
   *
   * @throws 422 for a model that is not a table, a bad condition, no match or more than maxFilterIds matches
   */
  private async expandFilter(model: ModelRecord, where: string[]): Promise<string[]> {
    const table = readSidecar(this.paths.absolute(model.path)).dataset.table;
    if (!table)
      throw unprocessable(`model '${model.id}' does not read a table: a filter (where) applies to table rows only`);
    let rows: string[];
    try {
      const opened = openTable(table);
      rows = Array.from(matchRows(opened.train, where.map(parseCondition)), (i) => opened.train.ids[i]!);
    } catch (error) {
      throw unprocessable(`filter rejected: ${(error as Error).message}`, { where });
    }
    const { members } = this.members.of(model);
    const production = (await getVersion(this.ledger, model.productionVersion))!;
    const forgotten = new Set(this.forgottenIds(production));
    const ids = rows.filter((id) => members.has(id) && !forgotten.has(id));
    if (ids.length === 0) throw unprocessable(`no member row left to forget matches ${where.join(' and ')}`, { where });
    if (ids.length > this.config.maxFilterIds)
      throw unprocessable(
        `the filter matches ${ids.length} member rows, more than maxFilterIds ${this.config.maxFilterIds}`,
        {
          where,
        },
      );
    return ids;
  }

  /** A request with its jobs, reports and version; a requester sees only its own (others are 404). */
  async requestView(id: string, viewer: TokenInfo): Promise<RequestView> {
    const request = await getRequest(this.ledger, id);
    if (!request || (viewer.role === 'requester' && request.tokenId !== viewer.id))
      throw notFound('deletion request', id);
    const jobs = await jobsOfRequest(this.ledger, id);
    const version = request.versionId ? await getVersion(this.ledger, request.versionId) : null;
    return {
      request: { ...request, ids: await requestSampleIds(this.ledger, id) },
      jobs,
      reports: (await Promise.all(jobs.map((job) => listReports(this.ledger, { jobId: job.id })))).flat(),
      pilot: version ? await getPilot(this.ledger, version.id) : null,
      version,
    };
  }

  /** Requests visible to `viewer`, newest first. */
  listRequests(
    viewer: TokenInfo,
    filter: { modelId?: string; status?: RequestStatus; limit?: number; offset?: number },
  ): Promise<RequestRecord[]> {
    return listRequests(this.ledger, { ...filter, ...(viewer.role === 'requester' ? { tokenId: viewer.id } : {}) });
  }

  // ---- jobs ---------------------------------------------------------------------------------------

  /** Models with queued requests and the age in milliseconds of their oldest one. */
  async queuedModels(): Promise<{ modelId: string; oldestAgeMs: number }[]> {
    const rows = await this.ledger.all<{ model_id: string; oldest: string }>(
      "SELECT model_id, MIN(created_at) AS oldest FROM requests WHERE status = 'queued' GROUP BY model_id",
    );
    return rows.map((row) => ({ modelId: row.model_id, oldestAgeMs: Date.now() - Date.parse(row.oldest) }));
  }

  /**
   * Merges a model's queued requests into a job, or returns null when there is nothing to do: no queued
   * request, a job of the model still running (one at a time per model: each unlearns from the
   * production version), or a candidate awaiting its pilot or promotion. Requests whose ids the
   * production version already forgot in full are completed on the spot. All of it under the ledger's
   * write lock, so two servers never merge the same requests.
   */
  startJob(modelId: string): Promise<JobRecord | null> {
    return this.ledger.transaction(async () => {
      const model = (await getModel(this.ledger, modelId))!;
      const busy = await this.ledger.get<{ id: string }>(
        "SELECT id FROM jobs WHERE model_id = ? AND status = 'running' UNION ALL SELECT id FROM model_versions WHERE model_id = ? AND status = 'candidate' LIMIT 1",
        modelId,
        modelId,
      );
      if (busy) return null;
      const requests = await queuedRequests(this.ledger, modelId);
      if (requests.length === 0) return null;
      const production = (await getVersion(this.ledger, model.productionVersion))!;
      const forgotten = new Set(this.forgottenIds(production));
      const alreadyDone: string[] = [];
      for (const request of requests) {
        const ids = (await requestSampleIds(this.ledger, request.id)).filter((id) => !forgotten.has(id));
        if (ids.length === 0) alreadyDone.push(request.id);
      }
      if (alreadyDone.length > 0)
        await setRequestStatus(
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
      const job = await createJob(
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
      await setRequestStatus(
        this.ledger,
        pending.map((r) => r.id),
        { status: 'running', jobId: job.id },
        'system',
      );
      this.log('job started', { job: job.id, model: modelId, requests: pending.length });
      return job;
    });
  }

  /**
   * The worker's spec for one attempt at a running job: the parent's forgotten ids plus the requests'
   * ids, and the staging folder of candidate `versionId` (new for each attempt, so two attempts never
   * write the same folder). Written to the job's staging folder; returns the spec and its path.
   */
  async jobSpec(jobId: string, versionId: string): Promise<{ spec: JobSpec; specPath: string }> {
    const job = await getJob(this.ledger, jobId);
    if (!job) throw new Error(`unknown job '${jobId}'`);
    const model = (await getModel(this.ledger, job.modelId))!;
    const parent = (await getVersion(this.ledger, job.parentVersion))!;
    const previous = this.forgottenIds(parent);
    const forgotten = new Set(previous);
    const newIds = new Set<string>();
    for (const request of job.requestIds)
      for (const id of await requestSampleIds(this.ledger, request)) if (!forgotten.has(id)) newIds.add(id);
    const staging = this.paths.jobStaging(jobId);
    mkdirSync(staging, { recursive: true });
    const spec: JobSpec = {
      jobId,
      versionId,
      rootDir: this.paths.absolute(model.path),
      parentDir: this.paths.absolute(parent.path),
      forgetIds: [...previous, ...[...newIds].sort()],
      newIds: [...newIds].sort(),
      method: job.method,
      params: job.params,
      seed: this.config.seed,
      gates: this.config.gates,
      audit: this.config.audit,
      stagingDir: this.paths.stagingDir(jobId, versionId),
      resultPath: join(staging, `${versionId}.result.json`),
    };
    const specPath = join(staging, `${versionId}.spec.json`);
    writeFileSync(`${specPath}.tmp`, JSON.stringify(spec));
    renameSync(`${specPath}.tmp`, specPath);
    return { spec, specPath };
  }

  /**
   * Records an attempt's outcome: the candidate version (moved from staging into place in the same
   * transaction) and its report, or the failure. A job's outcome is recorded once: a second completion
   * (another worker finished it first) is a {@link JobAlreadyFinished}, and its candidate is removed.
   */
  async completeJob(spec: JobSpec, result: JobResult, seconds: number): Promise<void> {
    if (!result.ok) {
      await this.failJob(spec.jobId, result.error, seconds);
      return;
    }
    const job = await getJob(this.ledger, spec.jobId);
    if (!job) throw new Error(`unknown job '${spec.jobId}'`);
    const relativeOut = this.paths.versionPath(job.modelId, spec.versionId);
    const finalDir = this.paths.absolute(relativeOut);
    let autoPromote = false;
    let moved = false;
    try {
      await this.ledger.transaction(async () => {
        const current = await getJob(this.ledger, spec.jobId);
        if (!current || current.status !== 'running') throw new JobAlreadyFinished(spec.jobId, current?.status ?? null);
        await addVersion(
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
        await addReport(
          this.ledger,
          {
            jobId: job.id,
            versionId: spec.versionId,
            kind: 'evaluate',
            body: result.report as unknown as Record<string, unknown>,
          },
          'system',
        );
        await finishJob(this.ledger, job.id, { status: 'succeeded', versionId: spec.versionId, seconds }, 'system');
        if (!result.passed) {
          const failed = result.report.gates
            .filter((gate) => !gate.passed)
            .map((gate) => `${gate.name} ${gate.value} (threshold ${gate.threshold})`);
          await setRequestStatus(
            this.ledger,
            job.requestIds,
            { status: 'rejected', reason: `evaluation gates failed: ${failed.join('; ')}`, versionId: spec.versionId },
            'system',
          );
        } else {
          await setRequestStatus(
            this.ledger,
            job.requestIds,
            { status: 'evaluated', versionId: spec.versionId },
            'system',
          );
          if (this.config.pilotPredictions > 0) {
            await startPilot(
              this.ledger,
              { versionId: spec.versionId, modelId: job.modelId, target: this.config.pilotPredictions },
              'system',
            );
            await setRequestStatus(this.ledger, job.requestIds, { status: 'piloting' }, 'system');
          } else if (this.config.autoPromote) {
            autoPromote = true;
          }
        }
        // Last, so that a failure above leaves the files where they were. A crash between this and the
        // commit leaves a folder no version names; the marker lets the sweep remove it once the job ends.
        writeFileSync(
          join(spec.stagingDir, JOB_MARKER),
          `${JSON.stringify({ job: job.id, version: spec.versionId })}\n`,
        );
        mkdirSync(dirname(finalDir), { recursive: true });
        renameSync(spec.stagingDir, finalDir);
        moved = true;
      });
    } catch (error) {
      if (moved) rmSync(finalDir, { recursive: true, force: true });
      else rmSync(spec.stagingDir, { recursive: true, force: true });
      throw error;
    }
    this.log('job succeeded', { job: job.id, version: spec.versionId, passed: result.passed, seconds });
    await this.sweep(job.id);
    if (autoPromote) await this.promote(job.modelId, spec.versionId, 'system');
  }

  /**
   * Records that a job failed and fails its requests, with the reason. Returns false when the job had
   * already ended (its outcome stands).
   */
  async failJob(jobId: string, error: string, seconds?: number): Promise<boolean> {
    try {
      await this.ledger.transaction(async () => {
        const job = await getJob(this.ledger, jobId);
        if (!job) throw new JobAlreadyFinished(jobId, null);
        await finishJob(
          this.ledger,
          job.id,
          { status: 'failed', error, ...(seconds !== undefined ? { seconds } : {}) },
          'system',
        );
        await setRequestStatus(
          this.ledger,
          job.requestIds,
          { status: 'failed', reason: `job ${job.id} failed: ${error}` },
          'system',
        );
      });
    } catch (failure) {
      if (failure instanceof JobAlreadyFinished) return false;
      throw failure;
    }
    this.log('job failed', { job: jobId, error });
    await this.sweep(jobId);
    return true;
  }

  /**
   * Marks jobs left running by a previous process as interrupted and re-queues their requests (the
   * embedded runner, which owns every job of its ledger, at its start).
   */
  async recoverInterrupted(): Promise<JobRecord[]> {
    const interrupted = await listJobs(this.ledger, 'running');
    for (const job of interrupted) {
      await this.ledger.transaction(async () => {
        await finishJob(
          this.ledger,
          job.id,
          { status: 'interrupted', error: 'the service stopped while the job ran' },
          'system',
        );
        await setRequestStatus(
          this.ledger,
          job.requestIds,
          { status: 'queued', reason: `job ${job.id} was interrupted by a service restart; re-queued` },
          'system',
        );
      });
      this.log('job interrupted', { job: job.id, requests: job.requestIds.length });
    }
    await this.sweep();
    return interrupted;
  }

  /**
   * Removes what ended jobs left on disk: their staging folders (attempts of a killed worker, a second
   * attempt that lost the race) and version folders no ledger version names (a commit cut short). Only
   * `jobId`'s when given, else every ended job's. A running job's files are left alone.
   */
  async sweep(jobId?: string): Promise<void> {
    const ended = async (id: string): Promise<boolean> => {
      const job = await getJob(this.ledger, id);
      return job === null || job.status !== 'running';
    };
    const removed: string[] = [];
    const stagingRoot = this.paths.stagingRoot;
    const jobs = jobId ? [jobId] : existsSync(stagingRoot) ? readdirSync(stagingRoot) : [];
    for (const id of jobs) {
      const dir = this.paths.jobStaging(id);
      if (existsSync(dir) && (await ended(id))) {
        rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      }
    }
    const models = jobId
      ? [(await getJob(this.ledger, jobId))?.modelId].filter((id): id is string => id !== undefined)
      : (await listModels(this.ledger)).map((model) => model.id);
    for (const modelId of models) {
      const dir = this.paths.versionsDir(modelId);
      if (!existsSync(dir)) continue;
      const recorded = new Set((await listVersions(this.ledger, modelId)).map((version) => version.path));
      for (const name of readdirSync(dir)) {
        const relative = this.paths.versionPath(modelId, name);
        if (recorded.has(relative)) continue;
        const marker = join(dir, name, JOB_MARKER);
        if (!existsSync(marker)) continue;
        const owner = (JSON.parse(readFileSync(marker, 'utf8')) as { job: string }).job;
        if (await ended(owner)) {
          rmSync(join(dir, name), { recursive: true, force: true });
          removed.push(join(dir, name));
        }
      }
    }
    if (removed.length > 0) this.log('staging removed', { folders: removed });
  }

  /** Removes a job's staging folder (a server or worker stopping removes those of the attempts it cut short). */
  removeStaging(jobId: string): void {
    rmSync(this.paths.jobStaging(jobId), { recursive: true, force: true });
  }

  // ---- pilot, promotion, rollback --------------------------------------------------------------

  /**
   * Adds shadowed predictions of a client token to a model's running pilot, and judges the pilot if it
   * is due. Other roles' traffic does not count: only production callers may decide a pilot.
   */
  async recordPilot(modelId: string, token: TokenInfo, seen: number, disagreements: number): Promise<void> {
    if (token.role !== 'client') return;
    const pilot = await runningPilot(this.ledger, modelId);
    if (!pilot) return;
    const current = await recordPilotTraffic(this.ledger, pilot.versionId, token.id, seen, disagreements);
    if (current && this.pilotDue(current)) await this.judgePilot(pilot.versionId);
  }

  /** Whether a pilot has what a verdict needs: its target of predictions, enough clients, enough time. */
  pilotDue(pilot: PilotRecord): boolean {
    const age = pilot.startedAt === null ? Number.POSITIVE_INFINITY : Date.now() - Date.parse(pilot.startedAt);
    return (
      pilot.status === 'running' &&
      pilot.seen >= pilot.target &&
      pilot.clients >= this.config.pilotMinClients &&
      age >= this.config.pilotMinDurationMs
    );
  }

  /** Judges every running pilot that is due (a pilot whose traffic stopped still ends when its time is up). */
  async judgeDuePilots(): Promise<void> {
    for (const pilot of await runningPilots(this.ledger))
      if (this.pilotDue(pilot)) await this.judgePilot(pilot.versionId);
  }

  private async judgePilot(versionId: string): Promise<void> {
    let promote: { modelId: string } | null = null;
    await this.ledger.transaction(async () => {
      const current = await getPilot(this.ledger, versionId);
      if (!current || !this.pilotDue(current)) return;
      const rate = current.disagreements / current.seen;
      const passed = rate <= this.config.maxPilotDisagreement;
      const version = (await getVersion(this.ledger, versionId))!;
      await finishPilot(this.ledger, versionId, passed ? 'passed' : 'failed', 'system', {
        disagreementRate: rate,
        threshold: this.config.maxPilotDisagreement,
      });
      await addReport(
        this.ledger,
        {
          jobId: version.jobId!,
          versionId: version.id,
          kind: 'pilot',
          body: {
            passed,
            seen: current.seen,
            target: current.target,
            clients: current.clients,
            disagreements: current.disagreements,
            disagreementRate: rate,
            threshold: this.config.maxPilotDisagreement,
          },
        },
        'system',
      );
      if (!passed) {
        await setVersionStatus(
          this.ledger,
          version.id,
          'rejected',
          'system',
          `pilot disagreement ${(100 * rate).toFixed(1)}% above ${(100 * this.config.maxPilotDisagreement).toFixed(1)}%`,
        );
        const requests = await this.requestsOfVersion(version.id, ['piloting']);
        await setRequestStatus(
          this.ledger,
          requests,
          {
            status: 'rejected',
            reason: `pilot failed: candidate and production disagreed on ${(100 * rate).toFixed(1)}% of ${current.seen} predictions`,
          },
          'system',
        );
      } else if (this.config.autoPromote) {
        promote = { modelId: version.modelId };
      }
      this.log('pilot finished', { version: version.id, passed, disagreementRate: rate, clients: current.clients });
    });
    const due = promote as { modelId: string } | null;
    if (due) await this.promote(due.modelId, versionId, 'system');
  }

  private async requestsOfVersion(versionId: string, statuses: readonly RequestStatus[]): Promise<string[]> {
    return (
      await this.ledger.all<{ id: string }>(
        `SELECT id FROM requests WHERE version_id = ? AND status IN (${statuses.map(() => '?').join(',')}) ORDER BY id`,
        versionId,
        ...statuses,
      )
    ).map((row) => row.id);
  }

  /** Puts a candidate into production. A running pilot must have passed unless `force`. */
  async promote(
    modelId: string,
    versionId: string,
    actor: TokenInfo | 'system',
    options: { force?: boolean } = {},
  ): Promise<ModelView> {
    await this.ledger.transaction(async () => {
      const model = await getModel(this.ledger, modelId);
      if (!model) throw notFound('model', modelId);
      const version = await getVersion(this.ledger, versionId);
      if (!version || version.modelId !== modelId) throw notFound(`version of model '${modelId}'`, versionId);
      if (version.status !== 'candidate')
        throw conflict(
          `version ${versionId} is ${version.status}; only a candidate can be promoted (use rollback to return to an earlier version)`,
        );
      const pilot = await getPilot(this.ledger, versionId);
      if (pilot?.status === 'running') {
        if (!options.force)
          throw conflict(
            `version ${versionId} is still piloting (${pilot.seen}/${pilot.target} predictions from ${pilot.clients}/${this.config.pilotMinClients} client tokens compared); wait or promote with force`,
            { pilot },
          );
        await finishPilot(this.ledger, versionId, 'passed', actorId(actor), { forced: true });
      }
      await setProduction(this.ledger, modelId, versionId, actorId(actor), 'promote');
      await setVersionStatus(this.ledger, versionId, 'promoted', actorId(actor));
      await setRequestStatus(
        this.ledger,
        await this.requestsOfVersion(versionId, ['evaluated', 'piloting']),
        { status: 'promoted' },
        actorId(actor),
      );
    });
    this.log('promoted', { model: modelId, version: versionId, actor: actorId(actor) });
    return this.modelView(modelId);
  }

  /** Rejects a candidate (its requests are rejected with the reason). */
  async reject(modelId: string, versionId: string, reason: string, actor: TokenInfo): Promise<ModelView> {
    await this.ledger.transaction(async () => {
      const version = await getVersion(this.ledger, versionId);
      if (!version || version.modelId !== modelId) throw notFound(`version of model '${modelId}'`, versionId);
      if (version.status !== 'candidate')
        throw conflict(`version ${versionId} is ${version.status}; only a candidate can be rejected`);
      if ((await getPilot(this.ledger, versionId))?.status === 'running')
        await finishPilot(this.ledger, versionId, 'failed', actor.id, { rejectedBy: actor.id });
      await setVersionStatus(this.ledger, versionId, 'rejected', actor.id, reason);
      await setRequestStatus(
        this.ledger,
        await this.requestsOfVersion(versionId, ['evaluated', 'piloting']),
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
  async rollback(modelId: string, versionId: string | undefined, actor: TokenInfo): Promise<ModelView> {
    await this.ledger.transaction(async () => {
      const model = await getModel(this.ledger, modelId);
      if (!model) throw notFound('model', modelId);
      const current = (await getVersion(this.ledger, model.productionVersion))!;
      const targetId = versionId ?? current.parentId;
      if (!targetId) throw conflict(`model '${modelId}' is at its root version; there is nothing to roll back to`);
      const target = await getVersion(this.ledger, targetId);
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
        cursor = cursor.parentId ? await getVersion(this.ledger, cursor.parentId) : null
      )
        lineage.add(cursor.id);
      await setProduction(this.ledger, modelId, target.id, actor.id, 'rollback');
      const undone = (
        await this.ledger.all<{ id: string; version_id: string | null }>(
          "SELECT id, version_id FROM requests WHERE model_id = ? AND status = 'promoted' ORDER BY id",
          modelId,
        )
      )
        .filter((row) => row.version_id !== null && !lineage.has(row.version_id))
        .map((row) => row.id);
      if (undone.length > 0)
        await setRequestStatus(
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
