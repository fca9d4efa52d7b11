/**
 * Sampled networks are the same networks on both backends: the Haar sampler (Stewart 1980
 * reflectors, lib/empirical/haar.ts and native/core/haar_reflectors.cc) draws the same factors bit
 * for bit and forms the same Q to rounding, and sampleJacobianSpectrum builds the same J (moved from
 * test/empirical/haar.test.ts and test/empirical/sampling.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { nativeAddon } from '../../lib/backend/config.js';
import { allocHaarFactors, sampleHaarFactors } from '../../lib/empirical/haar.js';
import type { EmpiricalAddon } from '../../lib/empirical/native.js';
import { runBatch } from '../../lib/empirical/sampler.js';
import { Rng } from '../../lib/random/rng.js';
import { resolveNetworkSpec } from '../../lib/spec.js';
import { hasNative } from '../helpers/backends.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { reflectorRounding } from '../helpers/tolerances.js';
import { TANH_GAUSS, TANH_ORTH, haarMatrix, request } from '../empirical/helpers.js';

(hasNative ? describe : describe.skip)('Haar factors: native and JS draw the same reflectors and matrices', () => {
  it('bit-identical v, tau and sign for several orders and streams', () => {
    const addon: EmpiricalAddon = nativeAddon();
    for (const n of [1, 2, 3, 17, 64]) {
      for (const stream of [0n, 5n]) {
        const v = new Float64Array(n * n);
        const tau = new Float64Array(n);
        const sign = new Float64Array(n);
        addon.empiricalHaarFactors(n, 11n, stream, v, tau, sign);
        const f = allocHaarFactors(n);
        sampleHaarFactors(new Rng(11n, stream), f);
        expect(Array.from(f.v)).toEqual(Array.from(v));
        expect(Array.from(f.tau)).toEqual(Array.from(tau));
        expect(Array.from(f.sign)).toEqual(Array.from(sign));
      }
    }
  });

  it('JS and native Q agree to rounding', async () => {
    const n = 70;
    const a = await haarMatrix('js', n, 9n, 2n);
    const b = await haarMatrix('native', n, 9n, 2n);
    expectAllClose(a, b, { atol: reflectorRounding(n), why: 'same reflectors, different summation order: n updates of O(eps) rounding' });
  });
});

(hasNative ? describe : describe.skip)('native and JS build the same networks', () => {
  // Both backends draw the same normals in the same order (lib/empirical/job.ts), so the networks are
  // identical and only the rounding of the products differs (BLAS blocking and FMA vs sequential JS
  // sums). Each of the L products perturbs J by at most gamma_N |W||J| ~ N eps ||W|| ||J|| (Frobenius
  // to 2-norm costs at most another factor from the norms below), and the perturbation is carried by
  // the remaining layers, whose norms are at most (||W|| max|phi'|) each: ||W|| = weightStd for
  // orthogonal weights and <= weightStd (2 + 3/sqrt(N)) w.h.p. for Gaussian ones, max|phi'| = 1 for tanh.
  // Weyl then bounds every singular value difference by ||Delta J||_2 (plus each SVD's own backward
  // error, N eps ||J||), so |s_native - s_js| <= (L + 2) N eps prod(||W||).
  for (const spec of [TANH_ORTH, TANH_GAUSS]) {
    it(`same J and the same singular values to rounding (${spec.weights})`, async () => {
      const n = 48;
      const r = resolveNetworkSpec(spec);
      const [nat, js] = await Promise.all([
        runBatch(request(spec, n, 2, 99n, 'native', { keepJacobians: true })),
        runBatch(request(spec, n, 2, 99n, 'js', { keepJacobians: true })),
      ]);
      const wNorm = spec.weights === 'orthogonal' ? r.weightStd : r.weightStd * (2 + 3 / Math.sqrt(n));
      const bound = (r.depth + 2) * n * EPS * wNorm ** r.depth;
      expectAllClose(nat.jacobians!, js.jacobians!, { atol: bound, why: 'same network, product rounding only (derivation above)' });
      const sNat = Float64Array.from(nat.eigenvalues, Math.sqrt);
      const sJs = Float64Array.from(js.eigenvalues, Math.sqrt);
      expectAllClose(sNat, sJs, { atol: bound, why: 'Weyl: |ds| <= ||dJ||_2 plus the SVDs backward errors (derivation above)' });
      expectAllClose(nat.qPerLayer, js.qPerLayer, { rtol: 64 * r.depth * n * EPS, why: 'q^l = |h|^2/N from the same network: N-term sums of rounded h' });
      expect(Array.from(nat.structuralZeros)).toEqual(Array.from(js.structuralZeros));
    });
  }
});
