/**
 * The interface both training backends implement (lib/train/js.ts and lib/train/native.ts), and
 * the optimizer constants they share.
 * @module
 * @internal
 */
import type { Activation } from '../activations/index.js';
import type { NetworkLayout } from './network.js';

/** Optimizers, in native-id order. */
export const optimizerNames = ['sgd', 'momentum', 'rmsprop', 'adam'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/**
 * Fixed optimizer constants (the common defaults of TensorFlow/Keras-era papers):
 * momentum: v <- 0.9 v + g, p <- p - lr v (heavy ball);
 * rmsprop: s <- 0.9 s + 0.1 g^2, p <- p - lr g / (sqrt(s) + 1e-8);
 * adam: m <- 0.9 m + 0.1 g, v <- 0.999 v + 0.001 g^2, p <- p - lr (m / (1 - 0.9^t)) / (sqrt(v / (1 - 0.999^t)) + 1e-8).
 */
export const OPTIMIZER_CONSTANTS = Object.freeze({ momentum: 0.9, rmsDecay: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** An immutable description of a training run, shared by the backends. */
export interface TrainProblem {
  readonly layout: NetworkLayout;
  readonly activation: Activation;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly batchSize: number;
  /** Preprocessed training inputs (row-major count x inputSize) and labels. */
  readonly trainInputs: Float64Array;
  readonly trainLabels: Int32Array;
}

/** Indices into the control array of {@link TrainEngine.steps}. */
export const TRAIN_CONTROL_CANCEL = 0;
export const TRAIN_CONTROL_DONE = 1;

/** Mutable optimizer state: parameters, two moment buffers, and the number of steps taken. */
export interface TrainState {
  readonly params: Float64Array;
  readonly moment1: Float64Array;
  readonly moment2: Float64Array;
  step: number;
}

/** What a backend does. */
export interface TrainEngine {
  readonly backend: 'native' | 'js';
  /**
   * Runs `count` optimizer steps; batch s uses rows batchIndices[s B .. (s+1) B). Writes each step's
   * mean minibatch loss into losses[s]. Stops after the first non-finite loss (whose step's update
   * is not applied) and returns the number of steps completed (count when all went well).
   *
   * `control` (optional) is an Int32Array [cancel, stepsDone] shared with a native worker: a
   * non-zero control[TRAIN_CONTROL_CANCEL] stops the run before its next step and the promise
   * rejects with an AbortError after adding the steps applied (control[TRAIN_CONTROL_DONE]) to
   * state.step. The JS engine runs a chunk synchronously, so nothing can set the flag meanwhile; it
   * ignores `control` and the caller checks the signal between chunks.
   */
  steps(problem: TrainProblem, state: TrainState, batchIndices: Int32Array, count: number, losses: Float64Array, control?: Int32Array): Promise<number>;
  /** Mean cross-entropy and number of correct argmax predictions over a set. */
  evaluate(problem: TrainProblem, params: Float64Array, inputs: Float64Array, labels: Int32Array): Promise<{ loss: number; correct: number }>;
  /** Mean cross-entropy of one batch and its gradient (into grad, same layout as params). */
  lossAndGradient(problem: TrainProblem, params: Float64Array, inputs: Float64Array, labels: Int32Array, grad: Float64Array): Promise<number>;
}
