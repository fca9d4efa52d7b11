/**
 * Dense linear algebra on both backends: Haar sampling (orthogonality, determinant-sign balance,
 * the law of sqrt(n) Q_11, reproducibility), singular values of known matrices, SVD reconstruction,
 * the matrix product, native concurrency and error mapping, and bad input (native/JS parity on the
 * same inputs: test/parity/linalg.test.ts).
 */
import { describe, expect, it } from 'vitest';

import {
  DynamicalIsometryRangeError,
  DynamicalIsometryTypeError,
  NumericalError,
  configure,
  gaussianMatrix,
  haarOrthogonal,
  matmul,
  singularValues,
  standardNormal,
  svd,
  type Matrix,
} from '../../lib/index.js';
import { allocate } from '../../lib/linalg/memory.js';
import { nativeLinalg } from '../../lib/linalg/native.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { orthogonality } from '../helpers/tolerances.js';
import { describeEachBackend, hasNative } from '../helpers/backends.js';
import { KS_CRITICAL_1E3, ksStatistic, normalCdf } from '../helpers/stats.js';
import { naiveProduct } from './helpers.js';

/** max_ij |(X^T X - I)_ij| for the columns (or, with rows=true, the rows) of X. */
function orthogonalityError(x: Matrix, rows = false): number {
  const { rows: m, cols: n, data } = x;
  const k = rows ? m : n;
  const len = rows ? n : m;
  const at = (v: number, i: number) => (rows ? (data[v * n + i] as number) : (data[i * n + v] as number));
  let err = 0;
  for (let p = 0; p < k; p++) {
    for (let q = p; q < k; q++) {
      let s = 0;
      for (let i = 0; i < len; i++) s += at(p, i) * at(q, i);
      err = Math.max(err, Math.abs(s - (p === q ? 1 : 0)));
    }
  }
  return err;
}

function sub(x: Matrix, r0: number, r1: number, c0: number, c1: number): Matrix {
  const cols = c1 - c0;
  const data = new Float64Array((r1 - r0) * cols);
  for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) data[(i - r0) * cols + (j - c0)] = x.data[i * x.cols + j] as number;
  return { rows: r1 - r0, cols, data };
}

/** Sign of det by Gaussian elimination with partial pivoting (small matrices). */
function detSign(x: Matrix): number {
  const n = x.rows;
  const a = Float64Array.from(x.data);
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k] as number) > Math.abs(a[p * n + k] as number)) p = i;
    if (p !== k) {
      sign = -sign;
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j] as number;
        a[k * n + j] = a[p * n + j] as number;
        a[p * n + j] = t;
      }
    }
    const piv = a[k * n + k] as number;
    if (piv < 0) sign = -sign;
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] as number) / piv;
      for (let j = k; j < n; j++) a[i * n + j] = (a[i * n + j] as number) - f * (a[k * n + j] as number);
    }
  }
  return sign;
}

/** A = O1[:, :k] diag(s) O2[:k, :] with Haar O1 (m x m), O2 (n x n): known singular values s. */
async function withSingularValues(m: number, n: number, s: number[], seed: number): Promise<Matrix> {
  const k = Math.min(m, n);
  const o1 = sub(await haarOrthogonal(m, { seed }), 0, m, 0, k);
  const o2 = sub(await haarOrthogonal(n, { seed: seed + 1 }), 0, k, 0, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) o1.data[i * k + j] = (o1.data[i * k + j] as number) * (s[j] as number);
  return matmul(o1, o2);
}

describeEachBackend('haarOrthogonal', (backend) => {
  it.each([1, 2, 17, 64, 200])('is orthogonal to n eps (n = %i)', async (n) => {
    const q = await haarOrthogonal(n, { seed: 11 });
    expect(q.rows).toBe(n);
    expect(q.cols).toBe(n);
    // Each entry of Q^T Q is a length-n dot product of unit vectors: its own rounding is at most
    // gamma_n ~ n eps / 2, and Householder QR leaves Q orthogonal to a few sqrt(n) eps in practice
    // (measured <= 0.13 n eps for n <= 512 on both backends). Bound: n eps (c = 1), at least 2 eps.
    const tol = orthogonality(n);
    expect(orthogonalityError(q)).toBeLessThanOrEqual(tol);
    expect(orthogonalityError(q, true)).toBeLessThanOrEqual(tol);
  });

  it('is reproducible for a seed and differs across seeds and streams', async () => {
    const a = await haarOrthogonal(40, { seed: 5 });
    const b = await haarOrthogonal(40, { seed: 5n });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const c = await haarOrthogonal(40, { seed: 6 });
    const d = await haarOrthogonal(40, { seed: 5, stream: 1 });
    expect(a.data[0]).not.toBe(c.data[0]);
    expect(a.data[0]).not.toBe(d.data[0]);
  });

  it('has balanced determinant signs (binomial bound)', async () => {
    // det = +-1 with probability 1/2 each under Haar measure on O(n); without Mezzadri's sign fix a
    // Householder QR gives det = (-1)^(n-1) always. N = 1000 samples: |#(+1) - N/2| <= 4 sd = 4 sqrt(N)/2
    // (two-sided P ~ 6e-5).
    const N = 1000;
    let plus = 0;
    for (let s = 0; s < N; s++) if (detSign(await haarOrthogonal(4, { seed: 1000, stream: s })) > 0) plus++;
    expect(Math.abs(plus - N / 2)).toBeLessThanOrEqual(4 * Math.sqrt(N) / 2);
  });

  it('has sqrt(n) Q_11 close to N(0, 1) (KS)', async () => {
    // Q_11 is the first coordinate of a uniform point on S^(n-1); sqrt(n) Q_11 -> N(0, 1) with
    // sup |F - Phi| = 0.0022 at n = 64 (exact Beta(1/2, (n-1)/2) law of Q_11^2, computed with scipy:
    // 0.002171 by scripts/reference/statistics.py).
    // One entry per matrix keeps the sample iid. Bound: KS level 1e-3 plus that bias.
    const n = 64;
    const N = 1500;
    const x = new Float64Array(N);
    for (let s = 0; s < N; s++) x[s] = Math.sqrt(n) * ((await haarOrthogonal(n, { seed: 77, stream: s })).data[0] as number);
    expect(ksStatistic(x, normalCdf)).toBeLessThan(KS_CRITICAL_1E3 / Math.sqrt(N) + 0.0022);
    void backend;
  });

  it('rejects bad n and options; refuses absurd sizes with the memory they need', async () => {
    await expect(haarOrthogonal(0, { seed: 1 })).rejects.toBeInstanceOf(DynamicalIsometryRangeError);
    await expect(haarOrthogonal(2.5, { seed: 1 })).rejects.toBeInstanceOf(DynamicalIsometryRangeError);
    await expect(haarOrthogonal('3' as never, { seed: 1 })).rejects.toBeInstanceOf(DynamicalIsometryTypeError);
    await expect(haarOrthogonal(3, { seed: -1 })).rejects.toThrow(/options\.seed/);
    expect(await haarOrthogonal(3, {})).toEqual(await haarOrthogonal(3, { seed: 0 })); // seed defaults to 0
    await expect(haarOrthogonal(3, { seed: 1, std: 2 } as never)).rejects.toMatchObject({ code: 'ERR_DI_UNKNOWN_OPTION' });
    const err = await haarOrthogonal(1e6, { seed: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamicalIsometryRangeError);
    expect((err as Error).message).toBe(
      'n must be an integer in [1, 46340] (an n x n matrix has at most 2^31 - 1 entries); received 1000000 (a 1000000 x 1000000 matrix would need 7.3 TiB)',
    );
    await expect(haarOrthogonal(46341, { seed: 1 })).rejects.toThrow(/^n must be an integer in \[1, 46340\]/);
    expect((err as DynamicalIsometryRangeError).parameter).toBe('n');
  });
});

describeEachBackend('gaussianMatrix', () => {
  it('is the scaled normal stream, row by row', async () => {
    const g = await gaussianMatrix(30, 7, { seed: 3, std: 0.25, stream: 2 });
    const z = await standardNormal(210, { seed: 3, stream: 2 });
    expect(g.rows).toBe(30);
    expect(g.cols).toBe(7);
    expect(Array.from(g.data)).toEqual(Array.from(z, (v) => v * 0.25));
    const unit = await gaussianMatrix(30, 7, { seed: 3, stream: 2 });
    expect(Array.from(unit.data)).toEqual(Array.from(z));
  });

  it('rejects bad sizes and options', async () => {
    await expect(gaussianMatrix(0, 3, { seed: 1 })).rejects.toThrow(/^rows must be/);
    await expect(gaussianMatrix(3, -1, { seed: 1 })).rejects.toThrow(/^cols must be/);
    await expect(gaussianMatrix(3, 3, { seed: 1, std: -1 })).rejects.toThrow(/options\.std/);
    await expect(gaussianMatrix(3, 3, { seed: 1, std: Number.NaN })).rejects.toThrow(/options\.std/);
    await expect(gaussianMatrix(65536, 65536, { seed: 1 })).rejects.toThrow(/32\.0 GiB/);
  });
});

describeEachBackend('singularValues and svd', () => {
  it('diagonal matrices: |d| sorted descending', async () => {
    const d = [3, -7, 0, 0.5, 2];
    const a = new Float64Array(25);
    d.forEach((v, i) => (a[i * 5 + i] = v));
    const s = await singularValues({ rows: 5, cols: 5, data: a });
    // Exact in exact arithmetic; LAPACK and the JS kernel deflate a diagonal matrix with at most a
    // few rounding steps: 4 eps relative to sigma_max.
    expectAllClose(s, [7, 3, 2, 0.5, 0], { atol: 4 * EPS * 7, why: 'diagonal input, a few roundings' });
  });

  it('orthogonal matrices: all ones', async () => {
    const q = await haarOrthogonal(60, { seed: 2 });
    const s = await singularValues(q);
    // Q is orthogonal to n eps (see haarOrthogonal), so its singular values are 1 to n eps, plus the
    // SVD's backward error ~ n eps sigma_max: 2 n eps.
    expectAllClose(s, new Float64Array(60).fill(1), { atol: 2 * 60 * EPS, why: 'Q^T Q = I to n eps, SVD backward error n eps' });
  });

  it('rank-deficient matrices: zeros beyond the rank', async () => {
    // a = x y^T + z w^T (rank 2, 20 x 12): singular values of the 2 x 2 core, then zeros.
    const x = await standardNormal(20, { seed: 1 });
    const y = await standardNormal(12, { seed: 2 });
    const z = await standardNormal(20, { seed: 3 });
    const w = await standardNormal(12, { seed: 4 });
    const a = new Float64Array(240);
    for (let i = 0; i < 20; i++) for (let j = 0; j < 12; j++) a[i * 12 + j] = (x[i] as number) * (y[j] as number) + (z[i] as number) * (w[j] as number);
    const s = await singularValues({ rows: 20, cols: 12, data: a });
    // svd() with vectors runs a different path (dgesdd jobz='S' natively, accumulated vectors in
    // JS); each path is backward stable with absolute error <= k eps sigma_max (k = min(m, n) = 12),
    // so the two sets of values differ by at most the sum: 2 k eps sigma_max.
    const full = await svd({ rows: 20, cols: 12, data: a });
    expectAllClose(full.s, s, { atol: 2 * 12 * EPS * (s[0] as number), why: 'two backward-stable SVDs, k eps sigma_max each' });
    // Zero singular values are computed to absolute accuracy ~ k eps sigma_max (backward stability).
    expectAllClose(s.subarray(2), new Float64Array(10), { atol: 12 * EPS * (s[0] as number), why: 'absolute accuracy k eps sigma_max' });
    expect(s[1] as number).toBeGreaterThan(1);
  });

  it.each([
    [30, 12],
    [12, 30],
    [25, 25],
    [1, 9],
    [9, 1],
  ])('rectangular %i x %i with prescribed singular values', async (m, n) => {
    const k = Math.min(m, n);
    const want = Array.from({ length: k }, (_, i) => 10 / (i + 1));
    const a = await withSingularValues(m, n, want, 40 + m);
    const s = await singularValues(a);
    // a carries construction error ~ 2 max(m, n) eps sigma_max (two orthogonal factors, one product);
    // the SVD adds ~ k eps sigma_max: 3 max(m, n) eps sigma_max in all.
    expectAllClose(s, want, { atol: 3 * Math.max(m, n) * EPS * 10, why: 'construction + SVD backward error' });
  });

  it.each([
    [40, 15],
    [15, 40],
    [33, 33],
  ])('svd %i x %i reconstructs a with orthonormal factors', async (m, n) => {
    const a = await gaussianMatrix(m, n, { seed: m * 100 + n });
    const r = await svd(a);
    const k = Math.min(m, n);
    expect([r.u.rows, r.u.cols, r.vt.rows, r.vt.cols, r.s.length]).toEqual([m, k, k, n, k]);
    const us: Matrix = { rows: m, cols: k, data: Float64Array.from(r.u.data) };
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us.data[i * k + j] = (us.data[i * k + j] as number) * (r.s[j] as number);
    const back = await matmul(us, r.vt);
    const smax = r.s[0] as number;
    // Backward stable SVD: ||a - u s vt|| <= c k eps ||a||; entrywise we allow 4 max(m, n) eps sigma_max.
    expectAllClose(back.data, a.data, { atol: 4 * Math.max(m, n) * EPS * smax, why: 'SVD backward error' });
    expect(orthogonalityError(r.u)).toBeLessThanOrEqual(2 * Math.max(m, n) * EPS);
    expect(orthogonalityError(r.vt, true)).toBeLessThanOrEqual(2 * Math.max(m, n) * EPS);
    const v = await svd(a, { vectors: false });
    expect(Object.keys(v)).toEqual(['s']);
    expectAllClose(v.s, r.s, { atol: 2 * k * EPS * smax, why: 'values-only and full paths differ by rounding' });
  });

  it('handles zero, 1 x 1 and extreme scales without overflow', async () => {
    expect(Array.from(await singularValues({ rows: 3, cols: 4, data: new Float64Array(12) }))).toEqual([0, 0, 0]);
    expect(Array.from(await singularValues({ rows: 1, cols: 1, data: Float64Array.of(-2.5) }))).toEqual([2.5]);
    // Scaling a matrix by 2^k scales its singular values exactly by 2^k in exact arithmetic; both
    // backends rescale by powers of two internally, so the results match the unscaled ones to the
    // usual k eps sigma_max, relative.
    const a = await gaussianMatrix(20, 13, { seed: 31 });
    const s0 = await singularValues(a);
    for (const k of [700, -700, 1000, -1000]) {
      const f = 2 ** k;
      const sk = await singularValues({ rows: 20, cols: 13, data: a.data.map((v) => v * f) });
      expectAllClose(sk.map((v) => v / f), s0, { atol: 4 * 20 * EPS * (s0[0] as number), why: 'power-of-two scaling is exact; SVD rounding' });
    }
  });

  it('rejects malformed matrices and options', async () => {
    await expect(singularValues({ rows: 2, cols: 2, data: new Float64Array(3) })).rejects.toThrow(/a\.data\.length/);
    await expect(singularValues({ rows: 2, cols: 2, data: Float64Array.of(1, Number.NaN, 0, 1) })).rejects.toThrow(/a\.data\[1\]/);
    await expect(singularValues({ rows: 2, cols: 2, data: [1, 2, 3, 4] } as never)).rejects.toBeInstanceOf(DynamicalIsometryTypeError);
    await expect(singularValues({ rows: 0, cols: 2, data: new Float64Array(0) })).rejects.toThrow(/a\.rows/);
    await expect(singularValues(null as never)).rejects.toBeInstanceOf(DynamicalIsometryTypeError);
    await expect(svd({ rows: 1, cols: 1, data: Float64Array.of(1) }, { vectors: 1 } as never)).rejects.toThrow(/options\.vectors/);
    await expect(svd({ rows: 1, cols: 1, data: Float64Array.of(1) }, { full: true } as never)).rejects.toMatchObject({ code: 'ERR_DI_UNKNOWN_OPTION' });
  });
});

describeEachBackend('matmul', () => {
  it.each([
    [1, 1, 1],
    [7, 5, 3],
    [70, 300, 9],
    [130, 129, 260],
  ])('%i x %i times %i columns matches the naive product within gamma_k |a||b|', async (m, k, n) => {
    const a = await gaussianMatrix(m, k, { seed: 1 });
    const b = await gaussianMatrix(k, n, { seed: 2 });
    const c = await matmul(a, b);
    const { c: ref, bound } = naiveProduct(a, b);
    expect([c.rows, c.cols]).toEqual([m, n]);
    for (let i = 0; i < ref.length; i++) {
      if (!(Math.abs((c.data[i] as number) - (ref[i] as number)) <= (bound[i] as number))) {
        throw new Error(`entry ${i}: ${c.data[i]} vs ${ref[i]} exceeds the rounding bound ${bound[i]}`);
      }
    }
  });

  it('rejects incompatible shapes', async () => {
    const a = { rows: 2, cols: 3, data: new Float64Array(6) };
    await expect(matmul(a, a)).rejects.toThrow(/^b\.rows must be equal to a\.cols \(3\); received 2/);
  });
});

describe.skipIf(!hasNative)('native linalg: concurrency and error mapping', () => {
  it('concurrent native calls give the sequential results', async () => {
    configure({ backend: 'native' });
    const seq: Float64Array[] = [];
    for (let s = 0; s < 6; s++) seq.push((await haarOrthogonal(150, { seed: 8, stream: s })).data);
    const par = await Promise.all(Array.from({ length: 6 }, (_, s) => haarOrthogonal(150, { seed: 8, stream: s })));
    par.forEach((q, s) => expect(Array.from(q.data)).toEqual(Array.from(seq[s] as Float64Array)));
  });

  it('turns LAPACK info != 0 into NumericalError naming the routine', async () => {
    // Public calls reject NaN before LAPACK; fed directly to the backend, dgesdd refuses the matrix
    // (info < 0), on the synchronous (2 x 2) and the thread-pool (100 x 100) path alike.
    for (const [rows, cols] of [[2, 2], [100, 100]] as const) {
      const a = new Float64Array(rows * cols).fill(1);
      a[1] = Number.NaN;
      const err = await nativeLinalg.singularValues(rows, cols, a, new Float64Array(rows)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NumericalError);
      expect(err).toMatchObject({ code: 'ERR_DI_LAPACK', routine: 'dgesdd' });
      expect((err as NumericalError).info).toBeLessThan(0);
      expect((err as Error).message).toMatch(/^dgesdd failed with info = -\d+/);
    }
  });

  it('maps native errors to library errors (never a crash)', async () => {
    // The binding re-checks shapes; a mismatch that bypassed validation comes back as a
    // NumericalError (ERR_DI_INTERNAL, "a bug"), through the same mapping as LAPACK's info != 0
    // (ERR_DI_LAPACK with routine/info), on both the synchronous and the thread-pool path.
    for (const [rows, cols] of [[2, 2], [100, 100]] as const) {
      const err = await nativeLinalg.singularValues(rows, cols, new Float64Array(rows * cols - 1), new Float64Array(rows)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NumericalError);
      expect(err).toMatchObject({ code: 'ERR_DI_INTERNAL' });
      expect((err as Error).message).toMatch(/a must have length/);
    }
  });
});

describe('allocation failures', () => {
  it('become NumericalError ERR_DI_OUT_OF_MEMORY naming what was allocated', () => {
    // 2^40 doubles exceed any typed-array limit: V8 throws a RangeError at once, allocating nothing.
    let err: unknown;
    try {
      allocate(2 ** 40, 'a test buffer');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NumericalError);
    expect(err).toMatchObject({ code: 'ERR_DI_OUT_OF_MEMORY' });
    expect((err as Error).message).toMatch(/cannot allocate a test buffer \(8\.0 TiB\)/);
  });
});
