/** Bad input to train(): typed errors naming the parameter; divergence and abort keep the partial curve. */
import { describe, expect, it } from 'vitest';

import { AbortError, DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode, NumericalError } from '../../lib/errors.js';
import { train, TrainingAbortedError, TrainingDivergedError } from '../../lib/train/index.js';
import { describeEachBackend } from '../helpers/backends.js';
import { blobs } from './helpers.js';

const data = blobs(100, 10, 3, 9n);
const SPEC = { activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.25 } as const;
const base = { dataset: data, width: 8, steps: 10, evalEvery: 5 };

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('train: bad options', () => {
  it('unknown dataset name', async () => {
    const e = await rejects(train(SPEC, { ...base, dataset: 'cifar' as never }));
    expect(e).toBeInstanceOf(DynamicalIsometryTypeError);
    expect((e as DynamicalIsometryTypeError).parameter).toBe('options.dataset');
  });

  it('malformed dataset object (labels out of range, wrong length)', async () => {
    const e1 = await rejects(train(SPEC, { ...base, dataset: { inputs: new Float64Array(20), labels: [0, 5], inputSize: 10, classes: 3 } }));
    expect(e1).toBeInstanceOf(DynamicalIsometryRangeError);
    expect(e1.message).toMatch(/labels\[1\]/);
    const e2 = await rejects(train(SPEC, { ...base, dataset: { inputs: new Float64Array(21), labels: [0, 1], inputSize: 10, classes: 3 } }));
    expect(e2.message).toMatch(/inputs\.length/);
  });

  it('unknown optimizer', async () => {
    const e = await rejects(train(SPEC, { ...base, optimizer: 'adagrad' as never }));
    expect(e).toBeInstanceOf(DynamicalIsometryTypeError);
    expect(e.message).toMatch(/options\.optimizer must be one of "sgd", "momentum", "rmsprop", "adam"/);
  });

  it.each([0, -0.1, Number.NaN, Number.POSITIVE_INFINITY])('learning rate %s', async (lr) => {
    const e = await rejects(train(SPEC, { ...base, learningRate: lr }));
    expect(e).toBeInstanceOf(DynamicalIsometryRangeError);
    expect((e as DynamicalIsometryRangeError).parameter).toBe('options.learningRate');
  });

  it('batch size 0, 2.5, and larger than the training set', async () => {
    for (const b of [0, 2.5]) {
      const e = await rejects(train(SPEC, { ...base, batchSize: b }));
      expect(e).toBeInstanceOf(DynamicalIsometryRangeError);
      expect((e as DynamicalIsometryRangeError).parameter).toBe('options.batchSize');
    }
    const e = await rejects(train(SPEC, { ...base, batchSize: 80 }));
    expect(e.message).toMatch(/options\.batchSize must be an integer in \[1, 79\] \(the training-set size\); received 80/);
  });

  it('unknown option keys, bad steps / evalEvery / evalSteps, bad spec', async () => {
    const e = await rejects(train(SPEC, { ...base, epochs: 3 } as never));
    expect((e as DynamicalIsometryTypeError).code).toBe(ErrorCode.unknownOption);
    await expect(train(SPEC, { ...base, steps: 0 })).rejects.toThrow(/options\.steps/);
    await expect(train(SPEC, { ...base, evalEvery: -1 })).rejects.toThrow(/options\.evalEvery/);
    await expect(train(SPEC, { dataset: data, width: 8, steps: 10, evalSteps: [5, 3] })).rejects.toThrow(/options\.evalSteps\[1\]/);
    await expect(train(SPEC, { ...base, evalSteps: [5] })).rejects.toThrow(/evalSteps/);
    await expect(train({ ...SPEC, depth: 0 }, base)).rejects.toThrow(/spec\.depth/);
    await expect(train(SPEC, { ...base, targetAccuracy: 1.5 })).rejects.toThrow(/options\.targetAccuracy/);
  });
});

describeEachBackend('train: divergence and abort', () => {
  it('a NaN loss stops with an error naming the step and suggesting a smaller learning rate', async () => {
    // A linear network with a huge learning rate: the logits overflow within a few steps.
    const spec = { activation: 'linear', weights: 'orthogonal', depth: 2, weightStd: 1, biasStd: 0 } as const;
    const e = await rejects(train(spec, { ...base, steps: 200, evalEvery: 1, learningRate: 1e150 }));
    expect(e).toBeInstanceOf(TrainingDivergedError);
    expect(e).toBeInstanceOf(NumericalError);
    const d = e as TrainingDivergedError;
    expect(d.code).toBe(ErrorCode.noConvergence);
    expect(d.step).toBeGreaterThan(1);
    expect(d.message).toMatch(new RegExp(`at step ${d.step} .*try a smaller learningRate`));
    // The partial curve ends at the last step before the divergence.
    expect(d.partial.steps).toBe(d.step - 1);
    expect(d.partial.curve.at(-1)?.step).toBe(d.step - 1);
  });

  it('abort keeps the partial curve', async () => {
    const ac = new AbortController();
    const e = await rejects(
      train(SPEC, {
        ...base,
        steps: 1000,
        evalEvery: 10,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.point.step >= 20) ac.abort();
        },
      }),
    );
    expect(e).toBeInstanceOf(TrainingAbortedError);
    expect(e).toBeInstanceOf(AbortError);
    const partial = (e as TrainingAbortedError).partial;
    expect(partial.curve.map((p) => p.step)).toEqual([0, 10, 20]);
    expect(partial.steps).toBe(20);
  });

  it('an already aborted signal stops before any work', async () => {
    const e = await rejects(train(SPEC, { ...base, signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(TrainingAbortedError);
    expect((e as TrainingAbortedError).partial.curve).toEqual([]);
  });
});
