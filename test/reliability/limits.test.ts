/**
 * Resource limits: a request whose memory would exceed the cap of configure({ memoryLimitBytes })
 * (default DEFAULT_MEMORY_FRACTION of os.freemem()) is refused up front, before allocating, with a
 * RangeError (code ERR_DI_OUT_OF_MEMORY) that names the parameter and the amount it would need.
 */
import os from 'node:os';

import { afterEach, describe, expect, it } from 'vitest';

import {
  DEFAULT_MEMORY_FRACTION,
  DynamicalIsometryRangeError,
  DynamicalIsometryTypeError,
  ErrorCode,
  backendInfo,
  configure,
  gaussianMatrix,
  memoryLimitBytes,
  sampleJacobianSpectrum,
  splitDataset,
  standardNormal,
  train,
} from '../../lib/index.js';
import { recordFigure } from './harness.js';

const MiB = 1024 * 1024;

async function refusal(p: () => Promise<unknown>): Promise<DynamicalIsometryRangeError> {
  try {
    await p();
  } catch (e) {
    expect(e).toBeInstanceOf(DynamicalIsometryRangeError);
    return e as DynamicalIsometryRangeError;
  }
  throw new Error('the request was not refused');
}

describe('memory cap', () => {
  afterEach(() => {
    configure({ memoryLimitBytes: null });
  });

  it('defaults to a fraction of the free memory and is reported by backendInfo', () => {
    const free = os.freemem();
    const limit = memoryLimitBytes();
    // free memory moves between the two reads (other processes): allow 10% of it either way
    expect(limit).toBeGreaterThan(DEFAULT_MEMORY_FRACTION * free * 0.9);
    expect(limit).toBeLessThan(DEFAULT_MEMORY_FRACTION * free * 1.1);
    expect(DEFAULT_MEMORY_FRACTION).toBeGreaterThan(0);
    expect(DEFAULT_MEMORY_FRACTION).toBeLessThan(1);
    expect(backendInfo().memoryLimitBytes).toBeGreaterThan(0);
    configure({ memoryLimitBytes: 123 * MiB });
    expect(memoryLimitBytes()).toBe(123 * MiB);
    expect(backendInfo().memoryLimitBytes).toBe(123 * MiB);
  });

  it('rejects a bad cap with a typed error and keeps the previous one', () => {
    configure({ memoryLimitBytes: 64 * MiB });
    expect(() => configure({ memoryLimitBytes: -1 })).toThrow(DynamicalIsometryRangeError);
    expect(() => configure({ memoryLimitBytes: 0 })).toThrow(DynamicalIsometryRangeError);
    expect(() => configure({ memoryLimitBytes: NaN })).toThrow(DynamicalIsometryRangeError);
    expect(() => configure({ memoryLimitBytes: '1GB' as unknown as number })).toThrow(DynamicalIsometryTypeError);
    expect(memoryLimitBytes()).toBe(64 * MiB);
  });

  it('refuses sampling, matrices and training above the cap with the amount needed, then works again', async () => {
    configure({ memoryLimitBytes: 1 * MiB });
    const spec = { activation: 'tanh', weights: 'orthogonal', depth: 4, qStar: 0.5 } as const;
    // width 400: the batch holds at least one 400 x 400 Jacobian (1.2 MiB) > 1 MiB
    const e1 = await refusal(() => sampleJacobianSpectrum(spec, { width: 400, seed: 1 }));
    expect(e1.code).toBe(ErrorCode.outOfMemory);
    expect(e1.parameter).toBe('options.width');
    expect(e1.message).toMatch(/it would need \d+(\.\d)? MiB/);
    // 512 x 512 doubles = 2 MiB > 1 MiB
    const e2 = await refusal(() => gaussianMatrix(512, 512, { seed: 1 }));
    expect(e2.code).toBe(ErrorCode.outOfMemory);
    expect(e2.message).toContain('it would need 2.0 MiB');
    const e3 = await refusal(() => standardNormal(200_000, { seed: 1 }));
    expect(e3.parameter).toBe('count');
    // training: width 256 over depth 4 is > 4 x 256^2 doubles of parameters alone (2 MiB)
    const dataset = splitDataset({ inputs: new Float64Array(40).fill(0.5), labels: Int32Array.from({ length: 10 }, (_, i) => i % 2), inputSize: 4, classes: 2 });
    const e4 = await refusal(() => train(spec, { dataset, width: 256, steps: 1, batchSize: 2 }));
    expect(e4.code).toBe(ErrorCode.outOfMemory);
    expect(e4.parameter).toBe('options.width');
    // below the cap the same calls run
    expect((await sampleJacobianSpectrum(spec, { width: 16, seed: 1 })).eigenvalues.length).toBe(16);
    configure({ memoryLimitBytes: null });
    expect((await gaussianMatrix(512, 512, { seed: 1 })).data.length).toBe(512 * 512);
    recordFigure('memory-cap refusals checked', 4);
  });

  it('refuses an absurd width under the default cap without allocating', async () => {
    const before = process.memoryUsage().rss;
    const e = await refusal(() => sampleJacobianSpectrum({ activation: 'relu', weights: 'gaussian', depth: 2, weightStd: Math.SQRT2, biasStd: 0 }, { width: 46_000, samples: 1000 }));
    expect(e.code).toBe(ErrorCode.outOfMemory);
    expect(e.message).toMatch(/it would need [\d.]+ (GiB|TiB)/);
    // nothing of that size was touched (the refusal happens before any allocation)
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MiB);
  });
});
