import { loadServiceConfig, parseServiceConfig, type ServiceConfig } from '../../service/config.js';
import type { Command } from '../command.js';
import { intFlag, optionalString, requireString } from '../command.js';

/** `tmu serve`: the deletion-request service. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the deletion-request service (JSON API under /v1, dashboard at /, audit ledger in SQLite)',
  details: [
    'Examples:',
    '  tmu ledger token create --db tmu.sqlite --role operator --name ops',
    '  tmu serve --db tmu.sqlite --models runs --port 8080',
    '  tmu serve --db tmu.sqlite --models runs --config service.json --auto-promote',
    'The configuration file is JSON with the keys of docs/service.md (batchWindowMs, method, params, gates,',
    'audit, prepareModels, pilotPredictions, maxPilotDisagreement, autoPromote, bodyLimitBytes, ...); flags override it.',
    'Registered models are prepared in the background (TMU: their twin is built) so that no job pays for it.',
    'The OpenAPI document is at /v1/openapi.json. Logs are JSON lines on stderr. Stop with Ctrl-C (SIGINT) or',
    'SIGTERM; a job cut short is re-run on the next start.',
  ].join('\n'),
  flags: {
    db: { type: 'string', description: 'the ledger (SQLite file; created if missing)', value: 'FILE' },
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
    const running = await startService({
      ledgerPath: db,
      modelsDir: models,
      config,
      host: optionalString(flags, 'host') ?? '127.0.0.1',
      port,
    });
    process.stdout.write(
      `${flags.json ? JSON.stringify({ url: running.url, ledger: db }) : `tmu service listening on ${running.url} (dashboard: ${running.url}/, API: ${running.url}/v1/openapi.json)`}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
