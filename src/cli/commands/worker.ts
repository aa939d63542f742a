import { createServer } from 'node:http';
import { describeLocation, parseLedgerLocation } from '../../ledger/location.js';
import { loadServiceConfig, parseServiceConfig, type ServiceConfig } from '../../service/config.js';
import type { Command } from '../command.js';
import { intFlag, optionalString, requireString, UsageError } from '../command.js';
import { untilSignal } from './serve.js';

/** `tmu worker`: runs unlearning jobs and model preparations from the queue. */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'run unlearning jobs and model preparations from the queue of a scaled-out service',
  details: [
    'Example:',
    '  tmu worker --queue redis://redis:6379 --db postgres://tmu@db:5432/tmu --models /shared/models \\',
    '             --concurrency 1 --threads 4',
    'Any number of workers, on any host that reaches Redis, the ledger and the models directory (a shared',
    'directory; on GPU hosts build tmu with LIBTORCH=...). Each job runs in a process of its own with',
    '--threads intra-op and --interop-threads inter-op libtorch threads. A job that fails is retried with',
    'exponential backoff (queue.attempts, queue.backoffMs); a worker killed mid-job loses it to another after',
    'queue.lockDurationMs + queue.stalledIntervalMs (at most queue.maxStalledCount times). The --config file',
    "is the service's (its queue settings apply); each job carries the method, gates and pilot rules of the",
    'server that merged it. SIGTERM puts the jobs in hand back in the queue and exits 0.',
  ].join('\n'),
  flags: {
    queue: { type: 'string', description: 'the queue: redis://HOST:PORT', value: 'URL' },
    db: { type: 'string', description: 'the ledger: postgres://USER@HOST:PORT/DATABASE', value: 'LEDGER' },
    models: { type: 'string', description: 'the models directory the servers use (shared)', value: 'DIR' },
    config: { type: 'string', description: 'service configuration file (JSON; its queue settings)', value: 'FILE' },
    concurrency: { type: 'string', description: 'jobs run at once, each in its own process', default: '1', value: 'N' },
    threads: { type: 'string', description: 'intra-op libtorch threads per job (default: one per core)', value: 'N' },
    'interop-threads': {
      type: 'string',
      description: "inter-op libtorch threads per job (default: libtorch's)",
      value: 'N',
    },
    'metrics-port': { type: 'string', description: 'serve Prometheus metrics at http://HOST:N/metrics', value: 'N' },
    host: { type: 'string', description: 'address of the metrics endpoint', default: '127.0.0.1', value: 'HOST' },
  },
  async run(flags) {
    const location = parseLedgerLocation(requireString(flags, 'db'));
    if (location.kind !== 'postgres')
      throw new UsageError(
        `tmu worker needs a PostgreSQL ledger (--db postgres://...): the SQLite file ${location.path} can only be used by processes on one host`,
      );
    const models = requireString(flags, 'models');
    const concurrency = intFlag(flags, 'concurrency', 1, 1, 64);
    const metricsPort = flags['metrics-port'] === undefined ? null : intFlag(flags, 'metrics-port', 0, 0, 65535);
    const configFile = optionalString(flags, 'config');
    const config: ServiceConfig = configFile ? loadServiceConfig(configFile) : parseServiceConfig({}, 'defaults');
    const queueUrl = optionalString(flags, 'queue') ?? config.queue.url;
    if (!queueUrl) throw new UsageError('--queue is required (redis://HOST:PORT), or queue.url in --config');
    // Each job's process reads these when it loads libtorch.
    if (flags.threads !== undefined) process.env.TMU_NUM_THREADS = String(intFlag(flags, 'threads', 1, 1, 1024));
    if (flags['interop-threads'] !== undefined)
      process.env.TMU_NUM_INTEROP_THREADS = String(intFlag(flags, 'interop-threads', 1, 1, 1024));
    // Loaded here so that --help and usage errors do not load libtorch.
    const { Ledger } = await import('../../ledger/ledger.js');
    const { stderrLog } = await import('../../service/server.js');
    const { redisConnection } = await import('../../service/jobQueue.js');
    const { lockLedger } = await import('../../service/ledgerLock.js');
    const { ServiceMetrics } = await import('../../service/metrics.js');
    const { ModelPaths } = await import('../../service/modelPaths.js');
    const { QueueWorker } = await import('../../service/queueWorker.js');
    const log = stderrLog;
    const queue = redisConnection(queueUrl);
    const ledger = await Ledger.open(location, {
      onError: (error) => log('ledger connection error', { error: error.message }),
    });
    try {
      const lock = await lockLedger(ledger, 'shared');
      const metrics = new ServiceMetrics();
      const worker = new QueueWorker(
        ledger,
        new ModelPaths(models),
        log,
        queue.connection,
        { concurrency, queue: config.queue },
        metrics,
        queue.description,
      );
      const server =
        metricsPort === null
          ? null
          : createServer((request, response) => {
              if (request.url !== '/metrics') {
                response.writeHead(404).end();
                return;
              }
              void metrics
                .text()
                .then((text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text));
            });
      try {
        await worker.start(config);
        let metricsUrl: string | null = null;
        if (server) {
          await new Promise<void>((resolve) => server.listen(metricsPort!, optionalString(flags, 'host'), resolve));
          const address = server.address();
          metricsUrl =
            typeof address === 'object' && address ? `http://${address.address}:${address.port}/metrics` : null;
        }
        log('worker ready', {
          pid: process.pid,
          queue: queue.description,
          ledger: describeLocation(location),
          concurrency,
          threads: process.env.TMU_NUM_THREADS ?? null,
          interopThreads: process.env.TMU_NUM_INTEROP_THREADS ?? null,
          metrics: metricsUrl,
        });
        process.stdout.write(
          `${flags.json ? JSON.stringify({ pid: process.pid, queue: queue.description, metrics: metricsUrl }) : `tmu worker ${process.pid} taking jobs from ${queue.description}`}\n`,
        );
        await untilSignal();
        log('draining', { pid: process.pid, running: worker.running });
        await worker.stop();
      } finally {
        server?.close();
        await lock.release();
      }
    } finally {
      await ledger.close();
    }
    log('stopped', { pid: process.pid });
    return 0;
  },
};
