// N-API adapters of the dense linear algebra (core/linalg.h). TypeScript has validated everything
// and allocated the outputs; these re-check shapes only to protect the process. Each entry point
// takes a trailing `sync` flag: true runs on the main thread (small problems), false queues an
// AsyncJob on the libuv pool and returns a Promise.
#include <algorithm>
#include <cstdint>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/linalg.h"

namespace {

constexpr long long kMaxDim = 2147483647LL;

uint64_t BigIntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBigInt()) di::ThrowInvalid(info.Env(), std::string(name) + " must be a bigint");
  bool lossless = false;
  const uint64_t v = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) di::ThrowInvalid(info.Env(), std::string(name) + " must be in [0, 2^64)");
  return v;
}

bool BoolArg(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].ToBoolean().Value(); }

Napi::Value Run(const Napi::CallbackInfo& info, bool sync, di::AsyncJob::Work work, std::vector<Napi::Value> keep) {
  Napi::Env env = info.Env();
  if (sync) {
    di::RunSync(env, work);
    return env.Undefined();
  }
  return di::AsyncJob::Start(env, std::move(work), nullptr, std::move(keep));
}

size_t Prod(long long a, long long b) { return static_cast<size_t>(a) * static_cast<size_t>(b); }

// gaussianFill(seed, stream, std, out, sync)
Napi::Value GaussianFill(const Napi::CallbackInfo& info) {
  const uint64_t seed = BigIntArg(info, 0, "seed");
  const uint64_t stream = BigIntArg(info, 1, "stream");
  const double std = di::NumberArg(info, 2, "std");
  if (info.Length() <= 3 || !info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    di::ThrowInvalid(info.Env(), "out must be a Float64Array");
  Napi::Float64Array out = info[3].As<Napi::Float64Array>();
  double* data = out.Data();
  const size_t n = out.ElementLength();
  return Run(info, BoolArg(info, 4), [=]() { return di::GaussianFill(seed, stream, std, data, n); }, {out});
}

// haarOrthogonal(n, seed, stream, out, sync)
Napi::Value HaarOrthogonal(const Napi::CallbackInfo& info) {
  const long long n = di::IntArg(info, 0, "n", 1, 46340);
  const uint64_t seed = BigIntArg(info, 1, "seed");
  const uint64_t stream = BigIntArg(info, 2, "stream");
  Napi::Float64Array out = di::Float64Arg(info, 3, "out", Prod(n, n));
  double* data = out.Data();
  return Run(info, BoolArg(info, 4), [=]() { return di::HaarOrthogonal(static_cast<int>(n), seed, stream, data); }, {out});
}

// singularValues(rows, cols, a, s, sync)
Napi::Value SingularValues(const Napi::CallbackInfo& info) {
  const long long rows = di::IntArg(info, 0, "rows", 1, kMaxDim);
  const long long cols = di::IntArg(info, 1, "cols", 1, kMaxDim);
  Napi::Float64Array a = di::Float64Arg(info, 2, "a", Prod(rows, cols));
  Napi::Float64Array s = di::Float64Arg(info, 3, "s", static_cast<size_t>(std::min(rows, cols)));
  const double* pa = a.Data();
  double* ps = s.Data();
  return Run(info, BoolArg(info, 4),
             [=]() { return di::SingularValues(static_cast<int>(rows), static_cast<int>(cols), pa, ps); }, {a, s});
}

// svd(rows, cols, a, u, s, vt, sync)
Napi::Value Svd(const Napi::CallbackInfo& info) {
  const long long rows = di::IntArg(info, 0, "rows", 1, kMaxDim);
  const long long cols = di::IntArg(info, 1, "cols", 1, kMaxDim);
  const long long k = std::min(rows, cols);
  Napi::Float64Array a = di::Float64Arg(info, 2, "a", Prod(rows, cols));
  Napi::Float64Array u = di::Float64Arg(info, 3, "u", Prod(rows, k));
  Napi::Float64Array s = di::Float64Arg(info, 4, "s", static_cast<size_t>(k));
  Napi::Float64Array vt = di::Float64Arg(info, 5, "vt", Prod(k, cols));
  const double* pa = a.Data();
  double* pu = u.Data();
  double* ps = s.Data();
  double* pvt = vt.Data();
  return Run(info, BoolArg(info, 6),
             [=]() { return di::Svd(static_cast<int>(rows), static_cast<int>(cols), pa, pu, ps, pvt); }, {a, u, s, vt});
}

// matmul(m, k, n, a, b, c, sync)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  const long long m = di::IntArg(info, 0, "m", 1, kMaxDim);
  const long long k = di::IntArg(info, 1, "k", 1, kMaxDim);
  const long long n = di::IntArg(info, 2, "n", 1, kMaxDim);
  Napi::Float64Array a = di::Float64Arg(info, 3, "a", Prod(m, k));
  Napi::Float64Array b = di::Float64Arg(info, 4, "b", Prod(k, n));
  Napi::Float64Array c = di::Float64Arg(info, 5, "c", Prod(m, n));
  const double* pa = a.Data();
  const double* pb = b.Data();
  double* pc = c.Data();
  return Run(info, BoolArg(info, 6),
             [=]() { return di::Matmul(static_cast<int>(m), static_cast<int>(k), static_cast<int>(n), pa, pb, pc); },
             {a, b, c});
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("gaussianFill", Napi::Function::New(env, GaussianFill, "gaussianFill"));
  exports.Set("haarOrthogonal", Napi::Function::New(env, HaarOrthogonal, "haarOrthogonal"));
  exports.Set("singularValues", Napi::Function::New(env, SingularValues, "singularValues"));
  exports.Set("svd", Napi::Function::New(env, Svd, "svd"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
});

}  // namespace
