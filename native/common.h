// Shared pieces of the vlsm addon: how a libtorch tensor lives inside a JS value, and the one
// wrapper that turns every C++ exception into a JS Error (TorchSharp's CATCH, tch-rs's PROTECT).
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <atomic>
#include <string>

namespace vlsm {

// A tensor owned by JS. `dispose()` frees it early; the External's finalizer is the safety net.
struct TensorBox {
  at::Tensor tensor;
  int64_t accountedBytes = 0;  // reported to V8 as external memory, so GC pressure is real
  bool disposed = false;
};

extern std::atomic<int64_t> liveTensors;

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
bool isTensor(Napi::Env env, const Napi::Value& value);
TensorBox* unwrapBox(const Napi::Value& value, const char* what);
const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);

c10::Device parseDevice(const std::string& text);

// Runs `body`, converting c10 and std exceptions to a thrown JS Error that keeps libtorch's text.
template <typename Body>
Napi::Value guarded(const Napi::CallbackInfo& info, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

void initTensor(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);

}  // namespace vlsm
