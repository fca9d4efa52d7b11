/** Helpers of the empirical tests: Haar draws on either backend and small dense utilities (KS: test/helpers/stats.ts). */
import { nativeAddon } from '../../lib/backend/config.js';
import { allocHaarFactors, applyHaarLeft, sampleHaarFactors } from '../../lib/empirical/haar.js';
import { HAAR_BLOCK_SIZE } from '../../lib/empirical/native.js';
import { Rng } from '../../lib/random/rng.js';

/** The Haar matrix drawn from (seed, stream), row-major n x n, formed as Q I on the given backend. */
export async function haarMatrix(backend: 'native' | 'js', n: number, seed: bigint, stream: bigint, opts: { ormqr?: boolean; blockSize?: number } = {}): Promise<Float64Array> {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  if (backend === 'native') {
    await nativeAddon().empiricalHaarApply(n, seed, stream, q, n, opts.blockSize ?? HAAR_BLOCK_SIZE, opts.ormqr ?? false);
  } else {
    const f = allocHaarFactors(n);
    sampleHaarFactors(new Rng(seed, stream), f);
    applyHaarLeft(f, 1, q, n, new Float64Array(n));
  }
  return q;
}

/** max |Q^T Q - I| entrywise. */
export function orthogonalityError(n: number, q: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (q[k * n + i] as number) * (q[k * n + j] as number);
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

/** Determinant of a small row-major matrix by LU with partial pivoting. */
export function det(n: number, a0: Float64Array): number {
  const a = Float64Array.from(a0);
  let d = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k] as number) > Math.abs(a[p * n + k] as number)) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j] as number;
        a[k * n + j] = a[p * n + j] as number;
        a[p * n + j] = t;
      }
      d = -d;
    }
    const piv = a[k * n + k] as number;
    d *= piv;
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] as number) / piv;
      for (let j = k; j < n; j++) a[i * n + j] = (a[i * n + j] as number) - f * (a[k * n + j] as number);
    }
  }
  return d;
}

