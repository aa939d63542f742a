// The process environment tmu runs under. These settings were measured on a 2-core machine and must
// be in place before the process starts (glibc reads its tunables at start-up), so every entry point
// (the tmu CLI, the test command, the benchmarks) re-executes itself through withRuntimeEnv().
//  - OpenBLAS single-threaded: libtorch already parallelises across cores; nested BLAS threads thrash.
//  - glibc malloc tunables: without them large activations go through mmap/munmap on every step and the
//    heap is trimmed constantly (ResNet training swung 470-1660 img/s; with them 1800-1900 img/s).
import { spawn } from 'node:child_process';

const MALLOC_TUNABLES = [
  'glibc.malloc.mmap_threshold=33554432',
  'glibc.malloc.trim_threshold=2147483647',
  'glibc.malloc.top_pad=268435456',
];

/** The environment `base` plus tmu's runtime settings (user-set values of the same names win). */
export function runtimeEnv(base = process.env) {
  const tunables = (base.GLIBC_TUNABLES ?? '').split(':').filter(Boolean);
  const names = new Set(tunables.map((entry) => entry.split('=')[0]));
  for (const entry of MALLOC_TUNABLES) if (!names.has(entry.split('=')[0])) tunables.push(entry);
  return {
    ...base,
    OPENBLAS_NUM_THREADS: base.OPENBLAS_NUM_THREADS ?? '1',
    GLIBC_TUNABLES: tunables.join(':'),
    TMU_RUNTIME_ENV: '1',
  };
}

/** Whether this process already runs under runtimeEnv(). */
export function hasRuntimeEnv(env = process.env) {
  return env.TMU_RUNTIME_ENV === '1';
}

/** Signals passed on to the process started under the runtime environment. */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Runs `command args` under the runtime environment and mirrors its exit status. The pid a user holds
 * (`tmu serve ... & kill $!`) is this launcher's, so the signals it receives are forwarded to the
 * process it started, which then stops as it would have on its own (a server drains and exits 0).
 */
export function execWithRuntimeEnv(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', env: runtimeEnv() });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`tmu: cannot start ${command}: ${error.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    for (const name of FORWARDED) process.off(name, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
