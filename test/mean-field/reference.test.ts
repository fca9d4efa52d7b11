/**
 * Mean field against the independent reference implementation (../shared/reference/cases.json:
 * mpmath at 40 digits, rounded once to double) and against THEORY §2.4–2.5.
 *
 * Tolerances: the moments come from closed forms (linear, relu, hard-tanh, erf) or the graded
 * quadrature (tanh, sigmoid; ~1e-15 measured), so 1e-12 relative leaves two and a half digits of
 * room. sigma_b^2 = q* - sigma_w^2 E[phi^2] cancels by the factor q* / sigma_b^2 (up to 260 for tanh
 * at q* = 1/16): still well inside 1e-12 there. q* recovered by meanField from (sigma_w, sigma_b)
 * additionally carries the rounding of the stds through 1/(1 - chiQ) (chiQ is the length map's
 * slope; up to ~0.9 on these cases) and the Newton stopping rule: 1e-11.
 */

import { describe, expect, it } from 'vitest';

import { DynamicalIsometryRangeError, ErrorCode } from '../../lib/errors.js';
import { criticalPoint, dphiMoment, meanField, phiSquaredMoment } from '../../lib/mean-field/index.js';
import { expectAllClose, expectClose } from '../helpers/close.js';
import { FEW_ROUNDINGS, REFERENCE_RTOL } from '../helpers/tolerances.js';
import { loadReferenceCases } from '../helpers/reference.js';

interface CriticalRow {
  nonlinearity: string;
  qstar: number;
  sigma_w2: number;
  sigma_b2: number;
  exists: boolean;
  mu1: number;
  mu2: number;
  E_phi2: number;
}
interface Case {
  id: string;
  inputs: { nonlinearity: string; mode: 'critical' | 'off_critical'; qstar?: number; sigma_w2?: number; sigma_b2?: number };
  mean_field: { qstar: number; sigma_w2: number; sigma_b2: number; chi: number; mu1: number; mu2: number; E_phi2: number };
}
const ref = loadReferenceCases<{
  critical_line: CriticalRow[];
  cases: Case[];
}>();
const nameOf = (n: string) => n.replace('_', '-');
const MOMENT_RTOL = REFERENCE_RTOL; // 1e-12 (see the header)
const QSTAR_RTOL = 1e-11;

describe('critical_line block of the reference', () => {
  for (const row of ref.critical_line) {
    const act = nameOf(row.nonlinearity);
    it(`${act} at q* = ${row.qstar}: mu1, mu2, E[phi^2]${row.exists ? ', sigma_w^2, sigma_b^2' : ' and no critical point'}`, () => {
      expectAllClose(
        [dphiMoment(act, row.qstar, 1), dphiMoment(act, row.qstar, 2), phiSquaredMoment(act, row.qstar)],
        [row.mu1, row.mu2, row.E_phi2],
        { rtol: MOMENT_RTOL, why: 'closed forms or graded quadrature vs 40-digit reference' },
      );
      if (row.exists) {
        const cp = criticalPoint({ activation: act, qStar: row.qstar });
        expectAllClose([cp.weightStd ** 2, cp.chi], [row.sigma_w2, 1], { rtol: MOMENT_RTOL, why: '1/mu1, and chi = sigma_w^2 mu1 to rounding' });
        expectClose(cp.biasStd ** 2, row.sigma_b2, { rtol: MOMENT_RTOL, atol: 1e-300, why: 'q* - sigma_w^2 E[phi^2] cancels by q* / sigma_b^2 <= 260 here' });
      } else {
        let err: unknown;
        try {
          criticalPoint({ activation: act, qStar: row.qstar });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DynamicalIsometryRangeError);
        expect((err as DynamicalIsometryRangeError).code).toBe(ErrorCode.noCriticalPoint);
        expect((err as Error).message).toMatch(/biasStd\^2 would be -\d/);
      }
    });
  }
});

describe('mean_field block of each reference case', () => {
  for (const c of ref.cases) {
    const act = nameOf(c.inputs.nonlinearity);
    const m = c.mean_field;
    it(`${c.id}`, () => {
      const weightStd = Math.sqrt(m.sigma_w2);
      const biasStd = Math.sqrt(m.sigma_b2);
      if (c.inputs.mode === 'critical') {
        const cp = criticalPoint({ activation: act, qStar: m.qstar });
        expectAllClose([cp.weightStd ** 2, cp.mu1, cp.mu2, cp.ePhi2], [m.sigma_w2, m.mu1, m.mu2, m.E_phi2], { rtol: MOMENT_RTOL, why: 'see file header' });
        expectClose(cp.biasStd ** 2, m.sigma_b2, { rtol: MOMENT_RTOL, atol: 1e-300, why: 'see file header' });
        expect(cp.degenerate).toBe(act === 'relu' || act === 'linear');
      }
      const mf = meanField({ activation: act, weightStd, biasStd });
      expectAllClose([mf.chi, mf.mu1, mf.mu2], [m.chi, m.mu1, m.mu2], { rtol: QSTAR_RTOL, why: 'moments at the recovered q* (see file header)' });
      if (mf.marginal) {
        // relu (2, 0) and linear (1, 0): every q is a fixed point; the reference's q* is a label
        expect(act === 'relu' || act === 'linear').toBe(true);
        expect(mf.phase).toBe('critical');
      } else {
        expectAllClose([mf.qStar, mf.ePhi2], [m.qstar, m.E_phi2], { rtol: QSTAR_RTOL, why: 'q* from rounded stds through 1/(1 - chiQ)' });
        expect(mf.phase).toBe(c.inputs.mode === 'critical' ? 'critical' : m.chi < 1 ? 'ordered' : 'chaotic');
      }
    });
  }
});

describe('THEORY §2.4-2.5 check values', () => {
  it('tanh: sigma_w^2 = 1.05 <-> q* = 0.025921, sigma_b^2 = 2.0105e-5; sigma_w^2 = 2 <-> q* = 0.821354, sigma_b^2 = 0.10378', () => {
    // the table gives 5-6 significant digits: half a unit of the last digit is the tolerance
    for (const [w2, q, b2] of [
      [1.05, 0.025921, 2.0105e-5],
      [2, 0.821354, 0.10378],
    ] as const) {
      const cp = criticalPoint({ activation: 'tanh', qStar: q });
      expectClose(cp.weightStd ** 2, w2, { atol: 5e-6, why: 'THEORY gives q* to 6 decimals: dsigma_w^2/dq* ~ 2 times 5e-7' });
      expectClose(cp.biasStd ** 2, b2, { rtol: 5e-5, why: 'THEORY gives sigma_b^2 to 5 significant digits' });
      const mf = meanField({ activation: 'tanh', weightStd: Math.sqrt(w2), biasStd: Math.sqrt(b2) });
      expectClose(mf.qStar, q, { rtol: 2e-4, why: 'q* of the rounded table stds; sigma_b^2 rounded to 5 digits moves q* by ~1e-4 relative' });
      expectClose(mf.chi, 1, { atol: 2e-5, why: 'chi of the rounded table stds' });
    }
  });

  it('tanh rows of the §2.5 table (sigma_w^2, sigma_b^2, mu2/mu1^2 - 1 to the printed digits)', () => {
    const rows = [
      [1 / 64, 1.03056, 4.651e-6, 1.689e-3],
      [1 / 16, 1.11538, 2.369e-4, 1.919e-2],
      [0.25, 1.39396, 8.125e-3, 0.137],
      [1, 2.1533, 0.151, 0.5835],
      [4, 3.907, 1.518, 1.736],
    ];
    for (const [q, w2, b2, v] of rows as [number, number, number, number][]) {
      const cp = criticalPoint({ activation: 'tanh', qStar: q });
      expectAllClose([cp.weightStd ** 2, cp.biasStd ** 2, cp.mu2 / cp.mu1 ** 2 - 1], [w2, b2, v], { rtol: 5e-4, why: 'the table prints 4-6 significant digits' });
    }
  });

  it('closed forms: relu chi = sigma_w^2/2 and q* = sigma_b^2/(1 - sigma_w^2/2); hard-tanh p = erf(1/sqrt(2q*))', () => {
    for (const [w, b] of [
      [0.5, 0.1],
      [1.2, 0.3],
      [1.4, 1],
    ] as [number, number][]) {
      const mf = meanField({ activation: 'relu', weightStd: w, biasStd: b });
      expectAllClose([mf.chi, mf.qStar, mf.mu1, mf.mu2], [w * w / 2, (b * b) / (1 - (w * w) / 2), 0.5, 0.5], { rtol: FEW_ROUNDINGS, why: 'exact formulas, a few roundings' });
    }
    // hard-tanh p at the table's q*: 0.954500 (1/4), 0.842701 (1/2), 0.682689 (1), 0.520500 (2)
    expectAllClose([0.25, 0.5, 1, 2].map((q) => dphiMoment('hard-tanh', q, 1)), [0.9545, 0.842701, 0.682689, 0.5205], { atol: 5e-7, why: 'table prints 6 decimals' });
  });

  it('erf: q* is the fixed point of the arcsine kernel sigma_w^2 (2/pi) asin(2q/(1+2q)) + sigma_b^2', () => {
    for (const [w2, b2] of [
      [0.9, 0.02],
      [1.5, 0.1],
      [3, 0.5],
    ] as [number, number][]) {
      // independent solve by plain iteration of the kernel (a contraction at these points)
      let q = 1;
      for (let i = 0; i < 5000; i++) q = w2 * (2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)) + b2;
      const mf = meanField({ activation: 'erf', weightStd: Math.sqrt(w2), biasStd: Math.sqrt(b2) });
      expectClose(mf.qStar, q, { rtol: 1e-13, why: 'same equation solved two ways; rounding of the stds through 1/(1 - chiQ)' });
      expectClose(mf.mu1, (4 / Math.PI) / Math.sqrt(1 + 4 * q), { rtol: 1e-13, why: 'closed form mu1 = (4/pi)(1+4q*)^(-1/2)' });
    }
  });
});
