/**
 * Cancellation: an AbortSignal fired mid-run stops sampling, density solves and training within
 * about one layer / one grid point / one chunk of steps, rejects with an AbortError, releases the
 * run's buffers, and leaves the library usable (the next call gives the same result as before the
 * abort). Runs on every backend. (test/free/cancellation.test.ts checks where a density solve stops.)
 */
import { expect, it } from 'vitest';

import * as di from '../../lib/index.js';
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

  it('an abort stops training within a chunk of steps and returns the partial curve', async () => {
    const dataset = di.splitDataset({
      inputs: Float64Array.from({ length: 512 * 16 }, (_, i) => Math.sin(i)),
      labels: Int32Array.from({ length: 512 }, (_, i) => i % 3),
      inputSize: 16,
      classes: 3,
    });
    const { latencyMs, error } = await abortLatency(
      (signal) => di.train({ activation: 'tanh', weights: 'orthogonal', depth: 6, qStar: 0.5 }, { dataset, width: 32, batchSize: 32, steps: 1_000_000, evalEvery: 100_000, signal }),
      200,
    );
    expect(error).toBeInstanceOf(di.TrainingAbortedError);
    expect(error).toBeInstanceOf(di.AbortError);
    // train() checks the signal between chunks of steps sized to ~0.2 s of work (CHUNK_SECONDS in
    // lib/train/trainer.ts; a native chunk is one job and does not poll the signal): one chunk + slack
    expect(latencyMs).toBeLessThan(200 + 2 * bound);
    const next = await di.train({ activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 }, { dataset, width: 8, batchSize: 8, steps: 3, evalEvery: 1 });
    expect(next.curve.length).toBe(4);
    recordFigure(`abort latency training ${backend} (ms)`, Math.round(latencyMs * 10) / 10);
  });
});
