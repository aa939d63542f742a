#include "caching_cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <sys/mman.h>

#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace tmu {

namespace {

// Every block carries its size and kind in a header before the data, so the deleter needs no lookup
// table and works from any thread. 64 bytes keeps the data 64-byte aligned, as libtorch's allocator does.
constexpr size_t kHeader = 64;
constexpr size_t kAlignment = 64;
constexpr size_t kPage = 4096;
constexpr uint64_t kSmall = 0x736d616c6c5f7431;  // "small_t1"
constexpr uint64_t kLarge = 0x6c617267655f7431;  // "large_t1"

struct Header {
  uint64_t kind;
  size_t mapped;  // bytes of the whole mapping (large) or allocation (small), header included
};

// A byte count given in MiB by an environment variable; a value that is not a whole number is an error
// naming the variable, not a silent fallback.
size_t EnvMiB(const char* name, size_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long mib = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0' || value[0] == '-') {
    throw std::invalid_argument(std::string(name) + " must be a whole number of MiB, got '" + value + "'");
  }
  return static_cast<size_t>(mib) << 20;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // Blocks from this size up are cached; below it malloc's own bins reuse memory well.
  const size_t threshold = size_t{256} << 10;

  c10::DataPtr allocate(size_t nbytes) const override {
    void* data = nbytes + kHeader >= threshold ? AllocateLarge(nbytes) : AllocateSmall(nbytes);
    return {data, data, &Release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Release; }

  void MarkInstalled() const {
    std::lock_guard<std::mutex> lock(mutex_);
    installed_ = true;
  }

  std::vector<int64_t> Stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {static_cast<int64_t>(cached_bytes_), static_cast<int64_t>(free_.size()), static_cast<int64_t>(in_use_bytes_),
            static_cast<int64_t>(in_use_blocks_), static_cast<int64_t>(hits_), static_cast<int64_t>(misses_),
            static_cast<int64_t>(limit_), static_cast<int64_t>(threshold), installed_ ? 1 : 0};
  }

  int64_t Empty() const {
    std::multimap<size_t, void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(free_);
      cached_bytes_ = 0;
    }
    int64_t released = 0;
    for (const auto& [size, base] : blocks) {
      munmap(base, size);
      released += static_cast<int64_t>(size);
    }
    return released;
  }

  void SetLimit(size_t bytes) const {
    std::multimap<size_t, void*> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      // Largest blocks first: the fewest unmaps to get under the cap.
      while (cached_bytes_ > limit_ && !free_.empty()) {
        auto last = std::prev(free_.end());
        cached_bytes_ -= last->first;
        evicted.insert(*last);
        free_.erase(last);
      }
    }
    for (const auto& [size, base] : evicted) munmap(base, size);
  }

 private:
  static void* AllocateSmall(size_t nbytes) {
    void* base = nullptr;
    if (posix_memalign(&base, kAlignment, nbytes + kHeader) != 0) throw std::bad_alloc();
    *static_cast<Header*>(base) = {kSmall, nbytes + kHeader};
    return static_cast<char*>(base) + kHeader;
  }

  void* AllocateLarge(size_t nbytes) const {
    const size_t wanted = (nbytes + kHeader + kPage - 1) / kPage * kPage;
    void* base = nullptr;
    size_t size = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Best fit, but never a block more than 1/8 larger than asked: a big block serving a small
      // request would leave the next big request to map fresh pages.
      auto found = free_.lower_bound(wanted);
      if (found != free_.end() && found->first <= wanted + wanted / 8) {
        // Of the blocks of that size, the one freed last: its pages are the likeliest to still be in the
        // CPU's caches (a multimap keeps equal keys in insertion order).
        found = std::prev(free_.upper_bound(found->first));
        size = found->first;
        base = found->second;
        free_.erase(found);
        cached_bytes_ -= size;
        ++hits_;
        in_use_bytes_ += size;
        ++in_use_blocks_;
      } else {
        ++misses_;
      }
    }
    if (base == nullptr) {
      size = wanted;
      base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base == MAP_FAILED) {
        // Out of memory or address space: give back what is cached and try once more before failing.
        Empty();
        base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) throw std::bad_alloc();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_bytes_ += size;
      ++in_use_blocks_;
    }
    *static_cast<Header*>(base) = {kLarge, size};
    return static_cast<char*>(base) + kHeader;
  }

  void Recycle(void* base, size_t size) const {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_use_bytes_ -= size;
      --in_use_blocks_;
      if (cached_bytes_ + size <= limit_) {
        free_.emplace(size, base);
        cached_bytes_ += size;
        return;
      }
    }
    munmap(base, size);
  }

  static void Release(void* data);

  mutable std::mutex mutex_;
  mutable std::multimap<size_t, void*> free_;
  mutable size_t cached_bytes_ = 0;
  mutable size_t in_use_bytes_ = 0;
  mutable size_t in_use_blocks_ = 0;
  mutable uint64_t hits_ = 0;
  mutable uint64_t misses_ = 0;
  mutable bool installed_ = false;
  mutable size_t limit_ = size_t{2048} << 20;
};

// Never destroyed: tensors may be freed during static destruction, after a static allocator would be.
CachingCpuAllocator* const allocator = new CachingCpuAllocator();

void CachingCpuAllocator::Release(void* data) {
  if (data == nullptr) return;
  void* base = static_cast<char*>(data) - kHeader;
  const Header header = *static_cast<Header*>(base);
  if (header.kind == kSmall) {
    std::free(base);
  } else if (header.kind == kLarge) {
    allocator->Recycle(base, header.mapped);
  } else {
    // Memory this allocator did not hand out: freeing it would corrupt the heap, so stop loudly.
    std::abort();
  }
}

}  // namespace

void InstallCachingCpuAllocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* setting = std::getenv("TMU_CPU_CACHE");
    const std::string enabled = setting == nullptr ? "1" : setting;
    if (enabled != "0" && enabled != "1" && !enabled.empty()) {
      throw std::invalid_argument("TMU_CPU_CACHE must be 0 (libtorch's own allocator) or 1, got '" + enabled + "'");
    }
    allocator->SetLimit(EnvMiB("TMU_CPU_CACHE_LIMIT_MIB", size_t{2048} << 20));
    if (enabled == "0") return;
    // Priority above libtorch's own registration (0), so every CPU allocation comes here.
    c10::SetCPUAllocator(allocator, 1);
    allocator->MarkInstalled();
  });
}

std::vector<int64_t> CpuCacheStats() { return allocator->Stats(); }

int64_t EmptyCpuCache() { return allocator->Empty(); }

void SetCpuCacheLimit(int64_t bytes) {
  if (bytes < 0) throw std::invalid_argument("the cache limit must be >= 0 bytes");
  allocator->SetLimit(static_cast<size_t>(bytes));
}

}  // namespace tmu
