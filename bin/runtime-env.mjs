// The process environment tmu runs under. These settings were measured on a 2-core machine and must
// be in place before the process starts (glibc reads its tunables at start-up), so every entry point
// (the tmu CLI, the test command, the benchmarks) re-executes itself through withRuntimeEnv().
//  - OpenBLAS single-threaded: libtorch already parallelises across cores; nested BLAS threads thrash.
//  - glibc malloc tunables: without them large activations go through mmap/munmap on every step and the
//    heap is trimmed constantly (ResNet training swung 470-1660 img/s; with them 1800-1900 img/s).
import { spawnSync } from 'node:child_process';

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

/** Runs `command args` under the runtime environment, mirroring its exit status; never returns. */
export function execWithRuntimeEnv(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', env: runtimeEnv() });
  if (result.error) {
    console.error(`tmu: cannot start ${command}: ${result.error.message}`);
    process.exit(127);
  }
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}
