/**
 * The library functions the commands call, loaded lazily (a command loads only what it uses, so
 * `dynamical-isometry info` starts fast and works even where a domain module fails to load).
 * @module
 */

/** Loads the mean-field module (q*, χ, μ_k, critical line, phase diagram). */
export function loadMeanField() {
  return import('../mean-field/index.js');
}

/** Loads the free-probability module (spectralDensity). */
export function loadFree() {
  return import('../free/index.js');
}

/** Loads the network-spec resolver. */
export function loadSpec() {
  return import('../spec.js');
}

/** Loads the empirical module (sampleJacobianSpectrum, jacobianSpectrumDistance). */
export function loadEmpirical() {
  return import('../empirical/index.js');
}

/** Loads the activations module. */
export function loadActivations() {
  return import('../activations/index.js');
}
