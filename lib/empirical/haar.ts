/**
 * Haar-distributed orthogonal matrices in factored form, drawn directly from Gaussian vectors
 * (G. W. Stewart, SIAM J. Numer. Anal. 17(3), 1980), for the pure-JS backend; the TypeScript twin of
 * native/core/haar_reflectors.cc.
 *
 * Q = H_0 H_1 ... H_{n-2} S, H_k = I - tau_k v_k v_k^T. The k-th reflector is LAPACK's dlarfg of a
 * fresh standard Gaussian vector of length n - k, and S = diag(sign R_kk) with R_kk = beta_k (k < n-1)
 * and the sign of one more normal for k = n - 1. This is the law of the Q factor with positive R
 * diagonal of an n x n Gaussian matrix, i.e. Haar measure on O(n) (THEORY §1.3), with n(n+1)/2 normals
 * and no factorization. Generation is scalar code in a fixed order, so native and JS produce the same
 * factors bit for bit from the same (seed, stream).
 * @module
 * @internal
 */
import type { Rng } from '../random/rng.js';

/** The factors of one Haar draw. `v` is column-major n x n: column k holds v_k in rows k+1..n-1. */
export interface HaarFactors {
  readonly n: number;
  readonly v: Float64Array;
  readonly tau: Float64Array;
  readonly sign: Float64Array;
}

/** Allocates factor storage for order n. */
export function allocHaarFactors(n: number): HaarFactors {
  return { n, v: new Float64Array(n * n), tau: new Float64Array(n), sign: new Float64Array(n) };
}

/**
 * Draws the factors into `f` from `rng`, consuming exactly n(n+1)/2 normals: for k = 0..n-2 the n-k
 * entries of the k-th Gaussian vector, then one normal whose sign is sign[n-1]. Bit-identical to
 * di::SampleHaarFactors.
 */
export function sampleHaarFactors(rng: Rng, f: HaarFactors): void {
  const { n, v, tau, sign } = f;
  for (let k = 0; k + 1 < n; k++) {
    const off = k * n + k;
    const len = n - k;
    rng.fillNormal(v, off, len);
    const alpha = v[off] as number;
    let tail = 0;
    for (let i = 1; i < len; i++) {
      const x = v[off + i] as number;
      tail += x * x;
    }
    if (tail === 0) {
      tau[k] = 0;
      sign[k] = alpha < 0 ? -1 : 1;
      continue;
    }
    const norm = Math.sqrt(alpha * alpha + tail);
    const beta = alpha >= 0 ? -norm : norm;
    const denom = alpha - beta;
    for (let i = 1; i < len; i++) v[off + i] = (v[off + i] as number) / denom;
    tau[k] = (beta - alpha) / beta;
    v[off] = beta;
    sign[k] = beta > 0 ? 1 : -1;
  }
  if (n > 0) {
    const last = rng.nextNormal();
    v[(n - 1) * n + (n - 1)] = last;
    tau[n - 1] = 0;
    sign[n - 1] = last < 0 ? -1 : 1;
  }
}

/**
 * a <- scale * Q * a for the row-major n x cols matrix `a` (row stride cols) and Q from `f`.
 * Rows are scaled by sign[i] * scale, then H_{n-2}, ..., H_0 are applied in turn, each as a row-wise
 * accumulation w = v^T a (contiguous rows) and a rank-one update a -= tau v w^T. `w` is scratch of
 * length >= cols. About 2 n^2 cols flops.
 */
export function applyHaarLeft(f: HaarFactors, scale: number, a: Float64Array, cols: number, w: Float64Array): void {
  const { n, v, tau, sign } = f;
  for (let i = 0; i < n; i++) {
    const s = (sign[i] as number) * scale;
    const o = i * cols;
    for (let j = 0; j < cols; j++) a[o + j] = (a[o + j] as number) * s;
  }
  // Invariant: after the iteration for k, a = scale * H_k ... H_{n-2} S a_in.
  for (let k = n - 2; k >= 0; k--) {
    const t = tau[k] as number;
    if (t === 0) continue;
    const vk = k * n;
    // w = a[k, :] + sum_{i > k} v_k[i] a[i, :]
    const ok = k * cols;
    for (let j = 0; j < cols; j++) w[j] = a[ok + j] as number;
    for (let i = k + 1; i < n; i++) {
      const vi = v[vk + i] as number;
      const oi = i * cols;
      for (let j = 0; j < cols; j++) w[j] = (w[j] as number) + vi * (a[oi + j] as number);
    }
    for (let j = 0; j < cols; j++) w[j] = (w[j] as number) * t;
    for (let j = 0; j < cols; j++) a[ok + j] = (a[ok + j] as number) - (w[j] as number);
    for (let i = k + 1; i < n; i++) {
      const vi = v[vk + i] as number;
      const oi = i * cols;
      for (let j = 0; j < cols; j++) a[oi + j] = (a[oi + j] as number) - vi * (w[j] as number);
    }
  }
}
