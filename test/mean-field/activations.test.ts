/** The activation table, resolution of specs, user-defined activations and their errors. */
import { describe, expect, it } from 'vitest';

import {
  ActivationEvaluationError,
  activationNames,
  evaluateActivation,
  resolveActivation,
} from '../../lib/activations/index.js';
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from '../../lib/errors.js';
import { expectAllClose, expectClose } from '../helpers/close.js';
import { FEW_ROUNDINGS } from '../helpers/tolerances.js';
import { describeEachBackend } from '../helpers/backends.js';

const ALL = ['linear', 'relu', 'leaky-relu', 'hard-tanh', 'tanh', 'erf', 'sigmoid', 'softplus', 'elu', 'selu', 'gelu', 'silu'];
const SMOOTH = ['tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'silu'];


/**
 * d/dz along the real and imaginary directions must agree at z = x + 0.3i: f(z+h) - f(z-h) =
 * -i (f(z+ih) - f(z-ih)), by central differences with h = 1e-5 (truncation ~1e-10, to 1e-8).
 */
function expectCauchyRiemann(f: (re: number, im: number) => [number, number], x: number, why: string): void {
  const y = 0.3;
  const h = 1e-5;
  const [ar, ai] = f(x + h, y);
  const [br, bi] = f(x - h, y);
  const [cr, ci] = f(x, y + h);
  const [dr, di] = f(x, y - h);
  expectAllClose([(ar - br) / (2 * h), (ai - bi) / (2 * h)], [(ci - di) / (2 * h), -(cr - dr) / (2 * h)], { atol: 1e-8, rtol: 1e-8, why });
}

describe('activation table', () => {
  it('lists the twelve built-ins in native-id order', () => {
    expect(activationNames).toEqual(ALL);
    activationNames.forEach((n, i) => expect(resolveActivation(n).native).toEqual({ id: i, param: expect.any(Number) }));
  });

  it('evaluates the textbook formulas', () => {
    const x = 0.7;
    expect(resolveActivation('relu').phi(-2)).toBe(0);
    expect(resolveActivation('leaky-relu').phi(-2)).toBe(-0.02);
    expect(resolveActivation({ name: 'leaky-relu', slope: 0.2 }).dphi(-2)).toBe(0.2);
    expect(resolveActivation('hard-tanh').phi(3)).toBe(1);
    expect(resolveActivation('hard-tanh').dphi(1)).toBe(0);
    expect(resolveActivation('tanh').phi(x)).toBe(Math.tanh(x));
    expect(resolveActivation('sigmoid').phi(0)).toBe(0.5);
    expect(resolveActivation('softplus').phi(0)).toBe(Math.log(2));
    // few-ulp tolerances: the library's formula and the test's differ in rounding only
    expectClose(resolveActivation({ name: 'elu', alpha: 2 }).phi(-1), 2 * (Math.exp(-1) - 1), { rtol: FEW_ROUNDINGS, why: 'expm1(-1) vs exp(-1) - 1: < 1 ulp of exp(-1) lost in the subtraction, plus the roundings of both' });
    expect(resolveActivation('erf').dphi(0)).toBe(2 / Math.sqrt(Math.PI));
    expectClose(resolveActivation('gelu').phi(1), 0.8413447460685429, { rtol: FEW_ROUNDINGS, why: 'Phi(1) (correctly rounded) through the plain erf (~1-2 ulp) and one product' });
    expectClose(resolveActivation('silu').phi(1), 1 / (1 + Math.exp(-1)), { rtol: FEW_ROUNDINGS, why: 'x sigmoid(x): exp, add, divide, each rounded once (<= 3 ulp apart)' });
    expect(resolveActivation('selu').dphi(1)).toBe(1.0507009873554805);
  });

  it("phi' is the derivative of phi (central differences away from kinks)", () => {
    // h = 1e-5: truncation h^2 |phi'''|/6 <= ~1e-10 for these functions, rounding eps |phi| / h <= ~1e-10
    for (const name of ALL) {
      const a = resolveActivation(name);
      const xs: number[] = [];
      for (let x = -6.05; x <= 6; x += 0.1) if (a.kinks.every((k) => Math.abs(x - k) > 1e-3)) xs.push(x);
      const h = 1e-5;
      const fd = xs.map((x) => (a.phi(x + h) - a.phi(x - h)) / (2 * h));
      expectAllClose(xs.map((x) => a.dphi(x)), fd, { atol: 1e-9, rtol: 1e-9, why: `${name}: O(h^2) truncation + eps/h rounding of central differences, h = 1e-5` });
    }
  });

  it("dphiComplex continues phi' analytically: equal on the real axis, and holomorphic (Cauchy-Riemann)", () => {
    for (const name of SMOOTH) {
      const a = resolveActivation(name);
      expect(a.dphiComplex, name).toBeDefined();
      const f = a.dphiComplex as (re: number, im: number) => [number, number];
      for (let x = -5; x <= 5; x += 0.37) {
        const [re, im] = f(x, 0);
        expectAllClose([re, im], [a.dphi(x), 0], { rtol: 1e-13, atol: 1e-15, why: `${name}: two formulas for phi', each a few ulps` });
        expectCauchyRiemann(f, x, `${name}: Cauchy-Riemann by central differences (h = 1e-5)`);
      }
    }
    expect(resolveActivation('relu').dphiComplex).toBeUndefined();
  });

  // elu and selu are analytic on each side of their kink at 0: dphiComplex continues each piece
  // (the contour of a piece never crosses the kink, theory §3.4), so the same checks hold away from 0
  it.each(['elu', 'selu', { name: 'elu', alpha: 2.5 }] as const)("dphiComplex continues each analytic piece of %s's phi'", (spec) => {
    const a = resolveActivation(spec);
    const f = a.dphiComplex as (re: number, im: number) => [number, number];
    expect(f).toBeDefined();
    for (const x of [-7.3, -2.2, -0.6, -0.05, 0.05, 0.7, 3.1]) {
      expectAllClose(f(x, 0), [a.dphi(x), 0], { rtol: 1e-15, atol: 0, why: 'the same exp formula on the real axis' });
      expectCauchyRiemann(f, x, 'Cauchy-Riemann by central differences (h = 1e-5, the stencil inside one piece)');
    }
  });

  it('flags kinks and piecewise-constant derivatives', () => {
    expect(resolveActivation('hard-tanh').kinks).toEqual([-1, 1]);
    expect(resolveActivation('relu').piecewiseConstantDerivative).toBe(true);
    expect(resolveActivation('tanh').piecewiseConstantDerivative).toBe(false);
    expect(resolveActivation('elu').kinks).toEqual([0]);
  });
});

describe('resolveActivation input forms and errors', () => {
  it('accepts { name } and { name, param }, and returns resolved activations as they are', () => {
    const a = resolveActivation({ name: 'tanh' });
    expect(a.name).toBe('tanh');
    expect(resolveActivation(a)).toBe(a);
    expect(resolveActivation({ name: 'elu' }).params).toEqual({ alpha: 1 });
    expect(resolveActivation({ name: 'leaky-relu' }).params).toEqual({ slope: 0.01 });
  });

  it('rejects an unknown name, listing the known ones', () => {
    let err: unknown;
    try {
      resolveActivation('swish2');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DynamicalIsometryTypeError);
    expect((err as DynamicalIsometryTypeError).code).toBe(ErrorCode.activation);
    for (const n of ALL) expect((err as Error).message).toContain(n);
    expect(() => resolveActivation({ name: 'nope' })).toThrow(/activation\.name/);
    expect(() => resolveActivation(42)).toThrow(DynamicalIsometryTypeError);
    expect(() => resolveActivation(null)).toThrow(DynamicalIsometryTypeError);
  });

  it('rejects unknown and invalid parameters', () => {
    expect(() => resolveActivation({ name: 'tanh', slope: 1 })).toThrow(expect.objectContaining({ code: ErrorCode.unknownOption }));
    expect(() => resolveActivation({ name: 'leaky-relu', alpha: 1 })).toThrow(/slope/);
    expect(() => resolveActivation({ name: 'leaky-relu', slope: '0.1' })).toThrow(DynamicalIsometryTypeError);
    expect(() => resolveActivation({ name: 'leaky-relu', slope: NaN })).toThrow(DynamicalIsometryRangeError);
    expect(() => resolveActivation({ name: 'elu', alpha: -1 })).toThrow(DynamicalIsometryRangeError);
  });

  it('validates user-defined activations', () => {
    expect(() => resolveActivation({ phi: (x: number) => x })).toThrow(/dphi/);
    expect(() => resolveActivation({ phi: 1, dphi: () => 1 })).toThrow(/phi/);
    expect(() => resolveActivation({ phi: (x: number) => x, dphi: () => 1, kinks: [NaN] })).toThrow(/kinks\[0\]/);
    expect(() => resolveActivation({ phi: (x: number) => x, dphi: () => 1, kinks: 0 })).toThrow(/kinks/);
    expect(() => resolveActivation({ phi: (x: number) => x, dphi: () => 1, extra: 1 })).toThrow(expect.objectContaining({ code: ErrorCode.unknownOption }));
    const a = resolveActivation({ phi: (x: number) => x, dphi: () => 1, kinks: [1, -1, 1], name: 'mine' });
    expect(a.kinks).toEqual([-1, 1]);
    expect(a.name).toBe('mine');
    expect(a.builtin).toBe(false);
    expect(a.native).toBeNull();
  });

  it('reports a user function that returns NaN or throws, naming the activation and x', () => {
    const a = resolveActivation({ name: 'bad', phi: (x: number) => (x > 1 ? NaN : x), dphi: () => { throw new Error('boom'); } });
    expect(a.phi(0.5)).toBe(0.5);
    expect(() => a.phi(2)).toThrow(ActivationEvaluationError);
    try {
      a.phi(2);
    } catch (e) {
      const err = e as ActivationEvaluationError;
      expect(err.code).toBe(ErrorCode.activation);
      expect(err.x).toBe(2);
      expect(err.message).toMatch(/"bad"\.phi\(x\).*NaN.*x = 2/);
    }
    expect(() => a.dphi(0)).toThrow(/boom/);
    expect(() => resolveActivation({ phi: () => '1', dphi: () => 1 }).phi(0)).toThrow(ActivationEvaluationError);
  });
});

describeEachBackend('evaluateActivation', () => {
  it('evaluates phi and phi\' at many points', () => {
    const xs = Float64Array.from([-2, -0.5, 0, 0.5, 2]);
    const r = evaluateActivation('relu', xs);
    expect(Array.from(r.phi)).toEqual([0, 0, 0, 0.5, 2]);
    expect(Array.from(r.dphi)).toEqual([0, 0, 0, 1, 1]);
    const t = evaluateActivation('tanh', xs);
    expectAllClose(t.phi, Array.from(xs, Math.tanh), { rtol: FEW_ROUNDINGS, why: 'libm vs V8 tanh, a few ulps' });
    const c = evaluateActivation({ phi: (x: number) => 2 * x, dphi: () => 2 }, xs);
    expect(Array.from(c.phi)).toEqual(Array.from(xs, (x) => 2 * x));
    expect(() => evaluateActivation('relu', Float64Array.from([NaN]))).toThrow(DynamicalIsometryRangeError);
  });
});
