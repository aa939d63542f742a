// Shared runtime of the tmu addon: tensor handles, argument conversion and error translation.
// The generated op glue (generated/ops.cc) and the hand-written helpers build on these.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Optional.h>

#include <atomic>
#include <string>
#include <vector>

namespace tmu {

// A JS tensor handle is a Napi::External over a TensorBox. The box outlives dispose() so that a
// stale handle can be recognised and reported ("used after dispose") instead of crashing.
struct TensorBox {
  static constexpr uint32_t kMagic = 0x746d7531;  // "tmu1"
  uint32_t magic = kMagic;
  bool disposed = false;
  at::Tensor tensor;
};

/** Number of tensor handles created and not yet disposed or garbage-collected. */
int64_t LiveTensors();

Napi::Value Wrap(Napi::Env env, at::Tensor tensor);
Napi::Value WrapOptional(Napi::Env env, const at::Tensor& tensor);
Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors);
Napi::Value WrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& pair);
/** Releases the tensor's storage now; later use of the handle throws. Returns false if already disposed. */
bool Dispose(const Napi::Value& value);
bool IsDisposed(const Napi::Value& value);

// Argument conversion. Each throws a TypeError naming the op and the argument on a bad value.
struct ArgContext {
  const Napi::CallbackInfo& info;
  const char* op;
};
at::Tensor& ArgTensor(const ArgContext& c, size_t i, const char* name);
c10::optional<at::Tensor> ArgOptionalTensor(const ArgContext& c, size_t i, const char* name);
at::Tensor ArgTensorOrScalar(const ArgContext& c, size_t i, const char* name);
std::vector<at::Tensor> ArgTensorList(const ArgContext& c, size_t i, const char* name);
at::Scalar ArgScalar(const ArgContext& c, size_t i, const char* name);
c10::optional<at::Scalar> ArgOptionalScalar(const ArgContext& c, size_t i, const char* name);
int64_t ArgInt(const ArgContext& c, size_t i, const char* name);
c10::optional<int64_t> ArgOptionalInt(const ArgContext& c, size_t i, const char* name);
std::vector<int64_t> ArgIntList(const ArgContext& c, size_t i, const char* name);
c10::optional<std::vector<int64_t>> ArgOptionalIntList(const ArgContext& c, size_t i, const char* name);
double ArgFloat(const ArgContext& c, size_t i, const char* name);
c10::optional<double> ArgOptionalFloat(const ArgContext& c, size_t i, const char* name);
bool ArgBool(const ArgContext& c, size_t i, const char* name);
at::ScalarType ArgDtype(const ArgContext& c, size_t i, const char* name);
c10::optional<at::ScalarType> ArgOptionalDtype(const ArgContext& c, size_t i, const char* name);
at::Device ArgDevice(const ArgContext& c, size_t i, const char* name);
int64_t ArgReduction(const ArgContext& c, size_t i, const char* name);
std::string ArgString(const ArgContext& c, size_t i, const char* name);
Napi::TypedArray ArgTypedArray(const ArgContext& c, size_t i, const char* name);

const char* DtypeName(at::ScalarType type);
Napi::Value IntListToJs(Napi::Env env, at::IntArrayRef values);

// Turns C++ exceptions from libtorch into JS errors that name the op, without libtorch's backtrace.
[[noreturn]] void RethrowAsJs(Napi::Env env, const char* op);

}  // namespace tmu

#define TMU_OP_BEGIN try {
#define TMU_OP_END(op_name)                                   \
  }                                                           \
  catch (const Napi::Error&) {                                \
    throw;                                                    \
  }                                                           \
  catch (...) {                                               \
    ::tmu::RethrowAsJs(info.Env(), op_name);                  \
  }
