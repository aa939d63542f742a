import { native } from './native.js';

/** Seeds libtorch's global generator (torch.manual_seed): same seed and threads, same results. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0)
    throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** Sets libtorch's intra-op thread count (torch.set_num_threads). */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`setNumThreads: threads must be a positive integer, got ${threads}`);
  native.setNumThreads(threads);
}

/** libtorch's intra-op thread count. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** libtorch's inter-op thread count (set once at start-up from TMU_NUM_INTEROP_THREADS). */
export function getNumInteropThreads(): number {
  return native.getNumInteropThreads();
}

/** Number of tensors created and neither disposed nor garbage-collected: for leak tests. */
export function liveTensors(): number {
  return native.liveTensors();
}

/** Whether the linked libtorch has CUDA support and a device. */
export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}

/**
 * State of tmu's caching CPU allocator (the CPU counterpart of `torch.cuda.memory_stats`). Tensor
 * buffers of `thresholdBytes` and more come from a cache of freed blocks, so a training loop that
 * repeats its allocations every step stops growing after the first step; smaller ones go to malloc.
 */
export interface CpuMemoryStats {
  /** False when `TMU_CPU_CACHE=0` kept libtorch's own allocator (every other field is then 0). */
  enabled: boolean;
  /** Bytes of freed large blocks kept for reuse. */
  cachedBytes: number;
  cachedBlocks: number;
  /** Bytes of large blocks held by live tensors (and by autograd's saved tensors). */
  inUseBytes: number;
  inUseBlocks: number;
  /** Large requests served from the cache, and those that mapped fresh memory. */
  hits: number;
  misses: number;
  /** Most bytes the cache keeps (`setCpuCacheLimit`, `TMU_CPU_CACHE_LIMIT_MIB`; default 2 GiB). */
  limitBytes: number;
  /** Smallest block (header included) the cache handles. */
  thresholdBytes: number;
}

/** The caching CPU allocator's counters. */
export function cpuMemoryStats(): CpuMemoryStats {
  const [cachedBytes, cachedBlocks, inUseBytes, inUseBlocks, hits, misses, limitBytes, thresholdBytes, installed] =
    native.cpuCacheStats();
  return {
    enabled: installed === 1,
    cachedBytes: cachedBytes!,
    cachedBlocks: cachedBlocks!,
    inUseBytes: inUseBytes!,
    inUseBlocks: inUseBlocks!,
    hits: hits!,
    misses: misses!,
    limitBytes: limitBytes!,
    thresholdBytes: thresholdBytes!,
  };
}

/**
 * Returns every cached CPU block to the system (`torch.cuda.empty_cache` for tmu's CPU cache), e.g.
 * after a job whose working set the process will not need again. Returns the bytes released.
 */
export function emptyCpuCache(): number {
  return native.emptyCpuCache();
}

/** Caps the bytes the CPU cache keeps; blocks beyond the cap go back to the system, now and when freed. */
export function setCpuCacheLimit(bytes: number): void {
  if (!Number.isInteger(bytes) || bytes < 0)
    throw new RangeError(`setCpuCacheLimit: bytes must be a non-negative integer, got ${bytes}`);
  native.setCpuCacheLimit(bytes);
}

/** The process settings tmu's speed depends on, as they are in effect. */
export interface RuntimeSettings {
  /** libtorch's intra-op threads. */
  threads: number;
  /** OpenBLAS's threads (1 unless the user set OPENBLAS_NUM_THREADS before tmu loaded). */
  openblasThreads: string | null;
  /** The glibc malloc settings tmu applied when it loaded (the rest came from GLIBC_TUNABLES). */
  mallocTuning: string[];
  /** GLIBC_TUNABLES as the process started with it. */
  glibcTunables: string | null;
}

/**
 * The runtime settings in effect. Importing tmu applies them: one OpenBLAS thread and glibc's malloc
 * thresholds for large tensors (without which ResNet training throughput swings several-fold). A user's
 * own OPENBLAS_NUM_THREADS or GLIBC_TUNABLES wins.
 */
export function runtimeSettings(): RuntimeSettings {
  return {
    threads: native.getNumThreads(),
    openblasThreads: process.env.OPENBLAS_NUM_THREADS ?? null,
    mallocTuning: [...native.mallocTuning],
    glibcTunables: process.env.GLIBC_TUNABLES ?? null,
  };
}
