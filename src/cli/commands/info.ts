import type { Command } from '../command.js';
import { printResult } from '../command.js';

/** `tmu info`: the engine and runtime settings in effect (threads, BLAS, allocator tunables). */
export const infoCommand: Command = {
  name: 'info',
  summary: 'show the engine and runtime settings in effect',
  flags: {},
  async run(flags) {
    const { cudaAvailable, runtimeSettings } = await import('../../tensor/index.js');
    const settings = runtimeSettings();
    const info = {
      node: process.version,
      threads: settings.threads,
      cuda: cudaAvailable(),
      runtimeEnv: process.env.TMU_RUNTIME_ENV === '1',
      openblasThreads: settings.openblasThreads,
      glibcTunables: settings.glibcTunables,
      mallocTuning: settings.mallocTuning.join(', ') || null,
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
