/**
 * What the job runner hands a job worker process, and what the worker hands back. Both travel as JSON
 * files (written atomically), so a job can be inspected and re-run by hand.
 *
 * @module
 */

import type { ServiceConfig } from './config.js';
import type { CandidateMetrics, GateResult } from './gates.js';

/** Input of a job worker. */
export interface JobSpec {
  jobId: string;
  /** Id of the version the job produces. */
  versionId: string;
  /** The registered (root) model: every version is unlearned from it, so its twin cache is reused. */
  rootDir: string;
  /** The production version when the job started (the candidate's parent, the gates' baseline). */
  parentDir: string;
  /** Every id the candidate must have forgotten: the parent's forgotten ids plus this job's. */
  forgetIds: string[];
  /** This job's ids (the requests merged into it). */
  newIds: string[];
  method: string;
  params: Record<string, unknown>;
  seed: number;
  gates: ServiceConfig['gates'];
  audit: boolean;
  /**
   * Where the worker leaves the candidate (written as `<stagingDir>.partial`, renamed when complete);
   * the commit moves it to the version's folder.
   */
  stagingDir: string;
  resultPath: string;
}

/** Output of a job worker. */
export type JobResult =
  | {
      ok: true;
      digest: string;
      forgottenDigest: string;
      forgottenCount: number;
      passed: boolean;
      report: EvaluateReport;
    }
  | { ok: false; error: string };

/** The evaluate stage's report, stored in the ledger and shown on the dashboard. */
export interface EvaluateReport {
  passed: boolean;
  gates: GateResult[];
  metrics: CandidateMetrics;
  seconds: { unlearn: number; evaluate: number; audit: number | null };
  /** Exact audit against a gold model retrained for this job (when configured). */
  audit: { goldTestAcc: number; goldForgetAcc: number; forgetGap: number; agreement: number; seconds: number } | null;
  method: string;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  [key: string]: unknown;
}
