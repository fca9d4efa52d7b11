/**
 * The law of D^2 = phi'(sqrt(q*) h)^2 (lib/free/d2-law.ts): atoms exactly, the continuous rule
 * against independent quadrature.
 *
 * Reference values marked "mpmath" were computed with mpmath.quad at 30 digits on the real h-line
 * (split at 0, +-1.5, +-3, +-6), far from any near-singularity, so they are good to ~1e-20
 * (scripts/reference/d2_law.py prints them; tanh-sinh and Gauss-Legendre agree to all digits); the tolerances
 * below are those the rule is designed for (THEORY §8.5: ~1e-13), with a factor for the size of
 * the values.
 */
import { describe, expect, it } from 'vitest';

import { d2Cauchy, d2Law, d2Moment, dphiMoment, erf, resolveActivation } from '../../lib/index.js';
import { expectClose } from '../helpers/close.js';
import { FEW_ROUNDINGS, REFERENCE_RTOL } from '../helpers/tolerances.js';

const RULE_RTOL = REFERENCE_RTOL; // 1e-12: designed ~1e-13; 10x for accumulated rounding over ~1000 complex terms

describe('d2Law: atoms of the discrete laws', () => {
  it('relu: 0 and 1 with mass 1/2; no continuous part', () => {
    const law = d2Law({ activation: 'relu', qStar: 0.7 });
    expect(law.atoms).toEqual([
      { value: 0, mass: 0.5 },
      { value: 1, mass: 0.5 },
    ]);
    expect(law.ruleKind).toBe('none');
    expect(law.continuousMass).toBe(0);
  });
  it('hard-tanh: 1 with mass p = erf(1/sqrt(2 q*)), 0 with 1 - p', () => {
    for (const q of [1 / 16, 0.5, 2]) {
      const law = d2Law({ activation: 'hard-tanh', qStar: q });
      const p = erf(1 / Math.sqrt(2 * q));
      expect(law.atoms.length).toBe(2);
      expectClose(law.atoms[1]?.mass as number, p, { rtol: FEW_ROUNDINGS, why: 'erfc-based mass vs erf' });
      expect(law.atoms[1]?.value).toBe(1);
      expectClose((law.atoms[0]?.mass as number) + (law.atoms[1]?.mass as number), 1, { rtol: FEW_ROUNDINGS, why: 'masses sum to 1' });
    }
  });
  it('leaky-relu: slope^2 and 1 with 1/2 each; linear: 1 with mass 1', () => {
    expect(d2Law({ activation: { name: 'leaky-relu', slope: 0.2 }, qStar: 1 }).atoms).toEqual([
      { value: 0.2 * 0.2, mass: 0.5 },
      { value: 1, mass: 0.5 },
    ]);
    expect(d2Law({ activation: 'linear', qStar: 3 }).atoms).toEqual([{ value: 1, mass: 1 }]);
  });
  it('elu: an atom at 1 of mass 1/2 plus a continuous part on (0, 1)', () => {
    const law = d2Law({ activation: 'elu', qStar: 1 });
    expect(law.atoms).toEqual([{ value: 1, mass: 0.5 }]);
    expect(law.continuousMass).toBe(0.5);
    expect(law.continuousRange?.[1]).toBe(1);
    // E[d] = 1/2 + E[e^{2u}; u < 0] = 1/2 + e^{2q} Phi(-2 sqrt q) (closed form), q = 1
    const exact = 0.5 + Math.exp(2) * 0.5 * (1 - erf(2 / Math.SQRT2));
    expectClose(d2Moment(law, 1), exact, { rtol: RULE_RTOL, why: 'real-line composite Gauss-Legendre on a smooth integrand' });
  });
});

describe('d2Law: the continuous rule', () => {
  it('uses the contour rule for every smooth built-in (none rejected)', () => {
    for (const name of ['tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'silu']) {
      for (const q of [1 / 64, 0.25, 1, 4]) {
        const law = d2Law({ activation: name, qStar: q });
        expect(law.ruleKind, `${name} q*=${q}: ${law.contourRejected}`).toBe('contour');
        expect(law.contourCheck as number).toBeLessThan(1e-11);
        // Im d_j <= 0: d maps the contour into the closed lower half-plane
        expect(Math.max(...law.nodeIm)).toBeLessThanOrEqual(0);
      }
    }
  });

  it('reproduces mu1, mu2 of the mean field (independent quadrature) for every smooth built-in', () => {
    for (const name of ['tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'silu', 'elu', 'selu']) {
      for (const q of [1 / 64, 0.25, 1, 4]) {
        const law = d2Law({ activation: name, qStar: q });
        for (const k of [1, 2]) {
          expectClose(d2Moment(law, k), dphiMoment(name, q, k), { rtol: RULE_RTOL, why: `${name} q*=${q} mu_${k}: two quadratures designed for ~1e-13` });
        }
      }
    }
  });

  it('integrates d^3 and the Cauchy transform off the support (mpmath references)', () => {
    const cases: [string, number, number, [number, number]][] = [
      ['gelu', 1, 0.464658944249117795, [-0.521626201092013299, -0.410940259131075359]],
      ['gelu', 0.25, 0.205855691534291263, [-0.414476018650028839, -0.625856428622246638]],
      ['silu', 1, 0.257110356292247837, [-0.459989758150327952, -0.552881651462477683]],
      ['silu', 0.25, 0.0863134707871514061, [-0.287571848498317395, -0.810355568730820960]],
      ['softplus', 1, 0.0718764749033788260, [-0.280794032085480739, -0.829301943614350547]],
      ['sigmoid', 0.25, 0.000185241802890296429, [0.137448449892327717, -0.113275272067397650]],
    ];
    for (const [name, q, m3, [mr, mi]] of cases) {
      const law = d2Law({ activation: name, qStar: q });
      expectClose(d2Moment(law, 3), m3, { rtol: RULE_RTOL, why: `${name} E[d^3]` });
      const [cr, ci] = d2Cauchy(law, 0.3, 0.2);
      expectClose(cr, mr, { atol: RULE_RTOL, why: `${name} Re M(0.3 + 0.2i), |M| ~ 1` });
      expectClose(ci, mi, { atol: RULE_RTOL, why: `${name} Im M(0.3 + 0.2i)` });
    }
  });

  it('is the analytic continuation across the support: Im M(x + i0) = -pi x p_D(x) (tanh, erf closed forms)', () => {
    const phi = (h: number) => Math.exp(-0.5 * h * h) / Math.sqrt(2 * Math.PI);
    for (const q of [1 / 16, 0.5, 2]) {
      const s = Math.sqrt(q);
      const tanh = d2Law({ activation: 'tanh', qStar: q });
      const erfLaw = d2Law({ activation: 'erf', qStar: q });
      for (const x of [0.05, 0.3, 0.5, 0.8, 0.95]) {
        // tanh: d = sech^4(u); u0 = acosh(x^{-1/4}); p_D = 2 phi(u0/s) / (4 s x tanh u0)
        const u0 = Math.acosh(x ** -0.25);
        const pT = (2 * phi(u0 / s)) / (4 * s * x * Math.tanh(u0));
        const mT = d2Cauchy(tanh, x, 0);
        expectClose(mT[1], -Math.PI * x * pT, { rtol: 1e-11, atol: 1e-13 * Math.hypot(mT[0], mT[1]), why: `tanh q*=${q} x=${x}: contour rule on the support, ~1e-13 of |M| (absolute in the Gaussian tail)` });
        // erf: d = (4/pi) e^{-2u^2}; u0 = sqrt(log(4/(pi x))/2); p_D = 2 phi(u0/s)/(4 s u0 x)
        const xe = x * (4 / Math.PI);
        const v0 = Math.sqrt(Math.log(4 / (Math.PI * xe)) / 2);
        const pE = (2 * phi(v0 / s)) / (4 * s * v0 * xe);
        const mE = d2Cauchy(erfLaw, xe, 0);
        expectClose(mE[1], -Math.PI * xe * pE, { rtol: 1e-11, atol: 1e-13 * Math.hypot(mE[0], mE[1]), why: `erf q*=${q} x=${xe}: ~1e-13 of |M|` });
      }
    }
  });

  it('a user-defined tanh falls back to the real-line rule and agrees off the axis', () => {
    const custom = resolveActivation({ phi: Math.tanh, dphi: (x: number) => 1 / Math.cosh(x) ** 2, name: 'my-tanh' });
    const a = d2Law({ activation: custom, qStar: 0.5 });
    const b = d2Law({ activation: 'tanh', qStar: 0.5 });
    expect(a.ruleKind).toBe('real-line');
    for (const k of [1, 2, 3]) expectClose(d2Moment(a, k), d2Moment(b, k), { rtol: RULE_RTOL, why: 'both rules on smooth moments' });
    for (const [x, y] of [
      [0.5, 0.2],
      [0.9, 0.05],
      [1.2, 0],
    ] as const) {
      const [ar, ai] = d2Cauchy(a, x, y);
      const [br, bi] = d2Cauchy(b, x, y);
      expectClose(Math.hypot(ar - br, ai - bi), 0, { atol: 1e-10, why: `w = ${x} + ${y}i at distance >= 0.05 from the support: resolved by 0.05-wide real-line panels` });
    }
  });

  it('rejects bad options with typed errors', () => {
    expect(() => d2Law({ activation: 'tanh', qStar: -1 })).toThrow(/qStar/);
    expect(() => d2Law({ activation: 'tanh', qStar: 1e17 })).toThrow(/qStar/);
    expect(() => d2Law({ activation: 'nope', qStar: 1 })).toThrow(/activation/);
    expect(() => d2Law({ activation: 'tanh', qStar: 1, extra: 1 } as never)).toThrow(/extra/);
  });

  // q* = 0 (a signal that dies): phi'(sqrt(q) h)^2 -> phi'(0-)^2 or phi'(0+)^2 with probability 1/2
  // each (theory §2.6); exact values, so exact equality
  it.each([
    ['tanh', [{ value: 1, mass: 1 }]],
    ['gelu', [{ value: 0.25, mass: 1 }]],
    ['relu', [{ value: 0, mass: 0.5 }, { value: 1, mass: 0.5 }]],
    ['hard-tanh', [{ value: 1, mass: 1 }]],
    ['linear', [{ value: 1, mass: 1 }]],
  ] as const)('q* = 0: %s has the law of its linearization at 0', (activation, atoms) => {
    const law = d2Law({ activation, qStar: 0 });
    expect(law.atoms).toEqual(atoms);
    expect(law.continuousMass).toBe(0);
    expect(law.ruleKind).toBe('none');
  });

  it('q* = 0: selu has two atoms, lambda^2 alpha^2 and lambda^2 (its kink at 0)', () => {
    const law = d2Law({ activation: 'selu', qStar: 0 });
    const lambda = 1.0507009873554804934193349852946;
    const alpha = 1.6732632423543772848170429916717;
    expect(law.atoms.map((a) => a.mass)).toEqual([0.5, 0.5]);
    expectClose(law.atoms[0]!.value, lambda ** 2, { rtol: FEW_ROUNDINGS, why: "phi'(0+) = lambda, a few ulps of the table's constant" });
    expectClose(law.atoms[1]!.value, (lambda * alpha) ** 2, { rtol: 8 * Number.EPSILON, why: "phi'(0-) = lambda alpha e^0, a few ulps" });
  });
});
