// glibc malloc settings for tensor workloads, applied when the addon loads.
#pragma once

#include <string>
#include <vector>

namespace tmu {

/**
 * Sets glibc's mmap threshold (32 MiB), trim threshold (2 GiB) and top pad (256 MiB) with mallopt, each
 * unless GLIBC_TUNABLES already names it (a user's setting, or the CLI's runtime environment, wins).
 * Without them glibc serves every large activation with mmap/munmap and trims the heap after each step,
 * and ResNet training throughput swings several-fold between runs. Returns the settings it applied.
 */
std::vector<std::string> ApplyMallocTuning();

}  // namespace tmu
