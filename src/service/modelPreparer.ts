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

import type { ChildProcess } from 'node:child_process';
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

/** Prepares the service's registered models in worker processes, one model at a time. */
export class ModelPreparer {
  private readonly states = new Map<string, ModelPreparation>();
  /** The running preparation's worker (one at a time). */
  private child: ChildProcess | null = null;
  private stopping = false;
  /** The status of a model with no preparation of its own, or null when preparations run. */
  private readonly standing: PreparationStatus | null;

  /** `onSettled` runs after each preparation ends (the job runner starts the jobs it held back). */
  constructor(
    private readonly service: DeletionService,
    private readonly log: ServiceLog,
    private readonly onSettled: () => void = () => {},
  ) {
    if (!service.config.prepareModels) this.standing = 'disabled';
    else this.standing = getMethod(service.config.method).prepare ? null : 'not-needed';
  }

  /**
   * Starts the preparation of the next registered model that has not had one since this process
   * started, unless one runs: one at a time, since each loads the dataset and builds a twin beside a
   * training's worth of memory, and at a start every registered model is due at once.
   */
  tick(): void {
    if (this.stopping || this.standing !== null || this.child) return;
    const next = listModels(this.service.ledger).find((model) => !this.states.has(model.id));
    if (next) this.start(next);
  }

  /** Whether a model's jobs must wait for its preparation (queued or running). */
  holds(modelId: string): boolean {
    const status = this.view(modelId).status;
    return status === 'queued' || status === 'running';
  }

  /** A model's preparation. */
  view(modelId: string): ModelPreparation {
    return (
      this.states.get(modelId) ?? {
        status: this.standing ?? 'queued',
        method: this.service.config.method,
        startedAt: null,
        seconds: null,
        reused: null,
        error: null,
        progress: null,
        summary: null,
      }
    );
  }

  /** Kills running preparations; the next start prepares those models again. */
  stop(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  private start(model: ModelRecord): void {
    const { config } = this.service;
    const spec: PreparationSpec = {
      modelId: model.id,
      modelDir: this.service.paths.absolute(model.path),
      method: config.method,
      params: config.params,
      seed: config.seed,
    };
    const started = performance.now();
    const state: ModelPreparation = { ...this.view(model.id), status: 'running', startedAt: new Date().toISOString() };
    this.states.set(model.id, state);
    this.log('model preparation started', { model: model.id, method: config.method });
    const child = spawnWorker(WORKER, [JSON.stringify(spec)], { stdout: 'pipe' });
    this.child = child;
    let answer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    const lastError = followWorker(
      child,
      (record) => {
        state.progress = record;
      },
      (line) => this.log('model preparation output', { model: model.id, line }),
    );
    let settled = false;
    const settle = (outcome: PreparationOutcome): void => {
      if (settled) return;
      settled = true;
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
    };
    // 'close', not 'exit': the answer on stdout is complete only once the worker's pipes are closed.
    child.on('close', (code, signal) => {
      const line = answer.trim().split('\n').pop() ?? '';
      let outcome: PreparationOutcome;
      try {
        outcome = JSON.parse(line) as PreparationOutcome;
      } catch {
        outcome = {
          ok: false,
          error: `the preparation worker exited with ${signal ? `signal ${signal}` : `status ${code}`} without an answer${lastError() ? `: ${lastError()}` : ''}`,
        };
      }
      settle(outcome);
    });
    // A worker that could not be started emits 'error' and may never close.
    child.on('error', (error) =>
      settle({ ok: false, error: `the preparation worker could not run: ${error.message}` }),
    );
  }
}
