/**
 * A preparation worker: the child process in which the service runs the configured method's prepare step
 * for a registered model (TMU: builds, or finds cached, its twin and predictor), so that the API stays
 * responsive meanwhile and the model's first deletion job costs what later ones do.
 *
 * Usage: `node preparationWorker.js SPEC_JSON` (a {@link PreparationSpec}, under tmu's runtime
 * environment, which the service passes on). Progress goes to stderr as JSON lines; the
 * {@link PreparationOutcome} is the one line on stdout. Exits 0 when prepared, 1 on an error.
 *
 * @module
 */

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonLinesProgress } from '../train/progress.js';
import type { MethodPreparation } from '../unlearn/method.js';
import { getMethod } from '../unlearn/methods.js';
import { modelContext, prepareMethod, prepareOriginal } from '../unlearn/run.js';
import type { PreparationOutcome, PreparationSpec } from './preparationSpec.js';
import { dieWithParent } from './workerProcess.js';

/** Runs a preparation spec: the method's prepare step on the model's own context (null: nothing to prepare). */
export function runPreparation(spec: PreparationSpec): MethodPreparation | null {
  const progress = new JsonLinesProgress(process.stderr);
  const method = getMethod(spec.method);
  const original = prepareOriginal(spec.modelDir);
  try {
    progress.log('preparation', { model: spec.modelId, method: method.name });
    return prepareMethod(modelContext(original, { seed: spec.seed, progress }), method, spec.params);
  } finally {
    original.loaded.model.dispose();
  }
}

function answer(outcome: PreparationOutcome, code: number): never {
  // Pipes are synchronous on Linux and macOS: the line is out before the process exits.
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  process.exit(code);
}

function main(): void {
  dieWithParent();
  let spec: PreparationSpec;
  try {
    spec = JSON.parse(process.argv[2] ?? '') as PreparationSpec;
  } catch (error) {
    answer({ ok: false, error: `preparation worker: the spec argument is not JSON: ${(error as Error).message}` }, 2);
  }
  try {
    answer({ ok: true, preparation: runPreparation(spec) }, 0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), event: 'error', model: spec.modelId, message })}\n`,
    );
    answer({ ok: false, error: message }, 1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
