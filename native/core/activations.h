// Activations phi and phi' for the native forward pass (empirical Jacobians) and the parity tests:
// the same formulas as lib/activations/builtins.ts (ids match the TypeScript table's nativeId and
// the public contract). Pure C++17, no N-API.
//
// Kink conventions (as in TypeScript): relu'(0) = 0, leaky-relu'(0) = slope, hard-tanh'(+-1) = 0,
// elu'(0) = alpha, selu'(0) = lambda alpha.
#pragma once
#include <cstddef>

namespace di {

enum class ActivationId : int {
  kLinear = 0,
  kRelu = 1,
  kLeakyRelu = 2,
  kHardTanh = 3,
  kTanh = 4,
  kErf = 5,
  kSigmoid = 6,
  kSoftplus = 7,
  kElu = 8,
  kSelu = 9,
  kGelu = 10,
  kSilu = 11,
};

// Number of built-in activations (ids 0 .. kActivationCount - 1).
constexpr int kActivationCount = 12;

// True when id is one of the ids above.
bool IsValidActivationId(int id);

// phi(x) and phi'(x). `param` is the activation's parameter (leaky-relu slope, elu alpha), else ignored.
double Phi(ActivationId id, double param, double x);
double DPhi(ActivationId id, double param, double x);

// phi[i] = phi(h[i]) and dphi[i] = phi'(h[i]) for i < n. Either output may be null (not computed).
// One switch per call and a plain loop per activation, so the compiler can vectorise the
// piecewise-linear ones; the smooth ones call libm once or twice per entry.
void ApplyActivation(ActivationId id, double param, const double* h, double* phi, double* dphi, std::size_t n);

}  // namespace di
