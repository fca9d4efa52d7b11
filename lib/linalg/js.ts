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
    s.set(svdKernel(rows, cols, a, false).s);
  },
  svd: async (rows, cols, a, u, s, vt) => {
    const r = svdKernel(rows, cols, a, true);
    s.set(r.s);
    if (r.u) u.set(r.u);
    if (r.vt) vt.set(r.vt);
  },
  matmul: async (m, k, n, a, b, c) => {
    matmulKernel(m, k, n, a, b, c);
  },
};
