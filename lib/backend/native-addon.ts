/**
 * The whole surface of the native addon (native/binding/*.cc): every export with its signature, in
 * one place. Domain modules use this declaration (or a `Pick` of it) and never declare addon
 * functions of their own. {@link ADDON_EXPORTS} is the same list as a runtime value: the type below
 * is checked against it at compile time, and test/unit/addon-surface.test.ts checks that the loaded
 * addon's `Object.keys` are exactly these names, so the declaration cannot drift from the C++.
 *
 * The bindings only re-check what TypeScript validated (their errors carry code
 * ERR_DI_INVALID_ARGUMENT); outputs are allocated by the caller and filled by the worker. Entry
 * points with a trailing `sync` flag run on the main thread when it is true (and return undefined),
 * on the libuv pool otherwise (and return a Promise).
 * @module
 * @internal
 */

/** Slots of a job's control Int32Array (native/core/job_control.h): JS writes the cancel flag... */
export const JOB_CONTROL_CANCEL = 0;
/** ...and the worker writes how many units (layers, grid points, optimizer steps) it has done. */
export const JOB_CONTROL_PROGRESS = 1;

/** The job of one sampled-network Jacobian (native/binding/empirical_binding.cc). */
export interface NativeJacobianJob {
  width: number;
  depth: number;
  orthogonal: boolean;
  weightStd: number;
  biasStd: number;
  qStar: number;
  activationId: number;
  activationParam: number;
  seed: bigint;
  stream: bigint;
  haarBlockSize: number;
  prefetchRandom: boolean;
}

/** The network and optimizer of the training entry points (native/binding/train_binding.cc). */
export interface NativeTrainConfig {
  sizes: number[];
  activationId: number;
  activationParam: number;
  optimizerId: number;
  learningRate: number;
  batchSize: number;
}

/** Every export of the native addon. */
export interface NativeAddon {
  // info_binding.cc
  blasInfo(): { config: string; coreName: string; threads: number; processors: number; parallelMode: number; napiVersion: number };
  setBlasThreads(n: number): void;

  // activations_binding.cc: phi and phi' of built-in activation `id` at xs (synchronous).
  evaluateActivation(id: number, param: number, xs: Float64Array): { phi: Float64Array; dphi: Float64Array };

  // empirical_binding.cc. control = [cancel, layers done, structural zeros].
  empiricalSampleJacobian(job: NativeJacobianJob, eigenvalues: Float64Array, qPerLayer: Float64Array, jacobian: Float64Array | null, control: Int32Array): Promise<void>;
  empiricalHaarFactors(n: number, seed: bigint, stream: bigint, v: Float64Array, tau: Float64Array, sign: Float64Array): void;
  empiricalHaarApply(n: number, seed: bigint, stream: bigint, a: Float64Array, cols: number, blockSize: number, useOrmqr: boolean): Promise<void>;

  // free_binding.cc.
  /**
   * params = [depth, logScale, gaussian, p0, logMu1, end count n_e, then n_e pairs (endD, endMass)]; nodes = dRe | dIm | cRe | cIm (4n);
   * out = density | cdf | wRe | wIm (4 lam.length); stats = [iterations, maxResidual, failures];
   * control = [cancel flag (JS writes), grid points done (the worker writes)].
   */
  freeSolveGrid(params: Float64Array, nodes: Float64Array, lam: Float64Array, seg: Int32Array, wantCdf: boolean, out: Float64Array, status: Uint8Array, stats: Float64Array, control: Int32Array): Promise<void>;
  freeSolveGridSync(params: Float64Array, nodes: Float64Array, lam: Float64Array, seg: Int32Array, wantCdf: boolean, out: Float64Array, status: Uint8Array, stats: Float64Array): void;

  // random_binding.cc and linalg_binding.cc (trailing `sync` flag).
  rngFill(kind: 0 | 1, seed: bigint, stream: bigint, out: Float64Array, sync: boolean): Promise<void> | undefined;
  gaussianFill(seed: bigint, stream: bigint, std: number, out: Float64Array, sync: boolean): Promise<void> | undefined;
  haarOrthogonal(n: number, seed: bigint, stream: bigint, out: Float64Array, sync: boolean): Promise<void> | undefined;
  singularValues(rows: number, cols: number, a: Float64Array, s: Float64Array, sync: boolean): Promise<void> | undefined;
  svd(rows: number, cols: number, a: Float64Array, u: Float64Array, s: Float64Array, vt: Float64Array, sync: boolean): Promise<void> | undefined;
  matmul(m: number, k: number, n: number, a: Float64Array, b: Float64Array, c: Float64Array, sync: boolean): Promise<void> | undefined;

  // train_binding.cc. control = [cancel, steps done] (optional).
  trainSteps(
    config: NativeTrainConfig,
    trainInputs: Float64Array,
    trainLabels: Int32Array,
    params: Float64Array,
    moment1: Float64Array,
    moment2: Float64Array,
    stepStart: number,
    batchIndices: Int32Array,
    count: number,
    losses: Float64Array,
    control?: Int32Array,
  ): Promise<number>;
  trainEvaluate(config: NativeTrainConfig, params: Float64Array, inputs: Float64Array, labels: Int32Array): Promise<{ loss: number; correct: number }>;
  trainLossAndGradient(config: NativeTrainConfig, params: Float64Array, inputs: Float64Array, labels: Int32Array, grad: Float64Array): Promise<number>;
}

/** The names of every export of the native addon, as a runtime value (sorted). */
export const ADDON_EXPORTS = [
  'blasInfo',
  'empiricalHaarApply',
  'empiricalHaarFactors',
  'empiricalSampleJacobian',
  'evaluateActivation',
  'freeSolveGrid',
  'freeSolveGridSync',
  'gaussianFill',
  'haarOrthogonal',
  'matmul',
  'rngFill',
  'setBlasThreads',
  'singularValues',
  'svd',
  'trainEvaluate',
  'trainLossAndGradient',
  'trainSteps',
] as const;

/** The name of one export of the native addon. */
export type AddonExport = (typeof ADDON_EXPORTS)[number];

// Compile-time check that ADDON_EXPORTS and NativeAddon list the same names: adding a function to
// one and not the other fails `tsc` here.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exportsMatchDeclaration: SameKeys<AddonExport, keyof NativeAddon> = true;
void exportsMatchDeclaration;
