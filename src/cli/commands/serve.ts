import { describeLocation, parseLedgerLocation } from '../../ledger/location.js';
import { loadServiceConfig, parseServiceConfig, type ServiceConfig } from '../../service/config.js';
import type { Command } from '../command.js';
import { intFlag, optionalString, requireString, UsageError } from '../command.js';

/**
 * Resolves at the first SIGTERM or SIGINT. Later ones are ignored while the process drains: a Ctrl-C
 * reaches both the launcher, which forwards it, and this process, so it arrives twice.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) return;
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** `tmu serve`: the deletion-request service. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the deletion-request service (JSON API under /v1, dashboard at /, audit ledger)',
  details: [
    'Examples:',
    '  tmu ledger token create --db tmu.sqlite --role operator --name ops',
    '  tmu serve --db tmu.sqlite --models runs --port 8080',
    '  tmu serve --db tmu.sqlite --models runs --config service.json --auto-promote',
    '  tmu serve --db postgres://tmu@db:5432/tmu --queue redis://redis:6379 --models /shared/models   (scaled out;',
    '      jobs run in tmu worker processes: docs/deployment.md)',
    'The configuration file is JSON with the keys of docs/service.md (batchWindowMs, method, params, gates,',
    'audit, prepareModels, pilotPredictions, pilotMinClients, pilotMinDurationMs, autoPromote, maxIdsPerRequest,',
    'rateLimitPerMinute, queue, ...); flags override it.',
    'Registered models are prepared in the background (TMU: their twin is built) so that no job pays for it.',
    'Without --queue the server runs the jobs itself and holds the ledger: a second server on it refuses to start.',
    'The OpenAPI document is at /v1/openapi.json; /v1/health, /v1/ready and /metrics (Prometheus) need no token.',
    'Logs are JSON lines on stderr (one per request). SIGTERM or Ctrl-C drains: in-flight requests finish, jobs',
    'are cut short (re-run on the next start, or by another worker) and their staging folders removed; exit 0.',
  ].join('\n'),
  flags: {
    db: {
      type: 'string',
      description: 'the ledger: a SQLite file (created if missing) or postgres://USER@HOST:PORT/DATABASE',
      value: 'LEDGER',
    },
    queue: {
      type: 'string',
      description: 'redis://HOST:PORT: run jobs on BullMQ for tmu worker processes (needs a PostgreSQL ledger)',
      value: 'URL',
    },
    models: {
      type: 'string',
      description: 'models directory: registered model paths are relative to it, versions are written inside it',
      value: 'DIR',
    },
    port: { type: 'string', description: 'TCP port (0: any free port)', default: '8080', value: 'N' },
    host: { type: 'string', description: 'address to listen on', default: '127.0.0.1', value: 'HOST' },
    config: { type: 'string', description: 'service configuration file (JSON)', value: 'FILE' },
    method: { type: 'string', description: 'unlearning method of the jobs (default: tmu)', value: 'NAME' },
    'batch-window-ms': {
      type: 'string',
      description: 'merge requests of one model filed within this window into one job (default: 5000)',
      value: 'MS',
    },
    'pilot-predictions': {
      type: 'string',
      description: 'predictions a candidate answers in shadow before it may be promoted; 0: no pilot (default: 100)',
      value: 'N',
    },
    'auto-promote': {
      type: 'boolean',
      description: 'promote a candidate as soon as its gates and pilot pass (default: an operator promotes)',
    },
    audit: {
      type: 'boolean',
      description: 'exact audit: retrain the gold model for every job and report the gap to it',
    },
  },
  async run(flags) {
    const db = requireString(flags, 'db');
    const models = requireString(flags, 'models');
    const port = intFlag(flags, 'port', 8080, 0, 65535);
    const overrides: Partial<ServiceConfig> = {};
    const method = optionalString(flags, 'method');
    if (method) overrides.method = method;
    if (flags['batch-window-ms'] !== undefined) overrides.batchWindowMs = intFlag(flags, 'batch-window-ms', 5000, 0);
    if (flags['pilot-predictions'] !== undefined)
      overrides.pilotPredictions = intFlag(flags, 'pilot-predictions', 100, 0);
    if (flags['auto-promote']) overrides.autoPromote = true;
    if (flags.audit) overrides.audit = true;
    const configFile = optionalString(flags, 'config');
    const config = configFile ? loadServiceConfig(configFile, overrides) : parseServiceConfig(overrides, 'flags');
    // Loaded here, not at the top, so that --help and usage errors do not load libtorch.
    const { startService } = await import('../../service/server.js');
    const queue = optionalString(flags, 'queue');
    const location = parseLedgerLocation(db);
    if (queue && location.kind === 'sqlite')
      throw new UsageError(
        `--queue needs a PostgreSQL ledger (--db postgres://...): the SQLite file ${location.path} can only be used by processes on one host`,
      );
    const running = await startService({
      ledger: db,
      modelsDir: models,
      config,
      ...(queue ? { queue } : {}),
      host: optionalString(flags, 'host') ?? '127.0.0.1',
      port,
    });
    process.stdout.write(
      `${flags.json ? JSON.stringify({ url: running.url, ledger: describeLocation(location), pid: process.pid }) : `tmu service listening on ${running.url} (dashboard: ${running.url}/, API: ${running.url}/v1/openapi.json)`}\n`,
    );
    await untilSignal();
    await running.close();
    return 0;
  },
};
