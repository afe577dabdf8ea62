// Autocast state: the thread-local switches behind libtorch's Autocast dispatch keys. With them on,
// every operator called through the dispatcher (dispatch.cc) is cast by libtorch's own autocast
// kernels, exactly as under PyTorch's torch.autocast. Region logic (nesting, restore) is in
// src/torch/amp/autocast.ts.
#include "common.h"

#include <ATen/autocast_mode.h>

namespace vlsm {

namespace {

// 'cpu' or 'cuda'; anything else is an error naming the accepted values.
bool isCuda(const Napi::CallbackInfo& info, const char* name) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + ": deviceType must be 'cpu' or 'cuda'");
  std::string device = info[0].As<Napi::String>().Utf8Value();
  if (device == "cuda") return true;
  if (device == "cpu") return false;
  throw Napi::TypeError::New(info.Env(), std::string(name) + ": deviceType must be 'cpu' or 'cuda', got '" + device + "'");
}

// autocastState(deviceType) -> [enabled, dtype code]
Napi::Value autocastState(const Napi::CallbackInfo& info) {
  return guarded(info, "autocastState", [&]() -> Napi::Value {
    bool cuda = isCuda(info, "autocastState");
    bool enabled = cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    at::ScalarType dtype = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    Napi::Array out = Napi::Array::New(info.Env(), 2);
    out.Set(0u, Napi::Boolean::New(info.Env(), enabled));
    out.Set(1u, Napi::Number::New(info.Env(), static_cast<int>(dtype)));
    return out;
  });
}

// setAutocastState(deviceType, enabled, dtype code)
Napi::Value setAutocastState(const Napi::CallbackInfo& info) {
  return guarded(info, "setAutocastState", [&]() -> Napi::Value {
    bool cuda = isCuda(info, "setAutocastState");
    bool enabled = info[1].ToBoolean().Value();
    auto dtype = static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value());
    if (cuda) {
      at::autocast::set_autocast_gpu_dtype(dtype);
      at::autocast::set_enabled(enabled);
    } else {
      at::autocast::set_autocast_cpu_dtype(dtype);
      at::autocast::set_cpu_enabled(enabled);
    }
    return info.Env().Undefined();
  });
}

Napi::Value autocastIncrementNesting(const Napi::CallbackInfo& info) {
  return guarded(info, "autocastIncrementNesting", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), at::autocast::increment_nesting());
  });
}

// Returns the nesting depth left; the caller clears the cast cache when it reaches 0.
Napi::Value autocastDecrementNesting(const Napi::CallbackInfo& info) {
  return guarded(info, "autocastDecrementNesting", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), at::autocast::decrement_nesting());
  });
}

Napi::Value autocastClearCache(const Napi::CallbackInfo& info) {
  return guarded(info, "autocastClearCache", [&]() -> Napi::Value {
    at::autocast::clear_cache();
    return info.Env().Undefined();
  });
}

Napi::Value isAutocastCacheEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, "isAutocastCacheEnabled", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), at::autocast::is_autocast_cache_enabled());
  });
}

Napi::Value setAutocastCacheEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, "setAutocastCacheEnabled", [&]() -> Napi::Value {
    at::autocast::set_autocast_cache_enabled(info[0].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

}  // namespace

void initAutocast(Napi::Env env, Napi::Object exports) {
  exports.Set("autocastState", Napi::Function::New(env, autocastState));
  exports.Set("setAutocastState", Napi::Function::New(env, setAutocastState));
  exports.Set("autocastIncrementNesting", Napi::Function::New(env, autocastIncrementNesting));
  exports.Set("autocastDecrementNesting", Napi::Function::New(env, autocastDecrementNesting));
  exports.Set("autocastClearCache", Napi::Function::New(env, autocastClearCache));
  exports.Set("isAutocastCacheEnabled", Napi::Function::New(env, isAutocastCacheEnabled));
  exports.Set("setAutocastCacheEnabled", Napi::Function::New(env, setAutocastCacheEnabled));
}

}  // namespace vlsm
