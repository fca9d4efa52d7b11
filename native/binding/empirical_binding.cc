// N-API adapters of the sampled-network Jacobian spectra (core/jacobian.h) and of the Haar reflector
// sampler (core/haar_reflectors.h). lib/empirical/ has validated everything and allocated every
// output; these re-checks only protect the process. The outputs and the control array of
// empiricalSampleJacobian are lib/empirical's own (handed out only after the Promise settles), so
// the worker writes them in place; empiricalHaarApply's in-place matrix may be anyone's, so it is
// copied in and written back on the main thread (the memory rule in napi_util.h).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/activations.h"
#include "core/haar_reflectors.h"
#include "core/jacobian.h"
#include "core/rng.h"

namespace {

using di::BigIntValue;
using di::kMaxSquareDim;

size_t SizeField(const Napi::Object& job, const char* name, long long lo, long long hi) {
  return static_cast<size_t>(di::IntField(job, "job", name, lo, hi));
}

double Field(const Napi::Object& job, const char* name) { return di::NumberField(job, "job", name); }

// sampleJacobian(job, eigenvalues, qPerLayer, jacobian | null, control) -> Promise<void>
// job = { width, depth, orthogonal, weightStd, biasStd, qStar, activationId, activationParam, seed (bigint),
//         stream (bigint), haarBlockSize, prefetchRandom }; control = Int32Array [cancel, progress, structuralZeros].
Napi::Value SampleJacobian(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsObject()) di::ThrowInvalid(env, "job must be an object");
  Napi::Object job = info[0].As<Napi::Object>();
  di::JacobianSpec spec;
  spec.width = SizeField(job, "width", 1, kMaxSquareDim);
  spec.depth = SizeField(job, "depth", 1, 1LL << 30);
  spec.orthogonal = job.Get("orthogonal").ToBoolean().Value();
  spec.weightStd = Field(job, "weightStd");
  spec.biasStd = Field(job, "biasStd");
  spec.qStar = Field(job, "qStar");
  spec.activation = static_cast<di::ActivationId>(SizeField(job, "activationId", 0, di::kActivationCount - 1));
  spec.activationParam = Field(job, "activationParam");
  spec.seed = BigIntValue(env, job.Get("seed"), "job.seed");
  spec.stream = BigIntValue(env, job.Get("stream"), "job.stream");
  spec.haarBlockSize = SizeField(job, "haarBlockSize", 1, 4096);
  spec.prefetchRandom = job.Get("prefetchRandom").ToBoolean().Value();
  if (!(spec.weightStd > 0.0) || !(spec.biasStd >= 0.0) || !(spec.qStar >= 0.0))
    di::ThrowInvalid(env, "job: weightStd > 0, biasStd >= 0 and qStar >= 0 are required");

  Napi::Float64Array ev = di::Float64Arg(info, 1, "eigenvalues", spec.width);
  Napi::Float64Array q = di::Float64Arg(info, 2, "qPerLayer", spec.depth);
  std::vector<Napi::Value> keep = {ev, q};
  di::JacobianOutputs out;
  out.eigenvalues = ev.Data();
  out.qPerLayer = q.Data();
  if (di::OptionalArg(info, 3)) {
    Napi::Float64Array jac = di::Float64Arg(info, 3, "jacobian", spec.width * spec.width);
    out.jacobian = jac.Data();
    keep.push_back(jac);
  }
  Napi::Int32Array control = di::Int32Arg(info, 4, "control", 3);
  keep.push_back(control);
  out.structuralZeros = control.Data() + 2;
  const di::JobControl ctl = di::JobControlOf(control);
  return di::AsyncJob::Start(env, [spec, out, ctl]() { return di::SampleJacobian(spec, out, ctl); }, nullptr,
                             std::move(keep));
}

// haarFactors(n, seed, stream, v (n*n), tau (n), sign (n)): the reflectors of one Haar draw (sync, O(n^2)).
Napi::Value HaarFactors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long n = di::IntArg(info, 0, "n", 1, kMaxSquareDim);
  const uint64_t seed = BigIntValue(env, info[1], "seed");
  const uint64_t stream = BigIntValue(env, info[2], "stream");
  Napi::Float64Array v = di::Float64Arg(info, 3, "v", static_cast<size_t>(n * n));
  Napi::Float64Array tau = di::Float64Arg(info, 4, "tau", static_cast<size_t>(n));
  Napi::Float64Array sign = di::Float64Arg(info, 5, "sign", static_cast<size_t>(n));
  di::RunSync(env, [&]() {
    di::Rng rng(seed, stream);
    di::SampleHaarFactors(rng, static_cast<size_t>(n), v.Data(), tau.Data(), sign.Data());
    return di::Status::Ok();
  });
  return env.Undefined();
}

// haarApply(n, seed, stream, a (row-major n x cols), cols, blockSize, useOrmqr) -> Promise<void>:
// a <- Q a for the Haar Q drawn from (seed, stream); Q itself is haarApply on the identity.
Napi::Value HaarApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long n = di::IntArg(info, 0, "n", 1, kMaxSquareDim);
  const uint64_t seed = BigIntValue(env, info[1], "seed");
  const uint64_t stream = BigIntValue(env, info[2], "stream");
  const long long cols = di::IntArg(info, 4, "cols", 1, 1LL << 30);
  Napi::Float64Array a = di::Float64Arg(info, 3, "a", static_cast<size_t>(n) * static_cast<size_t>(cols));
  const long long nb = di::IntArg(info, 5, "blockSize", 1, 4096);
  const bool ormqr = info.Length() > 6 && info[6].ToBoolean().Value();
  auto copy = di::CopyInput(env, a.Data(), a.ElementLength(), "a");
  auto target = std::make_shared<Napi::Reference<Napi::Float64Array>>(Napi::Persistent(a));
  return di::AsyncJob::Start(
      env,
      [=]() {
        const size_t nn = static_cast<size_t>(n), cc = static_cast<size_t>(cols), bb = static_cast<size_t>(nb);
        std::vector<double> v(nn * nn), tau(nn), sign(nn);
        di::Rng rng(seed, stream);
        di::SampleHaarFactors(rng, nn, v.data(), tau.data(), sign.data());
        double* pa = copy->data();
        if (ormqr) return di::ApplyHaarLeftOrmqr(nn, v.data(), tau.data(), sign.data(), 1.0, pa, cc, cc);
        std::vector<double> work(di::HaarApplyWorkspaceSize(nn, cc, bb));
        return di::ApplyHaarLeft(nn, v.data(), tau.data(), sign.data(), 1.0, pa, cc, cc, bb, work.data());
      },
      [copy, target](Napi::Env e) -> Napi::Value {
        di::CopyBack(e, *target, *copy, "a");
        return e.Undefined();
      });
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("empiricalSampleJacobian", Napi::Function::New(env, SampleJacobian, "empiricalSampleJacobian"));
  exports.Set("empiricalHaarFactors", Napi::Function::New(env, HaarFactors, "empiricalHaarFactors"));
  exports.Set("empiricalHaarApply", Napi::Function::New(env, HaarApply, "empiricalHaarApply"));
});

}  // namespace
