/**
 * phi and phi' of an activation at many points, on the active backend: the native core
 * (`di::ApplyActivation`, the same code the native forward pass of sampled networks runs) for
 * built-ins when the addon is active, TypeScript otherwise (always for user-defined activations).
 * The two agree to a few ulps (test/mean-field/activations-parity.test.ts states the bound).
 * @module
 */
import { activeBackend, nativeAddon } from '../backend/config.js';
import type { NativeAddon } from '../backend/native-addon.js';
import { finiteFloat64Array } from '../validate.js';
import { type Activation, resolveActivation } from './index.js';

/** The addon functions of this domain (native/binding/activations_binding.cc; declared in lib/backend/native-addon.ts). */
export type ActivationsAddon = Pick<NativeAddon, 'evaluateActivation'>;

/** The JS twin of the native evaluateActivation. */
export function evaluateActivationJs(a: Activation, xs: Float64Array): { phi: Float64Array; dphi: Float64Array } {
  const n = xs.length;
  const phi = new Float64Array(n);
  const dphi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    phi[i] = a.phi(x);
    dphi[i] = a.dphi(x);
  }
  return { phi, dphi };
}

/**
 * phi(x) and phi'(x) at every entry of `xs`, on the active backend (see the module description).
 * @param activation - a name, `{ name, ...params }`, `{ phi, dphi, kinks? }` or a resolved Activation.
 * @param xs - the points (finite entries).
 * @returns `{ phi, dphi }`, new Float64Arrays of the length of xs.
 * @throws type/range errors for an invalid activation or non-finite xs; ActivationEvaluationError
 *   when a user-defined function fails.
 * @example evaluateActivation('relu', new Float64Array([-1, 2])); // { phi: [0, 2], dphi: [0, 1] }
 */
export function evaluateActivation(activation: unknown, xs: Float64Array): { phi: Float64Array; dphi: Float64Array } {
  const a = resolveActivation(activation, 'activation');
  const x = finiteFloat64Array('xs', xs);
  if (a.native && activeBackend() === 'native') {
    return nativeAddon().evaluateActivation(a.native.id, a.native.param, x);
  }
  return evaluateActivationJs(a, x);
}
