/** Helpers of the empirical tests (and of their parity checks in test/parity): Haar draws and batch requests on either backend, small dense utilities (KS: test/helpers/stats.ts). */
import { nativeAddon } from '../../lib/backend/config.js';
import { allocHaarFactors, applyHaarLeft, sampleHaarFactors } from '../../lib/empirical/haar.js';
import { HAAR_BLOCK_SIZE } from '../../lib/empirical/native.js';
import { type BatchRequest } from '../../lib/empirical/sampler.js';
import { Rng } from '../../lib/random/rng.js';
import { resolveNetworkSpec } from '../../lib/spec.js';

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

/** The batch request of a network spec (resolved as the public API does), on one backend. */
export function request(spec: Parameters<typeof resolveNetworkSpec>[0], width: number, samples: number, seed: bigint, backend: 'native' | 'js', extra: Partial<BatchRequest> = {}): BatchRequest {
  const r = resolveNetworkSpec(spec);
  return {
    width,
    depth: r.depth,
    samples,
    orthogonal: r.weights === 'orthogonal',
    weightStd: r.weightStd,
    biasStd: r.biasStd,
    qStar: r.qStar,
    activation: r.activation,
    seed,
    backend,
    ...extra,
  };
}

/** The two tanh networks of the sampling tests (depth 6, q* = 1/4). */
export const TANH_ORTH = { activation: 'tanh', weights: 'orthogonal', depth: 6, qStar: 0.25 } as const;
export const TANH_GAUSS = { activation: 'tanh', weights: 'gaussian', depth: 6, qStar: 0.25 } as const;
