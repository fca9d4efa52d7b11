/**
 * dynamical-isometry: the Jacobian singular-value spectra of deep networks at initialization, after
 * Pennington, Schoenholz & Ganguli, "Resurrecting the sigmoid in deep learning through dynamical
 * isometry: theory and practice" (NeurIPS 2017, arXiv:1711.04735).
 * @module
 */
export {
  ErrorCode,
  DynamicalIsometryTypeError,
  DynamicalIsometryRangeError,
  NumericalError,
  BackendUnavailableError,
  AbortError,
} from './errors.js';
export type { ErrorCodeValue } from './errors.js';
export type { Matrix, Seed } from './types.js';
export { configure, backendInfo, version } from './backend/config.js';
export type { BackendInfo, BackendChoice, BackendName, ConfigureOptions } from './backend/config.js';
export * from './random/index.js';
export * from './linalg/index.js';
export * from './activations/index.js';
// Named, so that the internals spec.ts shares with mean-field (_meanFieldResolved, _criticalPointOf) stay private.
export { meanField, criticalPoint, criticalLine, phaseDiagram, dphiMoment, phiSquaredMoment, CRITICAL_CHI_TOLERANCE, MAX_Q_STAR } from './mean-field/index.js';
export type {
  MeanFieldOptions,
  MeanFieldResult,
  Phase,
  CriticalPointOptions,
  CriticalPointResult,
  CriticalLineOptions,
  CriticalLineResult,
  PhaseDiagramOptions,
  PhaseDiagramResult,
} from './mean-field/index.js';
export * from './spec.js';
export * from './free/index.js';
export * from './empirical/index.js';
export * from './datasets/index.js';
export * from './train/index.js';
export * from './plot/index.js';
export { memoryLimitBytes, DEFAULT_MEMORY_FRACTION } from './backend/config.js';
