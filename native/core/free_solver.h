// Free-probability solver for the spectrum of J J^T (THEORY §3.5(b), §8.5): the C++ twin of
// lib/free/solver-js.ts (same algorithm, same constants; test/free/parity.test.ts checks ~1e-12).
//
// Subordination form: with m = M_{D^2}(w) = sum_j c_j d_j/(w - d_j) (atoms and quadrature nodes,
// complex for contour rules),
//   orthogonal: log z(w) = L log s2 + L log w + (L-1)[log m - log(1+m)]
//   Gaussian:   log z(w) = L log s2 + L log w + (L-1) log m + log(1+m)
// Newton on log z(w) - log lambda - i theta (imaginary part mod 2 pi), damped and backtracking;
// the physical branch by continuation from the negative axis (theta: pi -> 0) and warm starts along
// the grid; rho = -Im m/(pi lambda); F = 1 - Im H(w)/pi (H = L K + (L-1) log(1+m) orthogonal,
// L K + L m - log(1+m) Gaussian, K = E log(1 - d/w)).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "job_control.h"
#include "status.h"

namespace di {

struct FreeProblem {
  int depth = 1;
  double logScale = 0;   // L log(weightStd^2)
  bool gaussian = false;
  double p0 = 0;         // mass of the D^2 atom at 0
  double logMu1 = 0;
  // the rule's truncated ends: d there and the Gaussian mass just before (solver-js.ts resolvedByRule)
  std::vector<double> endD, endMass;
  std::vector<double> dRe, dIm, cRe, cIm;  // nodes d_j and weights c_j
};

// Per-point status codes (lib/free/solver-js.ts PointStatus).
enum FreePointStatus : uint8_t { kFreeOk = 0, kFreeOutside = 1, kFreeNoConvergence = 2 };

struct FreeGridStats {
  double iterations = 0;
  double maxResidual = 0;
  double failures = 0;
};

// Solves at ascending lam[i] (> 0 inside a support segment seg[i] >= 0; others get density 0).
// Outputs: density[n], cdf[n] (if wantCdf), wRe[n], wIm[n], status[n]. Never throws. Returns
// kCancelled (info = points done) when control.cancel is set (polled before every grid point); the
// outputs are then partial. control.progress receives the number of grid points done.
Status FreeSolveGrid(const FreeProblem& p, const double* lam, const int32_t* seg, size_t n, bool wantCdf,
                     double* density, double* cdf, double* wRe, double* wIm, uint8_t* status, FreeGridStats* stats,
                     const JobControl& control = JobControl());

}  // namespace di
