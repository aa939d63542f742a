// A caching allocator for libtorch's CPU tensors, installed over libtorch's default one.
//
// Training repeats the same allocations every step (activations, gradients, workspaces). Through glibc
// malloc, blocks of a few MiB land in the brk heap between small long-lived chunks (autograd nodes,
// handle bookkeeping), and over thousands of steps the heap grows by whole activation buffers it can no
// longer place (fragmentation: +5-8% RSS in 9,000 small-CNN steps with no tensor leaked). Like PyTorch's
// CUDA caching allocator, this keeps freed large blocks, in their own mmap-ed pages, and hands them back
// for the next request of (nearly) the same size, so a training loop reaches a fixed working set after its
// first step. Small blocks go to malloc as before.
#pragma once

#include <cstdint>
#include <vector>

namespace tmu {

/**
 * Installs the caching allocator as libtorch's CPU allocator (once; later calls do nothing), unless
 * TMU_CPU_CACHE=0, with the cap from TMU_CPU_CACHE_LIMIT_MIB. Throws std::invalid_argument naming the
 * variable when either is malformed.
 */
void InstallCachingCpuAllocator();

/**
 * [cachedBytes, cachedBlocks, inUseBytes, inUseBlocks, hits, misses, limitBytes, thresholdBytes, installed]
 * of the large-block cache; inUse counts large blocks held by live tensors; installed is 0 when
 * TMU_CPU_CACHE=0 kept libtorch's own allocator.
 */
std::vector<int64_t> CpuCacheStats();

/** Returns every cached (free) large block to the system; the bytes released. */
int64_t EmptyCpuCache();

/** Caps the bytes kept in the cache (blocks freed beyond it go back to the system); trims to the cap now. */
void SetCpuCacheLimit(int64_t bytes);

}  // namespace tmu
