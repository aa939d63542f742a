#!/usr/bin/env node
// The tmu command. Re-executes itself once under the runtime environment (runtime-env.mjs), then runs
// the compiled CLI.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execWithRuntimeEnv, hasRuntimeEnv } from './runtime-env.mjs';

if (!hasRuntimeEnv()) {
  execWithRuntimeEnv(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
}
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('tmu: not built yet; run `npm run build` (or `npm run demo`, which sets everything up)');
  process.exit(1);
}
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
