/**
 * The job runner: every `pollMs` it merges each model's queued requests into one job once the oldest has
 * waited a batching window, and runs the job in a worker process (one at a time per model, none while
 * the model has a candidate awaiting its pilot or promotion or while its preparation runs: see
 * {@link ModelPreparer}). On start it re-queues the requests of jobs a previous process left running.
 *
 * @module
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeletionService, ServiceLog } from './deletionService.js';
import type { JobResult, JobSpec } from './jobSpec.js';
import { type ModelPreparation, ModelPreparer } from './modelPreparer.js';
import { followWorker, spawnWorker } from './workerProcess.js';

const WORKER = fileURLToPath(new URL('./jobWorker.js', import.meta.url));

/** A job in flight. */
export interface RunningJob {
  jobId: string;
  modelId: string;
  startedAt: number;
  /** The worker's last progress line. */
  progress: Record<string, unknown> | null;
}

/** Runs the service's jobs in worker processes. */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Map<string, RunningJob & { child: ChildProcess }>();
  private stopping = false;
  private readonly preparer: ModelPreparer;

  constructor(
    private readonly service: DeletionService,
    private readonly log: ServiceLog,
  ) {
    this.preparer = new ModelPreparer(service, log, () => this.tick());
  }

  /** Recovers interrupted jobs and starts polling. */
  start(): void {
    this.service.recoverInterrupted();
    this.timer = setInterval(() => this.tick(), this.service.config.pollMs);
    this.tick();
  }

  /** Jobs in flight. */
  jobs(): RunningJob[] {
    return [...this.running.values()].map(({ child: _child, ...job }) => job);
  }

  /** A model's preparation (what its jobs reuse, e.g. TMU's twin). */
  preparation(modelId: string): ModelPreparation {
    return this.preparer.view(modelId);
  }

  /** Starts the preparations and the jobs that are due. */
  tick(): void {
    if (this.stopping) return;
    this.preparer.tick();
    for (const { modelId, oldestAgeMs } of this.service.queuedModels()) {
      if (
        this.running.has(modelId) ||
        oldestAgeMs < this.service.config.batchWindowMs ||
        this.service.hasCandidateInFlight(modelId) ||
        this.preparer.holds(modelId)
      )
        continue;
      let spec: JobSpec | null;
      try {
        spec = this.service.startJob(modelId);
      } catch (error) {
        this.log('job start failed', { model: modelId, error: (error as Error).message });
        continue;
      }
      if (spec) this.launch(modelId, spec);
    }
  }

  private launch(modelId: string, spec: JobSpec): void {
    const started = performance.now();
    rmSync(spec.resultPath, { force: true });
    const child = spawnWorker(WORKER, [this.service.specPath(spec.jobId)], { stdout: 'ignore' });
    const job = {
      jobId: spec.jobId,
      modelId,
      startedAt: Date.now(),
      progress: null as Record<string, unknown> | null,
      child,
    };
    this.running.set(modelId, job);
    const lastError = followWorker(
      child,
      (record) => {
        job.progress = record;
      },
      (line) => this.log('job output', { job: spec.jobId, line }),
    );
    child.on('exit', (code, signal) => {
      this.running.delete(modelId);
      if (this.stopping) return;
      const seconds = (performance.now() - started) / 1000;
      let result: JobResult;
      if (existsSync(spec.resultPath)) {
        try {
          result = JSON.parse(readFileSync(spec.resultPath, 'utf8')) as JobResult;
        } catch (error) {
          result = { ok: false, error: `unreadable job result: ${(error as Error).message}` };
        }
      } else {
        result = {
          ok: false,
          error: `the job worker exited with ${signal ? `signal ${signal}` : `status ${code}`}${lastError() ? `: ${lastError()}` : ''}`,
        };
      }
      try {
        this.service.completeJob(spec, result, seconds);
      } catch (error) {
        this.log('job completion failed', { job: spec.jobId, error: (error as Error).message });
      }
      rmSync(spec.resultPath, { force: true });
      rmSync(this.service.specPath(spec.jobId), { force: true });
      this.tick();
    });
    child.on('error', (error) => this.log('job worker error', { job: spec.jobId, error: error.message }));
  }

  /**
   * Stops polling and kills running workers. Their jobs stay `running` in the ledger and are re-queued on
   * the next start, exactly as after a crash; interrupted preparations run again then.
   */
  stop(): void {
    this.stopping = true;
    this.preparer.stop();
    if (this.timer) clearInterval(this.timer);
    for (const job of this.running.values()) job.child.kill('SIGKILL');
    this.running.clear();
  }
}
