#!/usr/bin/env node
// Runs a command under tmu's runtime environment (see runtime-env.mjs): used by the test and bench scripts.
import { execWithRuntimeEnv } from './runtime-env.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-runtime-env.mjs COMMAND [ARGS...]');
  process.exit(2);
}
execWithRuntimeEnv(command, args);
