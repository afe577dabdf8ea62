// Entry point of the vlsm addon: glue only (tensors in and out, operators, autograd, errors).
// No model logic lives in C++; see docs/architecture.md §1.1.
#include "common.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vlsm {

// glibc serves blocks above 32 MiB with a fresh mmap and unmaps them on free, so every large
// activation (a ViT-B/16 attention map at batch 8 is 90 MB) is page-faulted in anew: measured
// 3.6 M minor faults and 6 s of system time for CLIPSeg's vision tower over batches 1-8. Serving
// them from the heap and keeping freed memory for reuse removes that. VLSM_MALLOC_TUNING=0 opts out.
static void tuneMalloc() {
#if defined(__GLIBC__)
  const char* opt = std::getenv("VLSM_MALLOC_TUNING");
  if (opt != nullptr && std::strcmp(opt, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  initAllocator(env, exports);
  initTensor(env, exports);
  initDispatch(env, exports);
  initAutograd(env, exports);
  initAutocast(env, exports);
  return exports;
}

}  // namespace vlsm

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return vlsm::init(env, exports); }

NODE_API_MODULE(vlsm_torch, initModule)
