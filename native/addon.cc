// Entry point of the vlsm addon: glue only (tensors in and out, operators, autograd, errors).
// No model logic lives in C++; see docs/architecture.md §1.1.
#include "common.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vlsm {

// Tensors of 1 MiB and more come from the caching allocator (allocator.cc). Everything else, the
// smaller tensors and oneDNN's and OpenBLAS's working buffers, still goes through glibc, which by
// default serves blocks above its (rising) mmap threshold with a fresh mmap and unmaps them on
// free, so each is page-faulted in anew: CLIPSeg bf16 batch-1 inference, where most activations
// are under 1 MiB, measured 359 ms a pass with glibc's defaults and 296 ms with these. Serving
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
