/**
 * Training deep networks from the initializations the theory describes, and the learning-speed
 * experiment (Pennington, Schoenholz & Ganguli 2017, Section 3, Figures 4-5): {@link train},
 * {@link learningSpeed} and {@link reproduceLearningSpeed}.
 * @module
 */
export { train, TrainingAbortedError, TrainingDivergedError } from './trainer.js';
export type { CurvePoint, TrainOptions, TrainProgress, TrainResult } from './trainer.js';
export { optimizerNames, OPTIMIZER_CONSTANTS } from './engine.js';
export type { OptimizerName } from './engine.js';
