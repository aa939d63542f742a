#!/usr/bin/env node
// The tmu command. Re-executes itself once under the runtime environment (runtime-env.mjs), then runs
// the compiled CLI.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { execWithRuntimeEnv, hasRuntimeEnv } from './runtime-env.mjs';

if (!hasRuntimeEnv()) {
  process.env.TMU_LAUNCHER_PID = String(process.pid);
  // The launcher stays, forwarding signals, until the re-executed process exits.
  execWithRuntimeEnv(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
} else {
  await runCli();
}

async function runCli() {
  // `kill -9` of the pid a user sees (this launcher) cannot be forwarded, and would leave the real process
  // training on as an orphan, still writing into --out while the user resumes into it. So the re-executed
  // process watches its parent from a worker thread (the main thread is busy in synchronous training) and
  // kills itself the moment the launcher is gone.
  const launcher = Number(process.env.TMU_LAUNCHER_PID);
  delete process.env.TMU_LAUNCHER_PID;
  if (launcher > 0) {
    if (process.ppid !== launcher) process.kill(process.pid, 'SIGKILL');
    const watch = `setInterval(() => { if (process.ppid !== ${launcher}) process.kill(process.pid, 'SIGKILL'); }, 50);`;
    new Worker(watch, { eval: true }).unref();
  }
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) {
    console.error('tmu: not built yet; run `npm run build` (or `npm run demo`, which sets everything up)');
    process.exit(1);
  }
  const { run } = await import(pathToFileURL(main).href);
  process.exitCode = await run(process.argv.slice(2));
}
