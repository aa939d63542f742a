import type { Command } from '../command.js';
import { printResult } from '../command.js';

/** `tmu info`: the engine and runtime settings in effect (threads, BLAS, allocator tunables). */
export const infoCommand: Command = {
  name: 'info',
  summary: 'show the engine and runtime settings in effect',
  flags: {},
  async run(flags) {
    const { cudaAvailable, getNumThreads } = await import('../../tensor/index.js');
    const info = {
      node: process.version,
      threads: getNumThreads(),
      cuda: cudaAvailable(),
      runtimeEnv: process.env.TMU_RUNTIME_ENV === '1',
      openblasThreads: process.env.OPENBLAS_NUM_THREADS ?? null,
      glibcTunables: process.env.GLIBC_TUNABLES ?? null,
    };
    printResult(
      flags,
      info,
      Object.entries(info)
        .map(([key, value]) => `${key}: ${value}`)
        .join('\n'),
    );
    return 0;
  },
};
