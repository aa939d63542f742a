/**
 * `kill -9` in the middle of an epoch, then `tmu train ... --resume`, gives the weights of an
 * uninterrupted run; and the clear refusals around finished models (--resume, --out without --force).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { fashionSubset, readSidecar, startTmu, subsetTrainFlags, tempDir, tmu, tmuOk } from './support.js';

/**
 * Four epochs of the small CNN, 18 batches each: the kill lands early in epoch 2, leaving more than two
 * epochs to resume.
 */
const RECIPE = ['--arch', 'cnn', '--epochs', '4', '--batch-size', '64', '--seed', '3', '--json'];

describe('tmu train: kill -9 mid-epoch, then --resume', () => {
  const work = tempDir();
  let dataDir: string;
  let referenceDigest: string;
  let referenceCurriculum: string;

  before(async () => {
    dataDir = fashionSubset(join(work, 'data'));
    const reference = join(work, 'reference');
    await tmuOk(subsetTrainFlags(dataDir, reference, RECIPE));
    const sidecar = readSidecar(reference);
    referenceDigest = sidecar.digest;
    referenceCurriculum = sidecar.curriculum!.digest;
  });

  test('the resumed run has the digest of the uninterrupted one', async () => {
    const out = join(work, 'killed');
    const checkpoint = join(out, 'checkpoint.safetensors');
    // Kill as soon as epoch 2 has reported progress (a batch done, more to go): by then the epoch-1
    // checkpoint is on disk and the process is inside an epoch, between two checkpoints. The pid killed
    // is the one a user sees, bin/tmu.mjs's launcher; the training process, its child, must die with it.
    // (The result below resolves once both have closed their stdio: had the trainer survived as an
    // orphan, it would resolve only after the trainer finished and wrote model.json.)
    let lines = '';
    let killedAt: { done: number; total: number } | undefined;
    const running = startTmu(subsetTrainFlags(dataDir, out, RECIPE), {
      launcher: true,
      onStderr: (chunk) => {
        lines += chunk;
        if (killedAt) return;
        for (const line of lines.split('\n').slice(0, -1)) {
          const event = JSON.parse(line) as { event: string; task?: string; done?: number; total?: number };
          if (event.event === 'progress' && event.task === 'epoch 2/4' && event.done! < event.total! / 2) {
            killedAt = { done: event.done!, total: event.total! };
            running.child.kill('SIGKILL');
            return;
          }
        }
      },
    });
    const killed = await running.result;
    assert.equal(
      killed.signal,
      'SIGKILL',
      `the run was not killed (exit ${killed.status}): ${killed.stderr.slice(-500)}`,
    );
    assert.ok(killedAt, 'killed during epoch 2');
    assert.ok(existsSync(checkpoint), 'the epoch-1 checkpoint survives the kill');
    assert.ok(!existsSync(join(out, 'model.json')), 'killed before the model was written');
    assert.ok(!existsSync(join(out, 'model.safetensors')), 'no weights of a finished model');

    // A resume with another recipe is refused and leaves the checkpoint alone.
    const before = statSync(checkpoint).mtimeMs;
    const wrong = await tmu(
      subsetTrainFlags(dataDir, out, [...RECIPE.slice(0, -3), '--seed', '4', '--json', '--resume']),
    );
    assert.deepEqual(RECIPE.slice(-3), ['--seed', '3', '--json']);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr.trim().split('\n').pop()!, /another recipe.*resume with the same flags/);
    assert.equal(statSync(checkpoint).mtimeMs, before);
    assert.ok(!existsSync(join(out, 'model.json')));

    const resumed = await tmuOk(subsetTrainFlags(dataDir, out, [...RECIPE, '--resume']));
    const resumeEvent = resumed.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === 'resume');
    // Normally after epoch 1; a slow kill could let epoch 2 finish first, which must resume as well.
    assert.ok(
      resumeEvent?.epoch === 1 || resumeEvent?.epoch === 2,
      `resumed after epoch ${String(resumeEvent?.epoch)}`,
    );
    assert.equal(resumeEvent?.of, 4);
    const sidecar = readSidecar(out);
    assert.equal(sidecar.digest, referenceDigest, 'resumed weights = uninterrupted weights');
    assert.equal(sidecar.curriculum!.digest, referenceCurriculum, 'resumed curriculum model = uninterrupted one');
    assert.equal(JSON.parse(resumed.stdout).digest, referenceDigest);
    assert.ok(!existsSync(checkpoint), 'the checkpoint is removed once the run completes');
    const epochs = (sidecar.training as { epochs: { epoch: number }[] }).epochs.map((e) => e.epoch);
    assert.deepEqual(epochs, [1, 2, 3, 4], 'the per-epoch log spans the interruption');
  });

  test('--resume on a finished model is refused, exit 2, one line', async () => {
    const dir = join(work, 'reference');
    const weights = readFileSync(join(dir, 'model.safetensors'));
    const result = await tmu(subsetTrainFlags(dataDir, dir, [...RECIPE, '--resume']));
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /already holds a finished model; nothing to resume/);
    assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), weights);
  });

  test('--resume without a checkpoint is refused', async () => {
    const result = await tmu(subsetTrainFlags(dataDir, join(work, 'never-started'), [...RECIPE, '--resume']));
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^tmu train: --resume: no checkpoint in .*never-started\n$/);
    assert.ok(!existsSync(join(work, 'never-started')));
  });

  test('--out on an existing model needs --force', async () => {
    const dir = join(work, 'reference');
    const result = await tmu(subsetTrainFlags(dataDir, dir, ['--arch', 'mlp', '--epochs', '1']));
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /already holds a trained model; use --force to overwrite it/);
    assert.equal(readSidecar(dir).digest, referenceDigest, 'the model is untouched');

    const forced = await tmuOk(subsetTrainFlags(dataDir, dir, ['--arch', 'mlp', '--epochs', '1', '--force', '--json']));
    const sidecar = readSidecar(dir);
    assert.notEqual(sidecar.digest, referenceDigest);
    assert.equal(JSON.parse(forced.stdout).digest, sidecar.digest);
    assert.equal((sidecar.architecture as { name: string }).name, 'mlp');
  });
});
