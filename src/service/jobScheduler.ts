/**
 * What the API server needs from whatever runs its jobs: the embedded {@link JobRunner} (worker
 * processes of the server itself, the default) or the {@link QueueScheduler} (BullMQ on Redis, jobs run
 * by `tmu worker` processes anywhere).
 *
 * @module
 */

import type { QueueDepth } from './metrics.js';
import type { ModelPreparation } from './modelPreparer.js';

/** A job in flight. */
export interface RunningJob {
  jobId: string;
  modelId: string;
  startedAt: number;
  /** The worker's last progress line. */
  progress: Record<string, unknown> | null;
}

/** Runs the service's jobs and model preparations. */
export interface JobScheduler {
  /** `embedded` or `queue`. */
  readonly kind: 'embedded' | 'queue';
  /** Starts merging requests into jobs and running (or enqueueing) them. */
  start(): Promise<void>;
  /** Jobs in flight. */
  jobs(): Promise<RunningJob[]>;
  /** A model's preparation (what its jobs reuse, e.g. TMU's twin). */
  preparation(modelId: string): Promise<ModelPreparation>;
  /** A model was registered: prepare it. */
  modelRegistered(modelId: string): Promise<void>;
  /** Jobs and preparations by state, for the metrics. */
  depth(): Promise<QueueDepth>;
  /** Throws when the queue cannot be reached (readiness). */
  check(): Promise<void>;
  /**
   * Stops taking work. Jobs cut short stay running in the ledger and run again (the embedded runner
   * re-queues them at its next start; the queue hands them to another worker); their staging folders
   * are removed.
   */
  stop(): Promise<void>;
}
