/**
 * The native training backend: thin calls into native/binding/train_binding.cc (cblas_dgemm forward
 * and backward passes, off the main thread, one AsyncJob per chunk of steps; the job checks a shared
 * cancel flag before every step). Built-in activations
 * only; user-defined activations run on the JS backend.
 * @module
 * @internal
 */
import { nativeAddon } from '../backend/config.js';
import type { NativeAddon, NativeTrainConfig } from '../backend/native-addon.js';
import { AbortError, fromNativeError } from '../errors.js';
import { optimizerNames, TRAIN_CONTROL_DONE, type TrainEngine, type TrainProblem } from './engine.js';

/** The addon's training entry points (declared in lib/backend/native-addon.ts). */
type TrainAddon = Pick<NativeAddon, 'trainSteps' | 'trainEvaluate' | 'trainLossAndGradient'>;

const configs = new WeakMap<TrainProblem, NativeTrainConfig>();

function config(problem: TrainProblem): NativeTrainConfig {
  let c = configs.get(problem);
  if (!c) {
    const native = problem.activation.native;
    if (!native) throw new Error('internal: the native training backend needs a built-in activation');
    c = {
      sizes: [...problem.layout.sizes],
      activationId: native.id,
      activationParam: native.param,
      optimizerId: optimizerNames.indexOf(problem.optimizer),
      learningRate: problem.learningRate,
      batchSize: problem.batchSize,
    };
    configs.set(problem, c);
  }
  return c;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromNativeError(e);
  }
}

/**
 * Whether the native engine can run this problem: a built-in activation, and an addon that has the
 * training entry points (an addon built before they existed falls back to JS rather than failing).
 */
export function nativeSupports(problem: Pick<TrainProblem, 'activation'>): boolean {
  if (problem.activation.native === null) return false;
  try {
    const addon: Partial<TrainAddon> = nativeAddon();
    return typeof addon.trainSteps === 'function';
  } catch {
    return false;
  }
}

/** The native engine. */
export const nativeEngine: TrainEngine = {
  backend: 'native',
  steps(problem, state, batchIndices, count, losses, control) {
    const addon: TrainAddon = nativeAddon();
    return call(() =>
      addon.trainSteps(config(problem), problem.trainInputs, problem.trainLabels, state.params, state.moment1, state.moment2, state.step, batchIndices, count, losses, control),
    ).then(
      (done) => {
        state.step += done;
        return done;
      },
      (e: unknown) => {
        // Cancelled between two steps: the worker published how many it applied; keep the state
        // consistent with the parameters before passing the AbortError on.
        if (e instanceof AbortError && control) state.step += control[TRAIN_CONTROL_DONE] as number;
        throw e;
      },
    );
  },
  evaluate(problem, params, inputs, labels) {
    const addon: TrainAddon = nativeAddon();
    return call(() => addon.trainEvaluate(config(problem), params, inputs, labels));
  },
  lossAndGradient(problem, params, inputs, labels, grad) {
    const addon: TrainAddon = nativeAddon();
    return call(() => addon.trainLossAndGradient(config(problem), params, inputs, labels, grad));
  },
};
