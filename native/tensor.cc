// Tensors across the boundary: wrapping, creation from bytes, readback, metadata, disposal.
#include "common.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace vlsm {

std::atomic<int64_t> liveTensors{0};

// Marks our Externals so a foreign External (or a disposed wrapper) is never mistaken for a tensor.
static const napi_type_tag kTensorTag = {0x766c736d746f7263ULL, 0x54656e736f72426fULL};

static int64_t ownedBytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  const auto& storage = t.storage();
  // Count a storage once: views made later share it and report nothing.
  return storage.use_count() == 1 ? static_cast<int64_t>(storage.nbytes()) : 0;
}

static void releaseBox(Napi::Env env, TensorBox* box) {
  if (box->disposed) return;
  box->disposed = true;
  box->tensor.reset();
  if (box->accountedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, -box->accountedBytes);
  box->accountedBytes = 0;
  liveTensors--;
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  auto* box = new TensorBox{std::move(tensor)};
  box->accountedBytes = ownedBytes(box->tensor);
  if (box->accountedBytes) Napi::MemoryManagement::AdjustExternalMemory(env, box->accountedBytes);
  liveTensors++;
  auto external = Napi::External<TensorBox>::New(env, box, [](Napi::Env env, TensorBox* b) {
    releaseBox(env, b);
    delete b;
  });
  napi_type_tag_object(env, external, &kTensorTag);
  return external;
}

bool isTensor(Napi::Env env, const Napi::Value& value) {
  if (!value.IsExternal()) return false;
  bool tagged = false;
  napi_check_object_type_tag(env, value, &kTensorTag, &tagged);
  return tagged;
}

TensorBox* unwrapBox(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (!isTensor(env, value)) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a tensor handle");
  }
  return value.As<Napi::External<TensorBox>>().Data();
}

const at::Tensor& unwrapTensor(const Napi::Value& value, const char* what) {
  TensorBox* box = unwrapBox(value, what);
  if (box->disposed) {
    throw Napi::Error::New(value.Env(), std::string(what) + ": the tensor was disposed (used after dispose() or after its scope ended)");
  }
  return box->tensor;
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
  return guarded(info, [&]() -> Napi::Value {
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
  return guarded(info, [&]() -> Napi::Value {
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
  return guarded(info, [&]() -> Napi::Value {
    at::Tensor t = unwrapTensor(info[0], "toBytes");
    at::Tensor cpu = t.detach().to(at::kCPU).contiguous();
    auto buffer = Napi::ArrayBuffer::New(info.Env(), cpu.nbytes());
    if (cpu.nbytes()) std::memcpy(buffer.Data(), cpu.data_ptr(), cpu.nbytes());
    return buffer;
  });
}

// meta(t) -> [shape, dtype, device, requiresGrad]: one crossing for what a wrapper caches.
static Napi::Value meta(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
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
  return guarded(info, [&]() -> Napi::Value { return shapeArray(info.Env(), unwrapTensor(info[0], "shape").sizes()); });
}

static Napi::Value strides(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return shapeArray(info.Env(), unwrapTensor(info[0], "strides").strides()); });
}

static Napi::Value item(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
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

static Napi::Value dispose(const Napi::CallbackInfo& info) {
  TensorBox* box = unwrapBox(info[0], "dispose");
  releaseBox(info.Env(), box);
  return info.Env().Undefined();
}

static Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapBox(info[0], "isDisposed")->disposed);
}

static Napi::Value liveTensorCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveTensors.load()));
}

// The address of a tensor's data: tests use it to tell views from copies.
static Napi::Value dataPtr(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
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
  exports.Set("isDisposed", Napi::Function::New(env, isDisposed));
  exports.Set("liveTensorCount", Napi::Function::New(env, liveTensorCount));
  exports.Set("dataPtr", Napi::Function::New(env, dataPtr));
}

}  // namespace vlsm
