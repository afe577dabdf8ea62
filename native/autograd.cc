// Autograd and global engine state: gradients, grad/inference modes, seeds, threads, devices.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <memory>
#include <vector>

namespace vlsm {

namespace {

// backward(t, gradient?, retainGraph?, createGraph?)
Napi::Value backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", [&]() -> Napi::Value {
    const at::Tensor& t = unwrapTensor(info[0], "backward");
    at::Tensor gradient;
    if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) gradient = unwrapTensor(info[1], "backward gradient");
    c10::optional<bool> retain;
    if (info.Length() > 2 && info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    bool create = info.Length() > 3 && info[3].ToBoolean().Value();
    if (!t.requires_grad()) {
      throw Napi::Error::New(info.Env(), "backward: the tensor does not require grad and has no grad_fn; no input it was computed from has requiresGrad set, or it was computed under noGrad/inferenceMode");
    }
    t.backward(gradient, retain, create);
    return info.Env().Undefined();
  });
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  return guarded(info, "grad", [&]() -> Napi::Value {
    const at::Tensor& g = unwrapTensor(info[0], "grad").grad();
    if (!g.defined()) return info.Env().Undefined();
    return wrapTensor(info.Env(), g);
  });
}

// setGrad(t, g | null)
Napi::Value setGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "setGrad", [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "setGrad");
    if (info[1].IsNull() || info[1].IsUndefined()) t.mutable_grad().reset();
    else t.mutable_grad() = unwrapTensor(info[1], "setGrad value");
    return info.Env().Undefined();
  });
}

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "setRequiresGrad", [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "requiresGrad_");
    t.set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return guarded(info, "isLeaf", [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), unwrapTensor(info[0], "isLeaf").is_leaf()); });
}

Napi::Value gradFnName(const Napi::CallbackInfo& info) {
  return guarded(info, "gradFnName", [&]() -> Napi::Value {
    const auto& fn = unwrapTensor(info[0], "gradFn").grad_fn();
    if (!fn) return info.Env().Undefined();
    return Napi::String::New(info.Env(), fn->name());
  });
}

Napi::Value retainGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "retainGrad", [&]() -> Napi::Value {
    unwrapTensor(info[0], "retainGrad").retain_grad();
    return info.Env().Undefined();
  });
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, "setGradEnabled", [&]() -> Napi::Value {
    bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(info[0].ToBoolean().Value());
    return Napi::Boolean::New(info.Env(), previous);
  });
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, "isGradEnabled", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
  });
}

// Inference mode is an RAII guard in C++; JS opens and closes it strictly nested (try/finally).
std::vector<std::unique_ptr<c10::InferenceMode>> inferenceGuards;

Napi::Value enterInferenceMode(const Napi::CallbackInfo& info) {
  return guarded(info, "enterInferenceMode", [&]() -> Napi::Value {
    inferenceGuards.push_back(std::make_unique<c10::InferenceMode>(true));
    return info.Env().Undefined();
  });
}

Napi::Value exitInferenceMode(const Napi::CallbackInfo& info) {
  return guarded(info, "exitInferenceMode", [&]() -> Napi::Value {
    if (!inferenceGuards.empty()) inferenceGuards.pop_back();
    return info.Env().Undefined();
  });
}

Napi::Value isInferenceMode(const Napi::CallbackInfo& info) {
  return guarded(info, "isInferenceMode", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
  });
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "manualSeed", [&]() -> Napi::Value {
    bool lossless = true;
    uint64_t seed = info[0].IsBigInt() ? info[0].As<Napi::BigInt>().Uint64Value(&lossless)
                                       : static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    torch::manual_seed(seed);
    return info.Env().Undefined();
  });
}

// The CPU generator's full state as a uint8 tensor, for checkpoints that resume exactly.
Napi::Value getRngState(const Napi::CallbackInfo& info) {
  return guarded(info, "getRngState", [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return wrapTensor(info.Env(), gen.get_state());
  });
}

Napi::Value setRngState(const Napi::CallbackInfo& info) {
  return guarded(info, "setRngState", [&]() -> Napi::Value {
    const at::Tensor& state = unwrapTensor(info[0], "setRngState");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "setNumThreads", [&]() -> Napi::Value {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: the number of threads must be at least 1, got " + std::to_string(n));
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "getNumThreads", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), at::get_num_threads());
  });
}

Napi::Value cudaIsAvailable(const Napi::CallbackInfo& info) {
  return guarded(info, "cudaIsAvailable", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
  });
}

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return guarded(info, "cudaDeviceCount", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
  });
}

Napi::Value cudaManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "cudaManualSeed", [&]() -> Napi::Value {
    torch::cuda::manual_seed_all(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

Napi::Value parallelInfo(const Napi::CallbackInfo& info) {
  return guarded(info, "parallelInfo", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), at::get_parallel_info());
  });
}

Napi::Value buildConfig(const Napi::CallbackInfo& info) {
  return guarded(info, "buildConfig", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), at::show_config());
  });
}

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, backward));
  exports.Set("grad", Napi::Function::New(env, grad));
  exports.Set("setGrad", Napi::Function::New(env, setGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, setRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, isLeaf));
  exports.Set("gradFnName", Napi::Function::New(env, gradFnName));
  exports.Set("retainGrad", Napi::Function::New(env, retainGrad));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, isGradEnabled));
  exports.Set("enterInferenceMode", Napi::Function::New(env, enterInferenceMode));
  exports.Set("exitInferenceMode", Napi::Function::New(env, exitInferenceMode));
  exports.Set("isInferenceMode", Napi::Function::New(env, isInferenceMode));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed));
  exports.Set("getRngState", Napi::Function::New(env, getRngState));
  exports.Set("setRngState", Napi::Function::New(env, setRngState));
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads));
  exports.Set("cudaIsAvailable", Napi::Function::New(env, cudaIsAvailable));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, cudaDeviceCount));
  exports.Set("cudaManualSeed", Napi::Function::New(env, cudaManualSeed));
  exports.Set("parallelInfo", Napi::Function::New(env, parallelInfo));
  exports.Set("buildConfig", Napi::Function::New(env, buildConfig));
  exports.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
}

}  // namespace vlsm
