/**
 * The model preparer: runs the configured method's prepare step (TMU: its twin and predictor) for every
 * registered model in a worker process, one model at a time, as soon as the model is registered and
 * again at each start (where it finds the cache and returns in seconds), so that no deletion job pays
 * for it. A model's jobs wait while its preparation runs, since they would otherwise build the same
 * cache beside it; a failed preparation is reported and does not hold them back (each job then prepares
 * for itself, and fails with its own error if it cannot).
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import { listModels, type ModelRecord } from '../ledger/models.js';
import { getMethod } from '../unlearn/methods.js';
import type { DeletionService, ServiceLog } from './deletionService.js';
import type { PreparationOutcome, PreparationSpec } from './preparationSpec.js';
import { followWorker, spawnWorker } from './workerProcess.js';

const WORKER = fileURLToPath(new URL('./preparationWorker.js', import.meta.url));

/**
 * Where a model's preparation stands: `queued` (registered, not started yet), `running`, `ready`,
 * `failed`; `disabled` when the service is configured not to prepare (`prepareModels: false`) and
 * `not-needed` when its method has nothing to prepare.
 */
export type PreparationStatus = 'queued' | 'running' | 'ready' | 'failed' | 'disabled' | 'not-needed';

/** A model's preparation, as the API shows it. */
export interface ModelPreparation {
  status: PreparationStatus;
  method: string;
  /** When the running or last preparation started (ISO 8601), null before the first. */
  startedAt: string | null;
  /** Wall seconds of the last finished preparation (worker start and data loading included). */
  seconds: number | null;
  /** Whether the last preparation found everything cached. */
  reused: boolean | null;
  error: string | null;
  /** The worker's last progress line while it runs. */
  progress: Record<string, unknown> | null;
  /** The method's account of what it prepared (TMU: `twin`, `curriculum`, `predictor`). */
  summary: Record<string, unknown> | null;
}

/** The status of every model when the service prepares none (disabled, or nothing to prepare), else null. */
export function standingPreparation(config: DeletionService['config']): PreparationStatus | null {
  if (!config.prepareModels) return 'disabled';
  return getMethod(config.method).prepare ? null : 'not-needed';
}

/** The preparation of `model` under the service's method, with the service's paths. */
export function preparationSpecOf(service: DeletionService, model: ModelRecord): PreparationSpec {
  return {
    modelId: model.id,
    modelDir: service.paths.absolute(model.path),
    method: service.config.method,
    params: service.config.params,
    seed: service.config.seed,
  };
}

/** A preparation that has not started: what the API shows for it. */
export function pendingPreparation(status: PreparationStatus, method: string): ModelPreparation {
  return { status, method, startedAt: null, seconds: null, reused: null, error: null, progress: null, summary: null };
}

/** A preparation worker process, as {@link runPreparationProcess} started it. */
export interface PreparationProcess {
  /** Resolves once the worker closed, with its answer (a failure when it gave none). */
  done: Promise<PreparationOutcome>;
  kill(): void;
}

/** Runs a method's prepare step for one model in a worker process. */
export function runPreparationProcess(
  spec: PreparationSpec,
  log: ServiceLog,
  onProgress: (record: Record<string, unknown>) => void,
): PreparationProcess {
  const child = spawnWorker(WORKER, [JSON.stringify(spec)], { stdout: 'pipe' });
  let answer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    answer += chunk;
  });
  const lastError = followWorker(child, onProgress, (line) =>
    log('model preparation output', { model: spec.modelId, line }),
  );
  const done = new Promise<PreparationOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: PreparationOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    // 'close', not 'exit': the answer on stdout is complete only once the worker's pipes are closed.
    child.on('close', (code, signal) => {
      const line = answer.trim().split('\n').pop() ?? '';
      try {
        settle(JSON.parse(line) as PreparationOutcome);
      } catch {
        settle({
          ok: false,
          error: `the preparation worker exited with ${signal ? `signal ${signal}` : `status ${code}`} without an answer${lastError() ? `: ${lastError()}` : ''}`,
        });
      }
    });
    // A worker that could not be started emits 'error' and may never close.
    child.on('error', (error) =>
      settle({ ok: false, error: `the preparation worker could not run: ${error.message}` }),
    );
  });
  return {
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Prepares the service's registered models in worker processes, one model at a time. */
export class ModelPreparer {
  private readonly states = new Map<string, ModelPreparation>();
  /** The running preparation's worker (one at a time). */
  private child: PreparationProcess | null = null;
  private stopping = false;
  /** The status of a model with no preparation of its own, or null when preparations run. */
  private readonly standing: PreparationStatus | null;

  /** `onSettled` runs after each preparation ends (the job runner starts the jobs it held back). */
  constructor(
    private readonly service: DeletionService,
    private readonly log: ServiceLog,
    private readonly onSettled: () => void = () => {},
  ) {
    this.standing = standingPreparation(service.config);
  }

  /**
   * Starts the preparation of the next registered model that has not had one since this process
   * started, unless one runs: one at a time, since each loads the dataset and builds a twin beside a
   * training's worth of memory, and at a start every registered model is due at once.
   */
  async tick(): Promise<void> {
    if (this.stopping || this.standing !== null || this.child) return;
    const next = (await listModels(this.service.ledger)).find((model) => !this.states.has(model.id));
    if (next && !this.child && !this.states.has(next.id)) this.start(next);
  }

  /** Whether a model's jobs must wait for its preparation (queued or running). */
  holds(modelId: string): boolean {
    const status = this.view(modelId).status;
    return status === 'queued' || status === 'running';
  }

  /** A model's preparation. */
  view(modelId: string): ModelPreparation {
    return this.states.get(modelId) ?? pendingPreparation(this.standing ?? 'queued', this.service.config.method);
  }

  /** Kills running preparations; the next start prepares those models again. */
  stop(): void {
    this.stopping = true;
    this.child?.kill();
    this.child = null;
  }

  private start(model: ModelRecord): void {
    const { config } = this.service;
    const spec = preparationSpecOf(this.service, model);
    const started = performance.now();
    const state: ModelPreparation = { ...this.view(model.id), status: 'running', startedAt: new Date().toISOString() };
    this.states.set(model.id, state);
    this.log('model preparation started', { model: model.id, method: config.method });
    const child = runPreparationProcess(spec, this.log, (record) => {
      state.progress = record;
    });
    this.child = child;
    void child.done.then((outcome) => {
      this.child = null;
      if (this.stopping) return;
      const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
      if (outcome.ok) {
        Object.assign(state, {
          status: 'ready',
          seconds,
          reused: outcome.preparation?.reused ?? null,
          error: null,
          progress: null,
          summary: outcome.preparation?.summary ?? null,
        });
        this.log('model prepared', { model: model.id, seconds, reused: state.reused });
      } else {
        Object.assign(state, {
          status: 'failed',
          seconds,
          reused: null,
          error: outcome.error,
          progress: null,
          summary: null,
        });
        this.log('model preparation failed', { model: model.id, seconds, error: outcome.error });
      }
      this.onSettled();
    });
  }
}
