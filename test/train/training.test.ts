/**
 * The trainer learns and is reproducible (that its two backends agree: test/parity/train.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { configure } from '../../lib/backend/config.js';
import { loadMnist } from '../../lib/datasets/index.js';
import { train } from '../../lib/train/index.js';
import { prepareRun } from '../../lib/train/trainer.js';
import { describeEachBackend, hasNative } from '../helpers/backends.js';
import { blobs } from './helpers.js';

const data = blobs(300, 20, 4, 5n);
const SPEC = { activation: 'tanh', weights: 'orthogonal', depth: 4, qStar: 0.25 } as const;

describeEachBackend('training', (backend) => {
  it('the loss decreases on a fixed batch (SGD, 60 steps on the same 16 examples)', async () => {
    const { run } = prepareRun(SPEC, { dataset: data, width: 16, batchSize: 16, learningRate: 0.2 });
    expect(run.engine.backend).toBe(backend);
    const count = 60;
    const idx = new Int32Array(count * 16);
    for (let s = 0; s < count; s++) for (let r = 0; r < 16; r++) idx[s * 16 + r] = r;
    const losses = new Float64Array(count);
    const done = await run.engine.steps(run.problem, run.state, idx, count, losses);
    expect(done).toBe(count);
    // Memorising 16 examples: the loss must fall far below its initial value (~ln 4 = 1.39).
    expect(losses[count - 1] as number).toBeLessThan(0.25 * (losses[0] as number));
    for (let s = 10; s < count; s += 10) expect(losses[s] as number).toBeLessThan(losses[s - 10] as number);
  });

  for (const optimizer of ['sgd', 'momentum', 'rmsprop', 'adam'] as const) {
    it(`${optimizer}: test accuracy rises from chance on separable blobs`, async () => {
      const lr = optimizer === 'sgd' ? 0.1 : optimizer === 'momentum' ? 0.02 : 0.003;
      const r = await train(SPEC, { dataset: data, width: 16, optimizer, learningRate: lr, batchSize: 20, steps: 60, evalEvery: 30, seed: 2 });
      expect(r.backend).toBe(backend);
      expect(r.curve.map((p) => p.step)).toEqual([0, 30, 60]);
      // 4 classes (chance 0.25), blobs separated by ~2 standard deviations per coordinate.
      expect(r.finalTestAccuracy).toBeGreaterThan(0.9);
      expect(r.curve[2]?.trainLoss as number).toBeLessThan(r.curve[0]?.trainLoss as number);
    });
  }

  it('targetAccuracy stops at the first evaluation that reaches it (tau); evalSteps sets the schedule', async () => {
    const points: number[] = [];
    const r = await train(SPEC, {
      dataset: data,
      width: 16,
      learningRate: 0.1,
      batchSize: 20,
      steps: 400,
      evalSteps: [5, 10, 20, 40, 80, 160],
      targetAccuracy: 0.85,
      seed: 2,
      onProgress: (p) => points.push(p.point.step),
    });
    expect(r.tau).not.toBeNull();
    expect(r.steps).toBe(r.tau);
    expect(r.curve.map((p) => p.step)).toEqual(points);
    expect(points.every((k) => [0, 5, 10, 20, 40, 80, 160].includes(k))).toBe(true);
    expect(r.curve.at(-1)?.testAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(r.curve.slice(0, -1).every((p) => p.testAccuracy < 0.85)).toBe(true);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
  });

  it('a seeded run is reproducible bit for bit; another seed gives another run', async () => {
    const opts = { dataset: data, width: 12, learningRate: 0.05, batchSize: 10, steps: 20, evalEvery: 10 };
    const a = await train(SPEC, { ...opts, seed: 7 });
    const b = await train(SPEC, { ...opts, seed: 7 });
    const c = await train(SPEC, { ...opts, seed: 8 });
    expect(b.curve).toEqual(a.curve);
    expect(c.curve[2]?.testLoss).not.toBe(a.curve[2]?.testLoss);
  });
});

describe('MNIST', () => {
  it('a shallow network reaches >= 90% test accuracy (native when available; ~1 s native, ~5 s JS)', async () => {
    const mnist = loadMnist();
    expect(mnist.train.count).toBe(8000);
    configure({ backend: hasNative ? 'native' : 'js' });
    const t0 = performance.now();
    const r = await train({ activation: 'tanh', weights: 'orthogonal', depth: 1, qStar: 0.5 }, { dataset: mnist, width: 64, learningRate: 0.1, batchSize: 64, steps: 300, evalEvery: 150, seed: 1 });
    const seconds = (performance.now() - t0) / 1000;
    expect(r.finalTestAccuracy, `after ${r.steps} steps in ${seconds.toFixed(1)} s on ${r.backend}`).toBeGreaterThanOrEqual(0.9);
    expect(r.dataset).toEqual({ name: 'mnist', trainCount: 8000, testCount: 2000, inputSize: 784, classes: 10 });
  });
});
