/** Helpers of the linalg and random-stream tests (and of their native/JS parity checks in test/parity). */
import { Rng, type Matrix } from '../../lib/index.js';
import { EPS } from '../helpers/close.js';

/** Naive product and the entrywise bound gamma_k |a| |b| of its rounding error. */
export function naiveProduct(a: Matrix, b: Matrix): { c: Float64Array; bound: Float64Array } {
  const c = new Float64Array(a.rows * b.cols);
  const bound = new Float64Array(a.rows * b.cols);
  const k = a.cols;
  const gamma = (k * EPS) / 2 / (1 - (k * EPS) / 2);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = (a.data[i * k + p] as number) * (b.data[p * b.cols + j] as number);
        s += x;
        t += Math.abs(x);
      }
      c[i * b.cols + j] = s;
      bound[i * b.cols + j] = 2 * gamma * t; // two computations (kernel and this loop), each within gamma_k |a||b|
    }
  }
  return { c, bound };
}

/** The JS normal stream of (seed, stream). */
export function jsNormals(seed: bigint, stream: bigint, n: number): Float64Array {
  const out = new Float64Array(n);
  new Rng(seed, stream).fillNormal(out);
  return out;
}

/** Bit-for-bit equality of two arrays (NaN payloads and signed zeros included). */
export function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
