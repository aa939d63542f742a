// Entry point of the tmu native addon: registers the generated ops.
#include "caching_cpu_allocator.h"
#include "runtime.h"

namespace tmu {
void RegisterOps(Napi::Env env, Napi::Object exports);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tmu::InstallCachingCpuAllocator();
  tmu::RegisterOps(env, exports);
  exports.Set("cudaBuild", Napi::Boolean::New(env, at::hasCUDA()));
  return exports;
}

NODE_API_MODULE(tmu_native, Init)
