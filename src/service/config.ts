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

/** The service configuration. */
export const ServiceConfigSchema = z.strictObject({
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
  /** Largest share of shadowed predictions on which candidate and production may disagree. */
  maxPilotDisagreement: z.number().min(0).max(1).default(0.1),
  /** Promote automatically once the gates (and the pilot, if any) pass; otherwise an operator promotes. */
  autoPromote: z.boolean().default(false),
  /** Largest request body accepted, in bytes (413 above it). */
  bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
  /** Largest number of ids in one deletion request. */
  maxIdsPerRequest: z.number().int().min(1).default(50_000),
  /** Largest number of inputs in one predict call. */
  maxPredictBatch: z.number().int().min(1).default(1024),
});

/** A validated service configuration. */
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;

/** Validates a configuration object; errors name the offending field. */
export function parseServiceConfig(raw: unknown, source = 'service configuration'): ServiceConfig {
  const result = ServiceConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.join('.') || '(root)';
    const known =
      issue.code === 'unrecognized_keys'
        ? ` (valid keys: ${Object.keys(issue.path.length ? GatesSchema.shape : ServiceConfigSchema.shape).join(', ')})`
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
