#include "runtime.h"

#include <ATen/ScalarOps.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

namespace tmu {

namespace {
std::atomic<int64_t> live_tensors{0};

void FinalizeBox(Napi::Env, TensorBox* box) {
  if (!box->disposed) live_tensors.fetch_sub(1, std::memory_order_relaxed);
  delete box;
}

[[noreturn]] void ThrowType(const ArgContext& c, const char* name, const char* expected) {
  std::ostringstream message;
  message << c.op << ": argument '" << name << "' must be " << expected;
  throw Napi::TypeError::New(c.info.Env(), message.str());
}

TensorBox* BoxOf(const Napi::Value& value) {
  if (!value.IsExternal()) return nullptr;
  auto* box = value.As<Napi::External<TensorBox>>().Data();
  if (box == nullptr || box->magic != TensorBox::kMagic) return nullptr;
  return box;
}

bool IsMissing(const Napi::Value& value) { return value.IsUndefined() || value.IsNull(); }

at::Scalar ScalarFromJs(const ArgContext& c, const Napi::Value& value, const char* name) {
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  if (!value.IsNumber()) ThrowType(c, name, "a number");
  double number = value.As<Napi::Number>().DoubleValue();
  // Integral JS numbers act like Python ints so that int tensors stay int (x + 1), as in PyTorch.
  if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 9007199254740992.0) {
    return at::Scalar(static_cast<int64_t>(number));
  }
  return at::Scalar(number);
}

int64_t IntFromJs(const ArgContext& c, const Napi::Value& value, const char* name, const char* expected = "an integer") {
  if (!value.IsNumber()) ThrowType(c, name, expected);
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number) ThrowType(c, name, expected);
  return static_cast<int64_t>(number);
}
}  // namespace

int64_t LiveTensors() { return live_tensors.load(std::memory_order_relaxed); }

Napi::Value Wrap(Napi::Env env, at::Tensor tensor) {
  auto* box = new TensorBox();
  box->tensor = std::move(tensor);
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return Napi::External<TensorBox>::New(env, box, FinalizeBox);
}

Napi::Value WrapOptional(Napi::Env env, const at::Tensor& tensor) {
  if (!tensor.defined()) return env.Null();
  return Wrap(env, tensor);
}

Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  auto array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) array.Set(static_cast<uint32_t>(i), Wrap(env, tensors[i]));
  return array;
}

Napi::Value WrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& pair) {
  auto array = Napi::Array::New(env, 2);
  array.Set(0u, Wrap(env, std::get<0>(pair)));
  array.Set(1u, Wrap(env, std::get<1>(pair)));
  return array;
}

bool Dispose(const Napi::Value& value) {
  auto* box = BoxOf(value);
  if (box == nullptr) throw Napi::TypeError::New(value.Env(), "dispose: argument is not a tensor handle");
  if (box->disposed) return false;
  box->disposed = true;
  box->tensor = at::Tensor();
  live_tensors.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

bool IsDisposed(const Napi::Value& value) {
  auto* box = BoxOf(value);
  if (box == nullptr) throw Napi::TypeError::New(value.Env(), "isDisposed: argument is not a tensor handle");
  return box->disposed;
}

at::Tensor& ArgTensor(const ArgContext& c, size_t i, const char* name) {
  auto* box = BoxOf(c.info[i]);
  if (box == nullptr) ThrowType(c, name, "a Tensor");
  if (box->disposed) {
    std::ostringstream message;
    message << c.op << ": argument '" << name << "' is a tensor that was already disposed";
    throw Napi::Error::New(c.info.Env(), message.str());
  }
  return box->tensor;
}

c10::optional<at::Tensor> ArgOptionalTensor(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return ArgTensor(c, i, name);
}

at::Tensor ArgTensorOrScalar(const ArgContext& c, size_t i, const char* name) {
  const Napi::Value value = c.info[i];
  if (value.IsNumber() || value.IsBoolean()) {
    // A "wrapped number" takes part in type promotion like a Python scalar: float32 * 2.5 stays float32.
    return at::native::wrapped_scalar_tensor(ScalarFromJs(c, value, name));
  }
  if (BoxOf(value) == nullptr) ThrowType(c, name, "a Tensor or a number");
  return ArgTensor(c, i, name);
}

std::vector<at::Tensor> ArgTensorList(const ArgContext& c, size_t i, const char* name) {
  const Napi::Value value = c.info[i];
  if (!value.IsArray()) ThrowType(c, name, "an array of Tensors");
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> tensors;
  tensors.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) {
    auto* box = BoxOf(array.Get(k));
    if (box == nullptr) ThrowType(c, name, "an array of Tensors");
    if (box->disposed) {
      std::ostringstream message;
      message << c.op << ": element " << k << " of '" << name << "' is a tensor that was already disposed";
      throw Napi::Error::New(c.info.Env(), message.str());
    }
    tensors.push_back(box->tensor);
  }
  return tensors;
}

at::Scalar ArgScalar(const ArgContext& c, size_t i, const char* name) { return ScalarFromJs(c, c.info[i], name); }

c10::optional<at::Scalar> ArgOptionalScalar(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return ScalarFromJs(c, c.info[i], name);
}

int64_t ArgInt(const ArgContext& c, size_t i, const char* name) { return IntFromJs(c, c.info[i], name); }

c10::optional<int64_t> ArgOptionalInt(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return IntFromJs(c, c.info[i], name);
}

std::vector<int64_t> ArgIntList(const ArgContext& c, size_t i, const char* name) {
  const Napi::Value value = c.info[i];
  if (value.IsNumber()) return {IntFromJs(c, value, name)};
  if (!value.IsArray()) ThrowType(c, name, "an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> values;
  values.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); ++k) values.push_back(IntFromJs(c, array.Get(k), name, "an array of integers"));
  return values;
}

c10::optional<std::vector<int64_t>> ArgOptionalIntList(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return ArgIntList(c, i, name);
}

double ArgFloat(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsNumber()) ThrowType(c, name, "a number");
  return c.info[i].As<Napi::Number>().DoubleValue();
}

c10::optional<double> ArgOptionalFloat(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return ArgFloat(c, i, name);
}

bool ArgBool(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsBoolean()) ThrowType(c, name, "a boolean");
  return c.info[i].As<Napi::Boolean>().Value();
}

at::ScalarType ArgDtype(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsString()) ThrowType(c, name, "a dtype name");
  const std::string dtype = c.info[i].As<Napi::String>().Utf8Value();
  if (dtype == "float32") return at::kFloat;
  if (dtype == "float64") return at::kDouble;
  if (dtype == "int64") return at::kLong;
  if (dtype == "int32") return at::kInt;
  if (dtype == "uint8") return at::kByte;
  if (dtype == "bool") return at::kBool;
  std::ostringstream message;
  message << c.op << ": unknown dtype '" << dtype << "' for '" << name
          << "' (valid: float32, float64, int64, int32, uint8, bool)";
  throw Napi::TypeError::New(c.info.Env(), message.str());
}

c10::optional<at::ScalarType> ArgOptionalDtype(const ArgContext& c, size_t i, const char* name) {
  if (IsMissing(c.info[i])) return c10::nullopt;
  return ArgDtype(c, i, name);
}

at::Device ArgDevice(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsString()) ThrowType(c, name, "a device name ('cpu' or 'cuda')");
  const std::string device = c.info[i].As<Napi::String>().Utf8Value();
  if (device == "cpu") return at::Device(at::kCPU);
  if (device == "cuda" || device.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) {
      std::ostringstream message;
      message << c.op << ": device '" << device
              << "' requested, but the libtorch this addon was built against has no CUDA support;"
              << " rebuild with LIBTORCH=/path/to/a/cuda/libtorch";
      throw Napi::Error::New(c.info.Env(), message.str());
    }
    return at::Device(device);
  }
  std::ostringstream message;
  message << c.op << ": unknown device '" << device << "' for '" << name << "' (valid: cpu, cuda, cuda:N)";
  throw Napi::TypeError::New(c.info.Env(), message.str());
}

int64_t ArgReduction(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsString()) ThrowType(c, name, "'none', 'mean' or 'sum'");
  const std::string reduction = c.info[i].As<Napi::String>().Utf8Value();
  if (reduction == "none") return at::Reduction::None;
  if (reduction == "mean") return at::Reduction::Mean;
  if (reduction == "sum") return at::Reduction::Sum;
  ThrowType(c, name, "'none', 'mean' or 'sum'");
}

std::string ArgString(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsString()) ThrowType(c, name, "a string");
  return c.info[i].As<Napi::String>().Utf8Value();
}

Napi::TypedArray ArgTypedArray(const ArgContext& c, size_t i, const char* name) {
  if (!c.info[i].IsTypedArray()) ThrowType(c, name, "a typed array");
  return c.info[i].As<Napi::TypedArray>();
}

const char* DtypeName(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return "unsupported";
  }
}

Napi::Value IntListToJs(Napi::Env env, at::IntArrayRef values) {
  auto array = Napi::Array::New(env, values.size());
  for (size_t k = 0; k < values.size(); ++k) array.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(values[k])));
  return array;
}

void RethrowAsJs(Napi::Env env, const char* op) {
  try {
    throw;
  } catch (const c10::Error& error) {
    std::string message = error.what_without_backtrace();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw Napi::Error::New(env, std::string(op) + ": " + message);
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, std::string(op) + ": " + error.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(op) + ": unknown native error");
  }
}

}  // namespace tmu
