// evaluateActivation(id, param, xs) -> { phi, dphi }: phi and phi' of a built-in activation at the
// points xs (a Float64Array), synchronously. Used by the C++/TypeScript parity tests; the forward
// pass of sampled networks calls di::ApplyActivation directly in the core.
#include <string>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/activations.h"

namespace {

Napi::Value EvaluateActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const long long id = di::IntArg(info, 0, "id", 0, di::kActivationCount - 1);
  const double param = di::NumberArg(info, 1, "param");
  Napi::Float64Array xs = di::Float64Arg(info, 2, "xs");
  const size_t n = xs.ElementLength();
  Napi::Float64Array phi = Napi::Float64Array::New(env, n);
  Napi::Float64Array dphi = Napi::Float64Array::New(env, n);
  const double* h = xs.Data();
  double* p = phi.Data();
  double* d = dphi.Data();
  di::RunSync(env, [&]() {
    di::ApplyActivation(static_cast<di::ActivationId>(id), param, h, p, d, n);
    return di::Status::Ok();
  });
  Napi::Object out = Napi::Object::New(env);
  out.Set("phi", phi);
  out.Set("dphi", dphi);
  return out;
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("evaluateActivation", Napi::Function::New(env, EvaluateActivation, "evaluateActivation"));
});

}  // namespace
