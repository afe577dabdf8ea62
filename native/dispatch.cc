// Every ATen operator through one door: look an operator up once by its schema name, then call it
// boxed with arguments converted from JS according to that schema. Autograd, type promotion and
// device dispatch all happen inside the dispatcher, exactly as for PyTorch's own calls.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <memory>
#include <vector>

namespace vlsm {

namespace {

enum class Kind { Tensor, Int, Float, Bool, Scalar, String, Device, Generator, IntList, FloatList, BoolList, TensorList, OptionalTensorList, ScalarList, Unsupported };

struct ArgSpec {
  std::string name;
  Kind kind = Kind::Unsupported;
  bool optional = false;
  c10::optional<c10::IValue> defaultValue;
};

// The shapes of schema that skip boxing: every argument a tensor or a scalar, one fresh tensor
// back (add.Tensor, mul.Scalar, exp, ...), the commonest small ops. A typed call goes straight to
// the kernel, without the IValue stack and the boxed-to-unboxed adapter a boxed call builds.
using UnaryFn = at::Tensor(const at::Tensor&);
using BinaryFn = at::Tensor(const at::Tensor&, const at::Tensor&);
using BinaryScaledFn = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Scalar&);
using TensorScalarFn = at::Tensor(const at::Tensor&, const at::Scalar&);
using TensorScalarScalarFn = at::Tensor(const at::Tensor&, const at::Scalar&, const at::Scalar&);

struct Unboxed {
  c10::optional<c10::TypedOperatorHandle<UnaryFn>> unary;
  c10::optional<c10::TypedOperatorHandle<BinaryFn>> binary;
  c10::optional<c10::TypedOperatorHandle<BinaryScaledFn>> binaryScaled;
  c10::optional<c10::TypedOperatorHandle<TensorScalarFn>> tensorScalar;
  c10::optional<c10::TypedOperatorHandle<TensorScalarScalarFn>> tensorScalarScalar;
  bool any() const { return unary || binary || binaryScaled || tensorScalar || tensorScalarScalar; }
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string fullName;
  std::vector<ArgSpec> args;
  Unboxed unboxed;
};

std::vector<std::unique_ptr<OpEntry>> registry;

Kind kindOf(const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType: return Kind::Int;
    case c10::TypeKind::FloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    case c10::TypeKind::StringType: return Kind::String;
    case c10::TypeKind::DeviceObjType: return Kind::Device;
    case c10::TypeKind::GeneratorType: return Kind::Generator;
    case c10::TypeKind::ListType: {
      const auto& element = type->castRaw<c10::ListType>()->getElementType();
      switch (element->kind()) {
        case c10::TypeKind::IntType:
        case c10::TypeKind::SymIntType: return Kind::IntList;
        case c10::TypeKind::FloatType: return Kind::FloatList;
        case c10::TypeKind::BoolType: return Kind::BoolList;
        case c10::TypeKind::TensorType: return Kind::TensorList;
        case c10::TypeKind::NumberType: return Kind::ScalarList;
        case c10::TypeKind::OptionalType:
          if (element->castRaw<c10::OptionalType>()->getElementType()->kind() == c10::TypeKind::TensorType) {
            return Kind::OptionalTensorList;
          }
          return Kind::Unsupported;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

// Names an argument in error messages; built only when an error is actually thrown.
struct Where {
  const std::string& op;
  const std::string& arg;
  operator std::string() const { return op + " argument '" + arg + "'"; }
};

std::string operator+(const Where& w, const std::string& rest) { return std::string(w) + rest; }
std::string operator+(const Where& w, const char* rest) { return std::string(w) + rest; }

const char* typeName(const Napi::Value& v) {
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsNumber()) return "a number";
  if (v.IsArray()) return "an array";
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsFunction()) return "a function";
  return "an object";
}

const at::Tensor& tensorArg(const Napi::Value& v, const Where& where) {
  TensorSlots::Slot* slot = findSlot(v);
  if (slot == nullptr) {
    Napi::Env env = v.Env();
    if (!v.IsNumber()) throw Napi::TypeError::New(env, where + ": expected a tensor, got " + typeName(v));
    throw Napi::Error::New(env, where + ": the tensor was disposed (used after dispose() or after its scope ended)");
  }
  return slot->tensor;
}

int64_t toInt(const Napi::Value& v, const Where& where) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::TypeError::New(v.Env(), where + ": expected an integer, got " + std::to_string(d));
    }
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless = true;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  throw Napi::TypeError::New(v.Env(), where + ": expected an integer, got " + typeName(v));
}

double toDouble(const Napi::Value& v, const Where& where) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBigInt()) {
    bool lossless = true;
    return static_cast<double>(v.As<Napi::BigInt>().Int64Value(&lossless));
  }
  throw Napi::TypeError::New(v.Env(), where + ": expected a number, got " + typeName(v));
}

// A JS number is an integer Scalar when it has no fraction, so int tensors stay int (x.mul(2)).
c10::Scalar toScalar(const Napi::Value& v, const Where& where) {
  if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) return c10::Scalar(toInt(v, where));
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.007199254740992e15) return c10::Scalar(static_cast<int64_t>(d));
    return c10::Scalar(d);
  }
  throw Napi::TypeError::New(v.Env(), where + ": expected a number or boolean, got " + typeName(v));
}

Napi::Array asArray(const Napi::Value& v, const Where& where) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), where + ": expected an array, got " + typeName(v));
  return v.As<Napi::Array>();
}

c10::IValue toIValue(const Napi::Value& v, const ArgSpec& spec, const Where& where) {
  Napi::Env env = v.Env();
  switch (spec.kind) {
    case Kind::Tensor: return tensorArg(v, where);
    case Kind::Int:
      if (v.IsString()) throw Napi::TypeError::New(env, where + ": expected an integer, got a string");
      return toInt(v, where);
    case Kind::Float: return toDouble(v, where);
    case Kind::Bool:
      if (!v.IsBoolean()) throw Napi::TypeError::New(env, where + ": expected a boolean");
      return v.As<Napi::Boolean>().Value();
    case Kind::Scalar: return toScalar(v, where);
    case Kind::String:
      if (!v.IsString()) throw Napi::TypeError::New(env, where + ": expected a string");
      return v.As<Napi::String>().Utf8Value();
    case Kind::Device:
      if (!v.IsString()) throw Napi::TypeError::New(env, where + ": expected a device string such as 'cpu' or 'cuda:0'");
      return parseDevice(v.As<Napi::String>().Utf8Value());
    case Kind::Generator: throw Napi::TypeError::New(env, where + ": explicit generators are not supported; seed with manualSeed");
    case Kind::IntList: {
      if (v.IsNumber() || v.IsBigInt()) return c10::List<int64_t>({toInt(v, where)});
      auto a = asArray(v, where);
      c10::List<int64_t> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(toInt(a.Get(i), where));
      return out;
    }
    case Kind::FloatList: {
      auto a = asArray(v, where);
      c10::List<double> out;
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(toDouble(a.Get(i), where));
      return out;
    }
    case Kind::BoolList: {
      auto a = asArray(v, where);
      std::vector<bool> values;
      for (uint32_t i = 0; i < a.Length(); i++) values.push_back(a.Get(i).ToBoolean().Value());
      c10::List<bool> out;
      for (bool b : values) out.push_back(b);
      return out;
    }
    case Kind::TensorList: {
      auto a = asArray(v, where);
      c10::List<at::Tensor> out;
      out.reserve(a.Length());
      for (uint32_t i = 0; i < a.Length(); i++) out.push_back(tensorArg(a.Get(i), where));
      return out;
    }
    case Kind::OptionalTensorList: {
      auto a = asArray(v, where);
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value e = a.Get(i);
        if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
        else out.push_back(tensorArg(e, where));
      }
      return out;
    }
    case Kind::ScalarList: {
      auto a = asArray(v, where);
      std::vector<c10::Scalar> values;
      for (uint32_t i = 0; i < a.Length(); i++) values.push_back(toScalar(a.Get(i), where));
      return c10::IValue(values);
    }
    case Kind::Unsupported: break;
  }
  throw Napi::TypeError::New(env, where + ": this argument type cannot be passed from JavaScript");
}

Napi::Value fromIValue(Napi::Env env, c10::IValue&& value) {
  if (value.isTensor()) return wrapTensor(env, std::move(value).toTensor());
  if (value.isNone()) return env.Undefined();
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isScalar()) {
    auto s = value.toScalar();
    return Napi::Number::New(env, s.isIntegral(false) ? static_cast<double>(s.toLong()) : s.toDouble());
  }
  if (value.isTensorList()) {
    auto list = value.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out.Set(static_cast<uint32_t>(i), wrapTensor(env, list.get(i)));
    return out;
  }
  if (value.isIntList()) {
    auto list = value.toIntList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list.get(i))));
    return out;
  }
  if (value.isTuple()) {
    auto elements = value.toTupleRef().elements();
    auto out = Napi::Array::New(env, elements.size());
    for (size_t i = 0; i < elements.size(); i++) out.Set(static_cast<uint32_t>(i), fromIValue(env, c10::IValue(elements[i])));
    return out;
  }
  throw Napi::Error::New(env, std::string("an operator returned a value of kind ") + value.tagKind() + ", which vlsm cannot convert");
}

// The typed handle for a schema of tensors and scalars returning one fresh tensor; none for any
// other schema, or when the registered kernel's C++ signature differs (typed() checks it).
Unboxed unboxedFor(const c10::OperatorHandle& handle, const std::vector<ArgSpec>& args) {
  Unboxed out;
  const auto& returns = handle.schema().returns();
  if (returns.size() != 1 || returns[0].type()->kind() != c10::TypeKind::TensorType || returns[0].alias_info() != nullptr) return out;
  std::string pattern;
  for (const auto& a : args) {
    if (a.optional) return out;
    if (a.kind == Kind::Tensor) pattern += 't';
    else if (a.kind == Kind::Scalar) pattern += 's';
    else return out;
  }
  try {
    if (pattern == "t") out.unary = handle.typed<UnaryFn>();
    else if (pattern == "tt") out.binary = handle.typed<BinaryFn>();
    else if (pattern == "tts") out.binaryScaled = handle.typed<BinaryScaledFn>();
    else if (pattern == "ts") out.tensorScalar = handle.typed<TensorScalarFn>();
    else if (pattern == "tss") out.tensorScalarScalar = handle.typed<TensorScalarScalarFn>();
  } catch (const c10::Error&) {
    return Unboxed{};
  }
  return out;
}

// op(name, overload) -> id, or throws naming the operator.
Napi::Value lookupOp(const Napi::CallbackInfo& info) {
  return guarded(info, "lookupOp", [&]() -> Napi::Value {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 ? info[1].As<Napi::String>().Utf8Value() : "";
    std::string full = overload.empty() ? name : name + "." + overload;
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) throw Napi::Error::New(info.Env(), "libtorch has no operator " + full);
    auto entry = std::make_unique<OpEntry>(OpEntry{*handle, full, {}, {}});
    for (const auto& argument : handle->schema().arguments()) {
      ArgSpec spec;
      spec.name = argument.name();
      c10::TypePtr type = argument.real_type();
      if (type->kind() == c10::TypeKind::OptionalType) {
        spec.optional = true;
        type = type->castRaw<c10::OptionalType>()->getElementType();
      }
      spec.kind = kindOf(type);
      spec.defaultValue = argument.default_value();
      entry->args.push_back(std::move(spec));
    }
    entry->unboxed = unboxedFor(entry->handle, entry->args);
    registry.push_back(std::move(entry));
    return Napi::Number::New(info.Env(), static_cast<double>(registry.size() - 1));
  });
}

// A tensor or scalar argument of an unboxed call: the JS value, or the schema's default.
const at::Tensor& unboxedTensor(const Napi::CallbackInfo& info, const OpEntry& op, size_t i, size_t given) {
  const ArgSpec& spec = op.args[i];
  Napi::Value v = i < given ? info[i + 2] : info.Env().Undefined();
  if (v.IsUndefined() || v.IsNull()) throw Napi::TypeError::New(info.Env(), op.fullName + ": missing argument '" + spec.name + "'");
  return tensorArg(v, Where{op.fullName, spec.name});
}

c10::Scalar unboxedScalar(const Napi::CallbackInfo& info, const OpEntry& op, size_t i, size_t given) {
  const ArgSpec& spec = op.args[i];
  Napi::Value v = i < given ? info[i + 2] : info.Env().Undefined();
  const napi_valuetype type = v.Type();
  if (type == napi_undefined && spec.defaultValue) return spec.defaultValue->toScalar();
  if (type == napi_undefined || type == napi_null) throw Napi::TypeError::New(info.Env(), op.fullName + ": missing argument '" + spec.name + "'");
  return toScalar(v, Where{op.fullName, spec.name});
}

at::Tensor callUnboxed(const Napi::CallbackInfo& info, const OpEntry& op, size_t given) {
  const Unboxed& u = op.unboxed;
  if (u.unary) return u.unary->call(unboxedTensor(info, op, 0, given));
  if (u.binary) return u.binary->call(unboxedTensor(info, op, 0, given), unboxedTensor(info, op, 1, given));
  if (u.binaryScaled) return u.binaryScaled->call(unboxedTensor(info, op, 0, given), unboxedTensor(info, op, 1, given), unboxedScalar(info, op, 2, given));
  if (u.tensorScalar) return u.tensorScalar->call(unboxedTensor(info, op, 0, given), unboxedScalar(info, op, 1, given));
  return u.tensorScalarScalar->call(unboxedTensor(info, op, 0, given), unboxedScalar(info, op, 1, given), unboxedScalar(info, op, 2, given));
}

// callOp(id, discard, ...args): args in schema order; undefined takes the schema's default, null
// is None. `discard` drops the result (in-place ops return the `self` the caller holds).
Napi::Value callOp(const Napi::CallbackInfo& info) {
  return guarded(info, "", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    size_t id = static_cast<size_t>(info[0].As<Napi::Number>().Uint32Value());
    if (id >= registry.size()) throw Napi::RangeError::New(env, "call: unknown operator id");
    const OpEntry& op = *registry[id];
    const bool discard = info[1].ToBoolean().Value();
    const size_t given = info.Length() >= 2 ? info.Length() - 2 : 0;
    // Trailing undefined arguments are optional options the caller left out.
    size_t used = given;
    while (used > op.args.size() && info[used + 1].IsUndefined()) used--;
    if (used > op.args.size()) {
      throw Napi::TypeError::New(env, op.fullName + ": " + std::to_string(given) + " arguments given, the schema takes " + std::to_string(op.args.size()));
    }
    if (op.unboxed.any() && !discard) return wrapTensor(env, callUnboxed(info, op, given));
    // Reused between calls: its capacity stays, so a call allocates no stack. Nothing inside a
    // kernel runs JS, so callOp never re-enters while it is in use.
    static torch::jit::Stack stack;
    struct Clear {
      torch::jit::Stack& s;
      ~Clear() { s.clear(); }  // on every exit: no argument outlives the call
    } clearOnExit{stack};
    stack.clear();
    stack.reserve(op.args.size());
    for (size_t i = 0; i < op.args.size(); i++) {
      const ArgSpec& spec = op.args[i];
      Napi::Value v = i < given ? info[i + 2] : env.Undefined();
      const napi_valuetype type = v.Type();
      if (type == napi_undefined) {
        if (spec.defaultValue) stack.push_back(*spec.defaultValue);
        else if (spec.optional) stack.emplace_back();
        else throw Napi::TypeError::New(env, op.fullName + ": missing argument '" + spec.name + "'");
      } else if (type == napi_null) {
        if (!spec.optional) throw Napi::TypeError::New(env, op.fullName + ": argument '" + spec.name + "' cannot be null");
        stack.emplace_back();
      } else {
        stack.push_back(toIValue(v, spec, Where{op.fullName, spec.name}));
      }
    }
    op.handle.callBoxed(stack);
    // In-place ops return `self`; the caller already holds it and asks us not to wrap it again.
    if (discard) return env.Undefined();
    if (stack.empty()) return env.Undefined();
    if (stack.size() == 1) return fromIValue(env, std::move(stack[0]));
    auto out = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); i++) out.Set(static_cast<uint32_t>(i), fromIValue(env, std::move(stack[i])));
    return out;
  });
}

// returns(id) -> one letter per schema return: 't' a tensor, 'l' a tensor list, 'o' anything else.
// Tensors come back as numeric handles, so the caller needs this to tell them from numbers.
Napi::Value returnKinds(const Napi::CallbackInfo& info) {
  return guarded(info, "returnKinds", [&]() -> Napi::Value {
    size_t id = static_cast<size_t>(info[0].As<Napi::Number>().Uint32Value());
    if (id >= registry.size()) throw Napi::RangeError::New(info.Env(), "returns: unknown operator id");
    std::string kinds;
    for (const auto& r : registry[id]->handle.schema().returns()) {
      const auto& type = r.type();
      if (type->kind() == c10::TypeKind::TensorType) kinds += 't';
      else if (type->kind() == c10::TypeKind::ListType && type->castRaw<c10::ListType>()->getElementType()->kind() == c10::TypeKind::TensorType) kinds += 'l';
      else kinds += 'o';
    }
    return Napi::String::New(info.Env(), kinds);
  });
}

// arity(id) -> the number of arguments the schema takes (callers pass exactly that many).
Napi::Value arity(const Napi::CallbackInfo& info) {
  return guarded(info, "arity", [&]() -> Napi::Value {
    size_t id = static_cast<size_t>(info[0].As<Napi::Number>().Uint32Value());
    if (id >= registry.size()) throw Napi::RangeError::New(info.Env(), "arity: unknown operator id");
    return Napi::Number::New(info.Env(), static_cast<double>(registry[id]->args.size()));
  });
}

// schema(id) -> the operator's schema text, for error messages and tooling.
Napi::Value schemaText(const Napi::CallbackInfo& info) {
  return guarded(info, "schemaText", [&]() -> Napi::Value {
    size_t id = static_cast<size_t>(info[0].As<Napi::Number>().Uint32Value());
    if (id >= registry.size()) throw Napi::RangeError::New(info.Env(), "schema: unknown operator id");
    return Napi::String::New(info.Env(), c10::toString(registry[id]->handle.schema()));
  });
}

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) {
  exports.Set("lookupOp", Napi::Function::New(env, lookupOp));
  exports.Set("callOp", Napi::Function::New(env, callOp));
  exports.Set("schema", Napi::Function::New(env, schemaText));
  exports.Set("returns", Napi::Function::New(env, returnKinds));
  exports.Set("arity", Napi::Function::New(env, arity));
}

}  // namespace vlsm
