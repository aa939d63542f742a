// PyTorch's own file formats, written and read by libtorch's own code: dicts of tensors in torch.save's
// format (torch::jit::pickle_save; reading is in TypeScript, src/nn/torchStateDict.ts, because libtorch
// 1.13's unpickler turns the OrderedDict of a state dict into None) and TorchScript modules
// (torch::jit::load / Module::save), with the module operations tmu needs to train them.
//
// Only APIs that newer libtorch releases still have are used (torch::jit::load, Module::save,
// named_parameters/buffers/children, deepcopy, Inline, GraphFunction), so that a build against a
// user's own libtorch (LIBTORCH=...) keeps working.
#include "runtime.h"

#include <ATen/core/Dict.h>
#include <caffe2/serialize/versions.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tmu {
namespace {

// What the features of a TorchScript module come from (see ScriptFeatures).
enum class FeatureSource { kUnknown, kForwardFeatures, kLastLinearInput, kLogits };

struct ScriptBox {
  static constexpr uint32_t kMagic = 0x746d7573;  // "tmus"
  uint32_t magic = kMagic;
  torch::jit::Module module;
  FeatureSource feature_source = FeatureSource::kUnknown;
  std::unique_ptr<torch::jit::GraphFunction> features;
};

void FinalizeScript(Napi::Env, ScriptBox* box) { delete box; }

Napi::Value WrapScript(Napi::Env env, torch::jit::Module module) {
  auto* box = new ScriptBox();
  box->module = std::move(module);
  return Napi::External<ScriptBox>::New(env, box, FinalizeScript);
}

ScriptBox& ArgScript(const ArgContext& c, size_t i) {
  Napi::Value value = c.info[i];
  if (value.IsExternal()) {
    auto* box = value.As<Napi::External<ScriptBox>>().Data();
    if (box != nullptr && box->magic == ScriptBox::kMagic) return *box;
  }
  throw Napi::TypeError::New(c.info.Env(), std::string(c.op) + ": argument 0 must be a TorchScript module handle");
}

void CheckArgs(const Napi::CallbackInfo& info, const char* op, size_t count) {
  if (info.Length() < count) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": expected " + std::to_string(count) + " arguments, got " +
                                               std::to_string(info.Length()));
  }
}

// Names and tensors as two parallel arrays: { names: string[], tensors: handle[] }.
Napi::Object NamedTensors(Napi::Env env, const std::vector<std::pair<std::string, at::Tensor>>& entries) {
  auto names = Napi::Array::New(env, entries.size());
  auto tensors = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    names.Set(static_cast<uint32_t>(i), Napi::String::New(env, entries[i].first));
    tensors.Set(static_cast<uint32_t>(i), Wrap(env, entries[i].second));
  }
  auto result = Napi::Object::New(env);
  result.Set("names", names);
  result.Set("tensors", tensors);
  return result;
}

// ---- state dicts (torch.save / torch.load) ----

Napi::Value PickleSaveTensors(const Napi::CallbackInfo& info) {
  CheckArgs(info, "pickleSaveTensors", 2);
  const ArgContext ctx{info, "pickleSaveTensors"};
  TMU_OP_BEGIN
    if (!info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "pickleSaveTensors: names must be an array");
    Napi::Array names = info[0].As<Napi::Array>();
    std::vector<at::Tensor> tensors = ArgTensorList(ctx, 1, "tensors");
    if (names.Length() != tensors.size()) throw std::invalid_argument("names and tensors differ in length");
    c10::Dict<std::string, at::Tensor> dict;
    for (uint32_t i = 0; i < names.Length(); ++i) {
      dict.insert(names.Get(i).As<Napi::String>().Utf8Value(), tensors[i].detach().to(at::kCPU));
    }
    std::vector<char> bytes = torch::jit::pickle_save(c10::IValue(dict));
    auto buffer = Napi::ArrayBuffer::New(info.Env(), bytes.size());
    if (!bytes.empty()) std::memcpy(buffer.Data(), bytes.data(), bytes.size());
    return buffer;
  TMU_OP_END("pickleSaveTensors")
}

// ---- TorchScript modules ----

Napi::Value ScriptFileVersions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto result = Napi::Object::New(env);
  result.Set("minFileFormat", Napi::Number::New(env, caffe2::serialize::kMinSupportedFileFormatVersion));
  result.Set("maxFileFormat", Napi::Number::New(env, caffe2::serialize::kMaxSupportedFileFormatVersion));
  result.Set("producedFileFormat", Napi::Number::New(env, caffe2::serialize::kProducedFileFormatVersion));
  result.Set("producedBytecode", Napi::Number::New(env, caffe2::serialize::kProducedBytecodeVersion));
  return result;
}

Napi::Value ScriptLoad(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptLoad", 2);
  const ArgContext ctx{info, "scriptLoad"};
  TMU_OP_BEGIN
    std::string path = ArgString(ctx, 0, "path");
    at::Device device = ArgDevice(ctx, 1, "device");
    return WrapScript(info.Env(), torch::jit::load(path, device));
  TMU_OP_END("scriptLoad")
}

Napi::Value ScriptSave(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptSave", 2);
  const ArgContext ctx{info, "scriptSave"};
  TMU_OP_BEGIN
    ScriptBox& box = ArgScript(ctx, 0);
    box.module.save(ArgString(ctx, 1, "path"));
    return info.Env().Undefined();
  TMU_OP_END("scriptSave")
}

// A deep copy whose parameters are leaves again (a copy made under autograd would hang off the original).
Napi::Value ScriptClone(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptClone", 1);
  const ArgContext ctx{info, "scriptClone"};
  TMU_OP_BEGIN
    ScriptBox& box = ArgScript(ctx, 0);
    torch::jit::Module copy;
    {
      at::NoGradGuard no_grad;
      copy = box.module.deepcopy();
    }
    auto originals = box.module.named_parameters(/*recurse=*/true);
    auto copies = copy.named_parameters(/*recurse=*/true);
    auto original = originals.begin();
    for (auto it = copies.begin(); it != copies.end() && original != originals.end(); ++it, ++original) {
      (*it).value.requires_grad_((*original).value.requires_grad());
    }
    return WrapScript(info.Env(), copy);
  TMU_OP_END("scriptClone")
}

// One level of the module tree: { typeName, parameters, buffers, children: [[name, handle]], methods }.
Napi::Value ScriptDescribe(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptDescribe", 1);
  const ArgContext ctx{info, "scriptDescribe"};
  TMU_OP_BEGIN
    Napi::Env env = info.Env();
    ScriptBox& box = ArgScript(ctx, 0);
    std::vector<std::pair<std::string, at::Tensor>> parameters;
    for (const auto& entry : box.module.named_parameters(/*recurse=*/false)) parameters.emplace_back(entry.name, entry.value);
    std::vector<std::pair<std::string, at::Tensor>> buffers;
    for (const auto& entry : box.module.named_buffers(/*recurse=*/false)) buffers.emplace_back(entry.name, entry.value);
    auto children = Napi::Array::New(env);
    for (const auto& entry : box.module.named_children()) {
      auto pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::String::New(env, entry.name));
      pair.Set(1u, WrapScript(env, entry.value));
      children.Set(children.Length(), pair);
    }
    auto methods = Napi::Array::New(env);
    for (const auto& method : box.module.get_methods()) methods.Set(methods.Length(), Napi::String::New(env, method.name()));
    auto result = Napi::Object::New(env);
    result.Set("typeName", Napi::String::New(env, box.module.type()->name() ? box.module.type()->name()->qualifiedName() : ""));
    result.Set("parameters", NamedTensors(env, parameters));
    result.Set("buffers", NamedTensors(env, buffers));
    result.Set("children", children);
    result.Set("methods", methods);
    return result;
  TMU_OP_END("scriptDescribe")
}

Napi::Value ScriptTrain(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptTrain", 2);
  const ArgContext ctx{info, "scriptTrain"};
  TMU_OP_BEGIN
    ArgScript(ctx, 0).module.train(ArgBool(ctx, 1, "mode"));
    return info.Env().Undefined();
  TMU_OP_END("scriptTrain")
}

Napi::Value ScriptIsTraining(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptIsTraining", 1);
  const ArgContext ctx{info, "scriptIsTraining"};
  TMU_OP_BEGIN
    return Napi::Boolean::New(info.Env(), ArgScript(ctx, 0).module.is_training());
  TMU_OP_END("scriptIsTraining")
}

at::Tensor TensorResult(const c10::IValue& value, const char* what) {
  if (!value.isTensor()) {
    throw std::invalid_argument(std::string(what) + " returned a " + value.tagKind() + ", not a tensor");
  }
  return value.toTensor();
}

Napi::Value ScriptForward(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptForward", 2);
  const ArgContext ctx{info, "scriptForward"};
  TMU_OP_BEGIN
    ScriptBox& box = ArgScript(ctx, 0);
    at::Tensor& input = ArgTensor(ctx, 1, "input");
    return Wrap(info.Env(), TensorResult(box.module.forward({input}), "forward"));
  TMU_OP_END("scriptForward")
}

// The last aten::linear (or addmm) of the forward graph's top level, once submodule calls are inlined:
// its input is the penultimate representation. Null when there is none.
torch::jit::Value* LastLinearInput(const std::shared_ptr<torch::jit::Graph>& graph) {
  torch::jit::Value* found = nullptr;
  for (torch::jit::Node* node : graph->block()->nodes()) {
    const std::string kind = node->kind().toQualString();
    if (kind == "aten::linear") found = node->input(0);
    if (kind == "aten::addmm") found = node->input(1);
  }
  return found;
}

void ResolveFeatures(ScriptBox& box) {
  if (box.feature_source != FeatureSource::kUnknown) return;
  if (box.module.find_method("forward_features")) {
    box.feature_source = FeatureSource::kForwardFeatures;
    return;
  }
  std::shared_ptr<torch::jit::Graph> graph = box.module.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  torch::jit::Value* features = LastLinearInput(graph);
  if (features == nullptr) {
    box.feature_source = FeatureSource::kLogits;
    return;
  }
  while (graph->outputs().size() > 0) graph->eraseOutput(0);
  graph->registerOutput(features);
  torch::jit::EliminateDeadCode(graph);
  box.features = std::make_unique<torch::jit::GraphFunction>("tmu_penultimate_features", graph, nullptr);
  box.feature_source = FeatureSource::kLastLinearInput;
}

const char* FeatureSourceName(FeatureSource source) {
  switch (source) {
    case FeatureSource::kForwardFeatures:
      return "forward_features";
    case FeatureSource::kLastLinearInput:
      return "last-linear-input";
    case FeatureSource::kLogits:
      return "logits";
    default:
      return "unknown";
  }
}

Napi::Value ScriptFeatureSource(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptFeatureSource", 1);
  const ArgContext ctx{info, "scriptFeatureSource"};
  TMU_OP_BEGIN
    ScriptBox& box = ArgScript(ctx, 0);
    ResolveFeatures(box);
    return Napi::String::New(info.Env(), FeatureSourceName(box.feature_source));
  TMU_OP_END("scriptFeatureSource")
}

Napi::Value ScriptFeatures(const Napi::CallbackInfo& info) {
  CheckArgs(info, "scriptFeatures", 2);
  const ArgContext ctx{info, "scriptFeatures"};
  TMU_OP_BEGIN
    ScriptBox& box = ArgScript(ctx, 0);
    at::Tensor& input = ArgTensor(ctx, 1, "input");
    ResolveFeatures(box);
    switch (box.feature_source) {
      case FeatureSource::kForwardFeatures:
        return Wrap(info.Env(), TensorResult(box.module.get_method("forward_features")({input}), "forward_features"));
      case FeatureSource::kLastLinearInput: {
        torch::jit::Stack stack{box.module._ivalue(), input};
        box.features->run(stack);
        return Wrap(info.Env(), TensorResult(stack.back(), "the penultimate-feature graph"));
      }
      default:
        return Wrap(info.Env(), TensorResult(box.module.forward({input}), "forward"));
    }
  TMU_OP_END("scriptFeatures")
}

}  // namespace

void RegisterTorchFiles(Napi::Env env, Napi::Object exports) {
  // TorchScript runs op by op with libtorch's ordinary autograd, as eager PyTorch does: the profiling
  // executor's specialised graphs (autodiff subgraphs, fusion) trained the small CNN at about half the
  // speed of the same ops run natively on CPU, and may differ from eager PyTorch in the last bits.
  torch::jit::setGraphExecutorOptimize(false);
  exports.Set("pickleSaveTensors", Napi::Function::New(env, PickleSaveTensors, "pickleSaveTensors"));
  exports.Set("scriptFileVersions", Napi::Function::New(env, ScriptFileVersions, "scriptFileVersions"));
  exports.Set("scriptLoad", Napi::Function::New(env, ScriptLoad, "scriptLoad"));
  exports.Set("scriptSave", Napi::Function::New(env, ScriptSave, "scriptSave"));
  exports.Set("scriptClone", Napi::Function::New(env, ScriptClone, "scriptClone"));
  exports.Set("scriptDescribe", Napi::Function::New(env, ScriptDescribe, "scriptDescribe"));
  exports.Set("scriptTrain", Napi::Function::New(env, ScriptTrain, "scriptTrain"));
  exports.Set("scriptIsTraining", Napi::Function::New(env, ScriptIsTraining, "scriptIsTraining"));
  exports.Set("scriptForward", Napi::Function::New(env, ScriptForward, "scriptForward"));
  exports.Set("scriptFeatureSource", Napi::Function::New(env, ScriptFeatureSource, "scriptFeatureSource"));
  exports.Set("scriptFeatures", Napi::Function::New(env, ScriptFeatures, "scriptFeatures"));
}

}  // namespace tmu
