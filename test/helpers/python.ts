/**
 * Running Debian's PyTorch from tests, for cross-checks that skip cleanly where it is not installed.
 *
 * @module
 */

import { spawnSync } from 'node:child_process';

/** The interpreter that can import torch here (the `python3` on PATH may not). */
export const TORCH_PYTHON = '/usr/bin/python3';

let available: string | null | undefined;

/** Null when `TORCH_PYTHON` has torch installed, else the reason it has not (for a skip message). */
export function torchUnavailableReason(): string | null {
  if (available !== undefined) return available;
  // find_spec locates torch without importing it (an import costs seconds; the real run imports it anyway).
  const probe = spawnSync(
    TORCH_PYTHON,
    [
      '-c',
      "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 'torch is not installed')",
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  available =
    probe.status === 0
      ? null
      : `${TORCH_PYTHON} cannot import torch (${probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? 'unknown error'})`;
  return available;
}

/**
 * Runs a Python script with `TORCH_PYTHON` and returns its stdout; throws with stderr on failure.
 *
 * @param args - `sys.argv[1:]`
 */
export function runPython(script: string, args: readonly string[] = [], cwd?: string): string {
  const result = spawnSync(TORCH_PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
    cwd,
  });
  if (result.status !== 0)
    throw new Error(`python failed (${result.status ?? result.signal}): ${result.stderr || result.error?.message}`);
  return result.stdout;
}
