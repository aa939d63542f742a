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

/** Registers a trained model as a root version in production. The id must be new. */
export function registerModel(
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
): ModelRecord {
  return ledger.transaction(() => {
    if (getModel(ledger, input.id)) throw new Error(`model '${input.id}' is already registered`);
    const versionId = newId('ver');
    const createdAt = now();
    // The model row names its root version, which references the model: insert the model first with the
    // pointer set, then the version (foreign keys are checked per statement, the pointer has none).
    ledger.db
      .prepare(
        'INSERT INTO models (id, path, digest, split_digest, dataset, member_count, production_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        input.id,
        input.path,
        input.digest,
        input.splitDigest,
        input.dataset,
        input.memberCount,
        versionId,
        createdAt,
      );
    ledger.db
      .prepare(
        'INSERT INTO model_versions (id, model_id, parent_id, digest, path, forgotten_count, status, created_at) VALUES (?, ?, NULL, ?, ?, 0, ?, ?)',
      )
      .run(versionId, input.id, input.digest, input.path, 'root', createdAt);
    ledger.append({
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
    return getModel(ledger, input.id)!;
  });
}

/** A model by id, or null. */
export function getModel(ledger: Ledger, id: string): ModelRecord | null {
  const row = ledger.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
  return row ? model(row) : null;
}

/** Every registered model. */
export function listModels(ledger: Ledger): ModelRecord[] {
  return (ledger.db.prepare('SELECT * FROM models ORDER BY created_at').all() as ModelRow[]).map(model);
}

/** A version by id, or null. */
export function getVersion(ledger: Ledger, id: string): VersionRecord | null {
  const row = ledger.db.prepare('SELECT * FROM model_versions WHERE id = ?').get(id) as VersionRow | undefined;
  return row ? version(row) : null;
}

/** A model's versions, oldest first. */
export function listVersions(ledger: Ledger, modelId: string): VersionRecord[] {
  return (
    ledger.db
      .prepare('SELECT * FROM model_versions WHERE model_id = ? ORDER BY created_at, rowid')
      .all(modelId) as VersionRow[]
  ).map(version);
}

/** The version a model's predictions come from. */
export function productionVersion(ledger: Ledger, modelId: string): VersionRecord {
  const record = getModel(ledger, modelId);
  if (!record) throw new Error(`unknown model '${modelId}'`);
  return getVersion(ledger, record.productionVersion)!;
}

/** Records the child version an unlearning job produced (status `candidate` or `rejected`). */
export function addVersion(
  ledger: Ledger,
  input: Omit<VersionRecord, 'id' | 'createdAt'> & { id?: string },
  actor: string,
): VersionRecord {
  return ledger.transaction(() => {
    const id = input.id ?? newId('ver');
    ledger.db
      .prepare(
        'INSERT INTO model_versions (id, model_id, parent_id, digest, path, method, params, job_id, forgotten_count, forgotten_digest, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
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
    ledger.append({
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
    return getVersion(ledger, id)!;
  });
}

/** Changes a version's status (a candidate becomes `promoted` or `rejected`). */
export function setVersionStatus(
  ledger: Ledger,
  id: string,
  status: VersionStatus,
  actor: string,
  reason?: string,
): void {
  ledger.transaction(() => {
    const result = ledger.db.prepare('UPDATE model_versions SET status = ? WHERE id = ?').run(status, id);
    if (result.changes !== 1) throw new Error(`unknown model version '${id}'`);
    ledger.append({ type: `version.${status}`, actor, subject: id, payload: reason ? { reason } : {} });
  });
}

/** Moves the production pointer of a model to `versionId` (`promote` or `rollback`). */
export function setProduction(
  ledger: Ledger,
  modelId: string,
  versionId: string,
  actor: string,
  action: 'promote' | 'rollback',
): void {
  ledger.transaction(() => {
    const target = getVersion(ledger, versionId);
    if (!target || target.modelId !== modelId)
      throw new Error(`version '${versionId}' is not a version of model '${modelId}'`);
    const from = getModel(ledger, modelId)!.productionVersion;
    ledger.db.prepare('UPDATE models SET production_version = ? WHERE id = ?').run(versionId, modelId);
    ledger.append({
      type: action === 'promote' ? 'model.promoted' : 'model.rolled-back',
      actor,
      subject: modelId,
      payload: { from, to: versionId, digest: target.digest },
    });
  });
}
