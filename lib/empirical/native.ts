/**
 * The native twin of the Jacobian pipeline (native/binding/empirical_binding.cc over
 * native/core/jacobian.cc): one sample per call, run on the libuv thread pool. Cancellation and
 * progress go through a small Int32Array shared with the worker: [cancel flag (JS writes), layers
 * done (the worker writes), structural zeros (the worker writes at the end)].
 * @module
 * @internal
 */
import { nativeAddon } from '../backend/config.js';
import { JOB_CONTROL_CANCEL, JOB_CONTROL_PROGRESS, type NativeAddon } from '../backend/native-addon.js';
import { fromNativeError } from '../errors.js';
import type { SampleJob, SampleOutputs, SampleResult } from './job.js';

/** The addon functions this module uses (declared in lib/backend/native-addon.ts). */
export type EmpiricalAddon = Pick<NativeAddon, 'empiricalSampleJacobian' | 'empiricalHaarFactors' | 'empiricalHaarApply'>;

/** Reflectors per compact-WY block (measured: 64 is at or near the best from N = 256 to 2048). */
export const HAAR_BLOCK_SIZE = 64;

/** Slots of the control array. */
export const CONTROL_CANCEL = JOB_CONTROL_CANCEL;
export const CONTROL_PROGRESS = JOB_CONTROL_PROGRESS;
export const CONTROL_ZEROS = 2;

/** Bytes of scratch di::SampleJacobian allocates for one sample (mirrors JacobianScratchBytes). */
export function nativeScratchBytes(width: number, orthogonal: boolean, prefetch: boolean): number {
  const n = width;
  const m = n + 1;
  const nb = HAAR_BLOCK_SIZE;
  let doubles = n * m + n * n + 6 * n;
  if (prefetch) doubles += n * n + 3 * n;
  doubles += orthogonal ? nb * nb + m * nb : n * m;
  doubles += 11 * n;
  return doubles * 8 + 8 * n * 4;
}

/** Runs one sample natively; `control` is the shared Int32Array(3). */
export async function sampleJacobianNative(
  job: SampleJob,
  out: SampleOutputs,
  control: Int32Array,
  prefetchRandom: boolean,
): Promise<SampleResult> {
  const native = job.activation.native;
  if (!native) throw new TypeError('internal: sampleJacobianNative needs a built-in activation');
  const addon: EmpiricalAddon = nativeAddon();
  try {
    await addon.empiricalSampleJacobian(
      {
        width: job.width,
        depth: job.depth,
        orthogonal: job.orthogonal,
        weightStd: job.weightStd,
        biasStd: job.biasStd,
        qStar: job.qStar,
        activationId: native.id,
        activationParam: native.param,
        seed: job.seed,
        stream: job.stream,
        haarBlockSize: HAAR_BLOCK_SIZE,
        prefetchRandom,
      },
      out.eigenvalues,
      out.qPerLayer,
      out.jacobian,
      control,
    );
  } catch (e) {
    throw fromNativeError(e);
  }
  return { structuralZeros: control[CONTROL_ZEROS] as number };
}
