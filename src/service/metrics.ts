/**
 * The service's Prometheus metrics (prom-client), served at `/metrics` by `tmu serve` and, with
 * `--metrics-port`, by `tmu worker`: HTTP requests and their latency, failed authentications, rate-limited
 * calls, queue depth, job durations and failures. Each process has its own registry; Prometheus sums
 * over the instances it scrapes.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Jobs and preparations by state, as {@link ServiceMetrics.queueDepth} reads them on each scrape. */
export type QueueDepth = Record<string, Record<string, number>>;

/** The metrics of one process. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'method' | 'route'>;
  readonly authFailures: Counter<'reason'>;
  readonly rateLimited: Counter;
  readonly jobSeconds: Histogram<'outcome'>;
  readonly jobFailures: Counter;

  constructor(depth?: () => Promise<QueueDepth>) {
    this.registry.setDefaultLabels({});
    this.requests = new Counter({
      name: 'tmu_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.requestSeconds = new Histogram({
      name: 'tmu_http_request_duration_seconds',
      help: 'Time to answer an HTTP request',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.authFailures = new Counter({
      name: 'tmu_auth_failures_total',
      help: 'Requests refused for a missing, malformed or unknown token (401) or a role that may not call the route (403)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'tmu_rate_limited_total',
      help: 'Requests refused with 429 by the per-token rate limit',
      registers: [this.registry],
    });
    this.jobSeconds = new Histogram({
      name: 'tmu_job_duration_seconds',
      help: 'Wall time of unlearning job attempts run by this process, by outcome',
      labelNames: ['outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [this.registry],
    });
    this.jobFailures = new Counter({
      name: 'tmu_job_failures_total',
      help: 'Unlearning jobs this process recorded as failed',
      registers: [this.registry],
    });
    if (depth) {
      new Gauge({
        name: 'tmu_queue_depth',
        help: 'Unlearning jobs and model preparations by queue and state',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const [queue, states] of Object.entries(await depth()))
            for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
        },
      });
    }
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
