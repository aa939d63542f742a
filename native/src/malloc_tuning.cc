#include "malloc_tuning.h"

#include <malloc.h>

#include <cstdlib>
#include <string>

namespace tmu {

namespace {

struct Setting {
  const char* tunable;  // glibc.malloc.<name> in GLIBC_TUNABLES
  int option;           // the mallopt parameter
  int value;
};

// The values bin/runtime-env.mjs passes as tunables to the processes it starts.
constexpr Setting kSettings[] = {
    {"glibc.malloc.mmap_threshold", M_MMAP_THRESHOLD, 32 * 1024 * 1024},
    {"glibc.malloc.trim_threshold", M_TRIM_THRESHOLD, 2147483647},
    {"glibc.malloc.top_pad", M_TOP_PAD, 256 * 1024 * 1024},
};

bool NamedInTunables(const char* tunable) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables == nullptr) return false;
  const std::string text(tunables);
  const std::string name = std::string(tunable) + "=";
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    if (text.compare(start, name.size(), name) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::vector<std::string> ApplyMallocTuning() {
  std::vector<std::string> applied;
  for (const Setting& setting : kSettings) {
    if (NamedInTunables(setting.tunable)) continue;
    if (mallopt(setting.option, setting.value) == 1) applied.push_back(setting.tunable);
  }
  return applied;
}

}  // namespace tmu
