// Status codes shared by the C++ core and the TypeScript layer (lib/errors.ts mirrors this table;
// test/unit/backend.test.ts checks that the two agree). The core never throws across the
// N-API boundary: every entry point returns a Status, which the binding turns into a JS error.
#pragma once
#include <string>

namespace di {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,   // the binding re-checks what TypeScript validated; should not happen
  kOutOfMemory = 2,       // an allocation failed (std::bad_alloc)
  kLapackError = 3,       // a LAPACK routine returned info != 0
  kNoConvergence = 4,     // an iterative solver did not reach its tolerance
  kCancelled = 5,         // an AbortSignal fired; the work stopped between layers/points
  kInternal = 6,          // anything else (a bug): reported, never a crash
  kOverflow = 7,          // a result is not representable (e.g. J J^T overflows at this depth)
};

struct Status {
  StatusCode code = StatusCode::kOk;
  std::string message;    // human-readable, names the routine or parameter
  std::string routine;    // LAPACK routine or solver name, when relevant
  long long info = 0;     // LAPACK info, iteration count or similar detail

  bool ok() const { return code == StatusCode::kOk; }
  static Status Ok() { return Status{}; }
  static Status Error(StatusCode c, std::string msg, std::string routine = "", long long info = 0) {
    Status s;
    s.code = c;
    s.message = std::move(msg);
    s.routine = std::move(routine);
    s.info = info;
    return s;
  }
};

// Stable string codes, identical to the `code` property of the TypeScript errors.
inline const char* StatusCodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "ERR_DI_INVALID_ARGUMENT";
    case StatusCode::kOutOfMemory: return "ERR_DI_OUT_OF_MEMORY";
    case StatusCode::kLapackError: return "ERR_DI_LAPACK";
    case StatusCode::kNoConvergence: return "ERR_DI_NO_CONVERGENCE";
    case StatusCode::kCancelled: return "ERR_DI_ABORTED";
    case StatusCode::kInternal: return "ERR_DI_INTERNAL";
    case StatusCode::kOverflow: return "ERR_DI_OVERFLOW";
  }
  return "ERR_DI_INTERNAL";
}

}  // namespace di
