/**
 * The pure-JS twin of the linear-algebra backend. It computes on the calling thread (the returned
 * Promise is already settled when the call returns); kernels are in ./kernels/.
 * @module
 * @internal
 */
import { Rng } from '../random/rng.js';
import type { LinalgBackend } from './backend.js';
import { matmulKernel } from './kernels/matmul.js';
import { haarFromGaussian } from './kernels/qr.js';
import { svdKernel } from './kernels/svd.js';

function fillGaussian(seed: bigint, stream: bigint, std: number, out: Float64Array): void {
  new Rng(seed, stream).fillNormal(out);
  if (std !== 1) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * std;
}

/**
 * The SVD of a with the entries first scaled by an exact power of two when max |a_ij| is outside
 * [2^-500, 2^500] (as LAPACK's dgesdd does with dlascl): without it, subnormal or huge entries
 * make the bidiagonal QR underflow to NaN or stall. Singular values are scaled back; U and V^T
 * are unchanged by a scalar factor.
 */
function scaledSvd(rows: number, cols: number, a: Float64Array, vectors: boolean): ReturnType<typeof svdKernel> {
  let anrm = 0;
  for (let i = 0; i < a.length; i++) anrm = Math.max(anrm, Math.abs(a[i] as number));
  if (anrm === 0 || (anrm >= 2 ** -500 && anrm <= 2 ** 500)) return svdKernel(rows, cols, a, vectors);
  const k = -Math.round(Math.log2(anrm)); // a * 2^k has entries of order 1; |k| <= 1074
  // 2^k itself overflows for k > 1023: apply it in two exact power-of-two steps
  const times2k = (v: number, e: number): number => {
    if (Math.abs(e) <= 1000) return v * 2 ** e;
    const half = Math.sign(e) * 600;
    return v * 2 ** half * 2 ** (e - half);
  };
  const scaled = Float64Array.from(a, (v) => times2k(v, k));
  const r = svdKernel(rows, cols, scaled, vectors);
  for (let i = 0; i < r.s.length; i++) r.s[i] = times2k(r.s[i] as number, -k);
  return r;
}

/** The JS implementation of {@link LinalgBackend}. */
export const jsLinalg: LinalgBackend = {
  name: 'js',
  fillNormal: async (seed, stream, out) => {
    new Rng(seed, stream).fillNormal(out);
  },
  fillUniform: async (seed, stream, out) => {
    new Rng(seed, stream).fillUniform(out);
  },
  gaussianFill: async (seed, stream, std, out) => {
    fillGaussian(seed, stream, std, out);
  },
  haarOrthogonal: async (n, seed, stream, out) => {
    fillGaussian(seed, stream, 1, out);
    haarFromGaussian(n, out);
  },
  singularValues: async (rows, cols, a, s) => {
    s.set(scaledSvd(rows, cols, a, false).s);
  },
  svd: async (rows, cols, a, u, s, vt) => {
    const r = scaledSvd(rows, cols, a, true);
    s.set(r.s);
    if (r.u) u.set(r.u);
    if (r.vt) vt.set(r.vt);
  },
  matmul: async (m, k, n, a, b, c) => {
    matmulKernel(m, k, n, a, b, c);
  },
};
