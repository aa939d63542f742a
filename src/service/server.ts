/**
 * The HTTP server (fastify): the v1 JSON API, its OpenAPI document, the dashboard, and the job runner,
 * over one ledger and one models directory.
 *
 * @module
 */

import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { Ledger } from '../ledger/ledger.js';
import { parseLedgerLocation } from '../ledger/location.js';
import { authenticateHeader, requireRole } from './auth.js';
import { bodyLimit, type ServiceConfig } from './config.js';
import { DeletionService, type ServiceLog } from './deletionService.js';
import { ServiceError } from './errors.js';
import { redisConnection } from './jobQueue.js';
import { JobRunner } from './jobRunner.js';
import type { JobScheduler } from './jobScheduler.js';
import { lockLedger } from './ledgerLock.js';
import { ServiceMetrics } from './metrics.js';
import { ModelPaths } from './modelPaths.js';
import { openApiDocument } from './openapi.js';
import { QueueScheduler } from './queueScheduler.js';
import { RateLimiter } from './rateLimit.js';
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
  /** The ledger: a SQLite file, `sqlite:FILE` or a `postgres://` URL. */
  ledger: string;
  modelsDir: string;
  config: ServiceConfig;
  /** `redis://HOST:PORT`: jobs go to BullMQ for `tmu worker` processes (needs a PostgreSQL ledger). */
  queue?: string;
  host?: string;
  port?: number;
  log?: ServiceLog;
}

/** A running service. */
export interface RunningService {
  app: FastifyInstance;
  service: DeletionService;
  runner: JobScheduler;
  url: string;
  /** Drains: stops taking requests, lets in-flight ones finish, stops the jobs, removes their staging. */
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated token's id, for the access log. */
    tokenId?: string;
  }
}

/** What readiness checks: the ledger, the queue and the models directory. */
async function readiness(service: DeletionService, runner: JobScheduler): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  const probe = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000).unref()),
      ]);
      checks[name] = 'ok';
    } catch (error) {
      checks[name] = (error as Error).message;
    }
  };
  await probe('ledger', () => service.ledger.get('SELECT 1 AS one'));
  if (runner.kind === 'queue') await probe('queue', () => runner.check());
  await probe('models', async () => accessSync(service.paths.root, constants.R_OK | constants.W_OK));
  return checks;
}

/** Builds the fastify app (not listening) around a service. */
export function buildApp(
  service: DeletionService,
  serving: ModelServing,
  runner: JobScheduler,
  log: ServiceLog,
  metrics: ServiceMetrics,
): FastifyInstance {
  const limit = bodyLimit(service.config);
  const app = Fastify({ logger: false, bodyLimit: limit });
  const routes = apiRoutes(service, serving, runner);
  const document = openApiDocument(routes, PACKAGE.version);
  const limiter = new RateLimiter(service.config.rateLimitPerMinute);

  // The access log: one line per answered request (401 and 403 included), and its metrics.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ method: request.method, route }, seconds);
    log('http', {
      method: request.method,
      url: request.url,
      route,
      status: reply.statusCode,
      ms: Number(reply.elapsedTime.toFixed(1)),
      ip: request.ip,
      ...(request.tokenId ? { token: request.tokenId } : {}),
    });
  });

  app.setErrorHandler((error: FastifyError | ServiceError | Error, request, reply) => {
    if (error instanceof ServiceError) {
      if (error.status === 401 || error.status === 403) {
        metrics.authFailures.inc({ reason: error.status === 401 ? 'unauthenticated' : 'forbidden' });
        log('auth failed', {
          method: request.method,
          url: request.url,
          ip: request.ip,
          status: error.status,
          reason: error.message,
          ...(request.tokenId ? { token: request.tokenId } : {}),
        });
      }
      if (error.status === 429) {
        metrics.rateLimited.inc();
        void reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 1));
      }
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
          ? `request body over the ${limit}-byte limit (room for ${service.config.maxIdsPerRequest} ids, the most a request may name)`
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
  app.get('/v1/health', () => ({ ok: true, version: PACKAGE.version }));
  app.get('/v1/ready', async (_request, reply) => {
    const checks = await readiness(service, runner);
    const ready = Object.values(checks).every((value) => value === 'ok');
    void reply.status(ready ? 200 : 503);
    return { ready, checks };
  });
  app.get('/metrics', async (_request, reply) => {
    void reply.type(metrics.contentType);
    return metrics.text();
  });

  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (request, reply) => {
        const token = await authenticateHeader(service.ledger, request.headers.authorization);
        request.tokenId = token.id;
        const wait = limiter.take(token.id);
        if (wait > 0)
          throw new ServiceError(
            429,
            'rate_limited',
            `token '${token.name}' is over its limit of ${service.config.rateLimitPerMinute} requests a minute; retry in ${wait} s`,
            { retryAfterSeconds: wait },
          );
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
        const result = await spec.handler({
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

/**
 * Opens the ledger, starts the jobs (embedded, or on the queue) and listens. Without a queue the server
 * holds its ledger's lock: a second embedded server on it refuses to start.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const log = options.log ?? stderrLog;
  const location = parseLedgerLocation(options.ledger);
  const queueUrl = options.queue ?? options.config.queue.url;
  if (queueUrl && location.kind === 'sqlite')
    throw new Error(
      `--queue needs a PostgreSQL ledger (--db postgres://...): the SQLite file ${location.path} can only be used by processes on one host`,
    );
  const queue = queueUrl ? redisConnection(queueUrl) : null;
  const ledger = await Ledger.open(location, {
    onError: (error) => log('ledger connection error', { error: error.message }),
  });
  const opened: (() => Promise<void>)[] = [() => ledger.close()];
  const cleanup = async (): Promise<void> => {
    for (const close of opened.reverse()) await close();
  };
  try {
    const lock = await lockLedger(ledger, queue ? 'shared' : 'exclusive');
    opened.push(() => lock.release());
    const service = new DeletionService(ledger, new ModelPaths(options.modelsDir), options.config, log);
    const serving = new ModelServing(service);
    opened.push(async () => serving.close());
    const depth = { of: async () => ({}) as Awaited<ReturnType<JobScheduler['depth']>> };
    const metrics = new ServiceMetrics(() => depth.of());
    const scheduler: JobScheduler = queue
      ? new QueueScheduler(service, log, queue.connection, queue.description)
      : new JobRunner(service, log, metrics);
    depth.of = () => scheduler.depth();
    opened.push(() => scheduler.stop());
    const app = buildApp(service, serving, scheduler, log, metrics);
    await scheduler.start();
    const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    log('listening', {
      url: address,
      ledger: ledger.description,
      queue: queue?.description ?? null,
      models: service.paths.root,
      pid: process.pid,
    });
    let closing: Promise<void> | null = null;
    return {
      app,
      service,
      runner: scheduler,
      url: address,
      close() {
        closing ??= (async () => {
          log('draining', { pid: process.pid, timeoutMs: options.config.drainTimeoutMs });
          // No new connections; requests in flight get up to drainTimeoutMs to finish.
          const drained = await Promise.race([
            app.close().then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.config.drainTimeoutMs).unref()),
          ]);
          if (!drained) log('drain timed out', { timeoutMs: options.config.drainTimeoutMs });
          await cleanup();
          log('stopped', { pid: process.pid });
        })();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
