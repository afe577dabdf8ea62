// Tensors across the boundary: wrapping, creation from bytes, readback, metadata, disposal.
#include "common.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace vlsm {

TensorSlots tensorSlots;

static constexpr double kGenerationUnit = 4294967296.0;  // 2^32
static constexpr uint32_t kGenerationMask = (1u << 20) - 1;  // keeps ids below 2^52

static int64_t ownedBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  const auto& storage = t.storage();
  // Count a storage once: views made later share it and report nothing. Small tensors are not
  // worth a call into V8 on every op.
  const int64_t bytes = static_cast<int64_t>(storage.nbytes());
  return storage.use_count() == 1 && bytes >= 65536 ? bytes : 0;
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  auto& table = tensorSlots;
  uint32_t index;
  if (!table.freeList.empty()) {
    index = table.freeList.back();
    table.freeList.pop_back();
  } else {
    index = static_cast<uint32_t>(table.slots.size());
    table.slots.emplace_back();
  }
  auto& slot = table.slots[index];
  slot.tensor = std::move(tensor);
  slot.live = true;
  slot.accountedBytes = ownedBytes(slot.tensor);
  // External memory makes V8 collect sooner, so the safety-net finalizers of unscoped tensors run.
  if (slot.accountedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, slot.accountedBytes);
  table.liveCount++;
  return Napi::Number::New(env, static_cast<double>(index) + static_cast<double>(slot.generation) * kGenerationUnit);
}

TensorSlots::Slot* findSlot(const Napi::Value& value) {
  if (!value.IsNumber()) return nullptr;
  return findSlotById(value.As<Napi::Number>().DoubleValue());
}

TensorSlots::Slot* findSlotById(double id) {
  if (!(id >= 0) || id >= kGenerationUnit * (kGenerationMask + 1.0)) return nullptr;
  const double generation = std::floor(id / kGenerationUnit);
  const double index = id - generation * kGenerationUnit;
  auto& table = tensorSlots;
  if (index >= static_cast<double>(table.slots.size())) return nullptr;
  auto& slot = table.slots[static_cast<size_t>(index)];
  if (!slot.live || slot.generation != static_cast<uint32_t>(generation)) return nullptr;
  return &slot;
}

const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  TensorSlots::Slot* slot = findSlot(value);
  if (slot == nullptr) {
    Napi::Env env = value.Env();
    if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + ": expected a tensor handle");
    throw Napi::Error::New(env, std::string(what) + ": the tensor was disposed (used after dispose() or after its scope ended)");
  }
  return slot->tensor;
}

bool disposeHandle(Napi::Env env, const Napi::Value& value) {
  return value.IsNumber() && disposeId(env, value.As<Napi::Number>().DoubleValue());
}

bool disposeId(Napi::Env env, double id) {
  TensorSlots::Slot* slot = findSlotById(id);
  if (slot == nullptr) return false;
  auto& table = tensorSlots;
  slot->tensor.reset();
  slot->live = false;
  if (slot->accountedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, -slot->accountedBytes);
  slot->accountedBytes = 0;
  slot->generation = (slot->generation + 1) & kGenerationMask;
  table.freeList.push_back(static_cast<uint32_t>(slot - table.slots.data()));
  table.liveCount--;
  return true;
}

c10::Device parseDevice(const std::string& text) { return c10::Device(text); }

static std::vector<int64_t> toShape(const Napi::Value& value) {
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) shape[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return shape;
}

static Napi::Value shapeArray(Napi::Env env, at::IntArrayRef sizes) {
  auto out = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) out.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return out;
}

// fromBytes(bytes: ArrayBuffer | TypedArray, dtype: number, shape: number[], device?: string)
// Copies: JS memory may move or be freed, libtorch memory must not.
static Napi::Value fromBytes(const Napi::CallbackInfo& info) {
  return guarded(info, "fromBytes", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const uint8_t* data = nullptr;
    size_t length = 0;
    if (info[0].IsArrayBuffer()) {
      auto buffer = info[0].As<Napi::ArrayBuffer>();
      data = static_cast<const uint8_t*>(buffer.Data());
      length = buffer.ByteLength();
    } else if (info[0].IsTypedArray()) {
      auto typed = info[0].As<Napi::TypedArray>();
      data = static_cast<const uint8_t*>(typed.ArrayBuffer().Data()) + typed.ByteOffset();
      length = typed.ByteLength();
    } else {
      throw Napi::TypeError::New(env, "fromBytes: expected an ArrayBuffer or a typed array");
    }
    auto dtype = static_cast<at::ScalarType>(info[1].As<Napi::Number>().Int32Value());
    auto shape = toShape(info[2]);
    int64_t numel = 1;
    for (auto d : shape) numel *= d;
    const size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (expected != length) {
      throw Napi::RangeError::New(env, "fromBytes: " + std::to_string(length) + " bytes given, shape " +
                                           c10::str(at::IntArrayRef(shape)) + " of " + c10::toString(dtype) +
                                           " needs " + std::to_string(expected));
    }
    at::Tensor out = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (length) std::memcpy(out.data_ptr(), data, length);
    if (info.Length() > 3 && info[3].IsString()) {
      auto device = parseDevice(info[3].As<Napi::String>().Utf8Value());
      if (device != out.device()) out = out.to(device);
    }
    return wrapTensor(env, std::move(out));
  });
}

// fromFile(path, byteOffset, dtype, shape): reads a tensor's bytes straight from a file into
// libtorch memory, so loading a checkpoint never holds it twice.
static Napi::Value fromFile(const Napi::CallbackInfo& info) {
  return guarded(info, "fromFile", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::string path = info[0].As<Napi::String>().Utf8Value();
    int64_t offset = info[1].As<Napi::Number>().Int64Value();
    auto dtype = static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value());
    auto shape = toShape(info[3]);
    at::Tensor out = at::empty(shape, at::TensorOptions().dtype(dtype));
    const size_t length = out.nbytes();
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) throw Napi::Error::New(env, path + ": cannot open for reading (" + std::strerror(errno) + ")");
    size_t got = 0;
    if (std::fseek(file, offset, SEEK_SET) == 0 && length) got = std::fread(out.data_ptr(), 1, length, file);
    std::fclose(file);
    if (got != length) {
      throw Napi::Error::New(env, path + ": truncated: wanted " + std::to_string(length) + " bytes at offset " +
                                      std::to_string(offset) + ", read " + std::to_string(got));
    }
    return wrapTensor(env, std::move(out));
  });
}

// toBytes(t): a copy of the tensor's elements in row-major order, on the CPU.
static Napi::Value toBytes(const Napi::CallbackInfo& info) {
  return guarded(info, "toBytes", [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "toBytes");
    at::Tensor cpu = t.detach().to(at::kCPU).contiguous();
    auto buffer = Napi::ArrayBuffer::New(info.Env(), cpu.nbytes());
    if (cpu.nbytes()) std::memcpy(buffer.Data(), cpu.data_ptr(), cpu.nbytes());
    return buffer;
  });
}

// meta(t) -> [shape, dtype, device, requiresGrad]: one crossing for what a wrapper caches.
static Napi::Value meta(const Napi::CallbackInfo& info) {
  return guarded(info, "meta", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const at::Tensor& t = unwrapTensor(info[0], "meta");
    auto out = Napi::Array::New(env, 4);
    out.Set(0u, shapeArray(env, t.sizes()));
    out.Set(1u, Napi::Number::New(env, static_cast<int>(t.scalar_type())));
    out.Set(2u, Napi::String::New(env, t.device().str()));
    out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
    return out;
  });
}

static Napi::Value shape(const Napi::CallbackInfo& info) {
  return guarded(info, "shape", [&]() -> Napi::Value { return shapeArray(info.Env(), unwrapTensor(info[0], "shape").sizes()); });
}

static Napi::Value strides(const Napi::CallbackInfo& info) {
  return guarded(info, "strides", [&]() -> Napi::Value { return shapeArray(info.Env(), unwrapTensor(info[0], "strides").strides()); });
}

static Napi::Value item(const Napi::CallbackInfo& info) {
  return guarded(info, "item", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const at::Tensor& t = unwrapTensor(info[0], "item");
    if (t.numel() != 1) {
      throw Napi::Error::New(env, "item: a tensor with " + std::to_string(t.numel()) + " elements cannot be converted to a number");
    }
    c10::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  });
}

// dispose(handle) -> whether it was live; disposing twice or a stale handle is harmless.
static Napi::Value dispose(const Napi::CallbackInfo& info) {
  return guarded(info, "dispose", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), disposeHandle(info.Env(), info[0]));
  });
}

// disposeMany(handles: Float64Array): one crossing for a whole scope's tensors; stale handles
// are skipped.
static Napi::Value disposeMany(const Napi::CallbackInfo& info) {
  return guarded(info, "disposeMany", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(env, "disposeMany: expected a Float64Array of handles");
    }
    auto handles = info[0].As<Napi::Float64Array>();
    const size_t n = handles.ElementLength();
    for (size_t i = 0; i < n; i++) disposeId(env, handles[i]);
    return env.Undefined();
  });
}

static Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  return guarded(info, "isDisposed", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), findSlot(info[0]) == nullptr);
  });
}

static Napi::Value liveTensorCount(const Napi::CallbackInfo& info) {
  return guarded(info, "liveTensorCount", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(tensorSlots.liveCount));
  });
}

// The address of a tensor's data: tests use it to tell views from copies.
static Napi::Value dataPtr(const Napi::CallbackInfo& info) {
  return guarded(info, "dataPtr", [&]() -> Napi::Value {
    const at::Tensor& t = unwrapTensor(info[0], "dataPtr");
    return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(t.data_ptr())));
  });
}

void initTensor(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBytes", Napi::Function::New(env, fromBytes));
  exports.Set("fromFile", Napi::Function::New(env, fromFile));
  exports.Set("toBytes", Napi::Function::New(env, toBytes));
  exports.Set("meta", Napi::Function::New(env, meta));
  exports.Set("shape", Napi::Function::New(env, shape));
  exports.Set("strides", Napi::Function::New(env, strides));
  exports.Set("item", Napi::Function::New(env, item));
  exports.Set("dispose", Napi::Function::New(env, dispose));
  exports.Set("disposeMany", Napi::Function::New(env, disposeMany));
  exports.Set("isDisposed", Napi::Function::New(env, isDisposed));
  exports.Set("liveTensorCount", Napi::Function::New(env, liveTensorCount));
  exports.Set("dataPtr", Napi::Function::New(env, dataPtr));
}

}  // namespace vlsm
