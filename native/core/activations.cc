// Built-in activations: see activations.h. Formulas mirror lib/activations/builtins.ts term by term
// (the CMake flags forbid FMA contraction), so phi and phi' agree with TypeScript to a few ulps: the
// only differences are libm versus V8 for tanh/cosh/exp/log1p/expm1 and std::erf/erfc versus the
// TypeScript erf (both within a few ulps of the exact value).
#include "activations.h"

#include <cmath>

namespace di {
namespace {

constexpr double kSeluLambda = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;
constexpr double kSqrt1_2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

inline double Sigmoid(double x) {
  if (x >= 0) return 1 / (1 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1 + e);
}

inline double PhiScalar(ActivationId id, double p, double x) {
  switch (id) {
    case ActivationId::kLinear: return x;
    case ActivationId::kRelu: return x > 0 ? x : 0;
    case ActivationId::kLeakyRelu: return x > 0 ? x : p * x;
    case ActivationId::kHardTanh: return x > 1 ? 1 : (x < -1 ? -1 : x);
    case ActivationId::kTanh: return std::tanh(x);
    case ActivationId::kErf: return std::erf(x);
    case ActivationId::kSigmoid: return Sigmoid(x);
    case ActivationId::kSoftplus: return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    case ActivationId::kElu: return x > 0 ? x : p * std::expm1(x);
    case ActivationId::kSelu: return x > 0 ? kSeluLambda * x : kSeluLambda * kSeluAlpha * std::expm1(x);
    case ActivationId::kGelu: return 0.5 * x * std::erfc(-x * kSqrt1_2);
    case ActivationId::kSilu: return x * Sigmoid(x);
  }
  return std::nan("");
}

inline double DPhiScalar(ActivationId id, double p, double x) {
  switch (id) {
    case ActivationId::kLinear: return 1;
    case ActivationId::kRelu: return x > 0 ? 1 : 0;
    case ActivationId::kLeakyRelu: return x > 0 ? 1 : p;
    case ActivationId::kHardTanh: return (x > -1 && x < 1) ? 1 : 0;
    case ActivationId::kTanh: {
      const double c = std::cosh(x);
      return 1 / (c * c);
    }
    case ActivationId::kErf: return kTwoOverSqrtPi * std::exp(-x * x);
    case ActivationId::kSigmoid: {
      const double c = std::cosh(x / 2);
      return 0.25 / (c * c);
    }
    case ActivationId::kSoftplus: return Sigmoid(x);
    case ActivationId::kElu: return x > 0 ? 1 : p * std::exp(x);
    case ActivationId::kSelu: return x > 0 ? kSeluLambda : kSeluLambda * kSeluAlpha * std::exp(x);
    case ActivationId::kGelu: return 0.5 * std::erfc(-x * kSqrt1_2) + x * kInvSqrt2Pi * std::exp(-0.5 * x * x);
    case ActivationId::kSilu: {
      const double s = Sigmoid(x);
      return s * (1 + x * (1 - s));
    }
  }
  return std::nan("");
}

// One loop per activation: the switch is hoisted out of the loop by instantiating the loop body
// for a compile-time id.
template <ActivationId kId>
void Loop(double p, const double* h, double* phi, double* dphi, std::size_t n) {
  if (phi && dphi) {
    for (std::size_t i = 0; i < n; ++i) {
      const double x = h[i];
      phi[i] = PhiScalar(kId, p, x);
      dphi[i] = DPhiScalar(kId, p, x);
    }
  } else if (phi) {
    for (std::size_t i = 0; i < n; ++i) phi[i] = PhiScalar(kId, p, h[i]);
  } else if (dphi) {
    for (std::size_t i = 0; i < n; ++i) dphi[i] = DPhiScalar(kId, p, h[i]);
  }
}

}  // namespace

bool IsValidActivationId(int id) { return id >= 0 && id < kActivationCount; }

double Phi(ActivationId id, double param, double x) { return PhiScalar(id, param, x); }

double DPhi(ActivationId id, double param, double x) { return DPhiScalar(id, param, x); }

void ApplyActivation(ActivationId id, double param, const double* h, double* phi, double* dphi, std::size_t n) {
  switch (id) {
    case ActivationId::kLinear: return Loop<ActivationId::kLinear>(param, h, phi, dphi, n);
    case ActivationId::kRelu: return Loop<ActivationId::kRelu>(param, h, phi, dphi, n);
    case ActivationId::kLeakyRelu: return Loop<ActivationId::kLeakyRelu>(param, h, phi, dphi, n);
    case ActivationId::kHardTanh: return Loop<ActivationId::kHardTanh>(param, h, phi, dphi, n);
    case ActivationId::kTanh: return Loop<ActivationId::kTanh>(param, h, phi, dphi, n);
    case ActivationId::kErf: return Loop<ActivationId::kErf>(param, h, phi, dphi, n);
    case ActivationId::kSigmoid: return Loop<ActivationId::kSigmoid>(param, h, phi, dphi, n);
    case ActivationId::kSoftplus: return Loop<ActivationId::kSoftplus>(param, h, phi, dphi, n);
    case ActivationId::kElu: return Loop<ActivationId::kElu>(param, h, phi, dphi, n);
    case ActivationId::kSelu: return Loop<ActivationId::kSelu>(param, h, phi, dphi, n);
    case ActivationId::kGelu: return Loop<ActivationId::kGelu>(param, h, phi, dphi, n);
    case ActivationId::kSilu: return Loop<ActivationId::kSilu>(param, h, phi, dphi, n);
  }
}

}  // namespace di
