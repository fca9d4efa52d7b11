/**
 * The Haar sampler (Stewart 1980 reflectors, lib/empirical/haar.ts and native/core/haar_reflectors.cc):
 * the two backends draw the same factors bit for bit; the blocked application matches LAPACK's
 * dormqr; the result is orthogonal; and its law is Haar: determinant signs balanced, entries with the
 * exact law of a coordinate of a uniform point on the sphere, and the squared singular values of a
 * corner block following the arcsine law (free multiplicative convolution of two projections of rank
 * N/2, THEORY §8.3 "arcsine at L = 2").
 */
import { describe, expect, it } from 'vitest';

import { nativeAddon } from '../../lib/backend/config.js';
import { allocHaarFactors, sampleHaarFactors } from '../../lib/empirical/haar.js';
import type { EmpiricalAddon } from '../../lib/empirical/native.js';
import { svdKernel } from '../../lib/linalg/kernels/svd.js';
import { Rng } from '../../lib/random/rng.js';
import { describeEachBackend, hasNative } from '../helpers/backends.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { ksCritical, ksStatistic as ksDistance, normalCdf } from '../helpers/stats.js';
import { det, haarMatrix, orthogonalityError } from './helpers.js';

// Significance level of every statistical test here; the seeds are pinned, so each test is
// deterministic, and a correct sampler fails one with probability alpha for a fresh seed.
const ALPHA = 1e-3;

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
    expectAllClose(a, b, { atol: 4 * n * EPS, why: 'same reflectors, different summation order: n updates of O(eps) rounding' });
  });

  it('the blocked compact-WY application equals dormqr to rounding', async () => {
    const n = 150; // not a multiple of the block sizes below, so partial blocks are exercised
    const ref = await haarMatrix('native', n, 3n, 1n, { ormqr: true });
    for (const blockSize of [1, 7, 64, 200]) {
      const q = await haarMatrix('native', n, 3n, 1n, { blockSize });
      // Two backward-stable applications of the same n - 1 reflectors to I: each entry differs by
      // at most ~ (n - 1) reflector updates of O(eps) each.
      expectAllClose(q, ref, { atol: 4 * n * EPS, why: 'same reflectors, different blocking: n updates of O(eps) rounding' });
    }
  });
});

describeEachBackend('Haar matrices are orthogonal', (backend) => {
  it('Q^T Q = I to rounding for n = 1..130', async () => {
    for (const n of [1, 2, 3, 5, 64, 65, 130]) {
      const q = await haarMatrix(backend, n, 7n, BigInt(n));
      // Product of n - 1 exact reflections, each perturbing by O(eps): |Q^T Q - I| <= ~ 2 n eps.
      expect(orthogonalityError(n, q)).toBeLessThanOrEqual(4 * n * EPS);
    }
  });
});

describeEachBackend('Haar law', (backend) => {
  it('determinant signs are balanced (binomial bound), for odd and even n', async () => {
    const draws = 1200;
    for (const n of [4, 5]) {
      let plus = 0;
      for (let s = 0; s < draws; s++) {
        const d = det(n, await haarMatrix(backend, n, 21n, BigInt(s)));
        expect(Math.abs(Math.abs(d) - 1)).toBeLessThan(1e-12);
        if (d > 0) plus++;
      }
      // #(det = +1) ~ Binomial(draws, 1/2) under Haar; 3.29 sigma is the two-sided 1e-3 quantile.
      // Without the sign matrix S, det would be (-1)^(n-1) for every draw.
      expect(Math.abs(plus - draws / 2)).toBeLessThanOrEqual(3.29 * Math.sqrt(draws / 4));
    }
  });

  it('n = 3: every entry is uniform on [-1, 1] (Archimedes), checked by KS', async () => {
    const draws = 1500;
    const entries: number[][] = [[], [], [], []];
    const picks = [0, 2, 4, 8]; // (0,0), (0,2), (1,1), (2,2): first/last reflector and the sign row
    for (let s = 0; s < draws; s++) {
      const q = await haarMatrix(backend, 3, 33n, BigInt(s));
      picks.forEach((p, k) => entries[k]!.push(q[p] as number));
    }
    for (const e of entries) expect(ksDistance(e, (x) => (x + 1) / 2)).toBeLessThanOrEqual(ksCritical(draws, ALPHA));
  });

  it('n = 40: sqrt(n) Q_ij has the exact law of a sphere coordinate (close to N(0,1)), checked by KS', async () => {
    const n = 40;
    const draws = 1000;
    // Q_ij of a Haar matrix has density c (1 - x^2)^((n-3)/2) on [-1, 1]; its CDF by Simpson on 4000 cells.
    const cells = 4000;
    const cdfGrid = new Float64Array(cells + 1);
    const dens = (x: number) => Math.max(0, 1 - x * x) ** ((n - 3) / 2);
    for (let i = 1; i <= cells; i++) {
      const a = -1 + (2 * (i - 1)) / cells;
      const b = -1 + (2 * i) / cells;
      cdfGrid[i] = (cdfGrid[i - 1] as number) + ((b - a) / 6) * (dens(a) + 4 * dens((a + b) / 2) + dens(b));
    }
    const total = cdfGrid[cells] as number;
    const exactCdf = (t: number): number => {
      const x = t / Math.sqrt(n);
      const u = ((x + 1) / 2) * cells;
      const i = Math.min(cells - 1, Math.max(0, Math.floor(u)));
      const f = (cdfGrid[i] as number) + (u - i) * ((cdfGrid[i + 1] as number) - (cdfGrid[i] as number));
      return f / total;
    };
    const picks = [0, n - 1, (n - 1) * n, n * n - 1];
    const entries: number[][] = picks.map(() => []);
    for (let s = 0; s < draws; s++) {
      const q = await haarMatrix(backend, n, 44n, BigInt(s));
      picks.forEach((p, k) => entries[k]!.push(Math.sqrt(n) * (q[p] as number)));
    }
    for (const e of entries) {
      expect(ksDistance(e, exactCdf)).toBeLessThanOrEqual(ksCritical(draws, ALPHA));
      // The exact law is within 1/(2n)-ish of N(0,1) in KS distance: the normal limit, loosely.
      expect(ksDistance(e, normalCdf)).toBeLessThanOrEqual(ksCritical(draws, ALPHA) + 1 / (2 * n));
    }
  });

  it('squared singular values of the N/2 x N/2 corner follow the arcsine law on [0, 1]', async () => {
    const n = 160;
    const k = n / 2;
    const draws = 4;
    const values: number[] = [];
    for (let s = 0; s < draws; s++) {
      const q = await haarMatrix(backend, n, 55n, BigInt(s));
      const corner = new Float64Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) corner[i * k + j] = q[i * n + j] as number;
      for (const sv of svdKernel(k, k, corner, false).s) values.push(sv * sv);
    }
    // F(x) = (2/pi) arcsin(sqrt(x)). The i.i.d. KS critical value is conservative here: eigenvalues
    // of one matrix are rigid, so their empirical CDF fluctuates far less than i.i.d. draws.
    const d = ksDistance(values, (x) => (2 / Math.PI) * Math.asin(Math.sqrt(Math.min(1, Math.max(0, x)))));
    expect(d).toBeLessThanOrEqual(ksCritical(values.length, ALPHA));
  });
});
