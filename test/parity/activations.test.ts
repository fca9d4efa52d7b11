/**
 * C++ (native/core/activations.cc, the forward pass of sampled networks) against TypeScript
 * (lib/activations/builtins.ts): phi and phi' of every built-in at the same points.
 *
 * Bound: |native - ts| <= 8 ulp of the size of the formula's terms at every point (|ts| for
 * single-term formulas; see termScale for gelu' and silu', whose terms cancel near their zeros). Both sides use the same
 * formulas term by term (no FMA contraction in the core); the remaining differences are libm against
 * V8 for tanh/cosh/exp/log1p/expm1 (each <= 1-2 ulp, so a few ulps after one or two operations) and
 * glibc's erf/erfc against the library's own erf/erfc (each within ~4 ulp of the exact value, checked
 * against mpmath in test/mean-field/erf.test.ts), which gelu then scales. Measured worst on this grid: 5.0 ulp (gelu phi at x = -25.8, where
 * erfc comes from its continued fraction); tanh, sigmoid 2.7 ulp; the rest <= 2 ulp.
 */
import { describe, expect, it } from 'vitest';

import { activationNames, resolveActivation } from '../../lib/activations/index.js';
import { evaluateActivationJs } from '../../lib/activations/evaluate.js';
import { nativeAddon } from '../../lib/backend/config.js';
import { hasNative } from '../helpers/backends.js';
import { ACTIVATION_PARITY_ULPS } from '../helpers/tolerances.js';

const ULP_BOUND = ACTIVATION_PARITY_ULPS; // 8 (see the header)

function points(): Float64Array {
  const xs: number[] = [0, -0, 1, -1, 1e-300, -1e-300, 0.5, -0.5, 700, -700, 710, -710, 1e6, -1e6];
  for (let i = 0; i <= 4000; i++) xs.push(-40 + (80 * i) / 4000 + 1e-3 * Math.sin(i));
  for (let e = -20; e <= 2; e += 0.25) xs.push(10 ** e, -(10 ** e));
  return Float64Array.from(xs);
}

/**
 * The size of the terms that a formula adds, which is what its rounding is relative to: |value| for
 * a single-term formula; for gelu' = Phi(x) + x N(x) and silu' = s (1 + x (1 - s)), whose terms
 * cancel where phi' crosses zero (x ~ -0.75 and -1.28), the sum of the terms' absolute values.
 */
function termScale(name: string, x: number, value: number): number {
  if (name === 'gelu') return 0.5 * Math.abs(1 + Math.tanh(x)) + Math.abs(x) * 0.4 * Math.exp(-0.5 * x * x) + Math.abs(value);
  if (name === 'silu') {
    const s = 1 / (1 + Math.exp(-x));
    return s * (1 + Math.abs(x) * (1 - s)) + Math.abs(value);
  }
  return Math.abs(value);
}

function ulpDiff(a: Float64Array, b: Float64Array, scale: (i: number, v: number) => number = (_, v) => Math.abs(v)): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x === y) continue;
    const d = Math.abs(x - y) / (Number.EPSILON * Math.max(scale(i, y), 1e-300));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  return { worst, at };
}

(hasNative ? describe : describe.skip)('activations: native core vs TypeScript', () => {
  const xs = points();
  const specs: unknown[] = [...activationNames, { name: 'leaky-relu', slope: 0.2 }, { name: 'elu', alpha: 0.5 }];
  for (const spec of specs) {
    it(`${JSON.stringify(spec)}: phi and phi' agree within ${ULP_BOUND} ulp`, () => {
      const a = resolveActivation(spec);
      const native = a.native as { id: number; param: number };
      const c = nativeAddon().evaluateActivation(native.id, native.param, xs);
      const t = evaluateActivationJs(a, xs);
      const p = ulpDiff(c.phi, t.phi);
      const d = ulpDiff(c.dphi, t.dphi, (i, v) => termScale(a.name, xs[i] as number, v));
      expect(p.worst, `phi at x = ${xs[p.at]}: ${c.phi[p.at]} vs ${t.phi[p.at]}`).toBeLessThanOrEqual(ULP_BOUND);
      expect(d.worst, `phi' at x = ${xs[d.at]}: ${c.dphi[d.at]} vs ${t.dphi[d.at]}`).toBeLessThanOrEqual(ULP_BOUND);
    });
  }

  it('rejects an id outside the table without crashing', () => {
    expect(() => nativeAddon().evaluateActivation(99, 0, new Float64Array(1))).toThrow(/id/);
  });
});
