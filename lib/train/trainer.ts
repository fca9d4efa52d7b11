/**
 * The trainer behind {@link train}. Training deep fully connected networks from the initializations the theory describes, to measure
 * that dynamical isometry speeds up learning (Pennington, Schoenholz & Ganguli 2017, Section 3 and
 * Figures 4-5; THEORY.md section 6).
 *
 * The network: input -> width N (the input layer), `depth` hidden N x N layers (the layers whose
 * Jacobian J = prod D_l W_l, paper eq. 2, the theory describes), a linear readout to the classes,
 * softmax cross-entropy. Weights and biases are drawn exactly as the spec says (see
 * lib/train/network.ts), and inputs are centred (training-set mean image subtracted) and rescaled
 * one by one to mean squared entry q^0 = (q* - biasStd^2) / weightStd^2, so that the first
 * pre-activations sit at the fixed point q* (THEORY.md section 1.4). Where every q is a fixed point
 * (relu or linear at their critical point with biasStd = 0) and the spec gives no qStar, q* = 1.
 *
 * Two backends: native (cblas_dgemm forward and backward passes off the main thread, one job per
 * chunk of steps; `signal` stops the job before its next step through a shared flag, `onProgress`
 * acts between chunks) and pure JS (synchronous chunks: `signal` acts between chunks; same operations
 * and order; the two differ by dot-product rounding only). User-defined activations run on JS.
 * @module
 */
import { activeBackend } from '../backend/config.js';
import { AbortError, DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode, NumericalError } from '../errors.js';
import { resolveDataset, type Dataset, type DatasetSpec } from '../datasets/index.js';
import { shuffleInPlace } from '../datasets/shuffle.js';
import { Rng } from '../random/rng.js';
import { resolveNetworkSpec, type NetworkSpec, type ResolvedNetworkSpec } from '../spec.js';
import type { Seed } from '../types.js';
import { abortSignal, callback, checkOptions, integer, oneOf, positiveNumber, seed as seedArg } from '../validate.js';
import { optimizerNames, TRAIN_CONTROL_CANCEL, type OptimizerName, type TrainEngine, type TrainProblem, type TrainState } from './engine.js';
import { jsEngine } from './js.js';
import { nativeEngine, nativeSupports } from './native.js';
import { checkMemoryLimit } from '../linalg/memory.js';
import { initializeParameters, networkLayout, type NetworkLayout } from './network.js';


/** One point of a learning curve. */
export interface CurvePoint {
  /** Optimizer steps taken. */
  readonly step: number;
  /**
   * Mean minibatch cross-entropy over the steps since the previous point (each minibatch's loss is
   * taken before its update); at step 0, the loss of the first minibatch at initialization.
   */
  readonly trainLoss: number;
  /** Mean cross-entropy on the test set. */
  readonly testLoss: number;
  /** Fraction of the test set classified correctly (argmax of the logits). */
  readonly testAccuracy: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** `'mnist'` (default), a dataset from lib/datasets, or `{ inputs, labels, inputSize, classes }`. */
  dataset?: DatasetSpec;
  /** Width N of the input and hidden layers (integer >= 1; default 256). */
  width?: number;
  /** `'sgd'` (default), `'momentum'`, `'rmsprop'` or `'adam'` (constants: {@link OPTIMIZER_CONSTANTS}). */
  optimizer?: OptimizerName;
  /** Learning rate (> 0; default 0.01). */
  learningRate?: number;
  /** Minibatch size (integer in [1, training-set size]; default 128). */
  batchSize?: number;
  /** Optimizer steps (integer >= 1; default 1000). */
  steps?: number;
  /** Evaluate the test set every this many steps (integer >= 1; default 100); also at 0 and at the end. */
  evalEvery?: number;
  /** Evaluate at exactly these steps instead (increasing integers >= 1; e.g. log-spaced), plus 0 and the end. Not with evalEvery. */
  evalSteps?: readonly number[];
  /** Seed of the initialization (substream l for layer l) and the minibatch order (default 0). */
  seed?: Seed;
  /** Stop early once the test accuracy reaches this fraction (in (0, 1]); `tau` records the step. */
  targetAccuracy?: number;
  /**
   * Stops training: within one step on the native backend (the worker checks a shared flag before
   * every step), between chunks of ~0.2 s of steps on the JS backend. The promise rejects with a
   * {@link TrainingAbortedError} carrying the partial result up to the last finished step.
   */
  signal?: AbortSignal;
  /** Called after every evaluation with the new curve point. */
  onProgress?: (progress: TrainProgress) => void;
}

/** What {@link TrainOptions.onProgress} receives. */
export interface TrainProgress {
  readonly point: CurvePoint;
  readonly steps: number;
  readonly stepsPerSecond: number;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** Learning curve: step 0, every `evalEvery` steps, and the last step. */
  readonly curve: CurvePoint[];
  /** Optimizer steps per second of wall time in the step calls (evaluations excluded). */
  readonly stepsPerSecond: number;
  /** Test accuracy at the last point. */
  readonly finalTestAccuracy: number;
  /** Best test accuracy over the curve. */
  readonly bestTestAccuracy: number;
  /** First evaluated step at which the test accuracy reached `targetAccuracy` (null if not reached or not asked). */
  readonly tau: number | null;
  /** Steps actually taken. */
  readonly steps: number;
  /** The backend that ran (native needs the addon and a built-in activation). */
  readonly backend: 'native' | 'js';
  /** The resolved spec: weightStd, biasStd (standard deviations), qStar, chi, depth, weights, activation name. */
  readonly spec: { activation: string; weights: 'gaussian' | 'orthogonal'; depth: number; weightStd: number; biasStd: number; qStar: number; chi: number };
  /** Mean squared input entry after rescaling, q^0 = (q* - biasStd^2) / weightStd^2. */
  readonly inputMeanSquare: number;
  readonly width: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly batchSize: number;
  /** The seed as given (a number or a bigint; default 0). */
  readonly seed: Seed;
  readonly dataset: { name: string; trainCount: number; testCount: number; inputSize: number; classes: number };
  readonly parameterCount: number;
  /** Floating-point operations of one step (forward and backward products, 2 per multiply-add). */
  readonly flopsPerStep: number;
  /** Wall time of the whole run, in seconds. */
  readonly seconds: number;
}

/** Training stopped because the loss became NaN or infinite. */
export class TrainingDivergedError extends NumericalError {
  /** The optimizer step (1-based) whose minibatch loss was not finite. */
  readonly step: number;
  readonly learningRate: number;
  /** The curve up to the last evaluation before the divergence. */
  readonly partial: TrainResult;
  constructor(step: number, loss: number, learningRate: number, partial: TrainResult) {
    super(
      ErrorCode.noConvergence,
      `training diverged: the minibatch loss became ${loss} at step ${step} (learningRate ${learningRate}); ` +
        `try a smaller learningRate, e.g. ${learningRate / 10}`,
      { routine: 'train', details: { step, learningRate } },
    );
    this.name = 'TrainingDivergedError';
    this.step = step;
    this.learningRate = learningRate;
    this.partial = partial;
  }
}

/** Training was aborted through `signal`; `partial` holds the curve so far. */
export class TrainingAbortedError extends AbortError {
  readonly partial: TrainResult;
  constructor(partial: TrainResult) {
    super(`training was aborted after ${partial.steps} steps`);
    this.name = 'TrainingAbortedError';
    this.partial = partial;
  }
}

const OPTION_KEYS = ['dataset', 'width', 'optimizer', 'learningRate', 'batchSize', 'steps', 'evalEvery', 'evalSteps', 'seed', 'targetAccuracy', 'signal', 'onProgress'] as const;

/** Stream of the minibatch order (layers use streams 0 .. depth + 1). */
const BATCH_STREAM = 1n << 32n;

/** Target wall time of one native job (progress latency) / one synchronous JS chunk (progress and signal latency). */
const CHUNK_SECONDS = 0.2;

/** q* used when every q is a fixed point (scale-free activation at criticality, no qStar given). */
export const MARGINAL_Q_STAR = 1;

/** Largest number of steps per job (bounds the index buffer). */
const MAX_CHUNK = 4096;

/** Validated options with defaults. */
interface Resolved {
  spec: ResolvedNetworkSpec;
  dataset: Dataset;
  width: number;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  steps: number;
  /** Steps after which the test set is evaluated, increasing, ending with `steps`. */
  evalPoints: number[];
  seed: bigint;
  /** The seed as the caller gave it (kept JSON-friendly when it was a number). */
  seedInput: Seed;
  targetAccuracy: number | null;
  signal: AbortSignal | undefined;
  onProgress: ((p: TrainProgress) => void) | undefined;
}

function resolveOptions(spec: unknown, options: unknown): Resolved {
  const o = checkOptions<TrainOptions>('options', options, OPTION_KEYS);
  const s = resolveNetworkSpec(spec);
  if (!(s.weightStd > 0)) throw new DynamicalIsometryRangeError('spec.weightStd', 'a number > 0 for training (inputs are rescaled by 1/weightStd^2)', s.weightStd);
  const dataset = resolveDataset(o.dataset ?? 'mnist', 'options.dataset');
  const width = o.width === undefined ? 256 : integer('options.width', o.width, 1, 1 << 16);
  const optimizer = o.optimizer === undefined ? 'sgd' : oneOf('options.optimizer', o.optimizer, optimizerNames);
  const learningRate = o.learningRate === undefined ? 0.01 : positiveNumber('options.learningRate', o.learningRate);
  const batchSize = o.batchSize === undefined ? Math.min(128, dataset.train.count) : integer('options.batchSize', o.batchSize, 1);
  if (batchSize > dataset.train.count) {
    throw new DynamicalIsometryRangeError('options.batchSize', `an integer in [1, ${dataset.train.count}] (the training-set size)`, batchSize);
  }
  const steps = o.steps === undefined ? 1000 : integer('options.steps', o.steps, 1);
  let evalPoints: number[];
  if (o.evalSteps !== undefined) {
    if (o.evalEvery !== undefined) throw new DynamicalIsometryTypeError('options.evalSteps', 'given without evalEvery (they are alternatives)', o.evalSteps);
    if (!Array.isArray(o.evalSteps)) throw new DynamicalIsometryTypeError('options.evalSteps', 'an array of increasing integers >= 1', o.evalSteps);
    evalPoints = [];
    (o.evalSteps as unknown[]).forEach((v, i) => {
      const k = integer(`options.evalSteps[${i}]`, v, 1);
      if (evalPoints.length && k <= (evalPoints[evalPoints.length - 1] as number)) {
        throw new DynamicalIsometryRangeError(`options.evalSteps[${i}]`, 'larger than the previous entry (increasing)', k);
      }
      if (k < steps) evalPoints.push(k);
    });
  } else {
    const evalEvery = o.evalEvery === undefined ? 100 : integer('options.evalEvery', o.evalEvery, 1);
    evalPoints = [];
    for (let k = evalEvery; k < steps; k += evalEvery) evalPoints.push(k);
  }
  evalPoints.push(steps);
  const seed = o.seed === undefined ? 0n : seedArg('options.seed', o.seed);
  let targetAccuracy: number | null = null;
  if (o.targetAccuracy !== undefined) {
    targetAccuracy = positiveNumber('options.targetAccuracy', o.targetAccuracy);
    if (targetAccuracy > 1) throw new DynamicalIsometryRangeError('options.targetAccuracy', 'a fraction in (0, 1]', targetAccuracy);
  }
  return {
    spec: s,
    dataset,
    width,
    optimizer,
    learningRate,
    batchSize,
    steps,
    evalPoints,
    seed,
    seedInput: o.seed === undefined ? 0 : (o.seed as Seed),
    targetAccuracy,
    signal: abortSignal('options.signal', o.signal),
    onProgress: callback<(p: TrainProgress) => void>('options.onProgress', o.onProgress),
  };
}

/**
 * Centres both splits by the training-set mean input and rescales every example to mean squared
 * entry q0 (an example that is all zero after centring stays zero).
 */
export function preprocessInputs(dataset: Dataset, q0: number): { train: Float64Array; test: Float64Array } {
  const n0 = dataset.inputSize;
  const mean = new Float64Array(n0);
  const tr = dataset.train;
  for (let r = 0; r < tr.count; r++) for (let j = 0; j < n0; j++) mean[j] = (mean[j] as number) + (tr.inputs[r * n0 + j] as number);
  for (let j = 0; j < n0; j++) mean[j] = (mean[j] as number) / tr.count;
  const one = (src: Float64Array, count: number): Float64Array => {
    const out = new Float64Array(count * n0);
    for (let r = 0; r < count; r++) {
      let ss = 0;
      for (let j = 0; j < n0; j++) {
        const v = (src[r * n0 + j] as number) - (mean[j] as number);
        out[r * n0 + j] = v;
        ss += v * v;
      }
      const scale = ss > 0 ? Math.sqrt((q0 * n0) / ss) : 0;
      for (let j = 0; j < n0; j++) out[r * n0 + j] = (out[r * n0 + j] as number) * scale;
    }
    return out;
  };
  return { train: one(tr.inputs, tr.count), test: one(dataset.test.inputs, dataset.test.count) };
}

/**
 * The last preprocessing of each dataset, reused by consecutive runs at the same q^0 (a learning-rate
 * grid, several seeds); one entry per dataset bounds the memory held (a copy of the dataset).
 */
const preprocessCache = new WeakMap<Dataset, { q0: number; train: Float64Array; test: Float64Array }>();

function preprocessedInputs(dataset: Dataset, q0: number): { train: Float64Array; test: Float64Array } {
  const hit = preprocessCache.get(dataset);
  if (hit && hit.q0 === q0) return hit;
  const pre = preprocessInputs(dataset, q0);
  preprocessCache.set(dataset, { q0, ...pre });
  return pre;
}

/** Floating-point operations of one training step: forward 2 B n_in n_out per layer, backward twice that (no input gradient for layer 0). */
export function flopsPerStep(layout: NetworkLayout, batchSize: number): number {
  let f = 0;
  for (let l = 0; l < layout.layers; l++) {
    const mac = batchSize * (layout.sizes[l] as number) * (layout.sizes[l + 1] as number);
    f += 2 * mac * (l === 0 ? 2 : 3);
  }
  return f;
}

/** Minibatches: an epoch is a seeded permutation of the training set cut into floor(n / B) batches. */
class BatchSampler {
  private readonly rng: Rng;
  private readonly perm: Int32Array;
  private pos: number;
  constructor(n: number, private readonly batch: number, seed: bigint) {
    this.rng = new Rng(seed, BATCH_STREAM);
    this.perm = new Int32Array(n);
    this.pos = n; // forces a shuffle on first use
  }
  fill(out: Int32Array, count: number): void {
    for (let s = 0; s < count; s++) {
      if (this.pos + this.batch > this.perm.length) {
        for (let i = 0; i < this.perm.length; i++) this.perm[i] = i;
        shuffleInPlace(this.perm, this.rng);
        this.pos = 0;
      }
      out.set(this.perm.subarray(this.pos, this.pos + this.batch), s * this.batch);
      this.pos += this.batch;
    }
  }
}

/** Everything a run needs after validation (shared by {@link train} and the tests). */
export interface PreparedRun {
  readonly problem: TrainProblem;
  readonly engine: TrainEngine;
  readonly state: TrainState;
  readonly testInputs: Float64Array;
  readonly testLabels: Int32Array;
  readonly q0: number;
}

/**
 * Validates, initializes and preprocesses, without training (the first half of {@link train}).
 * @internal
 */
export function prepareRun(spec: unknown, options: unknown): { run: PreparedRun; opts: Resolved } {
  const opts = resolveOptions(spec, options);
  const { spec: s, dataset } = opts;
  const layout = networkLayout(dataset.inputSize, opts.width, s.depth, dataset.classes);
  // parameters, gradient and two optimizer moments, plus a batch's activations and derivatives per layer
  const maxSize = layout.sizes.reduce((a, b) => Math.max(a, b), 0);
  checkMemoryLimit('options.width', opts.width, 8 * (4 * layout.parameterCount + 2 * opts.batchSize * maxSize * (layout.layers + 1)), 'the network and its training state');
  // Scale-free activations at their critical point (linear, relu with biasStd = 0) have every q as
  // a fixed point (q* is NaN unless the spec gives one): their inputs are put at q* = 1.
  const qStar = Number.isNaN(s.qStar) ? MARGINAL_Q_STAR : s.qStar;
  const q0 = (qStar - s.biasStd * s.biasStd) / (s.weightStd * s.weightStd);
  if (!(q0 > 0) || !Number.isFinite(q0)) {
    throw new DynamicalIsometryRangeError('spec', 'a spec whose fixed point q* exceeds biasStd^2 (the inputs need a positive length)', `q* = ${s.qStar}, biasStd^2 = ${s.biasStd ** 2}`);
  }
  const pre = preprocessedInputs(dataset, q0);
  const problem: TrainProblem = Object.freeze({
    layout,
    activation: s.activation,
    optimizer: opts.optimizer,
    learningRate: opts.learningRate,
    batchSize: opts.batchSize,
    trainInputs: pre.train,
    trainLabels: dataset.train.labels,
  });
  const params = initializeParameters(layout, s, opts.seed);
  const state: TrainState = { params, moment1: new Float64Array(params.length), moment2: new Float64Array(params.length), step: 0 };
  const engine = activeBackend() === 'native' && nativeSupports(problem) ? nativeEngine : jsEngine;
  return { run: { problem, engine, state, testInputs: pre.test, testLabels: dataset.test.labels, q0 }, opts };
}

/**
 * Trains a deep fully connected network initialized as `spec` says and records its learning curve
 * (Pennington, Schoenholz & Ganguli 2017, Section 3, Figures 4-5).
 *
 * The network is input -> `width` -> (`spec.depth` hidden width x width layers) -> classes, with the
 * spec's activation after every layer but the readout, softmax cross-entropy, minibatch training
 * with the chosen optimizer. Initialization: hidden weights weightStd * Haar (orthogonal) or
 * N(0, weightStd^2 / width) (Gaussian); input layer weightStd * (orthonormal rows) or
 * N(0, weightStd^2 / inputSize); biases N(0, biasStd^2); readout N(0, 1 / width). Inputs are centred
 * and each rescaled to mean squared entry q^0 = (q* - biasStd^2) / weightStd^2 (paper eq. 4 with
 * q^1 = q*). The same seed gives the same run on both backends to rounding (the JS backend is the
 * reference; native differs by dgemm summation order).
 *
 * @param spec - the network: `{ activation, weights, depth, weightStd, biasStd }` (standard
 *   deviations) or `{ activation, weights, depth, qStar }` (critical point with fixed point q*).
 * @param options - see {@link TrainOptions}: dataset, width, optimizer, learningRate, batchSize,
 *   steps, evalEvery, seed, targetAccuracy, signal, onProgress.
 * @returns a {@link TrainResult}: the curve `[{ step, trainLoss, testLoss, testAccuracy }]`,
 *   stepsPerSecond, finalTestAccuracy, tau, backend, the resolved spec and sizes.
 * @throws DynamicalIsometryTypeError for an unknown dataset, optimizer or option;
 *   DynamicalIsometryRangeError for a non-positive learning rate, a batch size outside
 *   [1, training-set size], or other out-of-range options; {@link TrainingDivergedError} when the
 *   loss becomes NaN or infinite (names the step, suggests a smaller learning rate, keeps the
 *   partial curve); {@link TrainingAbortedError} (an AbortError) when `signal` fires (keeps the
 *   partial curve).
 * @example
 * const r = await train({ activation: 'tanh', weights: 'orthogonal', depth: 20, qStar: 0.0259 },
 *   { dataset: 'mnist', width: 128, optimizer: 'sgd', learningRate: 0.01, steps: 500, evalEvery: 50 });
 * r.curve.at(-1)?.testAccuracy;
 */
export async function train(spec: NetworkSpec, options: TrainOptions = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const { run, opts } = prepareRun(spec, options);
  const { problem, engine, state } = run;
  const { layout } = problem;
  const B = opts.batchSize;
  const sampler = new BatchSampler(problem.trainInputs.length / (layout.sizes[0] as number), B, opts.seed);
  const curve: CurvePoint[] = [];
  let stepSeconds = 0;
  let tau: number | null = null;
  const s = opts.spec;
  const result = (): TrainResult => {
    const accs = curve.map((p) => p.testAccuracy);
    return {
      curve: curve.slice(),
      stepsPerSecond: stepSeconds > 0 ? state.step / stepSeconds : 0,
      finalTestAccuracy: accs.length ? (accs[accs.length - 1] as number) : NaN,
      bestTestAccuracy: accs.length ? Math.max(...accs) : NaN,
      tau,
      steps: state.step,
      backend: engine.backend,
      spec: { activation: s.activation.name, weights: s.weights, depth: s.depth, weightStd: s.weightStd, biasStd: s.biasStd, qStar: Number.isNaN(s.qStar) ? MARGINAL_Q_STAR : s.qStar, chi: s.chi },
      inputMeanSquare: run.q0,
      width: opts.width,
      optimizer: opts.optimizer,
      learningRate: opts.learningRate,
      batchSize: B,
      seed: opts.seedInput,
      dataset: { name: opts.dataset.name, trainCount: opts.dataset.train.count, testCount: opts.dataset.test.count, inputSize: opts.dataset.inputSize, classes: opts.dataset.classes },
      parameterCount: layout.parameterCount,
      flopsPerStep: flopsPerStep(layout, B),
      seconds: (performance.now() - t0) / 1000,
    };
  };
  const checkAbort = (): void => {
    if (opts.signal?.aborted) throw new TrainingAbortedError(result());
  };

  const progress = (point: CurvePoint): void => {
    opts.onProgress?.({ point, steps: opts.steps, stepsPerSecond: stepSeconds > 0 ? state.step / stepSeconds : 0 });
  };
  const evaluate = async (trainLoss: number): Promise<CurvePoint> => {
    const e = await engine.evaluate(problem, state.params, run.testInputs, run.testLabels);
    const point: CurvePoint = { step: state.step, trainLoss, testLoss: e.loss, testAccuracy: e.correct / run.testLabels.length };
    curve.push(point);
    if (tau === null && opts.targetAccuracy !== null && point.testAccuracy >= opts.targetAccuracy) tau = point.step;
    return point;
  };

  checkAbort();
  // Point 0 is reported once its training loss (the first minibatch's, before any update) is known.
  let pointZero: CurvePoint | null = await evaluate(NaN);
  let chunk = 1;
  let gap = 0;
  opts.evalPoints.forEach((k, i) => (gap = Math.max(gap, k - (i > 0 ? (opts.evalPoints[i - 1] as number) : 0))));
  // Bounded buffers: a chunk is at most MAX_CHUNK steps whatever the evaluation schedule.
  const maxChunk = Math.min(gap, MAX_CHUNK);
  const indices = new Int32Array(maxChunk * B);
  const losses = new Float64Array(maxChunk);
  // [cancel, stepsDone], shared with the native worker: the abort event sets the flag and the worker
  // stops before its next step (the JS engine runs chunks synchronously and ignores it).
  const control = new Int32Array(2);
  const onAbort = (): void => {
    control[TRAIN_CONTROL_CANCEL] = 1;
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let lossSum = 0;
    let lossCount = 0;
    let evalIndex = 0;
    while (state.step < opts.steps && tau === null) {
      checkAbort();
      const nextEval = opts.evalPoints[evalIndex] as number;
      const count = Math.min(chunk, nextEval - state.step, maxChunk);
      sampler.fill(indices, count);
      const before = state.step;
      const ts = performance.now();
      let cancelled = false;
      let done: number;
      try {
        done = await engine.steps(problem, state, indices, count, losses, control);
      } catch (e) {
        if (!(e instanceof AbortError)) throw e;
        // Stopped between two steps: state.step counts the finished ones (parameters match).
        cancelled = true;
        done = state.step - before;
      }
      const dt = (performance.now() - ts) / 1000;
      stepSeconds += dt;
      if (pointZero && done > 0) {
        // The first minibatch's loss at initialization stands for the training loss at step 0.
        curve[0] = { ...pointZero, trainLoss: losses[0] as number };
        progress(curve[0]);
        pointZero = null;
      }
      if (cancelled) throw new TrainingAbortedError(result());
      for (let i = 0; i < done; i++) lossSum += losses[i] as number;
      lossCount += done;
      if (done < count) {
        throw new TrainingDivergedError(before + done + 1, losses[done] as number, opts.learningRate, result());
      }
      // Aim each chunk at CHUNK_SECONDS of work, so that progress (and, on JS, signal) stay responsive.
      const perStep = dt / Math.max(1, done);
      chunk = Math.max(1, Math.min(maxChunk, Math.floor(CHUNK_SECONDS / Math.max(perStep, 1e-6))));
      if (state.step === nextEval) {
        evalIndex++;
        progress(await evaluate(lossSum / lossCount));
        lossSum = 0;
        lossCount = 0;
      }
      if (engine.backend === 'js') await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (pointZero) progress(pointZero);
  return result();
}
