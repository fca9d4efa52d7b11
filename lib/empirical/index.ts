/**
 * Empirical Jacobian spectra of random deep networks at initialization, and their distance to the
 * theory (Pennington, Schoenholz & Ganguli 2017, eq. 2 and Section 2.3; THEORY §1, §8.4).
 *
 * For each sample, a network of width N and depth L is drawn (weights N(0, weightStd^2/N) or
 * weightStd times a Haar matrix, biases N(0, biasStd^2), an input whose pre-activations start at the
 * fixed point q*), the forward pass gives D^l = diag(phi'(h^l)), and the squared singular values of
 * J = D^L W^L ... D^1 W^1 are returned: the empirical spectrum of J J^T.
 * @module
 */
import type { BackendName } from '../backend/config.js';
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';
import { type NetworkSpec, type ResolvedNetworkSpec, resolveNetworkSpec } from '../spec.js';
import type { Seed } from '../types.js';
import { abortSignal, callback, checkOptions, integer, seed as seedArg } from '../validate.js';
import { backendFor, summarize } from './result.js';
import { batchBytes, checkMemory, defaultSchedule, runBatch, type SamplingProgress } from './sampler.js';

export { jacobianSpectrumDistance } from './distance.js';
export type { SpectrumDistance, SpectrumDistanceOptions, TheoryLaw } from './distance.js';
export type { SamplingProgress } from './sampler.js';

/** Largest width: N (N + 1) entries must fit LAPACK's 32-bit sizes. */
export const MAX_SAMPLING_WIDTH = 46339;

/** Options of {@link sampleJacobianSpectrum}. */
export interface SampleJacobianSpectrumOptions {
  /** Width N of every layer (integer >= 1). */
  width: number;
  /** Number of independent networks (integer >= 1; default 1). Sample s uses random stream s. */
  samples?: number;
  /** Seed of the random streams (non-negative integer or bigint < 2^64; default 0). */
  seed?: Seed;
  /** Cancels the run between layers; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called with the layers and samples done (at most every 50 ms on native, after each layer on JS). */
  onProgress?: (progress: SamplingProgress) => void;
}

/** Summary of one sample's spectrum (eigenvalues of J J^T). */
export interface SampleSpectrumSummary {
  /** Mean eigenvalue (1/N) tr J J^T; the theory's m1 = chi^L. */
  mean: number;
  /** Variance of the eigenvalues about their mean (1/N normalization). */
  variance: number;
  max: number;
  min: number;
  /** Eigenvalues set to exactly 0 because rank J <= min_l #{i : phi'(h^l_i) != 0}. */
  structuralZeros: number;
}

/** What {@link sampleJacobianSpectrum} returns. */
export interface EmpiricalJacobianSpectrum {
  /**
   * Eigenvalues of J J^T (squared singular values of J), `samples x width`, sample by sample: entries
   * [s*N, (s+1)*N) belong to sample s, in descending order. Structural zeros are exactly 0.
   */
  readonly eigenvalues: Float64Array;
  /** Singular values of J (square roots of `eigenvalues`), same layout. */
  readonly singularValues: Float64Array;
  /** One summary per sample. */
  readonly perSample: readonly SampleSpectrumSummary[];
  /**
   * The empirical q^l = (1/N) |h^l|^2 per sample and layer, `samples x depth` (entry s*L + l - 1 is
   * layer l of sample s). By construction of the input, q^1 = q* up to sampling error.
   */
  readonly qPerLayer: Float64Array;
  /** q^l averaged over the samples, length depth. */
  readonly qMeanPerLayer: Float64Array;
  /**
   * The resolved network description (with weightStd, biasStd, qStar, chi, mu1, mu2); for a marginal
   * spec given by stds alone, qStar is the q* it was sampled at ({@link MARGINAL_SAMPLING_Q_STAR}).
   */
  readonly spec: ResolvedNetworkSpec;
  readonly width: number;
  readonly samples: number;
  readonly seed: bigint;
  /** The backend that ran the networks. */
  readonly backend: BackendName;
  /** Samples run at once (native) and whether random numbers were drawn on a helper thread. */
  readonly schedule: { readonly concurrency: number; readonly prefetch: boolean };
}

/**
 * The q* at which a marginal spec is sampled: a scale-free activation on its critical line at
 * biasStd = 0 (linear at weightStd = 1, relu at sqrt(2), leaky-relu at sqrt(2 / (1 + slope^2)))
 * has every q as a fixed point, so a spec given by stds alone has no q* (resolveNetworkSpec gives
 * NaN). Its spectrum does not depend on q (phi' is constant on rays), so the input is put at
 * q* = 1, as train() does (lib/train/trainer.ts MARGINAL_Q_STAR); result.spec.qStar reports it.
 */
export const MARGINAL_SAMPLING_Q_STAR = 1;

/**
 * The q at which a spec whose signal dies (q* = 0: biasStd = 0 below the critical line) is sampled.
 * At q exactly 0 every pre-activation is 0 and the network has the degenerate Jacobian of phi'(0)
 * alone (relu: J = 0), not the law of theory §2.6, which is the q -> 0 limit: D^2 takes phi'(0-)^2
 * and phi'(0+)^2 with probability 1/2 each. At q = 1e-24 the pre-activations are ~1e-12, so D^2 is
 * within ~1e-12 relative of that limit (well inside the 1e-8 atom snap of jacobianSpectrumDistance),
 * and q stays that small through every layer (chi < 1 there).
 */
export const VANISHING_SIGNAL_SAMPLING_Q_STAR = 1e-24;

/** Validated options. */
interface ResolvedOptions {
  width: number;
  samples: number;
  seed: bigint;
  signal: AbortSignal | undefined;
  onProgress: ((p: SamplingProgress) => void) | undefined;
}

const OPTION_KEYS = ['width', 'samples', 'seed', 'signal', 'onProgress'] as const;

function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) throw new DynamicalIsometryTypeError('options', 'an object with at least { width }', options);
  const o = checkOptions<SampleJacobianSpectrumOptions>('options', options, OPTION_KEYS);
  if (o.width === undefined) throw new DynamicalIsometryTypeError('options.width', `an integer in [1, ${MAX_SAMPLING_WIDTH}]`, undefined);
  return {
    width: integer('options.width', o.width, 1, MAX_SAMPLING_WIDTH),
    samples: o.samples === undefined ? 1 : integer('options.samples', o.samples, 1),
    seed: o.seed === undefined ? 0n : seedArg('options.seed', o.seed),
    signal: abortSignal('options.signal', o.signal),
    onProgress: callback<(p: SamplingProgress) => void>('options.onProgress', o.onProgress),
  };
}

/**
 * Samples random deep networks and returns the spectra of J J^T, where J = D^L W^L ... D^1 W^1 is
 * the input-output Jacobian (paper eq. 2) at initialization.
 *
 * Method: per sample, weights are N(0, weightStd^2/N) or weightStd times a Haar matrix (drawn as
 * Householder reflectors directly from Gaussian vectors, Stewart 1980, and applied blocked), biases
 * N(0, biasStd^2), and the input a random direction with (1/N)|x^0|^2 = (q* - biasStd^2)/weightStd^2
 * so that q^1 = q* (THEORY §1.4); a marginal spec given by stds alone, where every q is a fixed point
 * (e.g. relu at weightStd = sqrt(2), biasStd = 0), is sampled at q* = 1 ({@link MARGINAL_SAMPLING_Q_STAR},
 * reported as `spec.qStar`; its spectrum does not depend on q*). The product is accumulated layer by layer (memory O(N^2) for any
 * depth) and its singular values are computed directly (LAPACK dgesdd / the JS Golub-Kahan-Reinsch SVD; never J J^T).
 * Sample s uses the random stream (seed, s), so results are reproducible, and the native and JS
 * backends build the same networks (same normals, same weights); their spectra agree to rounding.
 * Native samples run in parallel on the libuv pool; the event loop stays free. On the JS backend
 * the forward pass yields to the event loop after every layer (so `signal` and `onProgress` work
 * between layers), but the final SVD of each sample's N x N Jacobian runs in one synchronous piece
 * of O(N^3) work that blocks the event loop and cannot be aborted: about 1.4 s at N = 800, growing
 * like N^3 (measured on the project's 2-core machine). For large widths without the native addon,
 * run the sampling in a worker thread.
 *
 * @param spec - the network: `{ activation, weights: 'gaussian' | 'orthogonal', depth, weightStd, biasStd }`
 *   (standard deviations) or `{ activation, weights, depth, qStar }` (critical point with fixed point q*).
 * @param options - `{ width, samples = 1, seed = 0, signal?, onProgress? }`.
 * @returns a promise of {@link EmpiricalJacobianSpectrum} (eigenvalues `samples x width`).
 * @throws (as a rejected promise) DynamicalIsometryTypeError / DynamicalIsometryRangeError for a bad spec or option (width or
 *   depth not a positive integer, samples = 0, an unknown option, weightStd = 0), a RangeError with code
 *   ERR_DI_OUT_OF_MEMORY that says how much memory a too-large width would need, a TypeError with code
 *   ERR_DI_ACTIVATION for a user-defined activation when backend "native" is configured (with "auto"
 *   it runs on JS with one warning); the promise rejects with AbortError when `signal` fires and with
 *   NumericalError on overflow or a LAPACK failure.
 * @example
 * const r = await sampleJacobianSpectrum(
 *   { activation: 'tanh', weights: 'orthogonal', depth: 32, qStar: 1 / 64 },
 *   { width: 400, samples: 4, seed: 1 },
 * );
 * r.perSample[0].mean; // ~1 (criticality: m1 = chi^L = 1)
 */
export async function sampleJacobianSpectrum(spec: NetworkSpec, options: SampleJacobianSpectrumOptions): Promise<EmpiricalJacobianSpectrum> {
  const given = resolveNetworkSpec(spec, 'spec');
  const samplingQ = Number.isNaN(given.qStar) ? MARGINAL_SAMPLING_Q_STAR : given.qStar === 0 ? VANISHING_SIGNAL_SAMPLING_Q_STAR : given.qStar;
  const resolved: ResolvedNetworkSpec = samplingQ === given.qStar ? given : Object.freeze({ ...given, qStar: samplingQ });
  const o = resolveOptions(options);
  if (!(resolved.weightStd > 0)) {
    throw new DynamicalIsometryRangeError('spec.weightStd', 'a number > 0 for sampling (weightStd = 0 makes J = 0)', resolved.weightStd);
  }
  const backend = backendFor(resolved.activation, 'spec.activation');
  const sched = backend === 'native' ? defaultSchedule(o.samples, o.width) : { concurrency: 1, prefetch: false };
  const orthogonal = resolved.weights === 'orthogonal';
  checkMemory(
    batchBytes({ width: o.width, depth: resolved.depth, samples: o.samples, orthogonal }, backend, sched.concurrency, sched.prefetch),
    o.width,
    'options.width',
  );
  const raw = await runBatch({
    width: o.width,
    depth: resolved.depth,
    samples: o.samples,
    orthogonal,
    weightStd: resolved.weightStd,
    biasStd: resolved.biasStd,
    qStar: resolved.qStar,
    activation: resolved.activation,
    seed: o.seed,
    backend,
    signal: o.signal,
    onProgress: o.onProgress,
    concurrency: sched.concurrency,
    prefetch: sched.prefetch,
  });
  return summarize(resolved, o.width, o.samples, o.seed, backend, raw);
}
