/**
 * The API's request bodies and query strings, validated with zod; the same schemas produce the OpenAPI
 * document, so the two cannot drift apart.
 *
 * @module
 */

import { z } from 'zod';
import { MAX_REASON_LENGTH, MAX_SAMPLE_ID_LENGTH } from './config.js';

/** A UTF-16 surrogate without its pair: no UTF-8 form, so the database would store another text. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Control characters (C0, DEL, C1). */
const CONTROL = /\p{Cc}/u;

/** Text the ledger can store exactly: well-formed Unicode, no control characters. */
function text(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !LONE_SURROGATE.test(value), 'contains a lone UTF-16 surrogate (not valid Unicode text)')
    .refine((value) => !CONTROL.test(value), 'contains control characters');
}

/** A reason: stored text that is not blank. */
function reason() {
  return text(MAX_REASON_LENGTH).refine((value) => value.trim().length > 0, 'is blank');
}

/** The Idempotency-Key header's rule: 1-128 characters of A-Z a-z 0-9 and . _ ~ : + / = - */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._~:+/=-]{1,128}$/;

export const RegisterModelBody = z.strictObject({
  id: text(64).describe('model id: lower-case letters, digits, ".", "_" or "-"'),
  path: text(1024).describe('the trained model directory, relative to the models directory'),
});

export const DeletionRequestBody = z.strictObject({
  model: text(64).describe('id of a registered model'),
  ids: z
    .array(text(MAX_SAMPLE_ID_LENGTH))
    .min(1)
    .optional()
    .describe(
      'member sample ids to forget, e.g. fashion-mnist/train/123 (at most maxIdsPerRequest, default 10000); or give where',
    ),
  where: z
    .array(text(256))
    .min(1)
    .max(16)
    .optional()
    .describe(
      'a table model: forget every member row matching all these conditions (COLUMN=VALUE, COLUMN!=VALUE, COLUMN<NUMBER, COLUMN>NUMBER), expanded into ids on the server (at most maxFilterIds)',
    ),
  reason: reason().describe('why (e.g. "GDPR Art. 17 request #4411"); not blank, no control characters'),
});

export const ListRequestsQuery = z.strictObject({
  model: z.string().optional(),
  status: z.enum(['queued', 'running', 'evaluated', 'piloting', 'promoted', 'rejected', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const PromoteBody = z.strictObject({
  version: z.string().min(1).describe('the candidate version to put into production'),
  force: z.boolean().default(false).describe('end a running pilot early'),
});

export const RollbackBody = z.strictObject({
  version: z
    .string()
    .min(1)
    .optional()
    .describe('the version to return to (default: the parent of the production version)'),
});

export const RejectBody = z.strictObject({
  reason: reason(),
});

export const PredictBody = z.union([
  z.strictObject({ ids: z.array(text(MAX_SAMPLE_ID_LENGTH)).min(1).describe('dataset sample ids') }),
  z.strictObject({
    inputs: z.array(z.array(z.number())).min(1).describe('images: pixel values 0-255, CHW order, flattened'),
  }),
]);

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

export const ComplianceQuery = z.strictObject({
  format: z.enum(['json', 'html']).default('json'),
});
