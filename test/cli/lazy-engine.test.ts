/**
 * `tmu <command> --help` and usage mistakes answer without loading libtorch (about a second per
 * command otherwise): the commands load the engine only when they run.
 *
 * @module
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { COMMANDS } from '../../src/cli/main.js';
import { REPO_ROOT } from './support.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * Runs the CLI in a fresh process with `args` and says whether libtorch ended up mapped into it (Linux:
 * /proc/self/maps), with the exit status. Output of the command itself is discarded.
 */
function runAndCheckEngine(args: string[]): { status: number; libtorch: boolean } {
  const script = `
    import { readFileSync } from 'node:fs';
    const { run } = await import(${JSON.stringify(MAIN)});
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    process.stdout.write = () => true;
    process.stderr.write = () => true;
    const status = await run(${JSON.stringify(args)});
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    console.log(JSON.stringify({ status, libtorch: readFileSync('/proc/self/maps', 'utf8').includes('libtorch') }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { status: number; libtorch: boolean };
}

describe('the CLI loads the engine only to run a command', () => {
  test('--help of every command leaves libtorch unloaded', () => {
    for (const name of Object.keys(COMMANDS)) {
      assert.deepEqual(runAndCheckEngine([name, '--help']), { status: 0, libtorch: false }, name);
    }
  });

  test('usage mistakes (a missing flag, --out equal to --model, an unknown preset) leave libtorch unloaded', () => {
    assert.deepEqual(runAndCheckEngine(['train']), { status: 2, libtorch: false });
    assert.deepEqual(runAndCheckEngine(['unlearn', '--model', 'a', '--out', 'a', '--forget', 'f.json']), {
      status: 2,
      libtorch: false,
    });
    assert.deepEqual(runAndCheckEngine(['bench', '--out', 'x', '--preset', 'nope']), { status: 2, libtorch: false });
  });

  test('a command that computes does load it (the check can see libtorch)', () => {
    assert.deepEqual(runAndCheckEngine(['info']), { status: 0, libtorch: true });
  });
});
