/**
 * The library's seeded random stream, bit-identical to the native `di::Rng` (native/core/rng.h):
 * xoshiro128** (Blackman & Vigna 2018) with 32-bit integer operations, seeded from (seed, stream)
 * through splitmix64 finalizers; 53-bit uniforms from two 32-bit draws; standard normals by a
 * 256-layer ziggurat (Marsaglia & Tsang 2000, numpy's layout) whose rare tail and wedge steps use
 * the hand-written {@link expDet}/{@link logDet} below, mirrored operation by operation in C++, so
 * the same (seed, stream) gives the same doubles on both backends and every platform.
 * @module
 */
import { DynamicalIsometryRangeError } from '../errors.js';
import type { Seed } from '../types.js';
import { seed as checkSeed } from '../validate.js';
import { ZIG_FI, ZIG_INV_R, ZIG_KI, ZIG_R, ZIG_WI } from './ziggurat-tables.js';

const MASK64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;

/** splitmix64's finalizer: a bijection of 64-bit words with full avalanche. */
// Twin of native/core/rng.cc Mix64(): keep in step.
function mix64(z: bigint): bigint {
  z &= MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

const LN2_HI = 6.9314718036912381649e-1; // fdlibm: ln 2 to 32 bits, k * LN2_HI exact
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

/** 2^k for an integer k in [-1022, 1023], built from the exponent bits (exact). */
// Twin of native/core/rng.cc Pow2(): keep in step.
function pow2(k: number): number {
  u32[LO] = 0;
  u32[HI] = (k + 1023) << 20;
  return f64[0] as number;
}

/**
 * exp(x) from +, -, *, / only (the same operations, in the same order, as di::ExpDet), for
 * |x| <= 700; a few ulp. exp(x) = 2^k exp(r), exp(r) by its degree-13 Taylor polynomial.
 * @internal
 */
// Twin of native/core/rng.cc ExpDet(): keep in step.
export function expDet(x: number): number {
  const k = Math.trunc(x * INV_LN2 + (x < 0 ? -0.5 : 0.5));
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1.6059043836821613e-10;
  p = p * r + 2.08767569878681e-9;
  p = p * r + 2.505210838544172e-8;
  p = p * r + 2.755731922398589e-7;
  p = p * r + 2.7557319223985893e-6;
  p = p * r + 2.48015873015873e-5;
  p = p * r + 0.0001984126984126984;
  p = p * r + 0.001388888888888889;
  p = p * r + 0.008333333333333333;
  p = p * r + 0.041666666666666664;
  p = p * r + 0.16666666666666666;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * pow2(k);
}

/**
 * log(x) for normal x > 0 from +, -, *, / only (as di::LogDet): x = m 2^e, m in [sqrt(1/2), sqrt 2),
 * log m = 2 atanh(s) by its odd series to s^23.
 * @internal
 */
// Twin of native/core/rng.cc LogDet(): keep in step.
export function logDet(x: number): number {
  f64[0] = x;
  const hi = u32[HI] as number;
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000;
  let m = f64[0] as number;
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  const f = m - 1.0;
  const s = f / (2.0 + f);
  const z = s * s;
  let p = 1.0 / 23.0;
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
  return e * LN2_HI + (2.0 * s * p + e * LN2_LO);
}

function checkRange(out: Float64Array, offset: number, count: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > out.length) {
    throw new DynamicalIsometryRangeError('offset', `an integer in [0, ${out.length}]`, offset);
  }
  if (!Number.isInteger(count) || count < 0 || offset + count > out.length) {
    throw new DynamicalIsometryRangeError('count', `an integer in [0, ${out.length - offset}]`, count);
  }
}

/**
 * A seeded stream of uniforms and standard normals, bit-identical to the native generator.
 * `stream` selects an independent substream (sample s of a batch uses stream s): the map
 * (seed, stream) -> 128-bit state is injective, so distinct pairs start at distinct points of the
 * 2^128 - 1 period.
 * @example
 * const rng = new Rng(42n);
 * const z = rng.nextNormal();
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed a non-negative safe integer or a bigint in [0, 2^64).
   * @param stream substream index, same range (default 0).
   * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for a bad seed or stream.
   */
  // Twin of native/core/rng.cc Rng::Rng(): keep in step.
  constructor(seed: Seed, stream: Seed = 0n) {
    const sd = typeof seed === 'bigint' && seed >= 0n && seed <= MASK64 ? seed : checkSeed('seed', seed);
    const st = typeof stream === 'bigint' && stream >= 0n && stream <= MASK64 ? stream : checkSeed('stream', stream);
    // Three Feistel rounds with splitmix64 finalizers (as di::Rng): a bijection of (seed, stream)
    // onto the state in which every word depends on both inputs.
    const r1 = st ^ mix64(sd + GAMMA);
    const l1 = sd ^ mix64(r1 + 2n * GAMMA);
    const r2 = r1 ^ mix64(l1 + 3n * GAMMA);
    this.s0 = Number(l1 & 0xffffffffn) | 0;
    this.s1 = Number(l1 >> 32n) | 0;
    this.s2 = Number(r2 & 0xffffffffn) | 0;
    this.s3 = Number(r2 >> 32n) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit output of xoshiro128**, as an unsigned integer. */
  // Twin of native/core/rng.h Rng::NextU32(): keep in step.
  nextU32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    const s3 = this.s3;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  // Twin of native/core/rng.h Rng::NextUniform(): keep in step.
  nextUniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }

  /** A standard normal N(0, 1). */
  // Twin of native/core/rng.h Rng::NextNormal(): keep in step.
  nextNormal(): number {
    const u1 = this.nextU32();
    const u2 = this.nextU32();
    const idx = u1 & 0xff;
    const rabs = (u1 >>> 9) * 536870912 + (u2 >>> 3);
    let x = rabs * (ZIG_WI[idx] as number);
    if (u1 & 0x100) x = -x;
    if (rabs < (ZIG_KI[idx] as number)) return x;
    return this.normalSlow(idx, x, (u1 & 0x100) !== 0);
  }

  /**
   * Fills `out[offset .. offset + count)` with standard normals (the same values, in order, as
   * `count` calls of {@link nextNormal}).
   */
  // Twin of native/core/rng.cc Rng::FillNormal(): keep in step.
  fillNormal(out: Float64Array, offset = 0, count: number = out.length - offset): void {
    checkRange(out, offset, count);
    // The fast path inlined with the state in locals; the state is written back before any slow
    // step (which draws through the methods) and at the end.
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const end = offset + count;
    for (let i = offset; i < end; i++) {
      // draw u1
      let m = Math.imul(s1, 5);
      const u1 = Math.imul((m << 7) | (m >>> 25), 9); // int32; only its bits are used
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      // draw u2
      m = Math.imul(s1, 5);
      const u2 = Math.imul((m << 7) | (m >>> 25), 9);
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const idx = u1 & 0xff;
      const rabs = (u1 >>> 9) * 536870912 + (u2 >>> 3);
      let x = rabs * (ZIG_WI[idx] as number);
      if (u1 & 0x100) x = -x;
      if (rabs < (ZIG_KI[idx] as number)) {
        out[i] = x;
        continue;
      }
      this.s0 = s0;
      this.s1 = s1;
      this.s2 = s2;
      this.s3 = s3;
      out[i] = this.normalSlow(idx, x, (u1 & 0x100) !== 0);
      s0 = this.s0;
      s1 = this.s1;
      s2 = this.s2;
      s3 = this.s3;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Fills `out[offset .. offset + count)` with uniforms on [0, 1). */
  fillUniform(out: Float64Array, offset = 0, count: number = out.length - offset): void {
    checkRange(out, offset, count);
    const end = offset + count;
    for (let i = offset; i < end; i++) out[i] = this.nextUniform();
  }

  // Twin of native/core/rng.cc Rng::NormalSlow(): keep in step.
  private normalSlow(idx: number, x: number, negative: boolean): number {
    for (;;) {
      if (idx === 0) {
        // Tail beyond r (Marsaglia 1964): x = -log(u1) / r, accept if -2 log(u2) > x^2.
        for (;;) {
          const xx = -logDet(1.0 - this.nextUniform()) * ZIG_INV_R;
          const yy = -logDet(1.0 - this.nextUniform());
          if (yy + yy > xx * xx) return negative ? -(ZIG_R + xx) : ZIG_R + xx;
        }
      }
      // Wedge of layer idx: accept under the density.
      const fHi = ZIG_FI[idx - 1] as number;
      const fLo = ZIG_FI[idx] as number;
      if ((fHi - fLo) * this.nextUniform() + fLo < expDet(-0.5 * x * x)) return x;
      const u1 = this.nextU32();
      const u2 = this.nextU32();
      idx = u1 & 0xff;
      const rabs = (u1 >>> 9) * 536870912 + (u2 >>> 3);
      negative = (u1 & 0x100) !== 0;
      x = rabs * (ZIG_WI[idx] as number);
      if (negative) x = -x;
      if (rabs < (ZIG_KI[idx] as number)) return x;
    }
  }
}
