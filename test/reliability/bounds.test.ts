/**
 * Inputs the fuzzed harness found to overflow, hang or exhaust memory (issue 11): each is now a
 * typed RangeError naming the parameter, before any work is done.
 */
import { describe, expect, it } from 'vitest';

import { densityHistogram, MAX_CLASSES, MAX_PLOT_DIMENSION, renderSvg, resolveDataset } from '../../lib/index.js';

describe('bounds found by fuzzing', () => {
  it('densityHistogram: a subnormal sample whose bin density overflows is refused (was Infinity)', () => {
    expect(() => densityHistogram(Float64Array.of(5e-324), { bins: 9, scale: 'log' })).toThrow(expect.objectContaining({ name: 'DynamicalIsometryRangeError', parameter: 'values' }));
    // a representable case still works: finite heights that integrate to 1
    const h = densityHistogram(Float64Array.of(1e-300, 2e-300, 3e-300), { bins: 3, scale: 'log' });
    expect(h.heights.every(Number.isFinite)).toBe(true);
  });

  it(`resolveDataset: classes above ${MAX_CLASSES} are refused (1e7 took 19 s, 1e10 never ended)`, () => {
    const data = { inputs: new Float64Array(40).fill(0.25), labels: Int32Array.from({ length: 10 }, (_, i) => i % 2), inputSize: 4 };
    // refused before the per-class loop (which would otherwise run for ever, past any test timeout)
    expect(() => resolveDataset({ ...data, classes: 1e10 })).toThrow(expect.objectContaining({ name: 'DynamicalIsometryRangeError', parameter: 'dataset.classes' }));
    expect(resolveDataset({ ...data, classes: 2 }).classes).toBe(2);
  });

  it(`renderSvg: a width or height above ${MAX_PLOT_DIMENSION} px anywhere in the spec is refused (exhausted the heap)`, async () => {
    const spec = { data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } }, height: 2147483648 };
    await expect(renderSvg(spec as never)).rejects.toMatchObject({ name: 'DynamicalIsometryRangeError', parameter: 'spec.height' });
    await expect(renderSvg({ ...spec, height: 100, vconcat: undefined } as never)).resolves.toMatch(/<svg/);
  });
});
