/**
 * `tmu train` is deterministic: the same seed and thread count give the same weight digest, another
 * seed another one. Also checks the model directory's contents and that progress is JSON lines when
 * stderr is not a terminal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import {
  fashionSubset,
  jsonLines,
  REPO_ROOT,
  readSidecar,
  SUBSET,
  subsetTrainFlags,
  TMU_BIN,
  type TmuResult,
  tempDir,
  tmuOk,
} from './support.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('tmu train: same seed, same weights', () => {
  const work = tempDir();
  let dataDir: string;
  const runs: Record<string, { dir: string; result: TmuResult }> = {};

  before(async () => {
    dataDir = fashionSubset(join(work, 'data'));
    // Sequential, not parallel: the machine has 2 cores, and each run uses both.
    for (const [name, seed] of [
      ['a', '1'],
      ['b', '1'],
      ['c', '2'],
    ] as const) {
      const dir = join(work, name);
      // Run "a" without --json: progress must still be JSON lines, since stderr is a pipe.
      const json = name === 'a' ? [] : ['--json'];
      // Two intra-op threads: parallel reductions are where nondeterminism would come from.
      const result = await tmuOk(
        subsetTrainFlags(dataDir, dir, ['--arch', 'cnn', '--epochs', '2', '--seed', seed, ...json]),
        { env: { TMU_NUM_THREADS: '2' } },
      );
      runs[name] = { dir, result };
    }
  });

  test('two runs with the same seed give the same digest, another seed another digest', () => {
    const [a, b, c] = (['a', 'b', 'c'] as const).map((name) => readSidecar(runs[name]!.dir));
    assert.match(a!.digest, /^[0-9a-f]{64}$/);
    assert.equal(a!.digest, b!.digest, 'same seed, same threads: same weights');
    assert.notEqual(a!.digest, c!.digest, 'another seed: other weights');
    // The curriculum model (epoch 2) is deterministic too.
    assert.ok(a!.curriculum && b!.curriculum);
    assert.equal(a!.curriculum.digest, b!.curriculum.digest);
  });

  test('the digest is the SHA-256 of model.safetensors and the directory is complete', () => {
    const { dir, result } = runs.b!;
    const sidecar = readSidecar(dir);
    assert.equal(sidecar.digest, sha256(join(dir, 'model.safetensors')));
    assert.deepEqual(readdirSync(dir).sort(), [
      'curriculum.safetensors',
      'model.json',
      'model.safetensors',
      'split.json',
    ]);
    assert.ok(!existsSync(join(dir, 'checkpoint.safetensors')), 'the checkpoint is removed when training completes');
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(summary.digest, sidecar.digest);
    assert.equal(summary.threads, 2);
    assert.equal(summary.trainSamples, SUBSET.train * 0.75);
    assert.equal(typeof summary.testAcc, 'number');
    // Two epochs of the small CNN on 1,125 real images already beat chance by far.
    assert.ok((summary.testAcc as number) > 40, `test accuracy ${String(summary.testAcc)}%`);
    const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as {
      member: string[];
      holdout: string[];
      test: string[];
    };
    assert.equal(split.member.length + split.holdout.length, SUBSET.train);
    assert.equal(split.test.length, SUBSET.test);
    assert.equal(split.member[0]!.startsWith('fashion-mnist/train/'), true);
  });

  test('progress is JSON lines on a non-TTY stderr, even without --json', () => {
    const { result } = runs.a!;
    const events = jsonLines(result.stderr);
    assert.ok(events.length > 0);
    for (const event of events) {
      assert.equal(typeof event.time, 'string');
      assert.equal(typeof event.event, 'string');
    }
    const done = events.filter(
      (e) => e.event === 'done' && typeof e.task === 'string' && (e.task as string).startsWith('epoch '),
    );
    assert.deepEqual(
      done.map((e) => e.task),
      ['epoch 1/2', 'epoch 2/2'],
    );
    for (const e of done) assert.equal(typeof e.loss, 'number');
    // Without --json, stdout is the human summary naming the digest.
    assert.match(result.stdout, /^trained cnn on 1125 samples/);
    assert.ok(result.stdout.includes(readSidecar(runs.a!.dir).digest));
  });

  // util-linux's `script` runs the command on a pseudo-terminal.
  const noScript =
    spawnSync('script', ['--version']).status === 0
      ? false
      : 'util-linux `script` is not installed (needed for a pseudo-terminal)';
  test('a terminal gets a redrawn progress bar instead of JSON lines', { skip: noScript }, () => {
    const out = join(work, 'tty');
    const command = [process.execPath, TMU_BIN, ...subsetTrainFlags(dataDir, out, ['--arch', 'mlp', '--epochs', '1'])]
      .map((a) => `'${a}'`)
      .join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, TMU_NUM_THREADS: '1' },
    });
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /\repoch 1\/1 \[#+\.*\] \d+\/9 /, 'a bar redrawn with carriage returns');
    assert.ok(!result.stdout.includes('{"time"'), 'no JSON lines on a terminal');
    assert.match(result.stdout, /trained mlp on 1125 samples/);
    assert.ok(existsSync(join(out, 'model.json')));
  });
});
