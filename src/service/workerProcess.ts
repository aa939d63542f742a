/**
 * What the service's worker processes (jobs, model preparations) share: they die with the service, and
 * the service starts them under its own runtime environment with its pid to watch.
 *
 * @module
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';

/** The environment variable carrying the service's pid to its workers. */
const PARENT_PID = 'TMU_JOB_PARENT_PID';

/**
 * A `kill -9` of the service cannot be forwarded; an orphaned worker would keep computing work the
 * restarted service redoes anyway. A thread (the main one is busy in synchronous libtorch calls) kills
 * the process as soon as its parent is gone. The service passes its pid in the environment: the service
 * may already be gone by the time this process has loaded libtorch.
 */
export function dieWithParent(): void {
  const parent = Number(process.env[PARENT_PID] ?? process.ppid);
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  const watch = `setInterval(() => { if (process.ppid !== ${parent}) process.kill(process.pid, 'SIGKILL'); }, 100);`;
  new Worker(watch, { eval: true }).unref();
}

/**
 * Starts a worker script with these arguments. Its stderr (progress as JSON lines) is piped; its stdout
 * only when the worker answers there (`stdout: 'pipe'`), since an unread pipe would block a chatty one.
 */
export function spawnWorker(
  script: string,
  args: readonly string[],
  options: { stdout: 'pipe' | 'ignore' },
): ChildProcess {
  return spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', options.stdout, 'pipe'],
    env: { ...process.env, [PARENT_PID]: String(process.pid) },
  });
}

/**
 * Follows a worker's stderr: each JSON line is a progress record for `onRecord`, any other line raw
 * output for `onText`. Returns the worker's last error so far: the message of its last `error` record,
 * or its last raw line (a crash's stack trace ends there).
 */
export function followWorker(
  child: ChildProcess,
  onRecord: (record: Record<string, unknown>) => void,
  onText: (line: string) => void,
): () => string {
  let lastError = '';
  createInterface({ input: child.stderr! }).on('line', (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      lastError = line;
      onText(line);
      return;
    }
    onRecord(record);
    if (record.event === 'error') lastError = String(record.message);
  });
  return () => lastError;
}
