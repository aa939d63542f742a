/**
 * The deletion-request service's configuration: batching, the unlearning method, the evaluation gates,
 * the pilot and limits. Read from a JSON file (`tmu serve --config`), flags override single fields;
 * unknown keys are rejected with the valid ones listed.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The evaluation gates a candidate version must pass before it may be piloted or promoted. */
export const GatesSchema = z.strictObject({
  /** Largest allowed drop of test accuracy from the parent version, in percentage points. */
  maxTestAccDrop: z.number().min(0).max(100).default(1.5),
  /**
   * The forgotten ids must look unseen: MIA-efficacy on them (percentage the attack calls non-member) may
   * fall at most this many points below the attack's rate on holdout samples of the same classes, which
   * the model never saw.
   */
  miaTolerance: z.number().min(0).max(100).default(25),
  /** Below this many forgotten ids the membership estimate is too coarse to judge: the MIA gate is skipped (and says so). */
  miaMinSamples: z.number().int().min(1).default(20),
  /** For TMU: reject when every forgotten sample was predicted easy or every one hard (a broken predictor). */
  requireEasyHardSplit: z.boolean().default(false),
});

/** Longest sample id a deletion request may name (characters). */
export const MAX_SAMPLE_ID_LENGTH = 256;
/** Longest reason a deletion request or a rejection may give (characters). */
export const MAX_REASON_LENGTH = 2000;

/**
 * The request body a deletion request of `maxIds` ids of the longest allowed length needs: each id with
 * its quotes and comma, plus room for the model, the longest reason (every character escaped) and JSON
 * punctuation. The body limit may not be below it, so the documented maximum number of ids is always
 * accepted.
 */
export function bodyBytesFor(maxIds: number): number {
  return maxIds * (MAX_SAMPLE_ID_LENGTH + 3) + MAX_REASON_LENGTH * 6 + 4096;
}

/**
 * The job queue (scale-out): BullMQ on Redis. `attempts` and `backoffMs` apply to a job that throws
 * (retried with exponential backoff); a worker that stops renewing its lock (killed, hung) loses the job
 * to another worker after at most `lockDurationMs + stalledIntervalMs`, up to `maxStalledCount` times.
 * Either way a job that runs out ends `failed` with its reason.
 */
export const QueueSchema = z.strictObject({
  /** redis://HOST:PORT[/DB]; `tmu serve --queue` and `tmu worker --queue` override it. */
  url: z.string().min(1).optional(),
  /** Tries of a job that throws (the first included). */
  attempts: z.number().int().min(1).max(100).default(3),
  /** Delay before the first retry; doubled for each further one. */
  backoffMs: z.number().int().min(0).default(10_000),
  /** How long a worker's lock on a job lasts without renewal (renewed at half of it while the job runs). */
  lockDurationMs: z.number().int().min(1000).default(30_000),
  /** How often workers look for jobs whose lock expired. */
  stalledIntervalMs: z.number().int().min(1000).default(30_000),
  /** How many times a stalled job goes back to the queue before it fails. */
  maxStalledCount: z.number().int().min(0).default(1),
});

/** The service configuration. */
export const ServiceConfigSchema = z
  .strictObject({
    /** Requests of one model filed within this window are merged into one job. */
    batchWindowMs: z.number().int().min(0).max(86_400_000).default(5_000),
    /** How often the job runner looks for work. */
    pollMs: z.number().int().min(10).max(60_000).default(250),
    method: z.string().min(1).default('tmu'),
    params: z.record(z.string(), z.unknown()).default({}),
    seed: z.number().int().min(0).default(0),
    gates: GatesSchema.default(GatesSchema.parse({})),
    /**
     * Run the method's prepare step (TMU: build its twin and predictor) for each registered model in the
     * background, at registration and at each start, so that no deletion job pays for it; a model's jobs
     * wait while it runs. False leaves it to the model's first job.
     */
    prepareModels: z.boolean().default(true),
    /** Exact audit: also retrain the gold model for each job and report the gap to it (costs a training). */
    audit: z.boolean().default(false),
    /** Predictions (inputs of predict calls) the candidate answers in shadow before the pilot is judged; 0 skips the pilot. */
    pilotPredictions: z.number().int().min(0).default(100),
    /** Distinct client tokens whose predictions a pilot needs before it can be judged. */
    pilotMinClients: z.number().int().min(1).default(2),
    /** Shortest pilot, in milliseconds, before it can be judged (default 10 minutes). */
    pilotMinDurationMs: z.number().int().min(0).default(600_000),
    /** Largest share of shadowed predictions on which candidate and production may disagree. */
    maxPilotDisagreement: z.number().min(0).max(1).default(0.1),
    /** Promote automatically once the gates (and the pilot, if any) pass; otherwise an operator promotes. */
    autoPromote: z.boolean().default(false),
    /** Largest number of ids a deletion request's filter (`where`) may expand into. */
    maxFilterIds: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Largest number of ids in one deletion request. */
    maxIdsPerRequest: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * Largest request body accepted, in bytes (413 above it). Default: what `maxIdsPerRequest` ids of the
     * longest allowed length need; a smaller value is an error, as it would refuse requests the limit on
     * ids allows.
     */
    bodyLimitBytes: z.number().int().min(1024).optional(),
    /** Largest number of inputs in one predict call. */
    maxPredictBatch: z.number().int().min(1).default(1024),
    /** Requests per minute one token may make to one server (429 with Retry-After above it); 0: no limit. */
    rateLimitPerMinute: z.number().int().min(0).default(600),
    /** The job queue when scaled out (`tmu serve --queue`, `tmu worker`). */
    queue: QueueSchema.default(QueueSchema.parse({})),
    /** How long SIGTERM waits for in-flight HTTP requests before closing anyway. */
    drainTimeoutMs: z.number().int().min(0).default(10_000),
  })
  .superRefine((config, ctx) => {
    const needed = bodyBytesFor(config.maxIdsPerRequest);
    if (config.bodyLimitBytes !== undefined && config.bodyLimitBytes < needed)
      ctx.addIssue({
        code: 'custom',
        path: ['bodyLimitBytes'],
        message: `${config.bodyLimitBytes} bytes cannot hold a request of maxIdsPerRequest ${config.maxIdsPerRequest} ids of up to ${MAX_SAMPLE_ID_LENGTH} characters (${needed} bytes); raise it or lower maxIdsPerRequest`,
      });
  });

/** A validated service configuration. */
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;

/** The body limit in force: the configured one, or what the maximum number of ids needs. */
export function bodyLimit(config: ServiceConfig): number {
  return config.bodyLimitBytes ?? bodyBytesFor(config.maxIdsPerRequest);
}

/** Validates a configuration object; errors name the offending field. */
export function parseServiceConfig(raw: unknown, source = 'service configuration'): ServiceConfig {
  const result = ServiceConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.') || '(root)';
    const known =
      issue.code === 'unrecognized_keys'
        ? ` (valid keys: ${Object.keys(issue.path[0] === 'gates' ? GatesSchema.shape : issue.path[0] === 'queue' ? QueueSchema.shape : ServiceConfigSchema.shape).join(', ')})`
        : '';
    throw new Error(`${source}: ${path}: ${issue.message}${known}`);
  }
  return result.data;
}

/** Reads and validates a JSON configuration file. */
export function loadServiceConfig(file: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read service configuration ${file}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${file}: the configuration must be a JSON object`);
  return parseServiceConfig({ ...(raw as Record<string, unknown>), ...overrides }, file);
}
