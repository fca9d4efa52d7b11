/**
 * The library's own erf/erfc (Math has none) and complex erf against mpmath at 40 digits
 * (fixtures/erf.json, made by fixtures/make_erf.py).
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { cerf, erf, erfc } from '../../lib/activations/erf.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/erf.json', import.meta.url), 'utf8')) as {
  real: [number, number, number][];
  complex: [number, number, number, number][];
};

function worstUlp(pairs: [number, number][]): number {
  let w = 0;
  for (const [a, e] of pairs) {
    if (e === 0) {
      expect(a).toBe(0);
      continue;
    }
    w = Math.max(w, Math.abs(a - e) / (Number.EPSILON * Math.abs(e)));
  }
  return w;
}

describe('erf and erfc', () => {
  it('erf is within 4 ulp (relative) of mpmath on [-7, 7] and tiny arguments', () => {
    // 4 ulp: the series (|x| < 0.5) and 1 - erfc (|x| >= 0.5) each round a handful of times; measured 2.7
    expect(worstUlp(ref.real.map(([x, e]) => [erf(x), e]))).toBeLessThanOrEqual(4);
  });

  it('erfc keeps full relative accuracy in the tail: within 8 ulp of mpmath wherever erfc is a normal double (> 1e-300)', () => {
    // 8 ulp: the Taylor step about x0 = k/8 cancels at most ~2 bits, the continued fraction
    // accumulates a few roundings; measured 4.6 (x ~ 6.6)
    expect(worstUlp(ref.real.filter(([, , c]) => c > 1e-300).map(([x, , c]) => [erfc(x), c]))).toBeLessThanOrEqual(8);
  });

  it('is odd, saturates, and passes NaN through', () => {
    expect(erf(-0.3)).toBe(-erf(0.3));
    expect(erf(40)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(40)).toBe(0);
    expect(erfc(-40)).toBe(2);
    expect(Number.isNaN(erf(NaN))).toBe(true);
    expect(Number.isNaN(erfc(NaN))).toBe(true);
  });

  it('complex erf agrees with mpmath to 1e-14 relative for |Im z| <= 1 and on the continued-fraction range', () => {
    // the series' terms cancel by at most e^{2 (Im z)^2} <= e^2 for |Im z| <= 1: ~1e-15 relative
    let worst = 0;
    for (const [re, im, er, ei] of ref.complex) {
      const [r, i] = cerf(re, im);
      const err = Math.hypot(r - er, i - ei) / Math.hypot(er, ei);
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThanOrEqual(1e-14);
  });
});
