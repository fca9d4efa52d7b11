/** jacobianSpectrumDistance against laws whose KS and W1 distances are known in closed form. */
import { describe, expect, it } from 'vitest';

import { jacobianSpectrumDistance } from '../../lib/empirical/index.js';
import { EPS, expectClose } from '../helpers/close.js';

const uniform = { cdf: (x: number) => Math.min(1, Math.max(0, x)) };

describe('jacobianSpectrumDistance', () => {
  it('midpoints of n cells against U[0, 1]: KS = 1/(2n), W1 = 1/(4n)', () => {
    const n = 200;
    const values = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const d = jacobianSpectrumDistance(values, uniform);
    expectClose(d.ks, 1 / (2 * n), { rtol: 1e3 * EPS, why: 'exact sup at a jump; rounding of (i + 0.5)/n' });
    // |F_emp - F| is piecewise linear and Simpson is exact on each piece between jumps.
    expectClose(d.w1, 1 / (4 * n), { atol: 1e-9, why: 'Simpson exact on linear pieces split at crossings; the tail by adaptive Simpson to 1e-10 per unit length' });
    expect(d.n).toBe(n);
    expect(d.zeroFraction).toBe(0);
  });

  it('the order of the values does not matter, and a result object is accepted', () => {
    const values = [0.9, 0.1, 0.5, 0.3, 0.7];
    const a = jacobianSpectrumDistance(values, uniform);
    const b = jacobianSpectrumDistance({ eigenvalues: Float64Array.from(values).sort() }, uniform);
    expect(a.ks).toBe(b.ks);
    expect(a.w1).toBe(b.w1);
  });

  it('atoms: exact zeros count in F(0), values near a positive atom snap onto it, left limits are used', () => {
    // Law: mass 1/2 at 0, mass 1/4 at 2, and 1/4 uniform on [0, 1].
    const law = {
      cdf: (x: number) => (x < 0 ? 0 : 0.5 + 0.25 * Math.min(1, x) + (x >= 2 ? 0.25 : 0)),
      atoms: [
        { location: 0, mass: 0.5 },
        { location: 2, mass: 0.25 },
      ],
    };
    const m = 100;
    const values: number[] = [];
    for (let i = 0; i < 2 * m; i++) values.push(0);
    for (let i = 0; i < m; i++) values.push((i + 0.5) / m);
    for (let i = 0; i < m; i++) values.push(2 * (1 + (i % 2 ? 1 : -1) * 1e-10)); // round-off around the atom
    const d = jacobianSpectrumDistance(values, law);
    // Matching law: the only error is the midpoint discretization of the uniform part (1/4 weight).
    expectClose(d.ks, 0.25 / (2 * m), { rtol: 1e3 * EPS, why: 'exact sup of the uniform part, scaled by its mass' });
    expect(d.zeroFraction).toBe(0.5);
    // Without snapping, half of the atom's values sit just below 2 and the KS distance jumps.
    const unsnapped = jacobianSpectrumDistance(values, law, { atomSnapRelative: 1e-12 });
    expect(unsnapped.ks).toBeGreaterThan(0.1);
  });

  it('the KS supremum ignores the round-off floor but counts the values below it', () => {
    // Law: all mass uniform on [0, 1]; values: half tiny noise (1e-30), half midpoints of [0.5, 1].
    const m = 50;
    const values = [...Array.from({ length: m }, () => 1e-30), ...Array.from({ length: m }, (_, i) => 0.5 + (i + 0.5) / (2 * m))];
    const law = { cdf: (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x < 0.5 ? 0.5 : x) };
    const d = jacobianSpectrumDistance(values, law);
    expect(d.floor).toBeCloseTo(1e-24 * values[values.length - 1]!, 30);
    expectClose(d.ks, 0.5 / (2 * m), { rtol: 1e3 * EPS, why: 'the jump at 0.5 of the law is matched by the 1e-30 values' });
  });

  it('the default cdfTolerance matches exact evaluation (cdfTolerance 0) with far fewer cdf calls', () => {
    // A smooth law over two decades (exponential), 4000 values: a deterministic low-discrepancy
    // sample of it, perturbed so that KS and W1 are not trivially 0.
    const law = { cdf: (x: number) => (x <= 0 ? 0 : 1 - Math.exp(-x)) };
    const n = 4000;
    const values = Float64Array.from({ length: n }, (_, i) => -Math.log(1 - (i + 0.5) / n) * (1 + 0.05 * Math.sin(i)));
    const exact = jacobianSpectrumDistance(values, law, { cdfTolerance: 0 });
    const fast = jacobianSpectrumDistance(values, law);
    const tol = 1e-5; // the default
    // On a run accepted by the midpoint check the interpolation error of a smooth F is about the
    // midpoint discrepancy (<= tol), so KS moves by at most ~tol and W1 by at most ~tol x the range.
    expectClose(fast.ks, exact.ks, { atol: tol, why: 'interpolated F within ~cdfTolerance of the exact F' });
    expectClose(fast.w1, exact.w1, { atol: tol * Math.max(...values), why: 'integral of |F~ - F| <= cdfTolerance x range' });
    // exact: one call per distinct value plus the W1 refinements and the tail (the same in both)
    expect(fast.cdfEvaluations).toBeLessThan(exact.cdfEvaluations / 2);
  });

  it('W1 is exact across a wide gap (an outlier below a support edge, where F has a kink)', () => {
    // Law: uniform on [0.5, 1]. Values: one outlier at 0.01, then the midpoints of m cells of [0.5, 1].
    const m = 400;
    const law = { cdf: (x: number) => Math.min(1, Math.max(0, 2 * (x - 0.5))) };
    const values = [0.01, ...Array.from({ length: m }, (_, i) => 0.5 + (i + 0.5) / (2 * m))];
    const n = values.length;
    // Exact W1: 0.49/n on [0.01, 0.5] (F_emp = 1/n, F = 0), then with u = F(x) = 2(x - 0.5), dx = du/2,
    // (1/2) sum over the cells between midpoints of the integral of |e - u| (e = F_emp, constant),
    // using that the antiderivative of |e - u| is -(e - u)|e - u|/2.
    const absInt = (e: number, u0: number, u1: number): number => ((e - u0) * Math.abs(e - u0) - (e - u1) * Math.abs(e - u1)) / 2;
    let ref = 0.49 / n;
    for (let k = 0; k <= m; k++) {
      const u0 = k === 0 ? 0 : (k - 0.5) / m;
      const u1 = k === m ? 1 : (k + 0.5) / m;
      ref += 0.5 * absInt((1 + k) / n, u0, u1);
    }
    const d = jacobianSpectrumDistance(values, law);
    // a linear model of F across the gap would be off by ~15% here
    expectClose(d.w1, ref, { rtol: 1e-4, why: 'the gap [0.01, 0.5006] is integrated by adaptive Simpson to 1e-4 x W1; the other pieces are exact for piecewise-linear F' });
  });

  it('a shifted law is detected: KS and W1 grow with the shift', () => {
    const n = 400;
    const values = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const shifted = { cdf: (x: number) => Math.min(1, Math.max(0, x - 0.1)) };
    const d = jacobianSpectrumDistance(values, shifted);
    expect(d.ks).toBeGreaterThan(0.09);
    expectClose(d.w1, 0.1, { rtol: 0.02, why: 'W1 of a shift is the shift; the 1/(4n) discretization is below 1%' });
  });
});
