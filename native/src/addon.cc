// Entry point of the tmu native addon: registers the generated ops.
#include "caching_cpu_allocator.h"
#include "malloc_tuning.h"
#include "runtime.h"

#include <stdexcept>
#include <string>

namespace tmu {
void RegisterOps(Napi::Env env, Napi::Object exports);
void RegisterTorchFiles(Napi::Env env, Napi::Object exports);
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  try {
    tmu::InstallCachingCpuAllocator();
  } catch (const std::invalid_argument& error) {
    throw Napi::Error::New(env, std::string("tmu: ") + error.what());
  }
  Napi::Array tuned = Napi::Array::New(env);
  for (const std::string& setting : tmu::ApplyMallocTuning()) tuned.Set(tuned.Length(), setting);
  exports.Set("mallocTuning", tuned);
  tmu::RegisterOps(env, exports);
  tmu::RegisterTorchFiles(env, exports);
  exports.Set("cudaBuild", Napi::Boolean::New(env, at::hasCUDA()));
  return exports;
}

NODE_API_MODULE(tmu_native, Init)
