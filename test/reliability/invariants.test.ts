/**
 * Numerical invariants of spectralDensity as properties over random valid network specs (pinned
 * seed): density >= 0; total mass (continuous + atoms) = 1 and F(lambda_max) = 1; the mean equals
 * chi^L and the first moment of the returned law; the CDF is monotone; quantile(cdf(x)) = x inside
 * the support; native and JS agree. Tolerances come from the accuracy table of the README ("Free probability")
 * (CDF ~1e-13 absolute, quantiles <= 2e-9 relative, native vs JS 1e-10 relative).
 */
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';

import { configure, spectralDensity, type SpectralDensity } from '../../lib/index.js';
import { describeEachBackend, hasNative } from '../helpers/backends.js';
import { expectAllClose } from '../helpers/close.js';
import { CDF_ATOL, freeSolverParity } from '../helpers/tolerances.js';
import { FC_SEED, recordFigure } from './harness.js';

const specArb = fc.record({
  activation: fc.constantFrom('tanh', 'hard-tanh', 'erf', 'relu', 'linear'),
  weights: fc.constantFrom('gaussian', 'orthogonal') as fc.Arbitrary<'gaussian' | 'orthogonal'>,
  depth: fc.integer({ min: 1, max: 8 }),
  qStar: fc.double({ min: 0.01, max: 2, noNaN: true }),
});
const RUNS = 25;
let specsChecked = 0;

/** First moment of the law: atoms exactly, the continuous part by midpoints in theta, x = a + (b-a)(1-cos theta)/2. */
async function meanOfLaw(r: SpectralDensity, spec: object): Promise<number> {
  let m = 0;
  for (const a of r.atoms) m += a.location * a.mass;
  for (const [a, b] of r.support.intervals) {
    const n = 2000;
    const th = Float64Array.from({ length: n }, (_, i) => (Math.PI * (i + 0.5)) / n);
    const at = Float64Array.from(th, (t) => a + ((b - a) * (1 - Math.cos(t))) / 2);
    const d = (await spectralDensity(spec as never, { at })).density;
    for (let i = 0; i < n; i++) m += (at[i] as number) * (d[i] as number) * ((b - a) / 2) * Math.sin(th[i] as number) * (Math.PI / n);
  }
  return m;
}

describeEachBackend('spectral density invariants over random specs', () => {
  it('density >= 0, mass 1, mean chi^L, monotone CDF, quantile(cdf(x)) = x', async () => {
    await fc.assert(
      fc.asyncProperty(specArb, async (spec) => {
        const r = await spectralDensity(spec, { points: 200, cdf: true });
        for (const v of r.density) expect(v).toBeGreaterThanOrEqual(0);
        const atomMass = r.atoms.reduce((s, a) => s + a.mass, 0);
        expect(Math.abs(r.continuousMass + atomMass - 1)).toBeLessThanOrEqual(1e-14);
        // CDF accuracy ~1e-13 absolute (free.md): 1e-12 leaves a decade of margin
        expect(Math.abs(r.cdf(r.lambdaMax) - 1)).toBeLessThanOrEqual(CDF_ATOL);
        const cdf = r.cdfValues as Float64Array;
        for (let i = 1; i < cdf.length; i++) expect(cdf[i] as number).toBeGreaterThanOrEqual((cdf[i - 1] as number) - CDF_ATOL);
        // m1 = chi^L (closed form, rounding of L multiplications)
        expectAllClose([r.moments.mean], [r.spec.chi ** r.spec.depth], { rtol: 1e-12, why: 'chi^L by L rounded products vs the closed form' });
        if (!r.support.empty && r.spec.depth <= 4) {
          // the first moment of the returned law: 2000 midpoints in theta resolve the edge behaviour
          // (sqrt edges become smooth; lambda rho(lambda) -> 0 at 0): worst error 2.5e-8 measured on a
          // grid of 120 specs with L <= 4 (5 activations x 2 ensembles x L 1..4 x q* 0.01, 0.3, 2)
          expectAllClose([await meanOfLaw(r, spec)], [r.moments.mean], { rtol: 1e-6, why: 'midpoint rule in theta over the support, L <= 4 (measured worst 2.5e-8)' });
        }
        // quantile(cdf(x)) = x where the density is positive (bulk quantiles <= 1e-12, worst 2e-9 relative)
        for (let i = 5; i < r.lambda.length; i += 19) {
          const x = r.lambda[i] as number;
          if (!((r.density[i] as number) > 1e-6)) continue;
          expectAllClose([r.quantile(r.cdf(x))], [x], { rtol: 1e-8, atol: 1e-300, why: 'quantile accuracy 2e-9 relative worst case (free.md), in the bulk' });
        }
        specsChecked++;
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
  });
});

(hasNative ? it : it.skip)('native and JS agree on random specs', async () => {
  await fc.assert(
    fc.asyncProperty(specArb, async (spec) => {
      configure({ backend: 'native' });
      const n = await spectralDensity(spec, { points: 64 });
      configure({ backend: 'js' });
      const j = await spectralDensity(spec, { points: 64 });
      configure({ backend: 'native' });
      const tol = freeSolverParity(n.spec.depth); // L <= 8: rtol 1e-10, atol 1e-12 of the peak
      expectAllClose(n.lambda, j.lambda, { rtol: tol.rtol, why: 'grid from the support edges, native vs JS solves (free.md: 1e-10)' });
      expectAllClose(n.density, j.density, { rtol: tol.rtol, atol: tol.atolPerPeak * Math.max(...n.density), why: 'native vs JS density (free.md: 1e-10 relative)' });
      specsChecked++;
    }),
    { seed: FC_SEED + 1, numRuns: RUNS },
  );
});

afterAll(() => recordFigure('invariant specs checked', specsChecked));
