#include "rng.h"

#include <cstring>

namespace di {
namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;

// splitmix64's finalizer: a bijection of 64-bit words with full avalanche.
// Twin of lib/random/rng.ts mix64(): keep in step.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm: ln 2 to 32 bits, k * kLn2Hi exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// 2^k for an integer k in [-1022, 1023], built from the exponent bits (exact).
// Twin of lib/random/rng.ts pow2(): keep in step.
double Pow2(int k) {
  const uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

}  // namespace

// exp(x) = 2^k exp(r), k = floor(x / ln2 + 1/2), r = x - k ln2 in [-0.35, 0.35] (two-part ln2),
// exp(r) by its Taylor polynomial of degree 13 in Horner form (truncation < 5e-18).
// Twin of lib/random/rng.ts expDet(): keep in step.
double ExpDet(double x) {
  const double k = static_cast<double>(static_cast<long long>(x * kInvLn2 + (x < 0 ? -0.5 : 0.5)));
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.6059043836821613e-10;  // 1/13!
  p = p * r + 2.08767569878681e-09;   // 1/12!
  p = p * r + 2.505210838544172e-08;  // 1/11!
  p = p * r + 2.755731922398589e-07;  // 1/10!
  p = p * r + 2.7557319223985893e-06; // 1/9!
  p = p * r + 2.48015873015873e-05;   // 1/8!
  p = p * r + 0.0001984126984126984;  // 1/7!
  p = p * r + 0.001388888888888889;   // 1/6!
  p = p * r + 0.008333333333333333;   // 1/5!
  p = p * r + 0.041666666666666664;   // 1/4!
  p = p * r + 0.16666666666666666;    // 1/3!
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * Pow2(static_cast<int>(k));
}

// log(x) = e ln2 + log(m), x = m 2^e with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s),
// s = (m - 1) / (m + 1), |s| <= 0.1716, by the odd series to s^23 (truncation < 1e-19).
// Twin of lib/random/rng.ts logDet(): keep in step.
double LogDet(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const uint64_t mbits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double m;
  std::memcpy(&m, &mbits, sizeof m);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double p = 1.0 / 23.0;
  p = p * z + 1.0 / 21.0;
  p = p * z + 1.0 / 19.0;
  p = p * z + 1.0 / 17.0;
  p = p * z + 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z + 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z + 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z + 1.0 / 3.0;
  p = p * z + 1.0;
  const double ed = static_cast<double>(e);
  return ed * kLn2Hi + (2.0 * s * p + ed * kLn2Lo);
}

// Three Feistel rounds with splitmix64 finalizers as round functions: a bijection of (seed, stream)
// onto the 128-bit state (so distinct pairs give distinct states) in which every state word depends
// on both inputs (so the first outputs of neighbouring streams are unrelated).
// Twin of lib/random/rng.ts the Rng constructor: keep in step.
Rng::Rng(uint64_t seed, uint64_t stream) {
  const uint64_t r1 = stream ^ Mix64(seed + kGamma);
  const uint64_t l1 = seed ^ Mix64(r1 + 2 * kGamma);
  const uint64_t r2 = r1 ^ Mix64(l1 + 3 * kGamma);
  s_[0] = static_cast<uint32_t>(l1);
  s_[1] = static_cast<uint32_t>(l1 >> 32);
  s_[2] = static_cast<uint32_t>(r2);
  s_[3] = static_cast<uint32_t>(r2 >> 32);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // the one forbidden state of xoshiro
}

// Twin of lib/random/rng.ts Rng.normalSlow(): keep in step.
double Rng::NormalSlow(unsigned idx, double x, bool negative) {
  for (;;) {
    if (idx == 0) {
      // Tail beyond r (Marsaglia 1964): x = -log(u1) / r, accept if -2 log(u2) > x^2.
      for (;;) {
        const double xx = -LogDet(1.0 - NextUniform()) * ziggurat::kInvR;
        const double yy = -LogDet(1.0 - NextUniform());
        if (yy + yy > xx * xx) return negative ? -(ziggurat::kR + xx) : ziggurat::kR + xx;
      }
    }
    // Wedge of layer idx: accept under the density.
    if ((ziggurat::kFi[idx - 1] - ziggurat::kFi[idx]) * NextUniform() + ziggurat::kFi[idx] < ExpDet(-0.5 * x * x))
      return x;
    // Rejected: a fresh draw (same as NextNormal's fast path).
    const uint32_t u1 = NextU32();
    const uint32_t u2 = NextU32();
    idx = u1 & 0xffu;
    const double rabs = static_cast<double>(u1 >> 9) * 536870912.0 + static_cast<double>(u2 >> 3);
    negative = (u1 & 0x100u) != 0;
    x = rabs * ziggurat::kWi[idx];
    if (negative) x = -x;
    if (rabs < ziggurat::kKi[idx]) return x;
  }
}

// Twin of lib/random/rng.ts Rng.fillNormal(): keep in step.
void Rng::FillNormal(double* out, size_t n) {
  // NextNormal's fast path with the state in registers; written back around the rare slow path.
  uint32_t s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
  for (size_t i = 0; i < n; ++i) {
    const uint32_t u1 = Rotl(s1 * 5u, 7) * 9u;
    uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Rotl(s3, 11);
    const uint32_t u2 = Rotl(s1 * 5u, 7) * 9u;
    t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Rotl(s3, 11);
    const unsigned idx = u1 & 0xffu;
    const double rabs = static_cast<double>(u1 >> 9) * 536870912.0 + static_cast<double>(u2 >> 3);
    double x = rabs * ziggurat::kWi[idx];
    if (u1 & 0x100u) x = -x;
    if (rabs < ziggurat::kKi[idx]) {
      out[i] = x;
      continue;
    }
    s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
    out[i] = NormalSlow(idx, x, (u1 & 0x100u) != 0);
    s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
  }
  s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
}

void Rng::FillUniform(double* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = NextUniform();
}

}  // namespace di
