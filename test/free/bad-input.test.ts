/** Bad input to spectralDensity and resolveNetworkSpec: typed errors naming the parameter. */
import { describe, expect, it } from 'vitest';

import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode, NumericalError, resolveNetworkSpec, spectralDensity } from '../../lib/index.js';

const base = { activation: 'tanh', weights: 'orthogonal', depth: 4, qStar: 0.5 } as const;

async function rejects(p: Promise<unknown>, cls: unknown, param: RegExp): Promise<void> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls as never);
  expect((err as { parameter: string }).parameter).toMatch(param);
}

describe('spectralDensity: bad input', () => {
  it('depth not a positive integer (or beyond 1e5)', async () => {
    await rejects(spectralDensity({ ...base, depth: 0 }), DynamicalIsometryRangeError, /spec\.depth/);
    await rejects(spectralDensity({ ...base, depth: 2.5 }), DynamicalIsometryRangeError, /spec\.depth/);
    await rejects(spectralDensity({ ...base, depth: 1e6 }), DynamicalIsometryRangeError, /spec\.depth/);
    await rejects(spectralDensity({ ...base, depth: '3' as never }), DynamicalIsometryTypeError, /spec\.depth/);
  });
  it('unknown weights, unknown keys, missing parts', async () => {
    await rejects(spectralDensity({ ...base, weights: 'uniform' as never }), DynamicalIsometryTypeError, /spec\.weights/);
    await rejects(spectralDensity({ ...base, width: 3 } as never), DynamicalIsometryTypeError, /spec\.width/);
    await rejects(spectralDensity({ activation: 'tanh', weights: 'orthogonal', depth: 3 } as never), DynamicalIsometryTypeError, /spec\.qStar/);
    await rejects(spectralDensity({ ...base, activation: 'swish2' }), DynamicalIsometryTypeError, /activation/);
  });
  it('qStar mixed with stds inconsistently', async () => {
    // only one std with qStar: the missing one is named
    await rejects(spectralDensity({ ...base, weightStd: 1.3 } as never), DynamicalIsometryTypeError, /spec\.biasStd/);
    await rejects(spectralDensity({ activation: 'tanh', weights: 'gaussian', depth: 2, biasStd: 0.1 } as never), DynamicalIsometryTypeError, /spec\.weightStd/);
    // all three, inconsistent: qStar is named
    await rejects(spectralDensity({ ...base, weightStd: 1.3, biasStd: 0.1 } as never), DynamicalIsometryRangeError, /spec\.qStar/);
    await rejects(spectralDensity({ ...base, qStar: -1 }), DynamicalIsometryRangeError, /spec\.qStar/);
  });
  it('a qStar without a critical point names spec.qStar (sigmoid: biasStd^2 < 0 at every q*)', async () => {
    await rejects(spectralDensity({ ...base, activation: 'sigmoid' }), DynamicalIsometryRangeError, /^spec\.qStar$/);
    const e = await spectralDensity({ ...base, activation: 'sigmoid' }).catch((x: unknown) => x);
    expect((e as { code: string }).code).toBe(ErrorCode.noCriticalPoint);
  });
  it('options.signal and options.onProgress are type-checked', async () => {
    await rejects(spectralDensity(base, { signal: {} as never }), DynamicalIsometryTypeError, /options\.signal/);
    await rejects(spectralDensity(base, { onProgress: 3 as never }), DynamicalIsometryTypeError, /options\.onProgress/);
  });
  it('all three, consistent, is accepted and equals the stds form', async () => {
    const s = resolveNetworkSpec({ activation: 'tanh', weights: 'orthogonal', depth: 4, weightStd: 1.2, biasStd: 0.2 });
    const t = resolveNetworkSpec({ activation: 'tanh', weights: 'orthogonal', depth: 4, weightStd: 1.2, biasStd: 0.2, qStar: s.qStar });
    expect(t.qStar).toBe(s.qStar);
    // relu on its critical line has every q as a fixed point: any qStar is consistent
    const r = resolveNetworkSpec({ activation: 'relu', weights: 'gaussian', depth: 4, weightStd: Math.SQRT2, biasStd: 0, qStar: 0.3 });
    expect(r.qStar).toBe(0.3);
  });
  it('a spectrum whose scale chi^L is not representable is a RangeError naming depth', async () => {
    await rejects(spectralDensity({ activation: 'sigmoid', weights: 'orthogonal', depth: 500, weightStd: 1.1, biasStd: 0.05 }), DynamicalIsometryRangeError, /spec\.depth/);
  });
  it('grids with non-finite points, bad options', async () => {
    await rejects(spectralDensity(base, { at: [1, NaN] }), DynamicalIsometryRangeError, /options\.at\[1\]/);
    await rejects(spectralDensity(base, { at: [Infinity] }), DynamicalIsometryRangeError, /options\.at\[0\]/);
    await rejects(spectralDensity(base, { at: 'x' as never }), DynamicalIsometryTypeError, /options\.at/);
    await rejects(spectralDensity(base, { points: 0 }), DynamicalIsometryRangeError, /options\.points/);
    await rejects(spectralDensity(base, { grid: 'cubic' as never }), DynamicalIsometryTypeError, /options\.grid/);
    await rejects(spectralDensity(base, { epsilon: 1e-9 } as never), DynamicalIsometryTypeError, /options\.epsilon/);
  });
  it('negative at points are allowed (density 0); cdf/quantile validate their argument', async () => {
    const r = await spectralDensity(base, { at: [-2, -1e-300, 0.5] });
    expect(r.density[0]).toBe(0);
    expect(r.density[1]).toBe(0);
    expect(r.density[2]).toBeGreaterThan(0);
    expect(r.cdf(-1)).toBe(0);
    expect(() => r.quantile(1.5)).toThrow(DynamicalIsometryRangeError);
    expect(() => r.cdf(NaN)).toThrow(DynamicalIsometryRangeError);
    expect(r.quantile(0)).toBe(0);
  });
  it('non-convergence is loud: NumericalError with iterations and residual, or NaN + diagnostics with strict: false', async () => {
    // gelu's phi' has a real zero, so D^2 has mass near 0 that its rule resolves only down to
    // ~1e-14: eigenvalues near 1e-281 (w ~ 1e-33) are out of reach (documented limit)
    const spec = { activation: 'gelu', weights: 'gaussian', depth: 8, weightStd: 1.5, biasStd: 0.1 } as const;
    const mid = (await spectralDensity(spec, { points: 2 })).quantile(0.5);
    let err: unknown;
    try {
      await spectralDensity(spec, { at: [1e-281, mid] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NumericalError);
    expect((err as NumericalError).code).toBe(ErrorCode.noConvergence);
    expect((err as NumericalError).details.failures).toBe(1);
    expect(typeof (err as NumericalError).details.iterations).toBe('number');
    const r = await spectralDensity(spec, { at: [1e-281, mid], strict: false });
    expect(Number.isNaN(r.density[0])).toBe(true);
    expect(r.density[1]).toBeGreaterThan(0);
    expect(r.diagnostics.converged).toBe(false);
    expect(r.diagnostics.failures).toBe(1);
  });
});
