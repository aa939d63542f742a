/**
 * What the model preparer hands a preparation worker process, and what the worker answers: the method's
 * prepare step for one registered model (docs/service.md, "Model preparation").
 *
 * @module
 */

import type { MethodPreparation } from '../unlearn/method.js';

/** Input of a preparation worker. */
export interface PreparationSpec {
  modelId: string;
  /** The registered (root) model's directory: every job unlearns from it, so its cache is what they reuse. */
  modelDir: string;
  method: string;
  params: Record<string, unknown>;
  /** The seed the model's jobs run with (TMU draws its twin with it). */
  seed: number;
}

/** Output of a preparation worker: one JSON line on its stdout. */
export type PreparationOutcome = { ok: true; preparation: MethodPreparation | null } | { ok: false; error: string };
