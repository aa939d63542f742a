/**
 * The job queues of a scaled-out deployment (BullMQ on Redis): `tmu-jobs` carries unlearning jobs (one
 * queue job per ledger job, with the ledger job's id, so enqueueing twice is harmless) and
 * `tmu-preparations` the model preparations (one per model). The ledger stays the record: a queue job
 * names a ledger job and carries the configuration of the server that merged it, and a worker reads the
 * rest from the ledger and the shared models directory.
 *
 * @module
 */

import type { ConnectionOptions } from 'bullmq';
import type { ServiceConfig } from './config.js';

/** Queue of unlearning jobs. */
export const JOBS_QUEUE = 'tmu-jobs';
/** Queue of model preparations. */
export const PREPARATIONS_QUEUE = 'tmu-preparations';

/** What an unlearning queue job carries. */
export interface QueuedJob {
  /** The ledger job. */
  jobId: string;
  model: string;
  /** The configuration of the server that merged the job: method, gates, pilot and promotion rules. */
  config: ServiceConfig;
}

/** What a preparation queue job carries. */
export interface QueuedPreparation {
  model: string;
  config: ServiceConfig;
}

/** What a finished preparation job returns. */
export interface PreparationReturn {
  seconds: number;
  reused: boolean | null;
  summary: Record<string, unknown> | null;
}

/** The queue job id of a model's preparation (BullMQ ids may not contain ':'). */
export function preparationJobId(modelId: string): string {
  return `prepare.${modelId}`;
}

/** Connection options of a `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS) URL. */
export function redisConnection(value: string): { connection: ConnectionOptions; description: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`'${value}' is not a queue URL (redis://HOST:PORT)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error(`unknown queue scheme '${url.protocol}' in '${value}' (redis://HOST:PORT or rediss://HOST:PORT)`);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`queue URL '${value}': the database must be a number`);
  return {
    connection: {
      host: url.hostname || '127.0.0.1',
      port: url.port ? Number(url.port) : 6379,
      ...(db ? { db: Number(db) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      // Workers block on Redis; BullMQ needs commands to wait for a reconnect rather than fail.
      maxRetriesPerRequest: null,
    },
    description: `${url.protocol}//${url.hostname}:${url.port || 6379}${db ? `/${db}` : ''}`,
  };
}

/** How long a server or worker waits for Redis at start before giving up with an error. */
export const QUEUE_START_TIMEOUT_MS = 30_000;

/** Waits for `ready`, or fails naming the queue once {@link QUEUE_START_TIMEOUT_MS} have passed. */
export async function queueReady(ready: Promise<unknown>, description: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the queue ${description} did not answer in ${QUEUE_START_TIMEOUT_MS / 1000} s`)),
          QUEUE_START_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
