// N-API adapters of the free-probability solver (core/free_solver.h). TypeScript
// (lib/free/backend.ts) has validated and packed everything and allocated the outputs; the problem
// is copied into a plain struct here, then solved synchronously (small grids) or on the libuv pool.
// Memory rule (napi_util.h): params and nodes are copied into the job here; lam, seg, out, status,
// stats and control are allocated by lib/free (a user's `at` grid is copied by finiteNumberList)
// and handed out only after the Promise settles, so the worker may use them in place.
#include <cstdint>
#include <memory>
#include <string>

#include "binding/napi_util.h"
#include "binding/registry.h"
#include "core/free_solver.h"

namespace {

struct GridJob {
  di::FreeProblem problem;
  const double* lam = nullptr;
  const int32_t* seg = nullptr;
  size_t n = 0;
  bool wantCdf = false;
  double* out = nullptr;  // density | cdf | wRe | wIm
  uint8_t* status = nullptr;
  double* stats = nullptr;  // iterations, maxResidual, failures
  di::JobControl control;  // [cancel, progress] of the shared Int32Array (async calls only)
};

// Unpacks (params, nodes, lam, seg, wantCdf, out, status, stats[, control]); see lib/free/backend.ts.
// control (async only) is an Int32Array(2): [cancel flag (JS writes), grid points done (worker writes)].
std::shared_ptr<GridJob> Unpack(const Napi::CallbackInfo& info, std::vector<Napi::Value>* keep) {
  Napi::Env env = info.Env();
  Napi::Float64Array params = di::Float64Arg(info, 0, "params");
  // [depth, logScale, gaussian, p0, logMu1, n_e, then n_e pairs (endD, endMass)] (lib/free/backend.ts)
  if (params.ElementLength() < 6) di::ThrowInvalid(env, "params must have length 6 + 2 n_e");
  const double endCount = params[5];
  if (!(endCount >= 0 && endCount <= 8) || endCount != static_cast<double>(static_cast<int>(endCount)) ||
      params.ElementLength() != 6 + 2 * static_cast<size_t>(endCount))
    di::ThrowInvalid(env, "params must have length 6 + 2 n_e");
  Napi::Float64Array nodes = di::Float64Arg(info, 1, "nodes");
  Napi::Float64Array lam = di::Float64Arg(info, 2, "lam");
  const size_t n = lam.ElementLength();
  Napi::Int32Array seg = di::Int32Arg(info, 3, "seg");
  if (seg.ElementLength() != n) di::ThrowInvalid(env, "seg must have the length of lam");
  const bool wantCdf = info.Length() > 4 && info[4].ToBoolean().Value();
  Napi::Float64Array out = di::Float64Arg(info, 5, "out", 4 * n);
  Napi::Uint8Array status = di::Uint8Arg(info, 6, "status");
  if (status.ElementLength() != n) di::ThrowInvalid(env, "status must have the length of lam");
  Napi::Float64Array stats = di::Float64Arg(info, 7, "stats", 3);
  const size_t m4 = nodes.ElementLength();
  if (m4 % 4 != 0) di::ThrowInvalid(env, "nodes must hold 4 arrays of equal length");
  const size_t m = m4 / 4;
  const double depth = params[0];
  if (!(depth >= 1 && depth <= 1e9) || depth != static_cast<double>(static_cast<long long>(depth)))
    di::ThrowInvalid(env, "depth must be an integer >= 1");

  auto job = std::make_shared<GridJob>();
  job->problem.depth = static_cast<int>(depth);
  job->problem.logScale = params[1];
  job->problem.gaussian = params[2] != 0;
  job->problem.p0 = params[3];
  job->problem.logMu1 = params[4];
  for (int k = 0; k < static_cast<int>(endCount); ++k) {
    job->problem.endD.push_back(params[6 + 2 * k]);
    job->problem.endMass.push_back(params[7 + 2 * k]);
  }
  const double* nd = nodes.Data();
  job->problem.dRe.assign(nd, nd + m);
  job->problem.dIm.assign(nd + m, nd + 2 * m);
  job->problem.cRe.assign(nd + 2 * m, nd + 3 * m);
  job->problem.cIm.assign(nd + 3 * m, nd + 4 * m);
  job->lam = lam.Data();
  job->seg = seg.Data();
  job->n = n;
  job->wantCdf = wantCdf;
  job->out = out.Data();
  job->status = status.Data();
  job->stats = stats.Data();
  if (keep) {
    *keep = {lam, seg, out, status, stats};
    if (info.Length() > 8 && !info[8].IsUndefined()) {
      Napi::Int32Array control = di::Int32Arg(info, 8, "control");
      if (control.ElementLength() != 2) di::ThrowInvalid(env, "control must be an Int32Array of length 2");
      job->control = di::JobControlOf(control);
      keep->push_back(control);
    }
  }
  return job;
}

di::Status RunJob(const GridJob& j) {
  di::FreeGridStats st;
  double* o = j.out;
  di::Status s = di::FreeSolveGrid(j.problem, j.lam, j.seg, j.n, j.wantCdf, o, j.wantCdf ? o + j.n : nullptr, o + 2 * j.n,
                                   o + 3 * j.n, j.status, &st, j.control);
  j.stats[0] = st.iterations;
  j.stats[1] = st.maxResidual;
  j.stats[2] = st.failures;
  return s;
}

Napi::Value FreeSolveGrid(const Napi::CallbackInfo& info) {
  std::vector<Napi::Value> keep;
  std::shared_ptr<GridJob> job = Unpack(info, &keep);
  return di::AsyncJob::Start(info.Env(), [job]() { return RunJob(*job); }, nullptr, std::move(keep));
}

Napi::Value FreeSolveGridSync(const Napi::CallbackInfo& info) {
  std::shared_ptr<GridJob> job = Unpack(info, nullptr);
  di::RunSync(info.Env(), [&]() { return RunJob(*job); });
  return info.Env().Undefined();
}

di::Register reg([](Napi::Env env, Napi::Object exports) {
  exports.Set("freeSolveGrid", Napi::Function::New(env, FreeSolveGrid, "freeSolveGrid"));
  exports.Set("freeSolveGridSync", Napi::Function::New(env, FreeSolveGridSync, "freeSolveGridSync"));
});

}  // namespace
