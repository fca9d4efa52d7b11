// Small helpers shared by the N-API adapters: argument unpacking (TypeScript has already validated;
// these re-checks only guard the process), Status -> JS error, and a generic Promise-returning
// AsyncWorker whose Execute() touches no JS value.
#pragma once
#include <napi.h>

#include <functional>
#include <new>
#include <string>
#include <utility>

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

inline double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) ThrowInvalid(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline long long IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, long long lo, long long hi) {
  double v = NumberArg(info, i, name);
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != static_cast<double>(static_cast<long long>(v)))
    ThrowInvalid(info.Env(), std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<long long>(v);
}

inline Napi::Float64Array Float64Arg(const Napi::CallbackInfo& info, size_t i, const char* name, size_t expectedLength) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    ThrowInvalid(info.Env(), std::string(name) + " must be a Float64Array");
  Napi::Float64Array a = info[i].As<Napi::Float64Array>();
  if (a.ElementLength() != expectedLength)
    ThrowInvalid(info.Env(), std::string(name) + " must have length " + std::to_string(expectedLength));
  return a;
}

// Runs `work` on the libuv thread pool and settles a Promise. `work` must not touch JS values; it
// returns a Status (exceptions such as std::bad_alloc are caught and mapped). `resolve` runs back on
// the main thread and builds the resolved value. Typed arrays that `work` reads or writes must be
// kept alive by the caller through `keepAlive` references (the keepAlive argument of Start).
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
  } catch (const std::bad_alloc&) {
    s = Status::Error(StatusCode::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    s = Status::Error(StatusCode::kInternal, e.what());
  }
  if (!s.ok()) ThrowStatus(env, s);
}

}  // namespace di
