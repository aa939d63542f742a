import { native } from './native.js';

/** Seeds libtorch's global generator (torch.manual_seed): same seed and threads, same results. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** Sets libtorch's intra-op thread count (torch.set_num_threads). */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`setNumThreads: threads must be a positive integer, got ${threads}`);
  native.setNumThreads(threads);
}

/** libtorch's intra-op thread count. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Number of tensors created and neither disposed nor garbage-collected: for leak tests. */
export function liveTensors(): number {
  return native.liveTensors();
}

/** Whether the linked libtorch has CUDA support and a device. */
export function cudaAvailable(): boolean {
  return native.cudaAvailable();
}
