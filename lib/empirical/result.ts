/**
 * Internal pieces of sampleJacobianSpectrum: which backend runs an activation, and the public
 * result built from a batch's raw arrays.
 * @module
 * @internal
 */
import { type Activation, activationNames } from '../activations/index.js';
import { activeBackend, backendInfo, type BackendName } from '../backend/config.js';
import { DynamicalIsometryTypeError, ErrorCode } from '../errors.js';
import type { ResolvedNetworkSpec } from '../spec.js';
import type { EmpiricalJacobianSpectrum, SampleSpectrumSummary } from './index.js';

let warnedCustom = false;

/** Which backend runs this activation; throws for a custom activation when native was asked for. */
export function backendFor(activation: Activation, parameter: string): BackendName {
  const active = activeBackend();
  if (active === 'js' || activation.native) return active;
  if (backendInfo().requested === 'native') {
    throw new DynamicalIsometryTypeError(
      parameter,
      `an activation with a native implementation when backend "native" is configured (built-ins: ${activationNames.join(', ')}); ` +
        `use configure({ backend: 'auto' }) or configure({ backend: 'js' }) to run "${activation.name}" on the JS backend`,
      activation.name,
      ErrorCode.activation,
    );
  }
  if (!warnedCustom) {
    warnedCustom = true;
    process.emitWarning(`activation "${activation.name}" has no native implementation; sampling it on the JS backend`, {
      code: 'DYNAMICAL_ISOMETRY_CUSTOM_ACTIVATION_JS',
    });
  }
  return 'js';
}

/** Builds the public result from a batch's raw arrays. */
export function summarize(
  spec: ResolvedNetworkSpec,
  width: number,
  samples: number,
  seed: bigint,
  backend: BackendName,
  raw: { eigenvalues: Float64Array; qPerLayer: Float64Array; structuralZeros: Int32Array; concurrency: number; prefetch: boolean },
): EmpiricalJacobianSpectrum {
  const { eigenvalues, qPerLayer } = raw;
  const depth = spec.depth;
  const singularValues = new Float64Array(eigenvalues.length);
  for (let i = 0; i < eigenvalues.length; i++) singularValues[i] = Math.sqrt(eigenvalues[i] as number);
  const perSample: SampleSpectrumSummary[] = [];
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    let max = -Infinity;
    let min = Infinity;
    for (let i = s * width; i < (s + 1) * width; i++) {
      const x = eigenvalues[i] as number;
      sum += x;
      if (x > max) max = x;
      if (x < min) min = x;
    }
    const mean = sum / width;
    let ss = 0;
    for (let i = s * width; i < (s + 1) * width; i++) {
      const d = (eigenvalues[i] as number) - mean;
      ss += d * d;
    }
    perSample.push(Object.freeze({ mean, variance: ss / width, max, min, structuralZeros: raw.structuralZeros[s] as number }));
  }
  const qMeanPerLayer = new Float64Array(depth);
  for (let s = 0; s < samples; s++) for (let l = 0; l < depth; l++) qMeanPerLayer[l] = (qMeanPerLayer[l] as number) + (qPerLayer[s * depth + l] as number) / samples;
  return Object.freeze({
    eigenvalues,
    singularValues,
    perSample: Object.freeze(perSample),
    qPerLayer,
    qMeanPerLayer,
    spec,
    width,
    samples,
    seed,
    backend,
    schedule: Object.freeze({ concurrency: raw.concurrency, prefetch: raw.prefetch }),
  });
}
