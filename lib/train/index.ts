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
export {
  learningSpeed,
  reproduceLearningSpeed,
  defaultLearningSpeedConfigs,
  learningSpeedMarkdown,
  logEvalSteps,
  QUICK_LEARNING_SPEED,
  TANH_Q_STAR_1_05,
  TANH_Q_STAR_2,
} from './learning-speed.js';
export type {
  LearningSpeedConfig,
  LearningSpeedEntry,
  LearningSpeedOptions,
  LearningSpeedProgress,
  LearningSpeedResult,
  ReproduceLearningSpeedOptions,
  ReproduceLearningSpeedResult,
} from './learning-speed.js';
