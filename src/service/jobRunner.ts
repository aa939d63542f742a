/**
 * The embedded job runner: every `pollMs` it merges each model's queued requests into one job once the
 * oldest has waited a batching window, and runs the job in a worker process of this server (one at a
 * time per model, none while the model has a candidate awaiting its pilot or promotion or while its
 * preparation runs: see {@link ModelPreparer}). It owns every job of its ledger, which is why a second
 * embedded server on the same ledger refuses to start: on start it re-queues the requests of jobs a
 * previous process left running.
 *
 * @module
 */

import type { DeletionService, ServiceLog } from './deletionService.js';
import { type JobAttempt, startJobAttempt } from './jobAttempt.js';
import type { JobScheduler, RunningJob } from './jobScheduler.js';
import type { QueueDepth, ServiceMetrics } from './metrics.js';
import { type ModelPreparation, ModelPreparer } from './modelPreparer.js';

/** Runs the service's jobs in worker processes of this server. */
export class JobRunner implements JobScheduler {
  readonly kind = 'embedded' as const;
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Map<string, { jobId: string; modelId: string; attempt: JobAttempt | null }>();
  private stopping = false;
  private ticking = false;
  private readonly preparer: ModelPreparer;

  constructor(
    private readonly service: DeletionService,
    private readonly log: ServiceLog,
    private readonly metrics?: ServiceMetrics,
  ) {
    this.preparer = new ModelPreparer(service, log, () => void this.tick());
  }

  async start(): Promise<void> {
    await this.service.recoverInterrupted();
    this.timer = setInterval(() => void this.tick(), this.service.config.pollMs);
    await this.tick();
  }

  async jobs(): Promise<RunningJob[]> {
    return [...this.running.values()].map(({ jobId, modelId, attempt }) => ({
      jobId,
      modelId,
      startedAt: attempt?.startedAt ?? Date.now(),
      progress: attempt?.progress ?? null,
    }));
  }

  async preparation(modelId: string): Promise<ModelPreparation> {
    return this.preparer.view(modelId);
  }

  async modelRegistered(): Promise<void> {
    await this.tick();
  }

  async depth(): Promise<QueueDepth> {
    const queued = await this.service.ledger.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM requests WHERE status = 'queued'",
    );
    return { jobs: { waiting: Number(queued?.n ?? 0), active: this.running.size } };
  }

  async check(): Promise<void> {}

  /** Starts the preparations, judges due pilots and starts the jobs that are due. */
  async tick(): Promise<void> {
    if (this.stopping || this.ticking) return;
    this.ticking = true;
    try {
      await this.preparer.tick();
      await this.service.judgeDuePilots();
      for (const { modelId, oldestAgeMs } of await this.service.queuedModels()) {
        if (
          this.stopping ||
          this.running.has(modelId) ||
          oldestAgeMs < this.service.config.batchWindowMs ||
          this.preparer.holds(modelId)
        )
          continue;
        const job = await this.service.startJob(modelId);
        if (job) await this.launch(modelId, job.id);
      }
    } catch (error) {
      this.log('job runner tick failed', { error: (error as Error).message });
    } finally {
      this.ticking = false;
    }
  }

  private async launch(modelId: string, jobId: string): Promise<void> {
    // A job merged while stopping stays running in the ledger and is re-queued at the next start.
    if (this.stopping) return;
    const entry: { jobId: string; modelId: string; attempt: JobAttempt | null } = { jobId, modelId, attempt: null };
    this.running.set(modelId, entry);
    let attempt: JobAttempt;
    try {
      attempt = await startJobAttempt(this.service, jobId, this.log);
    } catch (error) {
      this.running.delete(modelId);
      this.log('job start failed', { job: jobId, error: (error as Error).message });
      await this.service.failJob(jobId, `the job could not start: ${(error as Error).message}`);
      return;
    }
    entry.attempt = attempt;
    void attempt.done.then(async ({ result, seconds }) => {
      this.running.delete(modelId);
      if (this.stopping) return;
      this.metrics?.jobSeconds.observe({ outcome: result.ok ? 'succeeded' : 'failed' }, seconds);
      if (!result.ok) this.metrics?.jobFailures.inc();
      try {
        await this.service.completeJob(attempt.spec, result, seconds);
      } catch (error) {
        this.log('job completion failed', { job: jobId, error: (error as Error).message });
      }
      await this.tick();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.preparer.stop();
    if (this.timer) clearInterval(this.timer);
    const cut = [...this.running.values()];
    for (const job of cut) job.attempt?.kill();
    await Promise.all(cut.map((job) => job.attempt?.done));
    for (const job of cut) {
      this.service.removeStaging(job.jobId);
      this.log('job cut short', { job: job.jobId, model: job.modelId, note: 're-queued at the next start' });
    }
    this.running.clear();
    // A tick still in flight must end before the ledger closes.
    while (this.ticking) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
