/**
 * One attempt at a job: the worker process that runs it (a child of the embedded server or of a
 * `tmu worker`, so that the parent's event loop stays free to answer HTTP or renew its queue lock while
 * libtorch computes), and the result it leaves. Each attempt writes a candidate of its own (a new
 * version id), so two attempts at one job never share a folder.
 *
 * @module
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newId } from '../ledger/ledger.js';
import type { DeletionService, ServiceLog } from './deletionService.js';
import type { JobResult, JobSpec } from './jobSpec.js';
import { followWorker, spawnWorker } from './workerProcess.js';

const WORKER = fileURLToPath(new URL('./jobWorker.js', import.meta.url));

/** A running attempt. */
export interface JobAttempt {
  spec: JobSpec;
  startedAt: number;
  /** The worker's last progress line. */
  progress: Record<string, unknown> | null;
  /** Resolves when the worker exits, with its result (a failure when it left none). */
  done: Promise<{ result: JobResult; seconds: number }>;
  /** Kills the worker (its result then says so). */
  kill(): void;
}

/** Starts an attempt at running job `jobId` in a worker process. */
export async function startJobAttempt(
  service: DeletionService,
  jobId: string,
  log: ServiceLog,
  onProgress: (record: Record<string, unknown>) => void = () => {},
): Promise<JobAttempt> {
  const { spec, specPath } = await service.jobSpec(jobId, newId('ver'));
  const started = performance.now();
  const child: ChildProcess = spawnWorker(WORKER, [specPath], { stdout: 'ignore' });
  const attempt: JobAttempt = {
    spec,
    startedAt: Date.now(),
    progress: null,
    done: Promise.resolve({ result: { ok: false, error: 'not started' }, seconds: 0 }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  const lastError = followWorker(
    child,
    (record) => {
      attempt.progress = record;
      onProgress(record);
    },
    (line) => log('job output', { job: jobId, line }),
  );
  attempt.done = new Promise((resolve) => {
    let settled = false;
    const settle = (result: JobResult): void => {
      if (settled) return;
      settled = true;
      resolve({ result, seconds: (performance.now() - started) / 1000 });
    };
    child.on('exit', (code, signal) => {
      if (existsSync(spec.resultPath)) {
        try {
          settle(JSON.parse(readFileSync(spec.resultPath, 'utf8')) as JobResult);
          return;
        } catch (error) {
          settle({ ok: false, error: `unreadable job result: ${(error as Error).message}` });
          return;
        }
      }
      settle({
        ok: false,
        error: `the job worker exited with ${signal ? `signal ${signal}` : `status ${code}`}${lastError() ? `: ${lastError()}` : ''}`,
      });
    });
    child.on('error', (error) => settle({ ok: false, error: `the job worker could not run: ${error.message}` }));
  });
  return attempt;
}
