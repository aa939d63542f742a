/**
 * The API's routes as data: method, path, roles, body and query schemas, status and handler. The server
 * registers them and the OpenAPI document is generated from them.
 *
 * @module
 */

import type { z } from 'zod';
import { complianceReport } from '../ledger/compliance.js';
import { renderComplianceHtml } from '../ledger/complianceHtml.js';
import { listJobs } from '../ledger/jobs.js';
import type { Role, TokenInfo } from '../ledger/tokens.js';
import { verifyLedger } from '../ledger/verify.js';
import type { DeletionService, ModelView } from './deletionService.js';
import { badRequest, notFound, unprocessable } from './errors.js';
import type { JobScheduler } from './jobScheduler.js';
import type { ModelPreparation } from './modelPreparer.js';
import {
  ComplianceQuery,
  DeletionRequestBody,
  EventsQuery,
  IDEMPOTENCY_KEY,
  ListRequestsQuery,
  PredictBody,
  PromoteBody,
  RegisterModelBody,
  RejectBody,
  RollbackBody,
} from './schemas.js';
import type { ModelServing, PredictInput } from './serving.js';

/** What a handler gets. */
export interface RouteContext<B, Q> {
  token: TokenInfo;
  body: B;
  query: Q;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

/** What a handler returns: a JSON body (or HTML text) and optionally a status. */
export interface RouteResult {
  status?: number;
  body: unknown;
  contentType?: string;
}

/** One API route. */
export interface RouteSpec {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  roles: readonly Role[];
  body?: z.ZodType;
  query?: z.ZodType;
  status: number;
  handler(ctx: RouteContext<never, never>): Promise<RouteResult>;
}

function route<B extends z.ZodType | undefined, Q extends z.ZodType | undefined>(spec: {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  roles: readonly Role[];
  body?: B;
  query?: Q;
  status?: number;
  handler(
    ctx: RouteContext<B extends z.ZodType ? z.infer<B> : undefined, Q extends z.ZodType ? z.infer<Q> : undefined>,
  ): Promise<RouteResult>;
}): RouteSpec {
  return { ...spec, status: spec.status ?? 200 } as unknown as RouteSpec;
}

const ALL: readonly Role[] = ['requester', 'operator', 'auditor'];
/** Predict is open to every role; only `client` tokens' traffic counts for a pilot. */
const PREDICTORS: readonly Role[] = ['requester', 'operator', 'auditor', 'client'];

/** The routes of the v1 API. */
export function apiRoutes(service: DeletionService, serving: ModelServing, runner: JobScheduler): RouteSpec[] {
  const withPreparation = async (
    model: ModelView | Promise<ModelView>,
  ): Promise<ModelView & { preparation: ModelPreparation }> => {
    const view = await model;
    return { ...view, preparation: await runner.preparation(view.id) };
  };
  return [
    route({
      method: 'POST',
      path: '/v1/models',
      summary: "Register a trained model (its split's members are the ids that can be forgotten)",
      roles: ['operator'],
      body: RegisterModelBody,
      status: 201,
      handler: async ({ body, token }) => {
        const model = await service.registerModel(body, token);
        // The answer shows the preparation as it stands at registration (queued); it starts right after.
        const view = await withPreparation(model);
        await runner.modelRegistered(model.id);
        return { status: 201, body: view };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/models',
      summary: 'List models with their versions and preparations',
      roles: ALL,
      handler: async () => ({
        body: { models: await Promise.all((await service.listModelViews()).map(withPreparation)) },
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/models/:id',
      summary: 'A model with its versions, running pilot and preparation (TMU: its twin)',
      roles: ALL,
      handler: async ({ params }) => ({ body: await withPreparation(service.modelView(params.id!)) }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/promote',
      summary: 'Put a candidate version into production',
      roles: ['operator'],
      body: PromoteBody,
      handler: async ({ params, body, token }) => ({
        body: await service.promote(params.id!, body.version, token, { force: body.force }),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/rollback',
      summary: 'Move production back to an earlier version (default: the parent); undone requests are re-queued',
      roles: ['operator'],
      body: RollbackBody,
      handler: async ({ params, body, token }) => ({ body: await service.rollback(params.id!, body.version, token) }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/versions/:version/reject',
      summary: 'Reject a candidate version',
      roles: ['operator'],
      body: RejectBody,
      handler: async ({ params, body, token }) => ({
        body: await service.reject(params.id!, params.version!, body.reason, token),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/predict',
      summary:
        'Predict with the production version (a piloting candidate answers in shadow; only client tokens count for the pilot)',
      roles: PREDICTORS,
      body: PredictBody,
      handler: async ({ params, body, token }) => {
        const input = body as PredictInput;
        const count = input.ids?.length ?? input.inputs!.length;
        if (count > service.config.maxPredictBatch)
          throw unprocessable(`at most ${service.config.maxPredictBatch} inputs per predict call, got ${count}`);
        return { body: await serving.predict(params.id!, input, token) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/deletion-requests',
      summary: 'File a deletion request (202; an Idempotency-Key header makes retries safe)',
      roles: ['requester', 'operator'],
      body: DeletionRequestBody,
      status: 202,
      handler: async ({ body, token, headers }) => {
        const raw = headers['idempotency-key'];
        if (Array.isArray(raw)) throw badRequest('send one Idempotency-Key header, not several');
        if (raw !== undefined && !IDEMPOTENCY_KEY.test(raw))
          throw badRequest(
            `the Idempotency-Key header must be 1-128 characters of A-Z a-z 0-9 and . _ ~ : + / = - (got ${raw.length} characters)`,
          );
        const { request, created } = await service.fileRequest(token, body, raw ?? null);
        return { status: created ? 202 : 200, body: { request, created } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/deletion-requests',
      summary: 'List deletion requests (a requester sees its own)',
      roles: ALL,
      query: ListRequestsQuery,
      handler: async ({ token, query }) => ({
        body: {
          requests: await service.listRequests(token, {
            ...(query.model ? { modelId: query.model } : {}),
            ...(query.status ? { status: query.status } : {}),
            limit: query.limit,
            offset: query.offset,
          }),
        },
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/deletion-requests/:id',
      summary: 'A deletion request with its ids, jobs, reports, pilot and version',
      roles: ALL,
      handler: async ({ params, token }) => ({ body: await service.requestView(params.id!, token) }),
    }),
    route({
      method: 'GET',
      path: '/v1/deletion-requests/:id/compliance',
      summary: 'The compliance report of a request (JSON, or HTML with ?format=html)',
      roles: ['auditor'],
      query: ComplianceQuery,
      handler: async ({ params, query }) => {
        const report = await complianceReportOr404(service, params.id!);
        return query.format === 'html'
          ? { body: renderComplianceHtml(report), contentType: 'text/html; charset=utf-8' }
          : { body: report };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/jobs',
      summary: "Jobs: those running now (with progress) and the ledger's history",
      roles: ['operator', 'auditor'],
      handler: async () => ({ body: { running: await runner.jobs(), jobs: await listJobs(service.ledger) } }),
    }),
    route({
      method: 'GET',
      path: '/v1/ledger/verify',
      summary: "Recompute the ledger's hash chain and check every state row against it",
      roles: ['operator', 'auditor'],
      handler: async () => ({ body: await verifyLedger(service.ledger) }),
    }),
    route({
      method: 'GET',
      path: '/v1/ledger/events',
      summary: 'Ledger events in order',
      roles: ['auditor'],
      query: EventsQuery,
      handler: async ({ query }) => ({
        body: { events: await service.ledger.events({ afterSeq: query.after, limit: query.limit }) },
      }),
    }),
  ];
}

async function complianceReportOr404(service: DeletionService, id: string): ReturnType<typeof complianceReport> {
  if (!(await service.ledger.get('SELECT 1 AS found FROM requests WHERE id = ?', id)))
    throw notFound('deletion request', id);
  return complianceReport(service.ledger, id);
}
