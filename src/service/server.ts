/**
 * The HTTP server (fastify): the v1 JSON API, its OpenAPI document, the dashboard, and the job runner,
 * over one ledger and one models directory.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Ledger } from '../ledger/ledger.js';
import { authenticateHeader, requireRole } from './auth.js';
import type { ServiceConfig } from './config.js';
import { DeletionService, type ServiceLog } from './deletionService.js';
import { ServiceError } from './errors.js';
import { JobRunner } from './jobRunner.js';
import { ModelPaths } from './modelPaths.js';
import { openApiDocument } from './openapi.js';
import { apiRoutes } from './routes.js';
import { ModelServing } from './serving.js';

const WEB = fileURLToPath(new URL('../../../web/', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as {
  version: string;
};
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** What {@link startService} needs. */
export interface ServiceOptions {
  ledgerPath: string;
  modelsDir: string;
  config: ServiceConfig;
  host?: string;
  port?: number;
  log?: ServiceLog;
}

/** A running service. */
export interface RunningService {
  app: FastifyInstance;
  service: DeletionService;
  runner: JobRunner;
  url: string;
  close(): Promise<void>;
}

/** A structured log line on stderr. */
export const stderrLog: ServiceLog = (event, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
};

function zodMessage(
  error: { issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[] },
  where: string,
): ServiceError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.code === 'unrecognized_keys' ? `unknown keys ${issue.keys?.join(', ')}` : issue.message,
  }));
  return new ServiceError(
    400,
    'bad_request',
    `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

/** Builds the fastify app (not listening) around a service. */
export function buildApp(
  service: DeletionService,
  serving: ModelServing,
  runner: JobRunner,
  log: ServiceLog,
): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: service.config.bodyLimitBytes });
  const routes = apiRoutes(service, serving, runner);
  const document = openApiDocument(routes, PACKAGE.version);

  app.setErrorHandler((error: FastifyError | ServiceError | Error, request, reply) => {
    if (error instanceof ServiceError) {
      void reply.status(error.status).send({
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      });
      return;
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      const message =
        status === 413
          ? `request body over the ${service.config.bodyLimitBytes}-byte limit`
          : error instanceof SyntaxError || (error as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY'
            ? `malformed JSON: ${error.message}`
            : error.message;
      void reply.status(status).send({ error: { code, message } });
      return;
    }
    log('request failed', { method: request.method, url: request.url, error: error.message });
    void reply.status(500).send({ error: { code: 'internal', message: error.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });

  app.get('/', (_request, reply) => {
    void reply
      .header('content-security-policy', CSP)
      .type('text/html; charset=utf-8')
      .send(readFileSync(`${WEB}dashboard.html`));
  });
  app.get('/dashboard.js', (_request, reply) => {
    void reply.type('text/javascript; charset=utf-8').send(readFileSync(`${WEB}dashboard.js`));
  });
  app.get('/v1/openapi.json', () => document);
  app.get('/v1/health', () => ({ ok: true, version: PACKAGE.version, runningJobs: runner.jobs().length }));

  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request, reply) => {
        const token = authenticateHeader(service.ledger, request.headers.authorization);
        requireRole(token, spec.roles, `${spec.method} ${spec.path}`);
        let body: unknown;
        if (spec.body) {
          const parsed = spec.body.safeParse(request.body ?? null);
          if (!parsed.success) throw zodMessage(parsed.error, 'request body');
          body = parsed.data;
        }
        let query: unknown;
        if (spec.query) {
          const parsed = spec.query.safeParse(request.query ?? {});
          if (!parsed.success) throw zodMessage(parsed.error, 'query string');
          query = parsed.data;
        }
        const result = spec.handler({
          token,
          body: body as never,
          query: query as never,
          params: request.params as Record<string, string>,
          headers: request.headers,
        });
        void reply.status(result.status ?? spec.status);
        if (result.contentType) void reply.type(result.contentType);
        return result.body;
      },
    });
  }
  return app;
}

/** Opens the ledger, starts the job runner and listens. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const log = options.log ?? stderrLog;
  const ledger = Ledger.open(options.ledgerPath);
  try {
    const service = new DeletionService(ledger, new ModelPaths(options.modelsDir), options.config, log);
    const serving = new ModelServing(service);
    const runner = new JobRunner(service, log);
    const app = buildApp(service, serving, runner, log);
    runner.start();
    const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    log('listening', { url: address, ledger: options.ledgerPath, models: service.paths.root });
    return {
      app,
      service,
      runner,
      url: address,
      async close() {
        runner.stop();
        await app.close();
        serving.close();
        ledger.close();
      },
    };
  } catch (error) {
    ledger.close();
    throw error;
  }
}
