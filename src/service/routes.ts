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
import { notFound, unprocessable } from './errors.js';
import type { JobRunner } from './jobRunner.js';
import type { ModelPreparation } from './modelPreparer.js';
import {
  ComplianceQuery,
  DeletionRequestBody,
  EventsQuery,
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
  handler(ctx: RouteContext<never, never>): RouteResult;
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
  ): RouteResult;
}): RouteSpec {
  return { ...spec, status: spec.status ?? 200 } as unknown as RouteSpec;
}

const ALL: readonly Role[] = ['requester', 'operator', 'auditor'];

/** The routes of the v1 API. */
export function apiRoutes(service: DeletionService, serving: ModelServing, runner: JobRunner): RouteSpec[] {
  const withPreparation = (model: ModelView): ModelView & { preparation: ModelPreparation } => ({
    ...model,
    preparation: runner.preparation(model.id),
  });
  return [
    route({
      method: 'POST',
      path: '/v1/models',
      summary: "Register a trained model (its split's members are the ids that can be forgotten)",
      roles: ['operator'],
      body: RegisterModelBody,
      status: 201,
      handler: ({ body, token }) => ({ status: 201, body: withPreparation(service.registerModel(body, token)) }),
    }),
    route({
      method: 'GET',
      path: '/v1/models',
      summary: 'List models with their versions and preparations',
      roles: ALL,
      handler: () => ({ body: { models: service.listModelViews().map(withPreparation) } }),
    }),
    route({
      method: 'GET',
      path: '/v1/models/:id',
      summary: 'A model with its versions, running pilot and preparation (TMU: its twin)',
      roles: ALL,
      handler: ({ params }) => ({ body: withPreparation(service.modelView(params.id!)) }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/promote',
      summary: 'Put a candidate version into production',
      roles: ['operator'],
      body: PromoteBody,
      handler: ({ params, body, token }) => ({
        body: service.promote(params.id!, body.version, token, { force: body.force }),
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/rollback',
      summary: 'Move production back to an earlier version (default: the parent); undone requests are re-queued',
      roles: ['operator'],
      body: RollbackBody,
      handler: ({ params, body, token }) => ({ body: service.rollback(params.id!, body.version, token) }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/versions/:version/reject',
      summary: 'Reject a candidate version',
      roles: ['operator'],
      body: RejectBody,
      handler: ({ params, body, token }) => ({ body: service.reject(params.id!, params.version!, body.reason, token) }),
    }),
    route({
      method: 'POST',
      path: '/v1/models/:id/predict',
      summary: 'Predict with the production version (a piloting candidate answers in shadow)',
      roles: ALL,
      body: PredictBody,
      handler: ({ params, body }) => {
        const input = body as PredictInput;
        const count = input.ids?.length ?? input.inputs!.length;
        if (count > service.config.maxPredictBatch)
          throw unprocessable(`at most ${service.config.maxPredictBatch} inputs per predict call, got ${count}`);
        return { body: serving.predict(params.id!, input) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/deletion-requests',
      summary: 'File a deletion request (202; an Idempotency-Key header makes retries safe)',
      roles: ['requester', 'operator'],
      body: DeletionRequestBody,
      status: 202,
      handler: ({ body, token, headers }) => {
        const raw = headers['idempotency-key'];
        const key = typeof raw === 'string' && raw.length > 0 ? raw.slice(0, 200) : null;
        const { request, created } = service.fileRequest(token, body, key);
        return { status: created ? 202 : 200, body: { request, created } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/deletion-requests',
      summary: 'List deletion requests (a requester sees its own)',
      roles: ALL,
      query: ListRequestsQuery,
      handler: ({ token, query }) => ({
        body: {
          requests: service.listRequests(token, {
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
      handler: ({ params, token }) => ({ body: service.requestView(params.id!, token) }),
    }),
    route({
      method: 'GET',
      path: '/v1/deletion-requests/:id/compliance',
      summary: 'The compliance report of a request (JSON, or HTML with ?format=html)',
      roles: ['auditor'],
      query: ComplianceQuery,
      handler: ({ params, query }) => {
        const report = complianceReportOr404(service, params.id!);
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
      handler: () => ({ body: { running: runner.jobs(), jobs: listJobs(service.ledger) } }),
    }),
    route({
      method: 'GET',
      path: '/v1/ledger/verify',
      summary: "Recompute the ledger's hash chain and check every state row against it",
      roles: ['operator', 'auditor'],
      handler: () => ({ body: verifyLedger(service.ledger) }),
    }),
    route({
      method: 'GET',
      path: '/v1/ledger/events',
      summary: 'Ledger events in order',
      roles: ['auditor'],
      query: EventsQuery,
      handler: ({ query }) => ({
        body: { events: service.ledger.events({ afterSeq: query.after, limit: query.limit }) },
      }),
    }),
  ];
}

function complianceReportOr404(service: DeletionService, id: string): ReturnType<typeof complianceReport> {
  if (!service.ledger.db.prepare('SELECT 1 FROM requests WHERE id = ?').get(id)) throw notFound('deletion request', id);
  return complianceReport(service.ledger, id);
}
