// Addon entry point: walks the registry that every binding file fills (registry.h).
#include <napi.h>

#include "binding/registry.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (di::ExportFn fn : di::Registry()) fn(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(dynamical_isometry, Init)
