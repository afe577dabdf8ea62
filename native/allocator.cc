// libtorch's CPU allocator, replaced by one that keeps freed large blocks for reuse: PyTorch's
// CUDA caching allocator, on the CPU.
//
// Why: every layer of a transformer frees and re-allocates the same few large sizes (a ViT-B/16
// attention map at batch 8 is 90 MB). glibc serves them either with a fresh mmap (page-faulted in
// anew each time: 3 M minor faults and 30 s of system time for PyTorch's CLIPSeg bench) or from
// its heap, which fragments: measured here, CLIPSeg batch-1 inference grew the heap by 60-140 MB
// a forward pass, up to 1.9 GB, with 0.4-0.7 s of page-fault time a pass, until a trim. Blocks of
// 1 MiB and more are therefore mapped here, rounded to a size class, and on free kept in an idle
// list for the next request of that class; a block idle for `kMaxIdleAge` large allocations is
// unmapped, so memory a workload stopped using goes back to the system. Smaller blocks go to
// libtorch's default allocator (glibc serves those well).
//
// VLSM_CPU_CACHING=0 keeps libtorch's default allocator.
#include "common.h"

#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace vlsm {
namespace {

constexpr size_t kLargeBytes = size_t(1) << 20;
constexpr size_t kPage = 4096;
// Large allocations after which an unused idle block is unmapped. One CLIPSeg forward pass makes
// about 200 large allocations, so a block survives a few passes without reuse, no more.
constexpr uint64_t kMaxIdleAge = 512;

// Rounds up to 1/8 of the power of two at or above n (at least a page): sizes that differ a little
// (batch 7 and 8 of the same layer) share blocks, at most 12.5% is added, and pages past the
// requested size are never touched, so the rounding costs address space, not memory.
size_t sizeClass(size_t n) {
  size_t power = kPage;
  while (power < n) power <<= 1;
  const size_t granule = std::max(kPage, power / 8);
  return (n + granule - 1) / granule * granule;
}

struct IdleBlock {
  void* ptr;
  size_t bytes;
  uint64_t freedAt;
};

class BlockCache {
 public:
  void* take(size_t bytes) {
    std::vector<IdleBlock> unmap;
    void* found = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      clock_++;
      auto match = bySize_.find(bytes);
      if (match != bySize_.end()) {
        auto block = match->second.back();  // the most recently freed: its pages are likeliest in cache
        match->second.pop_back();
        if (match->second.empty()) bySize_.erase(match);
        found = block->ptr;
        idleBytes_ -= bytes;
        idle_.erase(block);
        hits_++;
        noteLive(found, bytes);
      } else {
        misses_++;
      }
      collectOld(unmap);
    }
    unmapAll(unmap);
    if (found != nullptr) return found;
    void* fresh = mapBlock(bytes);
    if (fresh == nullptr) {
      emptyCache();  // the idle blocks may be what stands between this request and success
      fresh = mapBlock(bytes);
      if (fresh == nullptr) return nullptr;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    noteLive(fresh, bytes);
    return fresh;
  }

  // Returns a block to the idle list; false when `ptr` is not a live block of this cache.
  bool give(void* ptr) {
    std::vector<IdleBlock> unmap;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = live_.find(ptr);
      if (it == live_.end()) return false;
      const size_t bytes = it->second;
      live_.erase(it);
      liveCount_[bytes]--;
      liveBytes_ -= bytes;
      idle_.push_back({ptr, bytes, clock_});
      bySize_[bytes].push_back(std::prev(idle_.end()));
      idleBytes_ += bytes;
      collectOld(unmap);
    }
    unmapAll(unmap);
    return true;
  }

  void emptyCache() {
    std::vector<IdleBlock> unmap;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      unmap.assign(idle_.begin(), idle_.end());
      idle_.clear();
      bySize_.clear();
      idleBytes_ = 0;
    }
    unmapAll(unmap);
  }

  struct Stats {
    size_t allocatedBytes, cachedBytes, peakAllocatedBytes;
    uint64_t hits, misses;
    std::map<size_t, size_t> liveBlocks, idleBlocks, peakLiveBlocks;  // block size -> count
  };

  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    Stats s{liveBytes_, idleBytes_, peakLiveBytes_, hits_, misses_, {}, {}, {}};
    for (const auto& [ptr, bytes] : live_) s.liveBlocks[bytes]++;
    for (const auto& [bytes, queue] : bySize_) s.idleBlocks[bytes] = queue.size();
    for (const auto& [bytes, count] : peakLiveCount_) if (count > 0) s.peakLiveBlocks[bytes] = count;
    return s;
  }

  void resetPeak() {
    std::lock_guard<std::mutex> lock(mutex_);
    peakLiveBytes_ = liveBytes_;
    peakLiveCount_ = liveCount_;
  }

 private:
  void noteLive(void* ptr, size_t bytes) {
    live_.emplace(ptr, bytes);
    size_t& count = liveCount_[bytes];
    count++;
    size_t& peak = peakLiveCount_[bytes];
    peak = std::max(peak, count);
    liveBytes_ += bytes;
    peakLiveBytes_ = std::max(peakLiveBytes_, liveBytes_);
  }

  // Moves blocks idle for more than kMaxIdleAge allocations out of the cache (oldest first).
  void collectOld(std::vector<IdleBlock>& out) {
    while (!idle_.empty() && idle_.front().freedAt + kMaxIdleAge < clock_) {
      const IdleBlock block = idle_.front();
      auto sameSize = bySize_.find(block.bytes);
      sameSize->second.pop_front();  // the oldest of its size is the oldest overall
      if (sameSize->second.empty()) bySize_.erase(sameSize);
      idle_.pop_front();
      idleBytes_ -= block.bytes;
      out.push_back(block);
    }
  }

  static void* mapBlock(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }

  static void unmapAll(const std::vector<IdleBlock>& blocks) {
    for (const IdleBlock& b : blocks) munmap(b.ptr, b.bytes);
  }

  std::mutex mutex_;
  std::list<IdleBlock> idle_;  // oldest first
  std::map<size_t, std::deque<std::list<IdleBlock>::iterator>> bySize_;  // non-empty queues only
  std::unordered_map<void*, size_t> live_;
  std::map<size_t, size_t> liveCount_, peakLiveCount_;  // block size -> blocks in use, and the most since the last reset
  uint64_t clock_ = 0, hits_ = 0, misses_ = 0;
  size_t liveBytes_ = 0, idleBytes_ = 0, peakLiveBytes_ = 0;
};

BlockCache& blockCache() {
  static BlockCache* cache = new BlockCache();  // never destroyed: tensors may outlive static teardown
  return *cache;
}

// Frees what this allocator handed out: a large block goes back to the cache, anything else was
// the default allocator's (posix_memalign) and goes to free().
void release(void* ptr) {
  if (ptr == nullptr) return;
  if (!blockCache().give(ptr)) std::free(ptr);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t nbytes) const override {
    if (nbytes < kLargeBytes) return c10::GetDefaultCPUAllocator()->allocate(nbytes);
    void* ptr = blockCache().take(sizeClass(nbytes));
    // libtorch's own wording, which the TypeScript side rewords for users (dispatch.ts).
    TORCH_CHECK(ptr != nullptr, "CachingCpuAllocator: can't allocate memory: you tried to allocate ", nbytes, " bytes.");
    return {ptr, ptr, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

bool installed = false;

Napi::Value cpuMemoryStats(const Napi::CallbackInfo& info) {
  return guarded(info, "cpuMemoryStats", [&]() -> Napi::Value {
    const BlockCache::Stats s = blockCache().stats();
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("caching", installed);
    out.Set("allocatedBytes", static_cast<double>(s.allocatedBytes));
    out.Set("cachedBytes", static_cast<double>(s.cachedBytes));
    out.Set("peakAllocatedBytes", static_cast<double>(s.peakAllocatedBytes));
    out.Set("hits", static_cast<double>(s.hits));
    out.Set("misses", static_cast<double>(s.misses));
    // [block bytes, count] pairs, smallest first: what the cache holds, in use and idle.
    auto pairs = [&](const std::map<size_t, size_t>& blocks) {
      Napi::Array array = Napi::Array::New(info.Env(), blocks.size());
      uint32_t i = 0;
      for (const auto& [bytes, count] : blocks) {
        Napi::Array pair = Napi::Array::New(info.Env(), 2);
        pair.Set(0u, static_cast<double>(bytes));
        pair.Set(1u, static_cast<double>(count));
        array.Set(i++, pair);
      }
      return array;
    };
    out.Set("liveBlocks", pairs(s.liveBlocks));
    out.Set("idleBlocks", pairs(s.idleBlocks));
    out.Set("peakLiveBlocks", pairs(s.peakLiveBlocks));
    return out;
  });
}

Napi::Value cpuEmptyCache(const Napi::CallbackInfo& info) {
  return guarded(info, "cpuEmptyCache", [&]() -> Napi::Value {
    blockCache().emptyCache();
    return info.Env().Undefined();
  });
}

Napi::Value cpuResetPeakMemoryStats(const Napi::CallbackInfo& info) {
  return guarded(info, "cpuResetPeakMemoryStats", [&]() -> Napi::Value {
    blockCache().resetPeak();
    return info.Env().Undefined();
  });
}

}  // namespace

void initAllocator(Napi::Env env, Napi::Object exports) {
  const char* opt = std::getenv("VLSM_CPU_CACHING");
  if (opt == nullptr || std::strcmp(opt, "0") != 0) {
    static CachingCpuAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/10);
    installed = true;
  }
  exports.Set("cpuMemoryStats", Napi::Function::New(env, cpuMemoryStats));
  exports.Set("cpuEmptyCache", Napi::Function::New(env, cpuEmptyCache));
  exports.Set("cpuResetPeakMemoryStats", Napi::Function::New(env, cpuResetPeakMemoryStats));
}

}  // namespace vlsm
