/**
 * A job worker: the child process in which the service runs one unlearning job, so that the HTTP API stays
 * responsive while libtorch computes (and a crashing job cannot take the service down).
 *
 * Usage: `node jobWorker.js SPEC.json` (under tmu's runtime environment, which the service passes on).
 * Unlearns the spec's forget set from the root model, writes the candidate to `<stagingDir>.partial`,
 * runs the evaluate stage, renames the candidate to `stagingDir` and writes the {@link JobResult} atomically to
 * `resultPath`. Progress goes to stderr as JSON lines. Exits 0 when a result (even a failed gate) was
 * written, 1 on an error (also written to `resultPath` when possible).
 *
 * @module
 */

import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTextAtomic } from '../data/files.js';
import { retainIds } from '../data/forget.js';
import { loadModelData } from '../train/modelData.js';
import { idsDigest, loadModel } from '../train/modelStore.js';
import { JsonLinesProgress } from '../train/progress.js';
import { getMethod } from '../unlearn/methods.js';
import { buildContext, prepareOriginal, releaseContext, runMethod, saveUnlearned } from '../unlearn/run.js';
import { evaluateCandidate } from './evaluateCandidate.js';
import type { JobResult, JobSpec } from './jobSpec.js';
import { dieWithParent } from './workerProcess.js';

function writeResult(path: string, result: JobResult): void {
  writeTextAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** Runs a job spec to its result. */
export function runJob(spec: JobSpec): JobResult {
  const progress = new JsonLinesProgress(process.stderr);
  const original = prepareOriginal(spec.rootDir);
  const partial = `${spec.stagingDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  try {
    const method = getMethod(spec.method);
    const ctx = buildContext(original, spec.forgetIds, { seed: spec.seed, progress });
    progress.log('job', {
      job: spec.jobId,
      method: method.name,
      forget: spec.forgetIds.length,
      new: spec.newIds.length,
    });
    const result = runMethod(ctx, method, spec.params);
    try {
      const sidecar = saveUnlearned(partial, original, ctx, method, result);
      const parentLoaded = spec.parentDir === spec.rootDir ? null : loadModel(spec.parentDir);
      try {
        // A table model's candidate reads rows through the preprocessing refitted on Dr; its parent through its own.
        const candidateData =
          ctx.preprocessing || ctx.vocabulary ? { ...original.data, train: ctx.train, test: ctx.test } : original.data;
        const parentData =
          (ctx.preprocessing || ctx.vocabulary) && parentLoaded
            ? loadModelData(parentLoaded.sidecar.dataset)
            : original.data;
        const report = evaluateCandidate({
          spec,
          data: candidateData,
          parentData,
          split: original.fullSplit,
          retainIds: retainIds(original.fullSplit, spec.forgetIds),
          parent: parentLoaded?.model ?? original.loaded.model,
          candidate: result.model,
          rootSidecar: original.loaded.sidecar,
          summary: result.summary ?? {},
          params: result.params,
          unlearnSeconds: result.seconds,
          progress,
          scratchDir: partial,
        });
        rmSync(spec.stagingDir, { recursive: true, force: true });
        renameSync(partial, spec.stagingDir);
        return {
          ok: true,
          digest: sidecar.digest,
          forgottenDigest: idsDigest(spec.forgetIds),
          forgottenCount: spec.forgetIds.length,
          passed: report.passed,
          report,
        };
      } finally {
        parentLoaded?.model.dispose();
      }
    } finally {
      result.model.dispose();
      releaseContext(ctx, original);
    }
  } finally {
    original.loaded.model.dispose();
    if (existsSync(partial)) rmSync(partial, { recursive: true, force: true });
  }
}

function main(): void {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: jobWorker.js SPEC.json\n');
    process.exit(2);
  }
  dieWithParent();
  let spec: JobSpec;
  try {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as JobSpec;
  } catch (error) {
    process.stderr.write(`job worker: cannot read ${specPath}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  try {
    writeResult(spec.resultPath, runJob(spec));
    process.exit(0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), event: 'error', job: spec.jobId, message })}\n`,
    );
    writeResult(spec.resultPath, { ok: false, error: message });
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
