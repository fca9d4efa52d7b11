/**
 * The native training entry points re-check their arguments and never crash the process: malformed
 * calls (bypassing the TypeScript validation) become errors with the status code, not aborts.
 */
import { describe, expect, it } from 'vitest';

import { nativeAddon } from '../../lib/backend/config.js';
import { hasNative } from '../helpers/backends.js';

// The entry points called with malformed arguments, which the typed NativeAddon would refuse.
interface Raw {
  trainSteps(...args: unknown[]): Promise<number>;
  trainEvaluate(...args: unknown[]): Promise<{ loss: number; correct: number }>;
  trainLossAndGradient(...args: unknown[]): Promise<number>;
}

const config = { sizes: [3, 4, 2], activationId: 4, activationParam: 0, optimizerId: 0, learningRate: 0.1, batchSize: 2 };
// Parameters: 4 x 3 + 4 + 2 x 4 + 2 = 26.
const P = 26;

async function code(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
}

describe.skipIf(!hasNative)('native training entry points: argument re-checks', () => {
  const addon = hasNative ? (nativeAddon() as unknown as Raw) : (null as unknown as Raw);
  const inputs = new Float64Array(4 * 3).fill(0.1);
  const labels = Int32Array.of(0, 1, 1, 0);

  it('a well-formed call works', async () => {
    const losses = new Float64Array(2);
    const done = await addon.trainSteps(config, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1, 2, 3), 2, losses);
    expect(done).toBe(2);
    expect(losses[0]).toBeCloseTo(Math.log(2), 12); // zero weights: uniform softmax over 2 classes
  });

  it('a control array already cancelled stops before the first step (ERR_DI_ABORTED, nothing applied)', async () => {
    const params = new Float64Array(P).fill(0.5);
    const control = Int32Array.of(1, 7);
    expect(await code(() => addon.trainSteps(config, inputs, labels, params, new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1), 1, new Float64Array(1), control))).toBe('ERR_DI_ABORTED');
    expect(control[1]).toBe(0); // steps done, reset by the worker
    expect(Array.from(params)).toEqual(new Array(P).fill(0.5));
  });

  it.each([
    ['a wrong parameter length', () => addon.trainSteps(config, inputs, labels, new Float64Array(P - 1), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1), 1, new Float64Array(1))],
    ['an index out of range', () => addon.trainSteps(config, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 9), 1, new Float64Array(1))],
    ['too few batch indices', () => addon.trainSteps(config, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0), 1, new Float64Array(1))],
    ['a label out of range', () => addon.trainEvaluate(config, new Float64Array(P), inputs, Int32Array.of(0, 1, 2, 0))],
    ['an unknown activation id', () => addon.trainEvaluate({ ...config, activationId: 99 }, new Float64Array(P), inputs, labels)],
    ['an unknown optimizer id', () => addon.trainSteps({ ...config, optimizerId: 7 }, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1), 1, new Float64Array(1))],
    ['labels of the wrong type', () => addon.trainLossAndGradient(config, new Float64Array(P), inputs, Float64Array.of(0, 1, 1, 0), new Float64Array(P))],
    ['a missing config', () => addon.trainEvaluate(undefined, new Float64Array(P), inputs, labels)],
    ['a control array of length 1', () => addon.trainSteps(config, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1), 1, new Float64Array(1), new Int32Array(1))],
    ['a control array of the wrong type', () => addon.trainSteps(config, inputs, labels, new Float64Array(P), new Float64Array(P), new Float64Array(P), 0, Int32Array.of(0, 1), 1, new Float64Array(1), new Float64Array(2))],
  ])('%s is ERR_DI_INVALID_ARGUMENT', async (_name, fn) => {
    expect(await code(fn)).toBe('ERR_DI_INVALID_ARGUMENT');
  });
});
