/**
 * One interface, two twins: the linear-algebra and random-fill operations that the native
 * (OpenBLAS/LAPACK) and pure-JS backends both implement. Arguments are validated by the public
 * modules before they get here; outputs are allocated by the caller. Other domains (e.g. sampled
 * networks) use {@link linalgBackend} to fill their own buffers.
 * @module
 * @internal
 */
import { activeBackend } from '../backend/config.js';
import { jsLinalg } from './js.js';
import { nativeLinalg } from './native.js';

export interface LinalgBackend {
  readonly name: 'native' | 'js';
  /** out <- standard normals of Rng(seed, stream), in order. */
  fillNormal(seed: bigint, stream: bigint, out: Float64Array): Promise<void>;
  /** out <- uniforms on [0, 1) of Rng(seed, stream), in order. */
  fillUniform(seed: bigint, stream: bigint, out: Float64Array): Promise<void>;
  /** out <- std * (standard normals of Rng(seed, stream)). */
  gaussianFill(seed: bigint, stream: bigint, std: number, out: Float64Array): Promise<void>;
  /** out (n * n, row-major) <- the Haar orthogonal matrix of (seed, stream). */
  haarOrthogonal(n: number, seed: bigint, stream: bigint, out: Float64Array): Promise<void>;
  /** s (min(rows, cols)) <- singular values, descending, of row-major a (unchanged). */
  singularValues(rows: number, cols: number, a: Float64Array, s: Float64Array): Promise<void>;
  /** Thin SVD a = u diag(s) vt: u rows x k, vt k x cols, row-major, k = min(rows, cols). */
  svd(rows: number, cols: number, a: Float64Array, u: Float64Array, s: Float64Array, vt: Float64Array): Promise<void>;
  /** c (m x n) <- a (m x k) b (k x n), row-major. */
  matmul(m: number, k: number, n: number, a: Float64Array, b: Float64Array, c: Float64Array): Promise<void>;
}

/** The twin of the active backend. */
export function linalgBackend(): LinalgBackend {
  return activeBackend() === 'native' ? nativeLinalg : jsLinalg;
}
