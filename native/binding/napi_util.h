// The helpers every N-API adapter uses (the only place they are defined): argument unpacking
// (TypeScript has already validated; these re-checks only guard the process), the job control of a
// shared Int32Array, Status -> JS error, and a generic Promise-returning AsyncWorker whose Execute()
// touches no JS value.
//
// THE MEMORY RULE OF ASYNC JOBS: an async job never reads or writes caller-owned memory after the
// call returns, unless the library allocated it. A persistent reference (the keepAlive argument of
// AsyncJob::Start) keeps a typed array OBJECT alive, not its memory: while the job runs, the caller
// can detach the ArrayBuffer (structuredClone(buf, { transfer: [buf] }), postMessage transfer,
// ArrayBuffer.prototype.transfer), after which V8 frees or hands over the backing store and the
// worker would read or write freed memory. So:
//   - inputs that come from the user (a matrix passed to matmul/svd, a dataset's labels) are copied
//     on the main thread into job-owned storage with CopyInput (a memcpy, small next to the job);
//   - outputs, scratch and control arrays that lib/ allocates itself and does not hand out before
//     the Promise settles may be written in place (kept alive through keepAlive);
//   - an in-place argument that may be caller-owned is copied in with CopyInput and written back on
//     the main thread by the resolve callback with CopyBack (which refuses a detached array).
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/job_control.h"
#include "core/status.h"

namespace di {

// Builds an Error whose `code`, `routine` and `info` mirror the Status; lib/backend/native.ts
// rewraps it into the library's typed error classes.
inline Napi::Error StatusToError(Napi::Env env, const Status& s) {
  Napi::Error err = Napi::Error::New(env, s.message.empty() ? StatusCodeName(s.code) : s.message);
  err.Set("code", Napi::String::New(env, StatusCodeName(s.code)));
  if (!s.routine.empty()) err.Set("routine", Napi::String::New(env, s.routine));
  err.Set("info", Napi::Number::New(env, static_cast<double>(s.info)));
  return err;
}

[[noreturn]] inline void ThrowStatus(Napi::Env env, const Status& s) { throw StatusToError(env, s); }

inline void ThrowInvalid(Napi::Env env, const std::string& msg) {
  ThrowStatus(env, Status::Error(StatusCode::kInvalidArgument, msg));
}

// ---- Argument helpers: every binding unpacks its arguments with these, so a malformed direct call
// gets the same message shape everywhere: "<name> must be <what>" (code ERR_DI_INVALID_ARGUMENT).

// Largest n of an n x n matrix: n^2 < 2^31 (LAPACK's 32-bit sizes).
constexpr long long kMaxSquareDim = 46340;

inline double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) ThrowInvalid(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// v as an integer in [lo, hi]; `name` is what the message calls it.
inline long long IntValue(Napi::Env env, double v, const std::string& name, long long lo, long long hi) {
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != static_cast<double>(static_cast<long long>(v)))
    ThrowInvalid(env, name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<long long>(v);
}

inline long long IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, long long lo, long long hi) {
  return IntValue(info.Env(), NumberArg(info, i, name), name, lo, hi);
}

// Whether argument i was passed as something other than undefined or null (an optional array).
inline bool OptionalArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull();
}

// The element type and the name in messages of each typed array the bindings take.
template <typename A>
struct TypedArrayKind;
template <>
struct TypedArrayKind<Napi::Float64Array> {
  static constexpr napi_typedarray_type kType = napi_float64_array;
  static constexpr const char* kName = "a Float64Array";
};
template <>
struct TypedArrayKind<Napi::Int32Array> {
  static constexpr napi_typedarray_type kType = napi_int32_array;
  static constexpr const char* kName = "an Int32Array";
};
template <>
struct TypedArrayKind<Napi::Uint8Array> {
  static constexpr napi_typedarray_type kType = napi_uint8_array;
  static constexpr const char* kName = "a Uint8Array";
};

// Argument i as a typed array of type A, of any length.
template <typename A>
A TypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<A>::kType)
    ThrowInvalid(info.Env(), std::string(name) + " must be " + TypedArrayKind<A>::kName);
  return info[i].As<A>();
}

// Argument i as a typed array of type A and exactly `length` elements.
template <typename A>
A TypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length) {
  A a = TypedArrayArg<A>(info, i, name);
  if (a.ElementLength() != length) ThrowInvalid(info.Env(), std::string(name) + " must have length " + std::to_string(length));
  return a;
}

inline Napi::Float64Array Float64Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return TypedArrayArg<Napi::Float64Array>(info, i, name);
}
inline Napi::Float64Array Float64Arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length) {
  return TypedArrayArg<Napi::Float64Array>(info, i, name, length);
}
inline Napi::Int32Array Int32Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return TypedArrayArg<Napi::Int32Array>(info, i, name);
}
inline Napi::Int32Array Int32Arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t length) {
  return TypedArrayArg<Napi::Int32Array>(info, i, name, length);
}
inline Napi::Uint8Array Uint8Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return TypedArrayArg<Napi::Uint8Array>(info, i, name);
}

// Fields of an options object (the job of empiricalSampleJacobian, the config of the training
// entry points); `object` names it in messages ("job.width must be ...").
inline double NumberField(const Napi::Object& o, const char* object, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) ThrowInvalid(o.Env(), std::string(object) + "." + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline long long IntField(const Napi::Object& o, const char* object, const char* name, long long lo, long long hi) {
  return IntValue(o.Env(), NumberField(o, object, name), std::string(object) + "." + name, lo, hi);
}

inline uint64_t BigIntValue(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsBigInt()) ThrowInvalid(env, std::string(name) + " must be a bigint");
  bool lossless = false;
  const uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) ThrowInvalid(env, std::string(name) + " must be in [0, 2^64)");
  return r;
}

inline uint64_t BigIntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i) ThrowInvalid(info.Env(), std::string(name) + " must be a bigint");
  return BigIntValue(info.Env(), info[i], name);
}

// A missing argument is false; anything else is converted by JS truthiness.
inline bool BoolArg(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].ToBoolean().Value(); }

// The cancel and progress slots of a control Int32Array (core/job_control.h), which the caller has
// checked to have at least two elements and keeps alive through the job's keepAlive references.
inline JobControl JobControlOf(Napi::Int32Array control) { return JobControl::FromSlots(control.Data()); }

// A job-owned copy of n elements of caller memory, made now (on the main thread); see the memory
// rule at the top of this file. Running out of memory becomes ERR_DI_OUT_OF_MEMORY, not a crash.
template <typename T>
std::shared_ptr<std::vector<T>> CopyInput(Napi::Env env, const T* data, size_t n, const char* name) {
  try {
    auto copy = std::make_shared<std::vector<T>>(n);
    if (n > 0) std::memcpy(copy->data(), data, n * sizeof(T));
    return copy;
  } catch (const std::bad_alloc&) {
    ThrowStatus(env, Status::Error(StatusCode::kOutOfMemory, std::string("out of memory copying ") + name + " for a native job"));
  }
}

// Writes a job's result back into a caller's Float64Array on the main thread (from a resolve
// callback). Throws (the Promise rejects) if the array was detached or resized while the job ran.
inline void CopyBack(Napi::Env env, const Napi::Reference<Napi::Float64Array>& target, const std::vector<double>& from,
                     const char* name) {
  Napi::Float64Array a = target.Value();
  if (a.IsEmpty() || a.ArrayBuffer().IsDetached() || a.ElementLength() != from.size())
    ThrowInvalid(env, std::string(name) + " was detached or resized while the native job ran; its result is lost");
  if (!from.empty()) std::memcpy(a.Data(), from.data(), from.size() * sizeof(double));
}

// Runs `work` on the libuv thread pool and settles a Promise. `work` must not touch JS values; it
// returns a Status (exceptions such as std::bad_alloc are caught and mapped). `resolve` runs back on
// the main thread and builds the resolved value. Typed arrays that `work` reads or writes must be
// kept alive by the caller through `keepAlive` references (the keepAlive argument of Start), and
// must be library-allocated: caller-owned memory is copied first (the memory rule at the top).
class AsyncJob : public Napi::AsyncWorker {
 public:
  using Work = std::function<Status()>;
  using Resolve = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise Start(Napi::Env env, Work work, Resolve resolve, std::vector<Napi::Value> keepAlive = {}) {
    auto* job = new AsyncJob(env, std::move(work), std::move(resolve));
    for (auto& v : keepAlive) job->refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    Napi::Promise p = job->deferred_.Promise();
    job->Queue();
    return p;
  }

 protected:
  void Execute() override {
    try {
      status_ = work_();
    } catch (const std::bad_alloc&) {
      status_ = Status::Error(StatusCode::kOutOfMemory, "out of memory in native worker");
    } catch (const std::exception& e) {
      status_ = Status::Error(StatusCode::kInternal, std::string("native worker failed: ") + e.what());
    } catch (...) {
      status_ = Status::Error(StatusCode::kInternal, "native worker failed with an unknown exception");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok()) {
      deferred_.Reject(StatusToError(env, status_).Value());
      return;
    }
    try {
      deferred_.Resolve(resolve_ ? resolve_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  AsyncJob(Napi::Env env, Work work, Resolve resolve)
      : Napi::AsyncWorker(env, "dynamical-isometry"), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), resolve_(std::move(resolve)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Resolve resolve_;
  Status status_;
  std::vector<Napi::ObjectReference> refs_;
};

// Runs a Status-returning function synchronously, mapping exceptions the same way as AsyncJob.
inline void RunSync(Napi::Env env, const std::function<Status()>& fn) {
  Status s;
  try {
    s = fn();
  } catch (const Napi::Error&) {
    throw;  // already a JS error (e.g. from ThrowInvalid): let node-addon-api deliver it
  } catch (const std::bad_alloc&) {
    s = Status::Error(StatusCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    s = Status::Error(StatusCode::kInternal, std::string("native call failed: ") + e.what());
  } catch (...) {
    s = Status::Error(StatusCode::kInternal, "native call failed with an unknown exception");
  }
  if (!s.ok()) ThrowStatus(env, s);
}

}  // namespace di
