/**
 * `tmu worker`: takes unlearning jobs and model preparations from the BullMQ queues and runs each in a
 * worker process of its own (so that this process keeps renewing its locks while libtorch computes).
 * Any number of workers, on any host that reaches Redis, the ledger and the models directory.
 *
 * Failure paths (docs/deployment.md): a job whose attempt fails is retried by BullMQ with exponential
 * backoff up to its `attempts`; a worker killed mid-job stops renewing its lock, and BullMQ's stall
 * detection hands the job to another worker, up to `maxStalledCount` times. A job out of both ends
 * failed in the ledger with its reason. A result is committed at most once: an attempt that finishes
 * after another already recorded the job's outcome is refused by the ledger and its candidate removed.
 * On SIGTERM the worker kills its attempts, puts their jobs back in the queue without using up an
 * attempt, removes their staging folders and exits.
 *
 * @module
 */

import { rmSync } from 'node:fs';
import { type ConnectionOptions, type Job, WaitingError, Worker } from 'bullmq';
import { getJob, JobAlreadyFinished } from '../ledger/jobs.js';
import type { Ledger } from '../ledger/ledger.js';
import { getModel } from '../ledger/models.js';
import type { ServiceConfig } from './config.js';
import { DeletionService, type ServiceLog } from './deletionService.js';
import { type JobAttempt, startJobAttempt } from './jobAttempt.js';
import {
  JOBS_QUEUE,
  PREPARATIONS_QUEUE,
  type PreparationReturn,
  type QueuedJob,
  type QueuedPreparation,
  queueReady,
} from './jobQueue.js';
import type { JobSpec } from './jobSpec.js';
import type { ServiceMetrics } from './metrics.js';
import type { ModelPaths } from './modelPaths.js';
import { type PreparationProcess, preparationSpecOf, runPreparationProcess } from './modelPreparer.js';

/** How a worker runs. */
export interface QueueWorkerOptions {
  /** Jobs run at once (each in its own process). */
  concurrency: number;
  queue: ServiceConfig['queue'];
}

/** Progress is written to the queue at most this often. */
const PROGRESS_MS = 1000;

function throttled(job: Job): (record: Record<string, unknown>) => void {
  let last = 0;
  return (record) => {
    if (Date.now() - last < PROGRESS_MS) return;
    last = Date.now();
    job.updateProgress(record).catch(() => {});
  };
}

/** Removes one attempt's files (its candidate, spec and result), leaving other attempts' alone. */
function removeAttempt(spec: JobSpec): void {
  for (const path of [
    spec.stagingDir,
    `${spec.stagingDir}.partial`,
    spec.resultPath,
    spec.resultPath.replace(/\.result\.json$/, '.spec.json'),
  ])
    rmSync(path, { recursive: true, force: true });
}

/** A worker on the job and preparation queues. */
export class QueueWorker {
  private jobs: Worker<QueuedJob> | null = null;
  private preparations: Worker<QueuedPreparation, PreparationReturn> | null = null;
  private readonly attempts = new Map<string, JobAttempt>();
  private readonly preparing = new Set<PreparationProcess>();
  private stopping = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly paths: ModelPaths,
    private readonly log: ServiceLog,
    private readonly connection: ConnectionOptions,
    private readonly options: QueueWorkerOptions,
    private readonly metrics?: ServiceMetrics,
    private readonly description = 'redis',
  ) {}

  private service(config: ServiceConfig): DeletionService {
    return new DeletionService(this.ledger, this.paths, config, this.log);
  }

  /** Starts taking jobs. */
  async start(defaults: ServiceConfig): Promise<void> {
    // What crashed attempts of ended jobs left behind (this worker's previous life included).
    await this.service(defaults).sweep();
    const settings = {
      connection: this.connection,
      lockDuration: this.options.queue.lockDurationMs,
      stalledInterval: this.options.queue.stalledIntervalMs,
      maxStalledCount: this.options.queue.maxStalledCount,
    };
    this.jobs = new Worker<QueuedJob>(JOBS_QUEUE, (job, token) => this.runJob(job, token), {
      ...settings,
      concurrency: this.options.concurrency,
    });
    this.jobs.on('failed', (job, error) => void this.jobFailed(job, error));
    this.jobs.on('stalled', (jobId) =>
      this.log('job stalled', { job: jobId, note: 'its worker stopped renewing the lock; back to the queue' }),
    );
    this.jobs.on('error', (error) => this.log('queue error', { queue: JOBS_QUEUE, error: error.message }));
    this.preparations = new Worker<QueuedPreparation, PreparationReturn>(
      PREPARATIONS_QUEUE,
      (job, token) => this.runPreparation(job, token),
      { ...settings, concurrency: 1 },
    );
    this.preparations.on('error', (error) =>
      this.log('queue error', { queue: PREPARATIONS_QUEUE, error: error.message }),
    );
    await queueReady(Promise.all([this.jobs.waitUntilReady(), this.preparations.waitUntilReady()]), this.description);
  }

  private async runJob(job: Job<QueuedJob>, token: string | undefined): Promise<{ version: string | null }> {
    const { jobId, config } = job.data;
    const service = this.service(config);
    const current = await getJob(this.ledger, jobId);
    if (!current || current.status !== 'running') {
      this.log('job skipped', {
        job: jobId,
        reason: current ? `the ledger has it ${current.status}` : 'unknown to the ledger',
      });
      return { version: current?.versionId ?? null };
    }
    const attempt = await startJobAttempt(service, jobId, this.log, throttled(job));
    this.attempts.set(job.id!, attempt);
    this.log('job attempt started', {
      job: jobId,
      model: current.modelId,
      version: attempt.spec.versionId,
      attempt: job.attemptsMade + 1,
      stalled: job.stalledCounter,
      pid: process.pid,
    });
    const { result, seconds } = await attempt.done;
    this.attempts.delete(job.id!);
    if (this.stopping) {
      removeAttempt(attempt.spec);
      // Back to the queue without using up an attempt: stopping a worker is not the job's failure.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.metrics?.jobSeconds.observe({ outcome: result.ok ? 'succeeded' : 'failed' }, seconds);
    if (!result.ok) {
      removeAttempt(attempt.spec);
      this.log('job attempt failed', { job: jobId, attempt: job.attemptsMade + 1, error: result.error });
      throw new Error(result.error);
    }
    try {
      await service.completeJob(attempt.spec, result, seconds);
    } catch (error) {
      if (error instanceof JobAlreadyFinished) {
        this.log('job outcome already recorded', {
          job: jobId,
          discarded: attempt.spec.versionId,
          reason: error.message,
        });
        await service.sweep(jobId);
        return { version: null };
      }
      throw error;
    }
    return { version: attempt.spec.versionId };
  }

  /** A failed attempt: when the queue has given up on the job, the ledger records the failure. */
  private async jobFailed(job: Job<QueuedJob> | undefined, error: Error): Promise<void> {
    if (!job || error instanceof WaitingError || error.name === 'WaitingError') return;
    try {
      if ((await job.getState()) !== 'failed') return;
      if (await this.service(job.data.config).failJob(job.data.jobId, error.message)) this.metrics?.jobFailures.inc();
    } catch (failure) {
      this.log('job failure not recorded', { job: job.data.jobId, error: (failure as Error).message });
    }
  }

  private async runPreparation(job: Job<QueuedPreparation>, token: string | undefined): Promise<PreparationReturn> {
    const service = this.service(job.data.config);
    const model = await getModel(this.ledger, job.data.model);
    if (!model) throw new Error(`unknown model '${job.data.model}'`);
    const started = performance.now();
    this.log('model preparation started', { model: model.id, method: job.data.config.method, pid: process.pid });
    const process_ = runPreparationProcess(preparationSpecOf(service, model), this.log, throttled(job));
    this.preparing.add(process_);
    const outcome = await process_.done;
    this.preparing.delete(process_);
    if (this.stopping) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
    if (!outcome.ok) {
      this.log('model preparation failed', { model: model.id, seconds, error: outcome.error });
      throw new Error(outcome.error);
    }
    this.log('model prepared', { model: model.id, seconds, reused: outcome.preparation?.reused ?? null });
    return {
      seconds,
      reused: outcome.preparation?.reused ?? null,
      summary: outcome.preparation?.summary ?? null,
    };
  }

  /** Jobs running now. */
  get running(): number {
    return this.attempts.size;
  }

  /** Stops: kills the attempts (their jobs go back to the queue), removes their staging, closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    const cut = [...this.attempts.values()];
    for (const attempt of cut) attempt.kill();
    for (const process_ of this.preparing) process_.kill();
    await Promise.all([this.jobs?.close(), this.preparations?.close()]);
    for (const attempt of cut) this.log('job cut short', { job: attempt.spec.jobId, note: 'back in the queue' });
  }
}
