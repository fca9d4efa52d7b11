/**
 * Concurrency on the native backend: 100 overlapping async calls of each heavy function give
 * bit-identical results to the same calls made one at a time; the event loop keeps turning while a
 * native run is in flight (its max delay, from perf_hooks.monitorEventLoopDelay, is reported as a
 * figure, not asserted); the OpenBLAS thread setting of configure({ threads }) holds while calls
 * are in flight.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { afterAll, describe, expect, it } from 'vitest';

import * as di from '../../lib/index.js';
import { hasNative } from '../helpers/backends.js';
import { recordFigure } from './harness.js';

const N_CALLS = 100;
const ortho = { activation: 'tanh', weights: 'orthogonal', depth: 6, qStar: 0.5 } as const;
const dataset = di.splitDataset({
  inputs: Float64Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i)),
  labels: Int32Array.from({ length: 64 }, (_, i) => i % 2),
  inputSize: 8,
  classes: 2,
});
const m = (seed: number) => ({ rows: 24, cols: 20, data: Float64Array.from({ length: 480 }, (_, i) => Math.sin(seed * 1000 + i)) });

/** Heavy functions: call i -> a Float64Array that must not depend on what else runs. */
const heavy: [string, (i: number) => Promise<Float64Array>][] = [
  ['sampleJacobianSpectrum', async (i) => (await di.sampleJacobianSpectrum(ortho, { width: 24, samples: 2, seed: i })).eigenvalues],
  ['spectralDensity', async (i) => (await di.spectralDensity({ ...ortho, depth: 2 + (i % 7) }, { points: 64 })).density],
  ['svd', async (i) => (await di.svd(m(i))).u.data],
  ['singularValues', async (i) => di.singularValues(m(i))],
  ['matmul', async (i) => (await di.matmul(m(i), { rows: 20, cols: 24, data: m(i + 1).data })).data],
  ['haarOrthogonal', async (i) => (await di.haarOrthogonal(24, { seed: i })).data],
  ['gaussianMatrix', async (i) => (await di.gaussianMatrix(24, 24, { seed: i })).data],
  ['standardNormal', async (i) => di.standardNormal(70_000, { seed: i })], // > 65536: on the thread pool
  ['train', async (i) => Float64Array.from((await di.train(ortho, { dataset, width: 8, batchSize: 8, steps: 4, evalEvery: 2, seed: i })).curve, (p) => p.trainLoss)],
];

let calls = 0;
let maxDelayMs = NaN;

(hasNative ? describe : describe.skip)('native concurrency', () => {
  for (const [name, fn] of heavy) {
    it(`${N_CALLS} overlapping ${name} calls equal the serial ones`, async () => {
      const serial: Float64Array[] = [];
      for (let i = 0; i < N_CALLS; i++) serial.push(await fn(i));
      const overlapped = await Promise.all(Array.from({ length: N_CALLS }, (_, i) => fn(i)));
      // bit-identical: the same bytes
      const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      for (let i = 0; i < N_CALLS; i++) expect(bytes(overlapped[i] as Float64Array).equals(bytes(serial[i] as Float64Array)), `${name} call ${i}`).toBe(true);
      calls += 2 * N_CALLS;
    });
  }

  it('the event loop keeps turning while a native run is in flight', async () => {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    let settled = false;
    // ~1 s of native work: far longer than one loop turn, so the check below cannot race it (and
    // the figure below stays the README's: width 384, depth 320, 2 samples).
    const run = di.sampleJacobianSpectrum({ ...ortho, depth: 320 }, { width: 384, samples: 2, seed: 2 }).finally(() => (settled = true));
    // Work done on the main thread would have settled the call (its microtasks run first) before a
    // macrotask queued after it could run; work on the libuv pool leaves the loop free to run it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled, 'the call settled before one turn of the event loop: it ran on the main thread').toBe(false);
    await run;
    h.disable();
    // A figure for the reliability report (scripts/reliability/report.mjs), not an assertion:
    // timings belong in the benchmarks.
    maxDelayMs = h.max / 1e6;
  });

  it('configure({ threads }) holds while calls are in flight', async () => {
    try {
      di.configure({ threads: 2 });
      const inflight = Promise.all(Array.from({ length: 20 }, (_, i) => di.svd(m(i))));
      expect(di.backendInfo().threads).toBe(2);
      expect(di.backendInfo().openblas?.threads).toBe(2);
      await inflight;
      expect(di.backendInfo().openblas?.threads).toBe(2);
      di.configure({ threads: 1 });
      const again = Promise.all(Array.from({ length: 20 }, (_, i) => di.sampleJacobianSpectrum(ortho, { width: 24, seed: i })));
      expect(di.backendInfo().openblas?.threads).toBe(1);
      await again;
      expect(di.backendInfo().openblas?.threads).toBe(1);
    } finally {
      di.configure({ threads: 1 });
    }
  });
});

afterAll(() => {
  recordFigure('concurrency calls compared', calls);
  if (Number.isFinite(maxDelayMs)) recordFigure('event-loop max delay during ~1 s native run (ms)', Math.round(maxDelayMs * 10) / 10);
});
