/**
 * Free probability: the exact limiting spectral law of J J^T for deep random networks
 * (Pennington, Schoenholz & Ganguli 2017, Section 2.3; THEORY §3-§4, §8), and the law of D^2 it is
 * built from.
 * @module
 */
export { spectralDensity } from './density.js';
export type { SpectralDensity, SpectralDensityOptions, SpectralDiagnostics, SpectralProgress, SpectralSupport } from './density.js';
export type { SpectralAtom } from './problem.js';
export type { SpectralMoments } from './moments.js';
export { d2Law, d2Moment, d2Cauchy } from './d2-law.js';
export type { D2Law, D2Atom, D2RuleKind } from './d2-law.js';
