// backendInfo() and the OpenBLAS thread setting.
#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/blas_threads.h"

namespace {

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  di::BlasInfo b = di::GetBlasInfo();
  Napi::Object o = Napi::Object::New(env);
  o.Set("config", b.config);
  o.Set("coreName", b.coreName);
  o.Set("threads", b.numThreads);
  o.Set("processors", b.numProcs);
  o.Set("parallelMode", b.parallelMode);
  o.Set("napiVersion", NAPI_VERSION);
  return o;
}

Napi::Value SetBlasThreads(const Napi::CallbackInfo& info) {
  long long n = di::IntArg(info, 0, "threads", 1, 1024);
  di::SetBlasThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo, "blasInfo"));
  exports.Set("setBlasThreads", Napi::Function::New(env, SetBlasThreads, "setBlasThreads"));
});

}  // namespace
