/**
 * The compliance report of one deletion request: what was asked to be forgotten, by whom and why, which
 * job and method forgot it, from which model version to which, with what evidence (the evaluation and
 * pilot reports), where it stands, every ledger event about it, and whether the ledger verifies.
 *
 * @module
 */

import { getPilot, type JobRecord, jobsOfRequest, listReports, type PilotRecord, type ReportRecord } from './jobs.js';
import type { Ledger, LedgerEvent } from './ledger.js';
import { getModel, getVersion, type ModelRecord, type VersionRecord } from './models.js';
import { getRequest, type RequestRecord, requestSampleIds } from './requests.js';
import { type VerifyResult, verifyLedger } from './verify.js';

/** Format tag of the compliance report. */
export const COMPLIANCE_FORMAT = 'tmu-compliance/1';

/** The compliance report of a deletion request. */
export interface ComplianceReport {
  format: typeof COMPLIANCE_FORMAT;
  generatedAt: string;
  request: RequestRecord & { ids: string[] };
  model: ModelRecord;
  /** The jobs that processed the request, oldest first (an interrupted job is followed by its re-run). */
  jobs: JobRecord[];
  /** The version produced for the request (null while queued or running) and the one it replaced. */
  version: VersionRecord | null;
  parentVersion: VersionRecord | null;
  /** The version serving predictions now. */
  productionVersion: VersionRecord;
  /** Whether the request's forgetting is in production now. */
  inProduction: boolean;
  reports: ReportRecord[];
  pilot: PilotRecord | null;
  /** Every event about the request, its jobs, its version and its model, in ledger order. */
  events: LedgerEvent[];
  verification: VerifyResult;
}

/** Builds the compliance report of request `id`; an unknown id is an error. */
export async function complianceReport(ledger: Ledger, id: string): Promise<ComplianceReport> {
  const request = await getRequest(ledger, id);
  if (!request) throw new Error(`unknown deletion request '${id}'`);
  const model = (await getModel(ledger, request.modelId))!;
  const jobs = await jobsOfRequest(ledger, id);
  const jobIds = jobs.map((job) => job.id);
  const version = request.versionId ? await getVersion(ledger, request.versionId) : null;
  const parentVersion = version?.parentId ? await getVersion(ledger, version.parentId) : null;
  const productionVersion = (await getVersion(ledger, model.productionVersion))!;
  let inProduction = false;
  for (
    let cursor: VersionRecord | null = productionVersion;
    cursor && version;
    cursor = cursor.parentId ? await getVersion(ledger, cursor.parentId) : null
  ) {
    if (cursor.id === version.id) inProduction = true;
  }
  const reports = (await Promise.all(jobs.map((job) => listReports(ledger, { jobId: job.id })))).flat();
  const subjects = [id, ...jobIds, ...(version ? [version.id] : []), ...reports.map((report) => report.id), model.id];
  return {
    format: COMPLIANCE_FORMAT,
    generatedAt: new Date().toISOString(),
    request: { ...request, ids: await requestSampleIds(ledger, id) },
    model,
    jobs,
    version,
    parentVersion,
    productionVersion,
    inProduction,
    reports,
    pilot: version ? await getPilot(ledger, version.id) : null,
    events: await ledger.events({ subjects }),
    verification: await verifyLedger(ledger),
  };
}
