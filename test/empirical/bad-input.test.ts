/** Bad input to sampleJacobianSpectrum and jacobianSpectrumDistance: typed errors, never a crash. */
import { afterAll, describe, expect, it, vi } from 'vitest';

import { configure } from '../../lib/backend/config.js';
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from '../../lib/errors.js';
import { jacobianSpectrumDistance, MAX_SAMPLING_WIDTH, sampleJacobianSpectrum } from '../../lib/empirical/index.js';
import { hasNative } from '../helpers/backends.js';

const spec = { activation: 'tanh', weights: 'orthogonal', depth: 4, qStar: 0.25 } as const;
const custom = { phi: (x: number) => Math.sin(x), dphi: (x: number) => Math.cos(x), name: 'sine' };

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; parameter?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string; parameter?: string };
  }
  throw new Error('expected a rejection');
}

describe('sampleJacobianSpectrum rejects bad input with typed errors', () => {
  it.each([
    ['width 0', { width: 0 }, DynamicalIsometryRangeError, 'options.width'],
    ['width 2.5', { width: 2.5 }, DynamicalIsometryRangeError, 'options.width'],
    ['width "8"', { width: '8' }, DynamicalIsometryTypeError, 'options.width'],
    ['width missing', {}, DynamicalIsometryTypeError, 'options.width'],
    ['samples 0', { width: 8, samples: 0 }, DynamicalIsometryRangeError, 'options.samples'],
    ['samples -1', { width: 8, samples: -1 }, DynamicalIsometryRangeError, 'options.samples'],
    ['seed -1', { width: 8, seed: -1 }, DynamicalIsometryRangeError, 'options.seed'],
    ['unknown option', { width: 8, widht: 9 }, DynamicalIsometryTypeError, 'options.widht'],
    ['signal not a signal', { width: 8, signal: {} }, DynamicalIsometryTypeError, 'options.signal'],
    ['onProgress not a function', { width: 8, onProgress: 1 }, DynamicalIsometryTypeError, 'options.onProgress'],
  ])('%s', async (_name, options, cls, parameter) => {
    const e = await rejection(sampleJacobianSpectrum(spec, options as never));
    expect(e).toBeInstanceOf(cls);
    expect(e.parameter).toBe(parameter);
  });

  it.each([
    ['depth 0', { ...spec, depth: 0 }, 'spec.depth'],
    ['depth 1.5', { ...spec, depth: 1.5 }, 'spec.depth'],
    ['weightStd 0', { activation: 'tanh', weights: 'gaussian', depth: 2, weightStd: 0, biasStd: 0.1 }, 'spec.weightStd'],
  ])('%s', async (_name, s, parameter) => {
    const e = await rejection(sampleJacobianSpectrum(s as never, { width: 8 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.parameter).toBe(parameter);
  });

  it('a width too large for LAPACK sizes is refused', async () => {
    const e = await rejection(sampleJacobianSpectrum(spec, { width: MAX_SAMPLING_WIDTH + 1 }));
    expect(e).toBeInstanceOf(DynamicalIsometryRangeError);
  });

  it('a width whose matrices do not fit in memory is refused up front, saying how much it needs', async () => {
    const e = await rejection(sampleJacobianSpectrum(spec, { width: MAX_SAMPLING_WIDTH }));
    expect(e).toBeInstanceOf(DynamicalIsometryRangeError);
    expect(e.code).toBe(ErrorCode.outOfMemory);
    expect(e.parameter).toBe('options.width');
    expect(e.message).toMatch(/it would need \d+(\.\d)? GiB/);
  });
});

describe('user-defined activations', () => {
  afterAll(() => configure({ backend: hasNative ? 'native' : 'js' }));

  it.runIf(hasNative)('backend "native": a typed error naming the activation', async () => {
    configure({ backend: 'native' });
    const e = await rejection(sampleJacobianSpectrum({ ...spec, activation: custom, weightStd: 1, biasStd: 0.2, qStar: undefined } as never, { width: 8 }));
    expect(e).toBeInstanceOf(DynamicalIsometryTypeError);
    expect(e.code).toBe(ErrorCode.activation);
    expect(e.message).toMatch(/sine/);
  });

  it.runIf(hasNative)('backend "auto": runs on JS with one warning', async () => {
    configure({ backend: 'auto' });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const s = { activation: custom, weights: 'gaussian', depth: 3, weightStd: 1, biasStd: 0.2 } as const;
    const a = await sampleJacobianSpectrum(s, { width: 16, seed: 1 });
    const b = await sampleJacobianSpectrum(s, { width: 16, seed: 1 });
    expect(a.backend).toBe('js');
    expect(Array.from(a.eigenvalues)).toEqual(Array.from(b.eigenvalues));
    expect(warn.mock.calls.filter((c) => JSON.stringify(c).includes('DYNAMICAL_ISOMETRY_CUSTOM_ACTIVATION_JS')).length).toBe(1);
    warn.mockRestore();
  });

  it('a user phi that returns NaN is a typed error naming the point', async () => {
    configure({ backend: 'js' });
    const bad = { phi: (x: number) => (x > 0.5 ? NaN : x), dphi: () => 1, name: 'bad' };
    const e = await rejection(sampleJacobianSpectrum({ activation: bad, weights: 'gaussian', depth: 3, weightStd: 0.9, biasStd: 0.5 } as never, { width: 32 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe(ErrorCode.activation);
  });
});

describe('jacobianSpectrumDistance rejects bad input', () => {
  const law = { cdf: (x: number) => Math.min(1, Math.max(0, x)) };
  it.each([
    ['no cdf', [0.5], {}],
    ['empirical not numbers', 'abc', law],
    ['empty empirical', [], law],
    ['negative eigenvalue', [-1], law],
    ['NaN eigenvalue', [NaN], law],
  ])('%s', (_name, emp, theory) => {
    expect(() => jacobianSpectrumDistance(emp, theory)).toThrow(/must be/);
  });
  it('a cdf outside [0, 1] is reported', () => {
    expect(() => jacobianSpectrumDistance([0.5], { cdf: () => 2 })).toThrow(DynamicalIsometryRangeError);
  });
  it('unknown options are errors', () => {
    expect(() => jacobianSpectrumDistance([0.5], law, { floor: 1 } as never)).toThrow(DynamicalIsometryTypeError);
  });
});
