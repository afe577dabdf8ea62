// Shared pieces of the vlsm addon: how a libtorch tensor lives inside a JS value, and the one
// wrapper that turns every C++ exception into a JS Error (TorchSharp's CATCH, tch-rs's PROTECT).
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <atomic>
#include <string>

namespace vlsm {

// Tensors owned by JS live in a slot table; JS holds a number: slot index + generation * 2^32.
// A number is free to create and pass, unlike a V8 External with a finalizer (measured 0.8 us an
// op). The generation makes a stale handle (used after dispose) an error, never a wrong tensor.
// Disposal is explicit (scopes); the TypeScript layer's FinalizationRegistry is the safety net.
struct TensorSlots {
  struct Slot {
    at::Tensor tensor;
    uint32_t generation = 0;
    int64_t accountedBytes = 0;
    bool live = false;
  };
  std::vector<Slot> slots;
  std::vector<uint32_t> freeList;
  int64_t liveCount = 0;
};

extern TensorSlots tensorSlots;

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
// The slot a handle names, or nullptr when it is not a handle or its tensor was disposed.
TensorSlots::Slot* findSlot(const Napi::Value& value);
TensorSlots::Slot* findSlotById(double id);
bool disposeId(Napi::Env env, double id);
const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what);
bool disposeHandle(Napi::Env env, const Napi::Value& value);

c10::Device parseDevice(const std::string& text);

// Runs `body` for the entry point `name`, turning every C++ exception into a thrown JS Error that
// names it: an exception escaping into N-API would end the process (std::terminate, SIGABRT).
// libtorch's text is kept; an empty `name` leaves the naming to the caller (callOp: the JS side
// names the operator and its arguments).
template <typename Body>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* name, Body body) {
  const std::string prefix = name[0] == '\0' ? std::string() : std::string(name) + ": ";
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), prefix + "out of memory (std::bad_alloc): the operation needs more memory than is available");
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), prefix + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), prefix + e.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), prefix + "an unknown C++ exception");
  }
}

void initTensor(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initAutocast(Napi::Env env, Napi::Object exports);
void initAllocator(Napi::Env env, Napi::Object exports);

}  // namespace vlsm
