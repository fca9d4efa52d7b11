/**
 * The description of one sampled network (one sample of a batch) shared by the native and JS
 * twins of the Jacobian pipeline, and the order in which both consume the random stream.
 *
 * Stream layout of sample s (Rng(seed, stream = s)): x^0 (N normals), then for each layer l = 1..L
 * the weights (N*N normals row-major, times weightStd/sqrt(N); or the N(N+1)/2 normals of the Haar
 * factors, see haar.ts) followed by the N bias normals (times biasStd). Both backends therefore build
 * the same weights, biases, input and reflectors from the same (seed, s).
 * @module
 * @internal
 */
import type { Activation } from '../activations/index.js';

/** One sample: everything the pipeline needs, already validated. */
export interface SampleJob {
  width: number;
  depth: number;
  orthogonal: boolean;
  /** sigma_w (standard deviation; Gaussian entries are N(0, sigma_w^2 / N)). */
  weightStd: number;
  /** sigma_b (standard deviation). */
  biasStd: number;
  /** The fixed point q*: the input is scaled so that q^1 = q* (THEORY §1.4). */
  qStar: number;
  activation: Activation;
  seed: bigint;
  stream: bigint;
}

/** Where one sample's results go (views into the batch's arrays). */
export interface SampleOutputs {
  /** width: squared singular values of J, descending; structural zeros set to exactly 0. */
  eigenvalues: Float64Array;
  /** depth: (1/N) |h^l|^2. */
  qPerLayer: Float64Array;
  /** width * width row-major J, or null. */
  jacobian: Float64Array | null;
}

/** What one sample reports besides its outputs. */
export interface SampleResult {
  /** max over layers of #{i : phi'(h^l_i) = 0}: N - rank(J) for generic weights. */
  structuralZeros: number;
}
