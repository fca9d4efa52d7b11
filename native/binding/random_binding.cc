// N-API adapter of the seeded random stream (core/rng.h): fills a caller-allocated Float64Array
// with standard normals or uniforms, on the libuv pool (Promise) or synchronously for small counts.
// `out` is allocated by lib/random or lib/linalg and handed out only when the Promise settles, so
// the worker may write it in place (the memory rule in napi_util.h).
#include <cstdint>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/linalg.h"
#include "core/rng.h"

namespace {

using di::BigIntArg;
using di::BoolArg;

// rngFill(kind: 0 normal | 1 uniform, seed: bigint, stream: bigint, out: Float64Array, sync: boolean)
Napi::Value RngFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long kind = di::IntArg(info, 0, "kind", 0, 1);
  const uint64_t seed = BigIntArg(info, 1, "seed");
  const uint64_t stream = BigIntArg(info, 2, "stream");
  Napi::Float64Array out = di::Float64Arg(info, 3, "out");
  double* data = out.Data();
  const size_t n = out.ElementLength();
  auto work = [=]() -> di::Status {
    di::AdviseHugePages(data, n * sizeof(double));
    di::Rng rng(seed, stream);
    if (kind == 0) rng.FillNormal(data, n);
    else rng.FillUniform(data, n);
    return di::Status::Ok();
  };
  if (BoolArg(info, 4)) {
    di::RunSync(env, work);
    return env.Undefined();
  }
  return di::AsyncJob::Start(env, work, nullptr, {out});
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("rngFill", Napi::Function::New(env, RngFill, "rngFill"));
});

}  // namespace
