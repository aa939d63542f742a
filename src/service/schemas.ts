/**
 * The API's request bodies and query strings, validated with zod; the same schemas produce the OpenAPI
 * document, so the two cannot drift apart.
 *
 * @module
 */

import { z } from 'zod';

export const RegisterModelBody = z.strictObject({
  id: z.string().min(1).max(64).describe('model id: lower-case letters, digits, ".", "_" or "-"'),
  path: z.string().min(1).max(1024).describe('the trained model directory, relative to the models directory'),
});

export const DeletionRequestBody = z.strictObject({
  model: z.string().min(1).max(64).describe('id of a registered model'),
  ids: z.array(z.string().min(1).max(256)).min(1).describe('member sample ids to forget, e.g. fashion-mnist/train/123'),
  reason: z.string().min(1).max(2000).describe('why (e.g. "GDPR Art. 17 request #4411")'),
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
  reason: z.string().min(1).max(2000),
});

export const PredictBody = z.union([
  z.strictObject({ ids: z.array(z.string().min(1)).min(1).describe('dataset sample ids') }),
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
