#include "helpers.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <memory>
#include <vector>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

namespace tmu {

namespace {
const char* TypedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint8_array: return "Uint8Array";
    default: return "an unsupported typed array";
  }
}

napi_typedarray_type TypedArrayFor(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return napi_float32_array;
    case at::kDouble: return napi_float64_array;
    case at::kLong: return napi_bigint64_array;
    case at::kInt: return napi_int32_array;
    case at::kByte:
    case at::kBool: return napi_uint8_array;
    default: throw std::invalid_argument(std::string("unsupported dtype ") + DtypeName(dtype));
  }
}

void CheckSameLength(const char* what, size_t expected, size_t actual) {
  if (expected != actual) {
    std::ostringstream message;
    message << what << " has " << actual << " tensors but there are " << expected << " parameters";
    throw std::invalid_argument(message.str());
  }
}
}  // namespace

at::Tensor FromTypedArray(const Napi::TypedArray& data, const std::vector<int64_t>& shape, at::ScalarType dtype,
                          const at::Device& device) {
  int64_t numel = 1;
  for (int64_t size : shape) {
    if (size < 0) throw std::invalid_argument("shape has a negative size");
    numel *= size;
  }
  const napi_typedarray_type expected = TypedArrayFor(dtype);
  if (data.TypedArrayType() != expected) {
    std::ostringstream message;
    message << "dtype " << DtypeName(dtype) << " needs a " << TypedArrayName(expected) << ", got "
            << TypedArrayName(data.TypedArrayType());
    throw std::invalid_argument(message.str());
  }
  if (static_cast<int64_t>(data.ElementLength()) != numel) {
    std::ostringstream message;
    message << "data has " << data.ElementLength() << " elements but shape [";
    for (size_t k = 0; k < shape.size(); ++k) message << (k ? ", " : "") << shape[k];
    message << "] needs " << numel;
    throw std::invalid_argument(message.str());
  }
  at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(dtype));
  const auto* bytes = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
  if (numel > 0) std::memcpy(tensor.data_ptr(), bytes, data.ByteLength());
  if (dtype == at::kBool) {
    // Any non-zero byte means true; canonicalise so that libtorch never sees bool values other than 0/1.
    tensor = tensor.view(at::kByte).ne(0);
  }
  return device.is_cpu() ? tensor : tensor.to(device);
}

Napi::Value ToArrayBuffer(Napi::Env env, const at::Tensor& tensor) {
  at::Tensor host = tensor.detach().to(at::kCPU).contiguous();
  TypedArrayFor(host.scalar_type());  // rejects dtypes JS cannot represent
  const size_t bytes = host.numel() * host.element_size();
  auto buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), host.data_ptr(), bytes);
  return buffer;
}

void Backward(const at::Tensor& tensor, const c10::optional<at::Tensor>& gradient, bool retain_graph) {
  if (!tensor.requires_grad()) {
    throw std::invalid_argument("the tensor does not require grad and has no grad_fn (nothing to differentiate)");
  }
  if (!gradient.has_value() && tensor.numel() != 1) {
    throw std::invalid_argument("gradient can be implicitly created only for scalar outputs; pass a gradient");
  }
  tensor.backward(gradient.value_or(at::Tensor()), retain_graph);
}

std::vector<at::Tensor> Grad(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& inputs,
                             const std::vector<at::Tensor>& grad_outputs, bool retain_graph, bool create_graph) {
  for (const auto& input : inputs) {
    if (!input.requires_grad()) throw std::invalid_argument("every input must require grad");
  }
  // allow_unused: an input the outputs do not depend on gets an undefined gradient, returned as zeros.
  auto grads = torch::autograd::grad(outputs, inputs, grad_outputs, retain_graph, create_graph, true);
  for (size_t k = 0; k < grads.size(); ++k) {
    if (!grads[k].defined()) grads[k] = at::zeros_like(inputs[k]);
  }
  return grads;
}

void SetGrad(at::Tensor& tensor, const c10::optional<at::Tensor>& gradient) {
  if (gradient.has_value()) {
    if (!gradient->sizes().equals(tensor.sizes())) throw std::invalid_argument("gradient shape differs from the tensor's");
    tensor.mutable_grad() = gradient->detach();
  } else {
    tensor.mutable_grad() = at::Tensor();
  }
}

bool SetGradEnabled(bool enabled) {
  const bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(enabled);
  return previous;
}

bool IsGradEnabled() { return c10::GradMode::is_enabled(); }

namespace {
// c10::InferenceMode is an RAII guard over thread-local state; JS enters and leaves it in separate calls,
// so the guards live on a stack (every addon call runs on the JS thread).
std::vector<std::unique_ptr<c10::InferenceMode>> inference_guards;
}  // namespace

void EnterInferenceMode() { inference_guards.push_back(std::make_unique<c10::InferenceMode>(true)); }

void ExitInferenceMode() {
  if (inference_guards.empty()) throw std::logic_error("exitInferenceMode without a matching enterInferenceMode");
  inference_guards.pop_back();
}

void ZeroGrads(const std::vector<at::Tensor>& parameters) {
  at::NoGradGuard no_grad;
  for (const auto& parameter : parameters) {
    const at::Tensor& grad = parameter.grad();
    if (grad.defined()) const_cast<at::Tensor&>(grad).zero_();
  }
}

void SgdStep(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& momentum_buffers,
             const std::vector<at::Tensor>& scratch, double lr, double momentum, double dampening,
             double weight_decay, bool nesterov, bool maximize, bool first_step) {
  if (momentum != 0) CheckSameLength("momentumBuffers", parameters.size(), momentum_buffers.size());
  const bool needs_scratch = weight_decay != 0 || nesterov || maximize;
  if (needs_scratch) CheckSameLength("scratch", parameters.size(), scratch.size());
  at::NoGradGuard no_grad;
  for (size_t k = 0; k < parameters.size(); ++k) {
    at::Tensor param = parameters[k];
    const at::Tensor& grad = param.grad();
    if (!grad.defined()) continue;
    at::Tensor d_p = grad;
    if (needs_scratch) {
      d_p = scratch[k];
      if (maximize) at::neg_out(d_p, grad); else d_p.copy_(grad);
      if (weight_decay != 0) d_p.add_(param, weight_decay);
    }
    if (momentum != 0) {
      at::Tensor buf = momentum_buffers[k];
      if (first_step) buf.copy_(d_p); else buf.mul_(momentum).add_(d_p, 1 - dampening);
      if (nesterov) d_p.add_(buf, momentum); else d_p = buf;
    }
    param.add_(d_p, -lr);
  }
}

void AdamStep(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& exp_avgs,
              const std::vector<at::Tensor>& exp_avg_sqs, const std::vector<at::Tensor>& scratch, int64_t step,
              double lr, double beta1, double beta2, double eps, double weight_decay, bool decoupled, bool maximize) {
  CheckSameLength("expAvgs", parameters.size(), exp_avgs.size());
  CheckSameLength("expAvgSqs", parameters.size(), exp_avg_sqs.size());
  CheckSameLength("scratch", parameters.size(), scratch.size());
  if (step < 1) throw std::invalid_argument("step must be >= 1");
  at::NoGradGuard no_grad;
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(step));
  const double step_size = lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  for (size_t k = 0; k < parameters.size(); ++k) {
    at::Tensor param = parameters[k];
    const at::Tensor& raw_grad = param.grad();
    if (!raw_grad.defined()) continue;
    at::Tensor work = scratch[k];
    at::Tensor grad = raw_grad;
    if (maximize || (weight_decay != 0 && !decoupled)) {
      if (maximize) at::neg_out(work, raw_grad); else work.copy_(raw_grad);
      if (weight_decay != 0 && !decoupled) work.add_(param, weight_decay);
      grad = work;
    }
    if (weight_decay != 0 && decoupled) param.mul_(1 - lr * weight_decay);
    at::Tensor exp_avg = exp_avgs[k];
    at::Tensor exp_avg_sq = exp_avg_sqs[k];
    exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    at::sqrt_out(work, exp_avg_sq);
    work.div_(bias_correction2_sqrt).add_(eps);
    param.addcdiv_(exp_avg, work, -step_size);
  }
}

at::Tensor Normalize(const at::Tensor& input, double p, int64_t dim, double eps) {
  // torch.nn.functional.normalize: v / max(||v||_p, eps) along dim.
  at::Tensor norm = at::norm(input, p, {dim}, true).clamp_min(eps).expand_as(input);
  return input / norm;
}

void ManualSeed(int64_t seed) { at::manual_seed(static_cast<uint64_t>(seed)); }

}  // namespace tmu

namespace tmu {
at::Tensor KlDiv(const at::Tensor& input, const at::Tensor& target, const std::string& reduction, bool log_target) {
  if (reduction == "batchmean") {
    const int64_t batch = input.dim() > 0 ? input.size(0) : 1;
    return at::kl_div(input, target, at::Reduction::Sum, log_target) / static_cast<double>(batch);
  }
  if (reduction == "none") return at::kl_div(input, target, at::Reduction::None, log_target);
  if (reduction == "mean") return at::kl_div(input, target, at::Reduction::Mean, log_target);
  if (reduction == "sum") return at::kl_div(input, target, at::Reduction::Sum, log_target);
  throw std::invalid_argument("reduction must be 'none', 'mean', 'sum' or 'batchmean', got '" + reduction + "'");
}
}  // namespace tmu
