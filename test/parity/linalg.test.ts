/**
 * Native (LAPACK/OpenBLAS through native/core) against the JS kernels (lib/linalg) on the same
 * inputs: gaussianMatrix bit for bit, haarOrthogonal to kappa(G) n eps, singular values (Weyl) and
 * products (gamma_k |a||b|) to rounding. Moved from test/linalg/linalg.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { configure, gaussianMatrix, haarOrthogonal, matmul, singularValues, type Matrix } from '../../lib/index.js';
import { hasNative } from '../helpers/backends.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { naiveProduct } from '../linalg/helpers.js';

describe.skipIf(!hasNative)('native and JS agree on the same inputs', () => {
  async function both<T>(f: () => Promise<T>): Promise<[T, T]> {
    configure({ backend: 'native' });
    const n = await f();
    configure({ backend: 'js' });
    const j = await f();
    configure({ backend: 'native' });
    return [n, j];
  }

  it('gaussianMatrix is bit-identical', async () => {
    const [n, j] = await both(() => gaussianMatrix(300, 200, { seed: 9, std: 0.1 }));
    expect(Buffer.from(n.data.buffer).equals(Buffer.from(j.data.buffer))).toBe(true);
  });

  it('haarOrthogonal agrees to kappa(G) n eps', async () => {
    for (const size of [8, 50, 120]) {
      const [n, j] = await both(() => haarOrthogonal(size, { seed: 21 }));
      // Same G on both; each QR is backward stable with error ~ n eps ||G||, and the Q factor moves by
      // at most ~ kappa(G) times the relative perturbation (QR perturbation theory), so
      // |Q_native - Q_js| <= 2 kappa(G) n eps entrywise.
      const s = await singularValues(await gaussianMatrix(size, size, { seed: 21 }));
      const kappa = (s[0] as number) / (s[size - 1] as number);
      expectAllClose(n.data, j.data, { atol: 2 * kappa * size * EPS, why: 'QR perturbation: kappa(G) x backward error' });
    }
  });

  it('singular values and products agree on random and structured inputs', async () => {
    const inputs: Matrix[] = [
      await gaussianMatrix(90, 40, { seed: 1 }),
      await gaussianMatrix(40, 90, { seed: 2 }),
      await haarOrthogonal(70, { seed: 3 }),
      { rows: 3, cols: 3, data: Float64Array.of(1, 2, 3, 2, 4, 6, 3, 6, 9) },
    ];
    for (const a of inputs) {
      const [sn, sj] = await both(() => singularValues(a));
      const k = Math.min(a.rows, a.cols);
      // Both backward stable: each within ~ k eps sigma_max of the truth (Weyl), so 2 k eps sigma_max apart.
      expectAllClose(sn, sj, { atol: 2 * Math.max(a.rows, a.cols) * EPS * (sn[0] as number), why: 'two backward-stable SVDs (Weyl)' });
      void k;
    }
    const a = await gaussianMatrix(64, 80, { seed: 4 });
    const b = await gaussianMatrix(80, 33, { seed: 5 });
    const [cn, cj] = await both(() => matmul(a, b));
    const { bound } = naiveProduct(a, b);
    for (let i = 0; i < bound.length; i++) expect(Math.abs((cn.data[i] as number) - (cj.data[i] as number))).toBeLessThanOrEqual(bound[i] as number);
  });
});
