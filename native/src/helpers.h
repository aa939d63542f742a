// Hand-written native functions that the op table calls where one ATen call is not enough:
// typed-array transfer, autograd entry points, and fused in-place optimizer updates.
#pragma once

#include "runtime.h"

namespace tmu {

at::Tensor FromTypedArray(const Napi::TypedArray& data, const std::vector<int64_t>& shape, at::ScalarType dtype,
                          const at::Device& device);
Napi::Value ToArrayBuffer(Napi::Env env, const at::Tensor& tensor);

void Backward(const at::Tensor& tensor, const c10::optional<at::Tensor>& gradient, bool retain_graph);
std::vector<at::Tensor> Grad(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& inputs,
                             const std::vector<at::Tensor>& grad_outputs, bool retain_graph, bool create_graph);
void SetGrad(at::Tensor& tensor, const c10::optional<at::Tensor>& gradient);
bool SetGradEnabled(bool enabled);
bool IsGradEnabled();
// Inference mode (torch.inference_mode) held across calls: enter/exit must nest (JS try/finally does).
void EnterInferenceMode();
void ExitInferenceMode();

/** Zeroes the .grad of each parameter in place (no reallocation on the next backward). */
void ZeroGrads(const std::vector<at::Tensor>& parameters);

/**
 * One SGD step over all parameters, as torch.optim.SGD (single-tensor path) computes it, in place.
 * `scratch` holds one preallocated tensor per parameter (used when weight decay or nesterov need d_p).
 */
void SgdStep(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& momentum_buffers,
             const std::vector<at::Tensor>& scratch, double lr, double momentum, double dampening,
             double weight_decay, bool nesterov, bool maximize, bool first_step);

/** One Adam (decoupled=false) or AdamW (decoupled=true) step, as torch.optim computes it, in place. */
void AdamStep(const std::vector<at::Tensor>& parameters, const std::vector<at::Tensor>& exp_avgs,
              const std::vector<at::Tensor>& exp_avg_sqs, const std::vector<at::Tensor>& scratch, int64_t step,
              double lr, double beta1, double beta2, double eps, double weight_decay, bool decoupled, bool maximize);

at::Tensor Normalize(const at::Tensor& input, double p, int64_t dim, double eps);

void ManualSeed(int64_t seed);

}  // namespace tmu

namespace tmu {
/** torch.nn.functional.kl_div, including its 'batchmean' reduction (sum divided by the batch size). */
at::Tensor KlDiv(const at::Tensor& input, const at::Tensor& target, const std::string& reduction, bool log_target);
}  // namespace tmu
