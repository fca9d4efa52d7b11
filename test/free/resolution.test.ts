/**
 * Where the rule for D^2 stops resolving the solution, and the cases the domain sweep found there
 * (docs/theory.md §3.6-3.8, issue 11): deep lower tails are bounded by monotonicity instead of
 * returning a root that is not the law's; an edge whose CDF cannot be evaluated is bounded by the
 * other edge; 1/(w - d) stays finite for tiny |w|; an offset of F near 0 is a self-check failure.
 * Each case returned a wrong number before its fix (given in its comment).
 */
import { expect, it } from 'vitest';

import { erf, erfc, ErrorCode, NumericalError, spectralDensity } from '../../lib/index.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('what the rule resolves', () => {
  it('tanh, orthogonal, L = 7, weightStd 4: F is monotone down to 1e-300 (was F(1e-300) = 0.597 > F(1e-200) = 2.4e-10)', async () => {
    const spec = { activation: 'tanh', weights: 'orthogonal', depth: 7, weightStd: 4, biasStd: 0 } as const;
    const r = await spectralDensity(spec, { points: 50 });
    const acc = r.diagnostics.cdfAccuracy;
    const xs = [1e-300, 1e-290, 1e-280, 1e-270, 1e-250, 1e-230, 1e-200, 1e-150, 1e-100, 1e-50, 1e-10];
    const fs = xs.map((x) => r.cdf(x));
    // non-decreasing to within the stated accuracy, and the deep tail holds at most that
    for (let k = 1; k < fs.length; k++) expect(fs[k - 1] as number).toBeLessThanOrEqual((fs[k] as number) + acc);
    expect(fs[0] as number).toBeLessThanOrEqual(acc);
    // a grid reaching into the unresolved tail: density 0 there (counted), F monotone, no failure
    const g = await spectralDensity(spec, { at: xs, cdf: true });
    expect(g.diagnostics.belowResolution).toBeGreaterThan(0);
    expect(g.diagnostics.failures).toBe(0);
    const cv = g.cdfValues as Float64Array;
    for (let k = 1; k < cv.length; k++) expect(cv[k - 1] as number).toBeLessThanOrEqual((cv[k] as number) + acc);
    expect(g.density[0]).toBe(0);
  });

  it('hard-tanh, orthogonal, L = 1e4, q* = 0.3: support.max is the closed-form edge (was 2.1e305)', async () => {
    const L = 10_000;
    const q = 0.3;
    const r = await spectralDensity({ activation: 'hard-tanh', weights: 'orthogonal', depth: L, qStar: q }, { points: 20 });
    // D^2 = 1 with mass p = erf(1/sqrt(2 q*)), else 0: log z = L log s2 + L log w + (L-1) log(p/(w - 1 + p)),
    // critical at w = L (1 - p) (docs/theory.md §4)
    const p = erf(1 / Math.sqrt(2 * q));
    const w = L * (1 - p);
    const logEdge = L * Math.log(r.spec.weightStd ** 2) + L * Math.log(w) + (L - 1) * Math.log(p / (w - 1 + p));
    // 1e-10 relative: the README's edge accuracy (1.7e-13) plus the rounding of L = 1e4 logarithms (~L eps)
    expect(Math.abs(r.support.max / Math.exp(logEdge) - 1)).toBeLessThan(1e-10);
    expect(r.lambdaMax).toBe(r.support.max);
  });

  it('sigmoid, orthogonal, L = 1, q* = 1e3: F far in the lower tail is the closed form (was NaN below 1e-155)', async () => {
    const q = 1000;
    const r = await spectralDensity({ activation: 'sigmoid', weights: 'orthogonal', depth: 1, qStar: q }, { points: 20 });
    const s2 = r.spec.weightStd ** 2;
    // L = 1, orthogonal: lambda = weightStd^2 d, so F(lambda) = P(sigma'(x)^2 <= lambda / s2), x ~ N(0, q*):
    // sigma(1 - sigma) = y at sigma = 2y / (1 + sqrt(1 - 4y)) (no cancellation), |x| >= |logit(sigma)|
    const exact = (lambda: number): number => {
      const y = Math.sqrt(lambda / s2);
      const sig = (2 * y) / (1 + Math.sqrt(1 - 4 * y));
      const x = Math.abs(Math.log(sig / (1 - sig)));
      return erfc(x / Math.sqrt(2 * q));
    };
    for (const x of [1e-150, 1e-165, 1e-180]) {
      const f = r.cdf(x);
      // 1e-6 relative + 1e-14 absolute, far inside the stated 1e-8: the library's F = 1 - Im H / pi
      // is formed next to 1, so it carries a few eps absolute (1.3e-15 measured at 1e-180)
      expect(Math.abs(f - exact(x))).toBeLessThanOrEqual(1e-6 * exact(x) + 1e-14);
    }
    expect(r.quantile(1e-9)).toBeGreaterThan(0);
    expect(Math.abs(r.cdf(r.quantile(1e-9)) - 1e-9)).toBeLessThan(1e-15);
  });

  it('gelu, Gaussian, L = 1, q* = 10: an F offset near 0 is refused (F ran 1.3e-5 below the density integral)', async () => {
    const spec = { activation: 'gelu', weights: 'gaussian', depth: 1, qStar: 10 } as const;
    let err: unknown;
    try {
      await spectralDensity(spec, { points: 20 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NumericalError);
    expect((err as NumericalError).code).toBe(ErrorCode.selfCheck);
    const r = await spectralDensity(spec, { points: 20, strict: false });
    expect(r.diagnostics.converged).toBe(false);
    expect(r.diagnostics.selfCheck.some((m) => m.includes('below the atom at 0'))).toBe(true);
  });
});
