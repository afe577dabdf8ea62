// Entry point of the vlsm addon: glue only (tensors in and out, operators, autograd, errors).
// No model logic lives in C++; see ARCHITECTURE.md.
#include "common.h"

namespace vlsm {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  initTensor(env, exports);
  initDispatch(env, exports);
  initAutograd(env, exports);
  return exports;
}

}  // namespace vlsm

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return vlsm::init(env, exports); }

NODE_API_MODULE(vlsm_torch, initModule)
