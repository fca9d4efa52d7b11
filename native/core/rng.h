// The library's seeded random stream: xoshiro128** (Blackman & Vigna 2018) seeded from (seed, stream)
// through splitmix64 finalizers, 53-bit uniforms from two 32-bit draws, and standard normals by a
// 256-layer ziggurat (Marsaglia & Tsang 2000, numpy's layout). lib/random/rng.ts implements the SAME
// algorithm with 32-bit integer operations, and both produce BIT-IDENTICAL streams for the same
// (seed, stream): every step is an exact integer operation or an IEEE double +, -, *, / in a fixed
// order (di_core builds with -ffp-contract=off), the tables are shared literals, and the rare tail
// and wedge steps use the hand-written Exp/Log below instead of libm.
//
// Streams: `stream` selects an independent substream. (seed, stream) -> 128-bit state is a bijection
// (three Feistel rounds, every state word depending on both inputs), so distinct pairs start at
// distinct points of the 2^128 - 1 period (two streams of length n overlap with probability about
// n / 2^128).
#pragma once
#include <cstddef>
#include <cstdint>

#include "normal_tables.h"

namespace di {

// exp(x) and log(x) from +, -, *, / only, mirrored operation by operation in lib/random/rng.ts.
// Accuracy: a few ulp; domains: ExpDet for |x| <= 700, LogDet for x > 0 normal.
double ExpDet(double x);
double LogDet(double x);

class Rng {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  // Twin of lib/random/rng.ts Rng.nextU32(): keep in step.
  uint32_t NextU32() {
    const uint32_t s1 = s_[1];
    const uint32_t result = Rotl(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 11);
    return result;
  }

  // High word first: (first draw << 32) | second draw.
  uint64_t NextU64() {
    const uint64_t hi = NextU32();
    const uint64_t lo = NextU32();
    return (hi << 32) | lo;
  }

  // Uniform on [0, 1) with 53 random bits: (a >> 5) * 2^26 + (b >> 6), times 2^-53.
  // Twin of lib/random/rng.ts Rng.nextUniform(): keep in step.
  double NextUniform() {
    const uint32_t a = NextU32() >> 5;
    const uint32_t b = NextU32() >> 6;
    return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) * (1.0 / 9007199254740992.0);
  }

  // Standard normal by the ziggurat. Common path (~99.3%): two 32-bit draws, a table lookup, one
  // multiply. u1 gives the layer (bits 0-7), the sign (bit 8) and the top 23 bits of the 52-bit
  // abscissa; u2 >> 3 gives its low 29 bits.
  // Twin of lib/random/rng.ts Rng.nextNormal(): keep in step.
  double NextNormal() {
    const uint32_t u1 = NextU32();
    const uint32_t u2 = NextU32();
    const unsigned idx = u1 & 0xffu;
    const double rabs = static_cast<double>(u1 >> 9) * 536870912.0 + static_cast<double>(u2 >> 3);
    double x = rabs * ziggurat::kWi[idx];
    if (u1 & 0x100u) x = -x;
    if (rabs < ziggurat::kKi[idx]) return x;
    return NormalSlow(idx, x, (u1 & 0x100u) != 0);
  }

  void FillNormal(double* out, size_t n);
  void FillUniform(double* out, size_t n);

 private:
  static uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  double NormalSlow(unsigned idx, double x, bool negative);

  uint32_t s_[4];
};

}  // namespace di
