/**
 * Cancellation: an AbortSignal fired mid-run stops sampling, density solves and training within
 * about one layer / one grid point / one training step (native; JS training: one chunk of steps), rejects with an AbortError, releases the
 * run's buffers, and leaves the library usable (the next call gives the same result as before the
 * abort). Runs on every backend. (test/free/cancellation.test.ts checks where a density solve stops.)
 */
import { expect, it } from 'vitest';

import * as di from '../../lib/index.js';
import { TRAIN_CONTROL_CANCEL, TRAIN_CONTROL_DONE, type TrainEngine } from '../../lib/train/engine.js';
import { nativeEngine } from '../../lib/train/native.js';
import { prepareRun } from '../../lib/train/trainer.js';
import { describeEachBackend } from '../helpers/backends.js';
import { recordFigure } from './harness.js';

const spec = { activation: 'tanh', weights: 'orthogonal', depth: 10_000, qStar: 0.5 } as const;

async function abortLatency(start: (signal: AbortSignal) => Promise<unknown>, afterMs: number): Promise<{ latencyMs: number; error: unknown }> {
  const ac = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    ac.abort();
  }, afterMs);
  try {
    await start(ac.signal);
  } catch (error) {
    return { latencyMs: performance.now() - abortedAt, error };
  }
  throw new Error('the run finished before the abort: make it longer');
}

describeEachBackend('cancellation', (backend) => {
  // One layer at width 96 costs well under 1 ms natively and a few ms in JS; the bound adds the
  // scheduling slack of a shared 2-core machine (timers, GC), not a multiple of the run time.
  const bound = backend === 'native' ? 150 : 400;

  it('an abort stops sampling within a layer, frees the run and leaves the library usable', async () => {
    const width = 96;
    const reference = await di.sampleJacobianSpectrum({ ...spec, depth: 8 }, { width, seed: 3 });
    const { latencyMs, error } = await abortLatency((signal) => di.sampleJacobianSpectrum(spec, { width, samples: 2, seed: 1, signal }), 150);
    expect(error).toBeInstanceOf(di.AbortError);
    expect((error as di.AbortError).code).toBe(di.ErrorCode.aborted);
    expect(latencyMs).toBeLessThan(bound);
    // an already-aborted signal never starts
    await expect(di.sampleJacobianSpectrum(spec, { width, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(di.AbortError);
    const again = await di.sampleJacobianSpectrum({ ...spec, depth: 8 }, { width, seed: 3 });
    expect(Array.from(again.eigenvalues)).toEqual(Array.from(reference.eigenvalues));
    recordFigure(`abort latency sampling ${backend} (ms)`, Math.round(latencyMs * 10) / 10);
  });

  it('repeated aborts do not accumulate memory', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const width = 200; // a 200 x 200 Jacobian per sample: 320 KB, 40 aborted runs would hold 12.8 MB
    const run = () => abortLatency((signal) => di.sampleJacobianSpectrum(spec, { width, samples: 2, seed: 1, signal }), 20);
    await run();
    gc?.();
    const before = process.memoryUsage().external;
    for (let i = 0; i < 40; i++) await run();
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
    gc?.();
    // Without --expose-gc buffers may still be waiting for collection: then only a loose bound.
    expect(process.memoryUsage().external - before).toBeLessThan(gc ? 2e6 : 40e6);
  });

  it('an abort stops a density solve, and the next solve is unchanged', async () => {
    const dspec = { activation: 'tanh', weights: 'gaussian', depth: 16, qStar: 0.5 } as const;
    const reference = await di.spectralDensity(dspec, { points: 50 });
    const { latencyMs, error } = await abortLatency((signal) => di.spectralDensity(dspec, { points: 400_000, signal }), 60);
    expect(error).toBeInstanceOf(di.AbortError);
    expect(latencyMs).toBeLessThan(bound);
    const again = await di.spectralDensity(dspec, { points: 50 });
    expect(Array.from(again.density)).toEqual(Array.from(reference.density));
    recordFigure(`abort latency density ${backend} (ms)`, Math.round(latencyMs * 10) / 10);
  });

  it('an abort stops training (native: before the next step of a chunk) and returns the partial curve', async () => {
    const dataset = di.splitDataset({
      inputs: Float64Array.from({ length: 512 * 16 }, (_, i) => Math.sin(i)),
      labels: Int32Array.from({ length: 512 }, (_, i) => i % 3),
      inputSize: 16,
      classes: 3,
    });
    // Record every native chunk (one job): its size, the steps it applied and when it settled.
    const calls: { count: number; done: number; settledAt: number }[] = [];
    const original = nativeEngine.steps;
    (nativeEngine as { steps: TrainEngine['steps'] }).steps = async (problem, state, idx, count, losses, control) => {
      const before = state.step;
      try {
        return await original.call(nativeEngine, problem, state, idx, count, losses, control);
      } finally {
        calls.push({ count, done: state.step - before, settledAt: performance.now() });
      }
    };
    let latencyMs: number;
    let error: unknown;
    try {
      ({ latencyMs, error } = await abortLatency(
        (signal) => di.train({ activation: 'tanh', weights: 'orthogonal', depth: 6, qStar: 0.5 }, { dataset, width: 32, batchSize: 32, steps: 1_000_000, evalEvery: 100_000, signal }),
        200,
      ));
    } finally {
      (nativeEngine as { steps: TrainEngine['steps'] }).steps = original;
    }
    const abortedAt = performance.now() - latencyMs;
    if (backend === 'native') {
      // The job running when the signal fired stopped inside its chunk (fewer steps than asked);
      // the only other admissible case is an abort between two jobs (the last one settled before it).
      const last = calls[calls.length - 1];
      expect(last).toBeDefined();
      if (last) {
        expect(last.settledAt < abortedAt || last.done < last.count).toBe(true);
        recordFigure('native training abort: steps applied / chunk size', `${last.done} / ${last.count}`);
      }
    }
    expect(error).toBeInstanceOf(di.TrainingAbortedError);
    expect(error).toBeInstanceOf(di.AbortError);
    const partial = (error as di.TrainingAbortedError).partial;
    expect(partial.steps).toBeGreaterThan(0);
    expect(partial.curve.length).toBe(1); // the step-0 evaluation; the next one is at 100 000
    expect(Number.isFinite(partial.curve[0]?.trainLoss)).toBe(true);
    // Native: the worker checks the flag before every step (a step here is ~0.1 ms), so the bound is
    // scheduling slack only. JS runs a chunk (~0.2 s of steps, CHUNK_SECONDS in lib/train/trainer.ts)
    // synchronously, so nothing can observe the signal before it ends: one chunk + slack.
    expect(latencyMs).toBeLessThan(backend === 'native' ? bound : 200 + 2 * bound);
    const next = await di.train({ activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 }, { dataset, width: 8, batchSize: 8, steps: 3, evalEvery: 1 });
    expect(next.curve.length).toBe(4);
    recordFigure(`abort latency training ${backend} (ms)`, Math.round(latencyMs * 10) / 10);
  });

  if (backend === 'native') {
    it('a cancelled native chunk stops between two steps, with parameters equal to a run of exactly those steps', async () => {
      const dataset = di.splitDataset({
        inputs: Float64Array.from({ length: 512 * 16 }, (_, i) => Math.cos(0.37 * i)),
        labels: Int32Array.from({ length: 512 }, (_, i) => i % 3),
        inputSize: 16,
        classes: 3,
      });
      const options = { dataset, width: 32, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, seed: 4 } as const;
      const spec6 = { activation: 'tanh', weights: 'orthogonal', depth: 6, qStar: 0.5 } as const;
      const a = prepareRun(spec6, options).run;
      const count = 40_000; // one job of ~seconds: far longer than the 30 ms before the abort
      const B = 32;
      const trainCount = a.problem.trainLabels.length;
      const idx = Int32Array.from({ length: count * B }, (_, i) => (i * 7919) % trainCount);
      const losses = new Float64Array(count);
      const control = new Int32Array(2);
      setTimeout(() => (control[TRAIN_CONTROL_CANCEL] = 1), 30);
      await expect(a.engine.steps(a.problem, a.state, idx, count, losses, control)).rejects.toBeInstanceOf(di.AbortError);
      const stepsDone = control[TRAIN_CONTROL_DONE] as number;
      // It stopped inside the chunk (not at its end) and the state counts exactly the finished steps.
      expect(stepsDone).toBeGreaterThan(0);
      expect(stepsDone).toBeLessThan(count);
      expect(a.state.step).toBe(stepsDone);
      // Same problem, same batches, exactly stepsDone steps without cancellation: identical bits
      // (same code path and thread count; the cancelled run applied no partial update).
      const b = prepareRun(spec6, options).run;
      const lb = new Float64Array(stepsDone);
      expect(await b.engine.steps(b.problem, b.state, idx, stepsDone, lb)).toBe(stepsDone);
      expect(Array.from(lb)).toEqual(Array.from(losses.subarray(0, stepsDone)));
      expect(a.state.params).toEqual(b.state.params);
      expect(a.state.moment1).toEqual(b.state.moment1);
      expect(a.state.moment2).toEqual(b.state.moment2);
      recordFigure('native training chunk cancelled after (steps of 40000)', stepsDone);
    });
  }
});
