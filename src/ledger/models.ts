/**
 * Registered models and their versions. A registered (trained) model is the root version; every
 * unlearning job adds a child version (parent, method, digest, what it forgot). The model's production
 * pointer names the version that serves predictions; promote and rollback move it and old versions stay.
 *
 * @module
 */

import { type Ledger, newId, now } from './ledger.js';

/** Status of a model version. */
export type VersionStatus = 'root' | 'candidate' | 'rejected' | 'promoted';

/** A registered model. */
export interface ModelRecord {
  id: string;
  /** The model directory, relative to the service's models directory. */
  path: string;
  digest: string;
  splitDigest: string;
  dataset: string;
  memberCount: number;
  productionVersion: string;
  createdAt: string;
}

/** One version of a model. */
export interface VersionRecord {
  id: string;
  modelId: string;
  parentId: string | null;
  digest: string;
  path: string;
  method: string | null;
  params: Record<string, unknown> | null;
  jobId: string | null;
  forgottenCount: number;
  forgottenDigest: string | null;
  status: VersionStatus;
  createdAt: string;
}

interface ModelRow {
  id: string;
  path: string;
  digest: string;
  split_digest: string;
  dataset: string;
  member_count: number;
  production_version: string;
  created_at: string;
}
interface VersionRow {
  id: string;
  model_id: string;
  parent_id: string | null;
  digest: string;
  path: string;
  method: string | null;
  params: string | null;
  job_id: string | null;
  forgotten_count: number;
  forgotten_digest: string | null;
  status: VersionStatus;
  created_at: string;
}

function model(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    path: row.path,
    digest: row.digest,
    splitDigest: row.split_digest,
    dataset: row.dataset,
    memberCount: row.member_count,
    productionVersion: row.production_version,
    createdAt: row.created_at,
  };
}

function version(row: VersionRow): VersionRecord {
  return {
    id: row.id,
    modelId: row.model_id,
    parentId: row.parent_id,
    digest: row.digest,
    path: row.path,
    method: row.method,
    params: row.params === null ? null : (JSON.parse(row.params) as Record<string, unknown>),
    jobId: row.job_id,
    forgottenCount: row.forgotten_count,
    forgottenDigest: row.forgotten_digest,
    status: row.status,
    createdAt: row.created_at,
  };
}

/** A registration of a path that is already registered (under `existing`). */
export class PathAlreadyRegistered extends Error {
  override name = 'PathAlreadyRegistered';
  constructor(
    readonly path: string,
    readonly existing: string,
  ) {
    super(`model directory '${path}' is already registered as model '${existing}'`);
  }
}

/**
 * Registers a trained model as a root version in production. The id must be new, and so must the path:
 * one model directory has one registration, or a deletion under one id would leave another id serving
 * the original weights.
 */
export async function registerModel(
  ledger: Ledger,
  input: {
    id: string;
    path: string;
    digest: string;
    splitDigest: string;
    dataset: string;
    memberCount: number;
    actor: string;
  },
): Promise<ModelRecord> {
  return ledger.transaction(async () => {
    if (await getModel(ledger, input.id)) throw new Error(`model '${input.id}' is already registered`);
    const same = await ledger.get<{ id: string }>('SELECT id FROM models WHERE path = ?', input.path);
    if (same) throw new PathAlreadyRegistered(input.path, same.id);
    const versionId = newId('ver');
    const createdAt = now();
    // The model row names its root version, which references the model: insert the model first with the
    // pointer set, then the version (foreign keys are checked per statement, the pointer has none).
    await ledger.run(
      'INSERT INTO models (id, path, digest, split_digest, dataset, member_count, production_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      input.id,
      input.path,
      input.digest,
      input.splitDigest,
      input.dataset,
      input.memberCount,
      versionId,
      createdAt,
    );
    await ledger.run(
      'INSERT INTO model_versions (id, model_id, parent_id, digest, path, forgotten_count, status, created_at) VALUES (?, ?, NULL, ?, ?, 0, ?, ?)',
      versionId,
      input.id,
      input.digest,
      input.path,
      'root',
      createdAt,
    );
    await ledger.append({
      type: 'model.registered',
      actor: input.actor,
      subject: input.id,
      payload: {
        path: input.path,
        digest: input.digest,
        splitDigest: input.splitDigest,
        dataset: input.dataset,
        memberCount: input.memberCount,
        rootVersion: versionId,
      },
    });
    return (await getModel(ledger, input.id))!;
  });
}

/** A model by id, or null. */
export async function getModel(ledger: Ledger, id: string): Promise<ModelRecord | null> {
  const row = await ledger.get<ModelRow>('SELECT * FROM models WHERE id = ?', id);
  return row ? model(row) : null;
}

/** Every registered model. */
export async function listModels(ledger: Ledger): Promise<ModelRecord[]> {
  return (await ledger.all<ModelRow>('SELECT * FROM models ORDER BY created_at, id')).map(model);
}

/** A version by id, or null. */
export async function getVersion(ledger: Ledger, id: string): Promise<VersionRecord | null> {
  const row = await ledger.get<VersionRow>('SELECT * FROM model_versions WHERE id = ?', id);
  return row ? version(row) : null;
}

/** A model's versions, oldest first. */
export async function listVersions(ledger: Ledger, modelId: string): Promise<VersionRecord[]> {
  return (
    await ledger.all<VersionRow>('SELECT * FROM model_versions WHERE model_id = ? ORDER BY created_at, id', modelId)
  ).map(version);
}

/** The version a model's predictions come from. */
export async function productionVersion(ledger: Ledger, modelId: string): Promise<VersionRecord> {
  const record = await getModel(ledger, modelId);
  if (!record) throw new Error(`unknown model '${modelId}'`);
  return (await getVersion(ledger, record.productionVersion))!;
}

/** Records the child version an unlearning job produced (status `candidate` or `rejected`). */
export async function addVersion(
  ledger: Ledger,
  input: Omit<VersionRecord, 'id' | 'createdAt'> & { id?: string },
  actor: string,
): Promise<VersionRecord> {
  return ledger.transaction(async () => {
    const id = input.id ?? newId('ver');
    await ledger.run(
      'INSERT INTO model_versions (id, model_id, parent_id, digest, path, method, params, job_id, forgotten_count, forgotten_digest, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      id,
      input.modelId,
      input.parentId,
      input.digest,
      input.path,
      input.method,
      input.params === null ? null : JSON.stringify(input.params),
      input.jobId,
      input.forgottenCount,
      input.forgottenDigest,
      input.status,
      now(),
    );
    await ledger.append({
      type: 'version.created',
      actor,
      subject: id,
      payload: {
        model: input.modelId,
        parent: input.parentId,
        digest: input.digest,
        path: input.path,
        method: input.method,
        params: input.params,
        job: input.jobId,
        forgottenCount: input.forgottenCount,
        forgottenDigest: input.forgottenDigest,
        status: input.status,
      },
    });
    return (await getVersion(ledger, id))!;
  });
}

/** Changes a version's status (a candidate becomes `promoted` or `rejected`). */
export async function setVersionStatus(
  ledger: Ledger,
  id: string,
  status: VersionStatus,
  actor: string,
  reason?: string,
): Promise<void> {
  await ledger.transaction(async () => {
    const changed = await ledger.run('UPDATE model_versions SET status = ? WHERE id = ?', status, id);
    if (changed !== 1) throw new Error(`unknown model version '${id}'`);
    await ledger.append({ type: `version.${status}`, actor, subject: id, payload: reason ? { reason } : {} });
  });
}

/** Moves the production pointer of a model to `versionId` (`promote` or `rollback`). */
export async function setProduction(
  ledger: Ledger,
  modelId: string,
  versionId: string,
  actor: string,
  action: 'promote' | 'rollback',
): Promise<void> {
  await ledger.transaction(async () => {
    const target = await getVersion(ledger, versionId);
    if (!target || target.modelId !== modelId)
      throw new Error(`version '${versionId}' is not a version of model '${modelId}'`);
    const from = (await getModel(ledger, modelId))!.productionVersion;
    await ledger.run('UPDATE models SET production_version = ? WHERE id = ?', versionId, modelId);
    await ledger.append({
      type: action === 'promote' ? 'model.promoted' : 'model.rolled-back',
      actor,
      subject: modelId,
      payload: { from, to: versionId, digest: target.digest },
    });
  });
}
