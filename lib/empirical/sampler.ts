/**
 * Runs a batch of sampled networks on the active backend: scheduling (samples in parallel on the
 * libuv pool for native, one after another for JS), cancellation, progress, and the memory check.
 *
 * Parallelism (measured on 2 cores, see the README, "Sampled networks"): with several samples, one
 * sample per libuv worker with single-threaded BLAS was as fast as or faster than multi-threaded BLAS
 * on one sample at a time (independent samples need no synchronization; OpenBLAS's threads do, and
 * the Householder blocks are thin). Native samples run
 * `floor(cores / blasThreads)` at a time (at most the libuv pool size); when that leaves a core idle
 * (e.g. one sample), each sample draws the next layer's random numbers on a helper thread while the
 * current layer multiplies.
 * @module
 * @internal
 */
import os from 'node:os';

import type { Activation } from '../activations/index.js';
import { backendInfo } from '../backend/config.js';
import { AbortError, DynamicalIsometryRangeError, ErrorCode } from '../errors.js';
import { checkMemoryLimit } from '../linalg/memory.js';
import type { SampleJob, SampleResult } from './job.js';
import { jsScratchBytes, sampleJacobianJs } from './js.js';
import { CONTROL_CANCEL, CONTROL_PROGRESS, nativeScratchBytes, sampleJacobianNative } from './native.js';

/** Progress of a batch, as passed to `onProgress`. */
export interface SamplingProgress {
  /** Layers done over all samples (a sample of depth L counts L when finished). */
  layersDone: number;
  /** samples * depth. */
  layersTotal: number;
  /** Samples finished. */
  samplesDone: number;
  /** Samples requested. */
  samplesTotal: number;
}

/** A fully resolved batch request. */
export interface BatchRequest {
  width: number;
  depth: number;
  samples: number;
  orthogonal: boolean;
  weightStd: number;
  biasStd: number;
  qStar: number;
  activation: Activation;
  seed: bigint;
  backend: 'native' | 'js';
  signal?: AbortSignal | undefined;
  onProgress?: ((p: SamplingProgress) => void) | undefined;
  /** Samples in flight at once (native); default from the cores and BLAS threads. */
  concurrency?: number | undefined;
  /** Draw random numbers on a helper thread (native); default: when a core would be idle. */
  prefetch?: boolean | undefined;
  /** Keep each sample's J (samples * width * width doubles; for tests). */
  keepJacobians?: boolean | undefined;
  /** Milliseconds between progress polls of native workers (default 50). */
  progressIntervalMs?: number | undefined;
}

/** Raw batch results (row s = sample s). */
export interface BatchResult {
  eigenvalues: Float64Array;
  qPerLayer: Float64Array;
  structuralZeros: Int32Array;
  jacobians: Float64Array | null;
  concurrency: number;
  prefetch: boolean;
}

function libuvPoolSize(): number {
  const env = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(env) && env > 0 ? env : 4;
}

/**
 * Width from which drawing the next layer's random numbers on a helper thread pays: below it a layer
 * takes well under a millisecond and the thread start (~50 us per layer) is not repaid.
 */
export const PREFETCH_MIN_WIDTH = 128;

/** Default scheduling for the native backend. */
export function defaultSchedule(samples: number, width: number): { concurrency: number; prefetch: boolean } {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const blasThreads = Math.max(1, backendInfo().threads);
  const concurrency = Math.max(1, Math.min(samples, Math.floor(cores / blasThreads), libuvPoolSize()));
  return { concurrency, prefetch: concurrency * blasThreads < cores && width >= PREFETCH_MIN_WIDTH };
}

/** Bytes a batch needs at its peak (outputs plus the scratch of the samples in flight). */
export function batchBytes(r: Pick<BatchRequest, 'width' | 'depth' | 'samples' | 'orthogonal' | 'keepJacobians'>, backend: 'native' | 'js', concurrency: number, prefetch: boolean): number {
  const outputs = 8 * r.samples * (2 * r.width + r.depth) + (r.keepJacobians ? 8 * r.samples * r.width * r.width : 0);
  const scratch = backend === 'native' ? concurrency * nativeScratchBytes(r.width, r.orthogonal, prefetch) : jsScratchBytes(r.width, r.orthogonal);
  return outputs + scratch;
}

/**
 * Throws a RangeError (code ERR_DI_OUT_OF_MEMORY) naming the memory a batch would need when it is
 * above the memory cap (configure({ memoryLimitBytes }); default a fraction of the free memory).
 */
export function checkMemory(bytes: number, width: number, parameter: string): void {
  checkMemoryLimit(parameter, width, bytes, 'the batch');
}

/** Runs the batch; resolves with the raw results or rejects (AbortError, NumericalError, ...). */
export async function runBatch(r: BatchRequest): Promise<BatchResult> {
  const { width: n, depth, samples } = r;
  const eigenvalues = new Float64Array(samples * n);
  const qPerLayer = new Float64Array(samples * depth);
  const structuralZeros = new Int32Array(samples);
  const jacobians = r.keepJacobians ? new Float64Array(samples * n * n) : null;
  const sched = r.backend === 'native' ? defaultSchedule(samples, n) : { concurrency: 1, prefetch: false };
  const concurrency = r.backend === 'native' ? Math.max(1, Math.min(samples, r.concurrency ?? sched.concurrency)) : 1;
  const prefetch = r.backend === 'native' ? (r.prefetch ?? sched.prefetch) : false;

  const job = (s: number): SampleJob => ({
    width: n,
    depth,
    orthogonal: r.orthogonal,
    weightStd: r.weightStd,
    biasStd: r.biasStd,
    qStar: r.qStar,
    activation: r.activation,
    seed: r.seed,
    stream: BigInt(s),
  });
  const outputs = (s: number) => ({
    eigenvalues: eigenvalues.subarray(s * n, (s + 1) * n),
    qPerLayer: qPerLayer.subarray(s * depth, (s + 1) * depth),
    jacobian: jacobians ? jacobians.subarray(s * n * n, (s + 1) * n * n) : null,
  });

  const signal = r.signal;
  if (signal?.aborted) throw new AbortError('sampleJacobianSpectrum was aborted before it started');

  let aborted = false; // set by stopAll: no more samples start, and no more progress is reported
  let firstError: unknown;
  // Progress bookkeeping: finished samples count `depth` layers; running ones report their own.
  let samplesDone = 0;
  const running = new Map<number, () => number>();
  let lastLayers = -1;
  let lastSamples = -1;
  const report = (): void => {
    if (!r.onProgress || aborted) return;
    let layers = samplesDone * depth;
    for (const get of running.values()) layers += get();
    if (layers === lastLayers && samplesDone === lastSamples) return;
    lastLayers = layers;
    lastSamples = samplesDone;
    r.onProgress({ layersDone: layers, layersTotal: samples * depth, samplesDone, samplesTotal: samples });
  };

  const controls = new Set<Int32Array>();
  const stopAll = (): void => {
    aborted = true;
    for (const c of controls) c[CONTROL_CANCEL] = 1;
  };
  const onAbort = (): void => stopAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  // The native progress poll runs in a timer, where an exception from the user's onProgress would
  // be uncaught (the process would die): keep it as the batch's error and stop the workers instead.
  const poll = (): void => {
    if (aborted) return;
    try {
      report();
    } catch (e) {
      if (firstError === undefined) firstError = e;
      stopAll();
    }
  };
  const timer = r.backend === 'native' && r.onProgress ? setInterval(poll, r.progressIntervalMs ?? 50) : undefined;
  timer?.unref();

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!aborted && next < samples) {
      const s = next++;
      let result: SampleResult;
      if (r.backend === 'native') {
        const control = new Int32Array(3);
        controls.add(control);
        running.set(s, () => control[CONTROL_PROGRESS] as number);
        try {
          result = await sampleJacobianNative(job(s), outputs(s), control, prefetch);
        } finally {
          controls.delete(control);
          running.delete(s);
        }
      } else {
        let layers = 0;
        running.set(s, () => layers);
        try {
          result = await sampleJacobianJs(job(s), outputs(s), {
            cancelled: () => aborted,
            layerDone: (l) => {
              layers = l;
              report();
            },
          });
        } finally {
          running.delete(s);
        }
      }
      structuralZeros[s] = result.structuralZeros;
      samplesDone++;
      report();
    }
  };
  const runWorker = async (): Promise<void> => {
    try {
      await worker();
    } catch (e) {
      if (firstError === undefined) firstError = e;
      stopAll();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, runWorker));
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) {
    throw new AbortError('sampleJacobianSpectrum was aborted');
  }
  if (firstError !== undefined) throw firstError;
  return { eigenvalues, qPerLayer, structuralZeros, jacobians, concurrency, prefetch };
}
