/**
 * Gaussian expectations: the graded composite Gauss–Legendre rule of lib/quadrature against mpmath
 * (fixtures/moments.json: E[phi^2], mu1, mu2 and d/dq E[phi^2] of ten built-ins at q = 1e-8 ... 1e4,
 * 30 digits, made by fixtures/make_moments.py), against closed forms, and the 2-D rule of the
 * correlation map against the arc-cosine and arcsine kernels.
 *
 * The quadrature path is forced by passing each built-in as a user-defined activation (same phi,
 * phi', kinks): that is also the "custom reproduces built-in" check.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { resolveActivation } from '../../lib/activations/index.js';
import { correlationIntegrals, ePhi2, lengthSlope, muK } from '../../lib/mean-field/moments.js';
import { bivariateExpectation, gaussHermiteRule, gaussianExpectation, gaussianRule } from '../../lib/quadrature/index.js';
import { expectAllClose, expectClose } from '../helpers/close.js';
import { QUADRATURE_RTOL } from '../helpers/tolerances.js';

interface Row {
  activation: string;
  q: number;
  ePhi2: number;
  mu1: number;
  mu2: number;
  slopeNum: number;
}
const rows = JSON.parse(readFileSync(new URL('./fixtures/moments.json', import.meta.url), 'utf8')) as Row[];

/** The built-in's functions as a user-defined activation (forces quadrature everywhere). */
function asCustom(name: string) {
  const b = resolveActivation(name === 'leaky-relu' ? { name, slope: 0.01 } : name);
  return resolveActivation({ phi: b.phi, dphi: b.dphi, kinks: [...b.kinks], name: `custom-${name}` });
}

// The rule's own error is ~1e-15 (16-point panels no wider than the local feature scale); the
// tolerance leaves room for rounding in sums of up to ~800 terms and for the mpmath values' own
// rounding to double. Measured worst: 1.6e-15.
const RTOL = QUADRATURE_RTOL; // 1e-13

describe('1-D Gaussian expectations against mpmath (q from 1e-8 to 1e4)', () => {
  const names = [...new Set(rows.map((r) => r.activation))];
  for (const name of names) {
    it(`${name}: E[phi^2], mu1, mu2 and the length-map slope to ${RTOL} relative`, () => {
      const a = asCustom(name);
      const mine = rows.filter((r) => r.activation === name);
      const got = mine.flatMap((r) => [ePhi2(a, r.q), muK(a, r.q, 1), muK(a, r.q, 2)]);
      const want = mine.flatMap((r) => [r.ePhi2, r.mu1, r.mu2]);
      expectAllClose(got, want, { rtol: RTOL, why: 'graded composite Gauss-Legendre vs mpmath (see file header)' });
      // the slope's integrand (phi phi' - phi(0) phi'(0)) h is O(sqrt q) but each term is rounded
      // to eps |phi phi'|: relative error ~ eps/sqrt(q), largest at q = 1e-8
      expectAllClose(mine.map((r) => lengthSlope(a, r.q)), mine.map((r) => r.slopeNum), { rtol: 1e-11, why: 'Stein form E[(phi phi\' - phi(0) phi\'(0)) h]/sqrt(q): rounding ~ a few eps/sqrt(q), 2.3e-12 measured at q = 1e-8' });
    });
  }

  it('the closed forms (relu, leaky-relu, hard-tanh, erf) agree with the same mpmath values', () => {
    for (const name of ['hard-tanh', 'erf', 'leaky-relu']) {
      const a = resolveActivation(name === 'leaky-relu' ? { name, slope: 0.01 } : name);
      const mine = rows.filter((r) => r.activation === name);
      // hard-tanh's E[phi^2] = q p - sqrt(2q/pi) e^{-1/(2q)} + (1-p) cancels ~sqrt(q) in its first two terms at large q
      expectAllClose(
        mine.flatMap((r) => [ePhi2(a, r.q), muK(a, r.q, 1), muK(a, r.q, 2), lengthSlope(a, r.q)]),
        mine.flatMap((r) => [r.ePhi2, r.mu1, r.mu2, r.slopeNum]),
        { rtol: 1e-12, why: 'closed forms; hard-tanh loses ~log10(sqrt q) digits to cancellation at q = 1e4' },
      );
    }
  });

  it('weights sum to one and integrate Gaussian moments exactly', () => {
    for (const sd of [1e-6, 0.3, 1, 7, 1e5]) {
      const r = gaussianRule({ sd, breakpoints: [0.1] });
      let s0 = 0;
      let s2 = 0;
      let s4 = 0;
      for (let i = 0; i < r.x.length; i++) {
        const w = r.weights[i] as number;
        const h = r.h[i] as number;
        s0 += w;
        s2 += w * h * h;
        s4 += w * h ** 4;
      }
      expectAllClose([s0, s2, s4], [1, 1, 3], { rtol: 1e-14, why: 'Gaussian mass beyond |h| = 10 is 1.5e-23; sums of ~10^3 rounded terms' });
    }
    expectClose(gaussianExpectation((x) => x * x, 3), 3, { rtol: 1e-14, why: 'E[x^2] = q, rounding only' });
    expect(gaussianExpectation((x) => (x > 0 ? 1 : 0), 0)).toBe(0.5); // the q -> 0+ limit
  });

  it('the 24-point Gauss-Hermite rule (smooth inner integrals) integrates Gaussian moments to degree 46', () => {
    const moments = [0, 1, 2, 3, 10, 20, 23].map((k) => {
      let m = 0;
      for (let i = 0; i < gaussHermiteRule.x.length; i++) m += (gaussHermiteRule.w[i] as number) * (gaussHermiteRule.x[i] as number) ** (2 * k);
      return m;
    });
    // E[h^{2k}] = (2k-1)!!
    const dfact = (k: number) => { let r = 1; for (let j = 2 * k - 1; j > 1; j -= 2) r *= j; return r; };
    expectAllClose(moments, [0, 1, 2, 3, 10, 20, 23].map(dfact), { rtol: 1e-13, why: 'exact for degree < 48; rounding of 24 terms up to 1e29 in size' });
  });

  it('keeps a declared kink as a panel end at any q (relu moments exact to rounding at q = 1e16)', () => {
    const relu = (x: number) => (x > 0 ? x * x : 0);
    for (const q of [1e-12, 1, 1e16]) {
      expectClose(gaussianExpectation(relu, q, { kinks: [0] }), q / 2, { rtol: 1e-14, why: 'a split at the kink makes each panel polynomial' });
    }
  });
});

describe('2-D rule of the correlation map', () => {
  const cs = [-0.95, -0.3, 0, 0.4, 0.9, 0.999, 1 - 1e-9, 1];
  it('reproduces the arc-cosine kernel of relu (kinked: the rule splits at the kink on both levels)', () => {
    const a = asCustom('relu');
    const relu = resolveActivation('relu');
    for (const q of [0.05, 1, 30]) {
      const got = cs.flatMap((c) => {
        const r = correlationIntegrals(a, q, c);
        return [r.phiPhi, r.dphiDphi];
      });
      const want = cs.flatMap((c) => {
        const r = correlationIntegrals(relu, q, c);
        return [r.phiPhi, r.dphiDphi];
      });
      expectAllClose(got, want, { rtol: 1e-12, atol: 1e-14 * q, why: 'iterated 16-point panels ~1e-14; closed-form acos near c = 1 ~1e-13' });
    }
  });

  it('reproduces the arcsine kernel of erf and its derivative kernel', () => {
    const a = asCustom('erf');
    const erf = resolveActivation('erf');
    for (const q of [1e-3, 0.5, 4, 100]) {
      const got = cs.flatMap((c) => Object.values(correlationIntegrals(a, q, c)));
      const want = cs.flatMap((c) => Object.values(correlationIntegrals(erf, q, c)));
      expectAllClose(got, want, { rtol: 1e-12, atol: 1e-15, why: 'smooth integrand; iterated rule ~1e-14' });
    }
  });

  it('hard-tanh: the closed-form inner integral agrees with the generic iterated rule', () => {
    const a = asCustom('hard-tanh');
    const ht = resolveActivation('hard-tanh');
    for (const q of [0.02, 0.66, 5, 400]) {
      const got = cs.flatMap((c) => Object.values(correlationIntegrals(ht, q, c)));
      const want = cs.flatMap((c) => Object.values(correlationIntegrals(a, q, c)));
      expectAllClose(got, want, { rtol: 1e-12, atol: 1e-15, why: 'two evaluations of the same integral, each ~1e-14' });
    }
  });

  it('at c = 1 equals the 1-D expectations E[phi^2] and mu1 (hard-tanh, tanh)', () => {
    for (const name of ['hard-tanh', 'tanh']) {
      const a = asCustom(name);
      const [pp, dd] = bivariateExpectation([[a.phi, a.phi], [a.dphi, a.dphi]], 0.7, 0.7, 1, a);
      expectAllClose([pp as number, dd as number], [ePhi2(a, 0.7), muK(a, 0.7, 1)], { rtol: 1e-14, why: 'same nodes up to panel layout; rounding' });
    }
  });
});
