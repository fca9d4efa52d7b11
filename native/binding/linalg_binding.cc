// N-API adapters of the dense linear algebra (core/linalg.h). TypeScript has validated everything
// and allocated the outputs; these re-check shapes only to protect the process. Each entry point
// takes a trailing `sync` flag: true runs on the main thread (small problems), false queues an
// AsyncJob on the libuv pool and returns a Promise. The matrices a and b of singularValues, svd and
// matmul belong to the user, so the async path copies them into job-owned storage before it
// returns (the memory rule in napi_util.h); the outputs are allocated by lib/linalg.
#include <algorithm>
#include <cstdint>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/linalg.h"

namespace {

constexpr long long kMaxDim = 2147483647LL;

using di::BigIntArg;
using di::BoolArg;

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
  Napi::Float64Array out = di::Float64Arg(info, 3, "out");
  double* data = out.Data();
  const size_t n = out.ElementLength();
  return Run(info, BoolArg(info, 4), [=]() { return di::GaussianFill(seed, stream, std, data, n); }, {out});
}

// haarOrthogonal(n, seed, stream, out, sync)
Napi::Value HaarOrthogonal(const Napi::CallbackInfo& info) {
  const long long n = di::IntArg(info, 0, "n", 1, di::kMaxSquareDim);
  const uint64_t seed = BigIntArg(info, 1, "seed");
  const uint64_t stream = BigIntArg(info, 2, "stream");
  Napi::Float64Array out = di::Float64Arg(info, 3, "out", Prod(n, n));
  double* data = out.Data();
  return Run(info, BoolArg(info, 4), [=]() { return di::HaarOrthogonal(static_cast<int>(n), seed, stream, data); }, {out});
}

// singularValues(rows, cols, a, s, sync)
Napi::Value SingularValues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long rows = di::IntArg(info, 0, "rows", 1, kMaxDim);
  const long long cols = di::IntArg(info, 1, "cols", 1, kMaxDim);
  Napi::Float64Array a = di::Float64Arg(info, 2, "a", Prod(rows, cols));
  Napi::Float64Array s = di::Float64Arg(info, 3, "s", static_cast<size_t>(std::min(rows, cols)));
  const int r = static_cast<int>(rows), c = static_cast<int>(cols);
  double* ps = s.Data();
  if (BoolArg(info, 4)) {
    const double* pa = a.Data();
    di::RunSync(env, [=]() { return di::SingularValues(r, c, pa, ps); });
    return env.Undefined();
  }
  // dgesdd destroys its input anyway: the job-owned copy replaces the core's internal one.
  auto copy = di::CopyInput(env, a.Data(), a.ElementLength(), "a");
  return di::AsyncJob::Start(env, [=]() { return di::SingularValuesDestroying(r, c, copy->data(), ps); }, nullptr, {s});
}

// svd(rows, cols, a, u, s, vt, sync)
Napi::Value Svd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long rows = di::IntArg(info, 0, "rows", 1, kMaxDim);
  const long long cols = di::IntArg(info, 1, "cols", 1, kMaxDim);
  const long long k = std::min(rows, cols);
  Napi::Float64Array a = di::Float64Arg(info, 2, "a", Prod(rows, cols));
  Napi::Float64Array u = di::Float64Arg(info, 3, "u", Prod(rows, k));
  Napi::Float64Array s = di::Float64Arg(info, 4, "s", static_cast<size_t>(k));
  Napi::Float64Array vt = di::Float64Arg(info, 5, "vt", Prod(k, cols));
  const int r = static_cast<int>(rows), c = static_cast<int>(cols);
  double* pu = u.Data();
  double* ps = s.Data();
  double* pvt = vt.Data();
  if (BoolArg(info, 6)) {
    const double* pa = a.Data();
    di::RunSync(env, [=]() { return di::Svd(r, c, pa, pu, ps, pvt); });
    return env.Undefined();
  }
  auto copy = di::CopyInput(env, a.Data(), a.ElementLength(), "a");
  return di::AsyncJob::Start(env, [=]() { return di::SvdDestroying(r, c, copy->data(), pu, ps, pvt); }, nullptr, {u, s, vt});
}

// matmul(m, k, n, a, b, c, sync)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long m = di::IntArg(info, 0, "m", 1, kMaxDim);
  const long long k = di::IntArg(info, 1, "k", 1, kMaxDim);
  const long long n = di::IntArg(info, 2, "n", 1, kMaxDim);
  Napi::Float64Array a = di::Float64Arg(info, 3, "a", Prod(m, k));
  Napi::Float64Array b = di::Float64Arg(info, 4, "b", Prod(k, n));
  Napi::Float64Array c = di::Float64Arg(info, 5, "c", Prod(m, n));
  const int mi = static_cast<int>(m), ki = static_cast<int>(k), ni = static_cast<int>(n);
  double* pc = c.Data();
  if (BoolArg(info, 6)) {
    const double* pa = a.Data();
    const double* pb = b.Data();
    di::RunSync(env, [=]() { return di::Matmul(mi, ki, ni, pa, pb, pc); });
    return env.Undefined();
  }
  // O(mk + kn) copies against O(mkn) work; a and b may even be the same buffer.
  auto ca = di::CopyInput(env, a.Data(), a.ElementLength(), "a");
  auto cb = di::CopyInput(env, b.Data(), b.ElementLength(), "b");
  return di::AsyncJob::Start(env, [=]() { return di::Matmul(mi, ki, ni, ca->data(), cb->data(), pc); }, nullptr, {c});
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("gaussianFill", Napi::Function::New(env, GaussianFill, "gaussianFill"));
  exports.Set("haarOrthogonal", Napi::Function::New(env, HaarOrthogonal, "haarOrthogonal"));
  exports.Set("singularValues", Napi::Function::New(env, SingularValues, "singularValues"));
  exports.Set("svd", Napi::Function::New(env, Svd, "svd"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
});

}  // namespace
