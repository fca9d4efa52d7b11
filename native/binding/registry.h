// Each binding file registers its exports here with a static `di::Register` object, so that adding
// an entry point never means editing a shared list (addon.cc just walks the registry at load).
#pragma once
#include <napi.h>

#include <vector>

namespace di {

using ExportFn = void (*)(Napi::Env, Napi::Object);

inline std::vector<ExportFn>& Registry() {
  static std::vector<ExportFn> fns;
  return fns;
}

struct Register {
  explicit Register(ExportFn fn) { Registry().push_back(fn); }
};

}  // namespace di
