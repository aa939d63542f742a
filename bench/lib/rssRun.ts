/**
 * The engine benchmark's memory check, run by bench/engine.ts in a process of its own (so its RSS is
 * that of small-cnn training alone, not inflated by the ResNet's data and activations): tmu trains the
 * small CNN on preloaded Fashion-MNIST, batch 128, SGD momentum 0.9, and reports the RSS growth between
 * step FROM and step TO.
 *
 *   node dist/bench/lib/rssRun.js FROM TO THREADS SEED DATA_DIR [YIELD_EVERY]
 *
 * The loop is synchronous, as tmu's trainer is; YIELD_EVERY > 0 instead lets the event loop turn every
 * that many steps (for diagnosis: Node runs N-API finalizers from the event loop).
 *
 * Prints one JSON object on stdout; progress on stderr.
 *
 * @module
 */

import { loadDataset } from '../../src/data/index.js';
import { type CpuMemoryStats, cpuMemoryStats, liveTensors } from '../../src/tensor/index.js';
import { consoleProgress } from '../../src/train/progress.js';
import { round } from './common.js';
import { rssBreakdown } from './memory.js';
import { preload, TmuRunner } from './tmuRunner.js';

/** What the RSS run reports. */
export interface RssResult {
  rssGrowthPct: number;
  fromStep: number;
  toStep: number;
  fromMiB: number;
  toMiB: number;
  peakMiB: number;
  /**
   * At 20 points of the run (and at FROM): [step, RSS MiB, V8 heap used MiB, V8 heap committed MiB,
   * glibc main heap MiB, anonymous mappings MiB] (the last two from /proc/self/smaps; -1 without /proc).
   */
  samples: number[][];
  /** Training throughput between FROM and TO (wall clock; no PyTorch alternation here). */
  imgPerS: number;
  /** Live tensor handles at TO minus at FROM (0: nothing accumulates). */
  liveTensorsDelta: number;
  /** Steps between event-loop turns (0: a synchronous loop, as tmu's trainer). */
  yieldEvery: number;
  /** The caching CPU allocator at FROM and at TO (misses unchanged: every large buffer was reused). */
  cpuCache: { from: CpuMemoryStats; to: CpuMemoryStats };
}

const BATCH = 128;

async function main(): Promise<void> {
  const [from, to, threads, seed] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];
  const dataDir = process.argv[6]!;
  const yieldEvery = Number(process.argv[7] ?? 0);
  if (
    ![from, to, threads, seed, yieldEvery].every(Number.isInteger) ||
    from < 1 ||
    to <= from ||
    threads < 1 ||
    yieldEvery < 0 ||
    dataDir === undefined
  ) {
    throw new Error('usage: rssRun.js FROM TO THREADS SEED DATA_DIR [YIELD_EVERY] (integers, 1 <= FROM < TO)');
  }
  const progress = consoleProgress();
  const data = preload(loadDataset('fashion-mnist', { dataDir }).train, 0);
  const tmu = new TmuRunner('small-cnn', data, { threads, seed, batch: BATCH });
  tmu.model.train();
  const mib = (bytes: number): number => round(bytes / 2 ** 20, 5);
  const samples: number[][] = [];
  const every = Math.max(1, Math.round(to / 20));
  const task = progress.task('rss small-cnn (tmu)', to, { from, to });
  let rssFrom = 0;
  let liveFrom = 0;
  let fromTime = 0;
  let peak = 0;
  let cacheFrom: CpuMemoryStats | null = null;
  for (let step = 1; step <= to; step++) {
    tmu.trainStep();
    if (yieldEvery > 0 && step % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
    if (step === from) {
      rssFrom = process.memoryUsage.rss();
      liveFrom = liveTensors();
      cacheFrom = cpuMemoryStats();
      fromTime = performance.now();
    }
    if (step % every === 0 || step === from) {
      const usage = process.memoryUsage();
      const parts = rssBreakdown();
      peak = Math.max(peak, usage.rss);
      samples.push([
        step,
        mib(usage.rss),
        mib(usage.heapUsed),
        mib(usage.heapTotal),
        parts?.heapMiB ?? -1,
        parts?.anonMiB ?? -1,
      ]);
    }
    task.tick(1);
  }
  const rssTo = process.memoryUsage.rss();
  const result: RssResult = {
    rssGrowthPct: round(((rssTo - rssFrom) / rssFrom) * 100, 3),
    fromStep: from,
    toStep: to,
    fromMiB: mib(rssFrom),
    toMiB: mib(rssTo),
    peakMiB: mib(Math.max(peak, rssTo)),
    samples,
    imgPerS: round(((to - from) * BATCH) / ((performance.now() - fromTime) / 1000)),
    liveTensorsDelta: liveTensors() - liveFrom,
    yieldEvery,
    cpuCache: { from: cacheFrom!, to: cpuMemoryStats() },
  };
  task.done({ rssGrowthPct: result.rssGrowthPct, 'img/s': Math.round(result.imgPerS) });
  tmu.dispose();
  data.dispose();
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(`rssRun: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
