/**
 * The API server's side of a scaled-out deployment: like the embedded runner it merges each model's
 * queued requests into a job once the batching window has passed (under the ledger's write lock, so any
 * number of servers can do it side by side), but it hands the job to BullMQ instead of running it; any
 * `tmu worker` takes it from there. It also enqueues model preparations, judges due pilots, and
 * reconciles the ledger with the queue: a ledger job whose queue job is missing (the server died between
 * the two) is enqueued again, and one whose queue job ended failed (out of attempts, or stalled too
 * often) is recorded as failed with the queue's reason.
 *
 * @module
 */

import { type ConnectionOptions, Queue } from 'bullmq';
import { getJob as getLedgerJob, listJobs } from '../ledger/jobs.js';
import { listModels } from '../ledger/models.js';
import type { DeletionService, ServiceLog } from './deletionService.js';
import {
  JOBS_QUEUE,
  PREPARATIONS_QUEUE,
  type PreparationReturn,
  preparationJobId,
  type QueuedJob,
  type QueuedPreparation,
  queueReady,
} from './jobQueue.js';
import type { JobScheduler, RunningJob } from './jobScheduler.js';
import type { QueueDepth } from './metrics.js';
import { type ModelPreparation, pendingPreparation, standingPreparation } from './modelPreparer.js';

/** How often the ledger and the queue are reconciled. */
const RECONCILE_MS = 2_000;

/** Enqueues the service's jobs and preparations on BullMQ. */
export class QueueScheduler implements JobScheduler {
  readonly kind = 'queue' as const;
  private readonly jobsQueue: Queue<QueuedJob>;
  private readonly preparations: Queue<QueuedPreparation, PreparationReturn>;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopping = false;
  private lastReconcile = 0;

  constructor(
    private readonly service: DeletionService,
    private readonly log: ServiceLog,
    connection: ConnectionOptions,
    private readonly description = 'redis',
  ) {
    this.jobsQueue = new Queue<QueuedJob>(JOBS_QUEUE, { connection });
    this.preparations = new Queue<QueuedPreparation, PreparationReturn>(PREPARATIONS_QUEUE, { connection });
    for (const queue of [this.jobsQueue, this.preparations])
      queue.on('error', (error) => this.log('queue error', { queue: queue.name, error: error.message }));
  }

  async start(): Promise<void> {
    await queueReady(
      Promise.all([this.jobsQueue.waitUntilReady(), this.preparations.waitUntilReady()]),
      this.description,
    );
    for (const model of await listModels(this.service.ledger)) await this.enqueuePreparation(model.id, true);
    this.timer = setInterval(() => void this.tick(), this.service.config.pollMs);
    await this.tick();
  }

  private async enqueuePreparation(modelId: string, retryFailed: boolean): Promise<void> {
    if (standingPreparation(this.service.config) !== null) return;
    const id = preparationJobId(modelId);
    const existing = await this.preparations.getJob(id);
    // A preparation that failed is tried again when a server starts, as the embedded runner does.
    if (existing && retryFailed && (await existing.getState()) === 'failed') await existing.remove();
    await this.preparations.add(
      'prepare',
      { model: modelId, config: this.service.config },
      { jobId: id, attempts: this.service.config.queue.attempts, backoff: this.backoff(), removeOnComplete: false },
    );
  }

  private backoff(): { type: 'exponential'; delay: number } {
    return { type: 'exponential', delay: this.service.config.queue.backoffMs };
  }

  private async enqueue(jobId: string, modelId: string): Promise<void> {
    await this.jobsQueue.add(
      'unlearn',
      { jobId, model: modelId, config: this.service.config },
      {
        jobId,
        attempts: this.service.config.queue.attempts,
        backoff: this.backoff(),
        removeOnComplete: { age: 7 * 86_400 },
        removeOnFail: { age: 30 * 86_400 },
      },
    );
  }

  /** Whether a model's preparation is still to run or running (its jobs wait). */
  private async holds(modelId: string): Promise<boolean> {
    const status = (await this.preparation(modelId)).status;
    return status === 'queued' || status === 'running';
  }

  async tick(): Promise<void> {
    if (this.stopping || this.ticking) return;
    this.ticking = true;
    try {
      await this.service.judgeDuePilots();
      for (const { modelId, oldestAgeMs } of await this.service.queuedModels()) {
        if (this.stopping || oldestAgeMs < this.service.config.batchWindowMs || (await this.holds(modelId))) continue;
        const job = await this.service.startJob(modelId);
        if (!job) continue;
        await this.enqueue(job.id, modelId);
        this.log('job enqueued', { job: job.id, model: modelId, requests: job.requestIds.length });
      }
      if (Date.now() - this.lastReconcile >= RECONCILE_MS) {
        this.lastReconcile = Date.now();
        await this.reconcile();
      }
    } catch (error) {
      this.log('job scheduler tick failed', { error: (error as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  /** Brings the ledger's running jobs and the queue into agreement. */
  private async reconcile(): Promise<void> {
    for (const job of await listJobs(this.service.ledger, 'running')) {
      if (this.stopping) return;
      const queued = await this.jobsQueue.getJob(job.id);
      if (!queued) {
        // Enqueued after the ledger committed: a server that died in between left it here.
        if ((await getLedgerJob(this.service.ledger, job.id))?.status !== 'running') continue;
        await this.enqueue(job.id, job.modelId);
        this.log('job re-enqueued', { job: job.id, model: job.modelId });
        continue;
      }
      const state = await queued.getState();
      if (state === 'failed') await this.service.failJob(job.id, queued.failedReason || 'the queue gave up on the job');
      else if (state === 'completed')
        await this.service.failJob(job.id, 'the queue job completed without recording an outcome');
    }
  }

  async jobs(): Promise<RunningJob[]> {
    return (await this.jobsQueue.getActive()).map((job) => ({
      jobId: job.data.jobId,
      modelId: job.data.model,
      startedAt: job.processedOn ?? job.timestamp,
      progress:
        typeof job.progress === 'object' && job.progress !== null ? (job.progress as Record<string, unknown>) : null,
    }));
  }

  async preparation(modelId: string): Promise<ModelPreparation> {
    const method = this.service.config.method;
    const standing = standingPreparation(this.service.config);
    if (standing !== null) return pendingPreparation(standing, method);
    const job = await this.preparations.getJob(preparationJobId(modelId));
    if (!job) return pendingPreparation('queued', method);
    const state = await job.getState();
    const view = pendingPreparation('queued', method);
    view.startedAt = job.processedOn ? new Date(job.processedOn).toISOString() : null;
    if (state === 'active') {
      view.status = 'running';
      view.progress =
        typeof job.progress === 'object' && job.progress !== null ? (job.progress as Record<string, unknown>) : null;
    } else if (state === 'completed') {
      view.status = 'ready';
      view.seconds = job.returnvalue?.seconds ?? null;
      view.reused = job.returnvalue?.reused ?? null;
      view.summary = job.returnvalue?.summary ?? null;
    } else if (state === 'failed') {
      view.status = 'failed';
      view.error = job.failedReason ?? null;
    }
    return view;
  }

  async modelRegistered(modelId: string): Promise<void> {
    await this.enqueuePreparation(modelId, false);
  }

  async depth(): Promise<QueueDepth> {
    const states = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;
    const [jobs, preparations] = await Promise.all([
      this.jobsQueue.getJobCounts(...states),
      this.preparations.getJobCounts(...states),
    ]);
    return { jobs, preparations };
  }

  async check(): Promise<void> {
    await (await this.jobsQueue.client).runCommand('ping', []);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    while (this.ticking) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all([this.jobsQueue.close(), this.preparations.close()]);
  }
}
