/**
 * spectralDensity against every case of ../shared/reference/cases.json (an independent Python
 * implementation; its accuracy notes are in ../shared/reference/README.md), on each backend.
 *
 * Tolerances (derived from the reference's own error estimates):
 * - density: relative max(1e-10, 10 * rho_rel_err_est) at every rho point (all are in the bulk:
 *   the reference has no low-accuracy points; its estimates are 1e-13 .. 2.6e-12), which is far
 *   tighter than the 1e-6 for points above 1e-3 of the maximum;
 * - cdf: 1e-10 absolute (the reference is good to ~1e-13);
 * - edges lambda_max: 1e-10 relative (reference ~1e-13, closed forms or bracketed roots);
 * - quantiles: relative 1e-9 + 1e-12/(lambda rho(lambda)) (a CDF error delta moves Q by
 *   delta/(lambda rho) in log lambda; the reference's CDF is good to ~1e-13), and exact on atoms;
 * - atoms: masses to 4 ulp; locations sigma_w^(2L) to 4 L ulp (pow of a rounded sigma_w^2);
 * - mean/variance/m2: 1e-12 relative (closed forms at 40 digits, rounded; ours use the mean-field
 *   mu1, mu2, themselves ~1e-14).
 */

import { describe, expect, it } from 'vitest';

import { spectralDensity, type SpectralDensity } from '../../lib/index.js';
import type { NetworkSpec } from '../../lib/spec.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectAllClose, expectClose } from '../helpers/close.js';
import { loadReferenceCases } from '../helpers/reference.js';

interface RefPoint {
  lam: number;
  rho: number;
  cdf: number;
  tag: string;
  rho_rel_err_est: number;
}
interface RefCase {
  id: string;
  inputs: { nonlinearity: string; weights: 'gaussian' | 'orthogonal'; L: number; mode: string; qstar?: number; sigma_w2?: number; sigma_b2?: number };
  moments: { m1: number; variance: number; m2: number };
  atoms: { location: number; mass: number }[];
  atom_at_zero: number;
  continuous_mass: number;
  support: { lambda_min: number | null; lambda_max: number | null };
  quantiles: Record<string, number>;
  continuous_quantiles: Record<string, number> | null;
  rho_points: RefPoint[];
}

const ref = loadReferenceCases<{ cases: RefCase[] }>();

export function specOf(c: RefCase): NetworkSpec {
  const activation = c.inputs.nonlinearity.replace('_', '-');
  if (c.inputs.mode === 'critical') return { activation, weights: c.inputs.weights, depth: c.inputs.L, qStar: c.inputs.qstar as number };
  return {
    activation,
    weights: c.inputs.weights,
    depth: c.inputs.L,
    weightStd: Math.sqrt(c.inputs.sigma_w2 as number),
    biasStd: Math.sqrt(c.inputs.sigma_b2 as number),
  };
}

describeEachBackend('spectralDensity vs the reference cases', () => {
  it.each(ref.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const pts = c.rho_points;
    const r: SpectralDensity = await spectralDensity(specOf(c), { at: pts.map((p) => p.lam), cdf: true });
    expect(r.diagnostics.converged).toBe(true);
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i] as RefPoint;
      expectClose(r.density[i] as number, p.rho, { rtol: Math.max(1e-10, 10 * p.rho_rel_err_est), why: `rho at ${p.tag}: 10x the reference's own error estimate` });
    }
    expectAllClose(r.cdfValues as Float64Array, pts.map((p) => p.cdf), { atol: 1e-10, why: 'closed-form CDF; reference good to ~1e-13' });
    // cdf(x) on the result agrees with the grid values
    if (pts.length > 3) expectClose(r.cdf(pts[3]?.lam as number), pts[3]?.cdf as number, { atol: 1e-10, why: 'closed-form CDF, single-point path' });

    // atoms
    expect(r.atoms.length).toBe(c.atoms.length);
    c.atoms.forEach((a, k) => {
      const mine = r.atoms[k] as { location: number; mass: number };
      expectClose(mine.mass, a.mass, { rtol: 1e-14, atol: 4 * Number.EPSILON, why: 'erfc to a few ulp; its argument 1/sqrt(2q) rounded, amplified by 2x^2 <= 16 here' });
      expectClose(mine.location, a.location, { rtol: 4 * c.inputs.L * Number.EPSILON, atol: 0, why: 'pow(sigma_w^2, L) of a rounded sigma_w^2' });
    });
    expectClose(r.atomAtZero, c.atom_at_zero, { rtol: 1e-14, why: 'erfc to a few ulp, argument rounding amplified by 2x^2' });
    expectClose(r.continuousMass, c.continuous_mass, { rtol: 1e-13, atol: 1e-16, why: '1 - sum of atoms' });

    // support
    if (c.support.lambda_max === null) {
      expect(r.support.empty).toBe(true);
    } else {
      expectClose(r.support.max, c.support.lambda_max, { rtol: 1e-10, why: 'edge from z\'(w) = 0; reference ~1e-13' });
      expectClose(r.support.min, c.support.lambda_min as number, { atol: 1e-12, why: 'lower edge (0 in this set)' });
    }

    // moments
    expectClose(r.moments.mean, c.moments.m1, { rtol: 1e-12, why: 'chi^L from mean-field chi (~1e-15)' });
    expectClose(r.moments.variance, c.moments.variance, { rtol: 1e-12, atol: 1e-15, why: 'closed form of the mean-field mu1, mu2' });
    expectClose(r.moments.m2, c.moments.m2, { rtol: 1e-12, why: 'closed form' });

    // quantiles of the full law and of the continuous part
    const qs: [number, number][] = Object.entries(c.quantiles).map(([u, v]) => [Number(u), v]);
    if (c.continuous_quantiles) {
      for (const [u, v] of Object.entries(c.continuous_quantiles)) qs.push([c.atom_at_zero + c.continuous_mass * Number(u), v]);
    }
    const onAtom = new Set(c.atoms.map((a) => a.location));
    const dens = await spectralDensity(specOf(c), { at: qs.map(([, v]) => v) });
    qs.forEach(([u, v], k) => {
      const q = r.quantile(u);
      if (onAtom.has(v)) {
        expectClose(q, v, { rtol: 4 * c.inputs.L * Number.EPSILON, atol: 0, why: 'a quantile on an atom is its location' });
        return;
      }
      const lr = v * (dens.density[k] as number);
      expectClose(q, v, { rtol: 1e-9 + 1e-12 / lr, why: `quantile ${u}: CDF error / (lambda rho) with lambda rho = ${lr}` });
    });
  });
});

describe('reference set', () => {
  it('has 25 cases', () => {
    expect(ref.cases.length).toBe(25);
  });
});
