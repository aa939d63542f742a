/**
 * Helpers of the CLI acceptance tests: a small real Fashion-MNIST subset, temporary folders, and
 * `tmu` run as a child process the way a user runs it.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The repository root (tests run from dist/test/cli/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The `tmu` command. */
export const TMU_BIN = join(REPO_ROOT, 'bin', 'tmu.mjs');
/** The real Fashion-MNIST files installed by Debian's dataset-fashion-mnist. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Sizes of the subset: big enough to train on for real, small enough for seconds-long epochs. */
export const SUBSET = { train: 1500, test: 300 } as const;

/**
 * A temporary folder removed when the test file finishes. Call it at the top level or in a describe
 * body, not in a hook (an `after` registered inside a hook runs when that hook ends).
 */
export function tempDir(prefix = 'tmu-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The first `count` entries of a real IDX file (header rewritten to the new count). */
export function idxPrefix(file: string, count: number): Buffer {
  const bytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, file)));
  const ndims = bytes[3]!;
  let perItem = 1;
  for (let d = 1; d < ndims; d++) perItem *= bytes.readUInt32BE(4 + 4 * d);
  const header = 4 + 4 * ndims;
  const out = Buffer.from(bytes.subarray(0, header + count * perItem));
  out.writeUInt32BE(count, 4);
  return out;
}

/**
 * Writes the first {@link SUBSET}.train train and {@link SUBSET}.test test images of the real
 * Fashion-MNIST into a folder, as `--data-dir` expects. Half the files are gzip, half raw, so both
 * encodings go through the reader. Returns the folder.
 */
export function fashionSubset(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'train-images-idx3-ubyte.gz'),
    gzipSync(idxPrefix('train-images-idx3-ubyte.gz', SUBSET.train), { level: 1 }),
  );
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxPrefix('train-labels-idx1-ubyte.gz', SUBSET.train));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxPrefix('t10k-images-idx3-ubyte.gz', SUBSET.test));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxPrefix('t10k-labels-idx1-ubyte.gz', SUBSET.test)));
  return dir;
}

/** What a finished `tmu` process left. */
export interface TmuResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Options of {@link startTmu} and {@link tmu}. */
export interface TmuOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Called with each chunk of stderr as it arrives. */
  onStderr?: (chunk: string) => void;
  /** Kill the process (SIGKILL) after this long; default 180 s. */
  timeoutMs?: number;
  /**
   * Run through bin/tmu.mjs's launcher, as from a plain shell: the runtime environment is taken away, so
   * the process started is the launcher and the CLI runs in its child.
   */
  launcher?: boolean;
}

/** A running `tmu` process and the promise of its result. */
export interface RunningTmu {
  child: ChildProcess;
  result: Promise<TmuResult>;
}

/**
 * Starts `node bin/tmu.mjs ...args` in the repository root, stdout and stderr piped (so stderr is not
 * a TTY). The runtime environment is inherited from the test launcher. TMU_NUM_THREADS is 1 unless
 * `env` says otherwise: the suite shares 2 cores with other work, where one thread per run is several
 * times faster than two contending ones (the determinism test runs with 2 on purpose).
 */
export function startTmu(args: readonly string[], options: TmuOptions = {}): RunningTmu {
  const started = performance.now();
  const child = spawn(process.execPath, [TMU_BIN, ...args], {
    cwd: REPO_ROOT,
    env: environment(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    options.onStderr?.(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  const result = new Promise<TmuResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
  return { child, result };
}

function environment(options: TmuOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMU_NUM_THREADS: '1', ...options.env };
  if (options.launcher) delete env.TMU_RUNTIME_ENV;
  return env;
}

/** Runs `tmu ...args` to completion. */
export function tmu(args: readonly string[], options: TmuOptions = {}): Promise<TmuResult> {
  return startTmu(args, options).result;
}

/** Runs `tmu` and fails with its stderr unless it exits 0. */
export async function tmuOk(args: readonly string[], options: TmuOptions = {}): Promise<TmuResult> {
  const result = await tmu(args, options);
  if (result.status !== 0)
    throw new Error(`tmu ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr.slice(-2000)}`);
  return result;
}

/** The JSON sidecar of a model directory. */
export function readSidecar(dir: string): {
  digest: string;
  curriculum: { digest: string; epoch: number } | null;
  dataset: { normalize: { mean: number[]; std: number[] } };
  [key: string]: unknown;
} {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

/** Parses stderr as JSON lines, failing on any line that is not a JSON object. */
export function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error(`not a JSON object: ${line}`);
      return value as Record<string, unknown>;
    });
}

/** The common flags of a short run on the subset. */
export function subsetTrainFlags(dataDir: string, out: string, extra: readonly string[] = []): string[] {
  return ['train', '--data-dir', dataDir, '--out', out, ...extra];
}
