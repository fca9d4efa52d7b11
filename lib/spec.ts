/**
 * The description of a deep random network whose input-output Jacobian spectrum the library
 * computes (Pennington, Schoenholz & Ganguli 2017, Section 2): a nonlinearity, a weight ensemble, a
 * depth and either the weight/bias standard deviations or, on the critical line chi = 1 (paper
 * eq. 5), the fixed point q* of the length map (paper eq. 4).
 *
 * `resolveNetworkSpec` validates a spec once and completes it with the mean-field quantities that
 * every spectral computation needs (q*, chi, mu1, mu2), so downstream code never re-validates.
 *
 * Conventions: `weightStd` is sigma_w and `biasStd` is sigma_b (standard deviations, not
 * variances); Gaussian weights are N(0, sigma_w^2 / N), orthogonal weights are sigma_w times a Haar
 * matrix.
 * @module
 */
import { type Activation, type ActivationSpec, resolveActivation } from './activations/index.js';
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from './errors.js';
import { _criticalPointOf, _meanFieldResolved, type MeanFieldResult } from './mean-field/index.js';
import { checkOptions, integer, nonNegativeNumber, oneOf } from './validate.js';
import { qStarValue } from './mean-field/limits.js';

/** Weight ensembles: i.i.d. Gaussian N(0, weightStd^2/N), or weightStd times a Haar-orthogonal matrix. */
export type WeightEnsemble = 'gaussian' | 'orthogonal';

/** Names of the weight ensembles. */
export const weightEnsembles: readonly WeightEnsemble[] = Object.freeze(['gaussian', 'orthogonal'] as const);

/** Largest depth accepted by {@link resolveNetworkSpec}. */
export const MAX_DEPTH = 100_000;

/** A network given by its standard deviations (any point of the phase diagram, critical or not). */
export interface NetworkSpecByStds {
  /** The nonlinearity: a built-in name, `{ name, ...params }`, or `{ phi, dphi, kinks? }`. */
  activation: ActivationSpec;
  /** Weight ensemble. */
  weights: WeightEnsemble;
  /** Number of layers L (integer, 1 .. {@link MAX_DEPTH}). */
  depth: number;
  /** sigma_w, the standard deviation scale of the weights (>= 0; not a variance). */
  weightStd: number;
  /** sigma_b, the standard deviation of the biases (>= 0; not a variance). */
  biasStd: number;
  /**
   * Optional: the fixed point q* of these stds. When given it must agree with the mean-field fixed
   * point to 1e-8 relative (a consistency check, e.g. for values copied from a table).
   */
  qStar?: number;
}

/** A network on the critical line chi = 1, given by its fixed point q* (paper Section 2.2). */
export interface NetworkSpecByQStar {
  activation: ActivationSpec;
  weights: WeightEnsemble;
  depth: number;
  /** q*, the pre-activation variance at the fixed point (> 0). weightStd/biasStd follow from it. */
  qStar: number;
}

/** A network description: by (weightStd, biasStd) or, at criticality, by qStar. */
export type NetworkSpec = NetworkSpecByStds | NetworkSpecByQStar;

/** A validated network description with its mean-field quantities (chi, mu1, mu2 as in meanField). */
export interface ResolvedNetworkSpec extends Pick<MeanFieldResult, 'chi' | 'mu1' | 'mu2'> {
  readonly activation: Activation;
  readonly weights: WeightEnsemble;
  readonly depth: number;
  /** sigma_w (standard deviation). */
  readonly weightStd: number;
  /** sigma_b (standard deviation). */
  readonly biasStd: number;
  /**
   * Fixed point q* of the length map. NaN only for a marginal length map given by stds without
   * qStar (linear/relu/leaky-relu at biasStd = 0 on their critical line, where every q is a fixed
   * point and the spectrum does not depend on q*).
   */
  readonly qStar: number;
  /** How the spec was given: 'critical' (by qStar) or 'stds'. */
  readonly mode: 'critical' | 'stds';
}

const KEYS = ['activation', 'weights', 'depth', 'weightStd', 'biasStd', 'qStar'] as const;

/** Relative agreement required between a given qStar and the mean-field fixed point of the stds. */
const QSTAR_CONSISTENCY_RTOL = 1e-8;

/**
 * Validates a network description and completes it with its mean-field quantities.
 *
 * Two forms are accepted: `{ activation, weights, depth, weightStd, biasStd }` (any point of the
 * phase diagram; q* is the stable fixed point of the length map, paper eq. 4) or
 * `{ activation, weights, depth, qStar }` (the critical point chi = 1 whose fixed point is q*:
 * weightStd^2 = 1/mu1(q*), biasStd^2 = q* - weightStd^2 E[phi(sqrt(q*) h)^2]). Giving all three is
 * allowed when they are consistent (qStar equal to the fixed point of the stds to 1e-8 relative);
 * giving qStar with only one of the stds, or one std alone, is an error naming the missing or
 * conflicting parameter.
 *
 * @param spec - the network description (see {@link NetworkSpec}).
 * @param name - the parameter name used in error messages (default "spec").
 * @returns a frozen {@link ResolvedNetworkSpec}.
 * @throws DynamicalIsometryTypeError for a wrong type, an unknown key or an unknown activation;
 *   DynamicalIsometryRangeError for depth not an integer in [1, 100000], a negative std, qStar <= 0,
 *   an inconsistent qStar, or no fixed/critical point (the mean-field errors, passed through).
 * @example
 * const s = resolveNetworkSpec({ activation: 'tanh', weights: 'orthogonal', depth: 32, qStar: 0.0259 });
 * s.weightStd ** 2; // ~1.05
 */
export function resolveNetworkSpec(spec: unknown, name = 'spec'): ResolvedNetworkSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new DynamicalIsometryTypeError(name, 'a network spec { activation, weights, depth, weightStd, biasStd } or { activation, weights, depth, qStar }', spec);
  }
  const o = checkOptions<NetworkSpecByStds>(name, spec, KEYS) as Record<string, unknown>;
  if (o.activation === undefined) throw new DynamicalIsometryTypeError(`${name}.activation`, 'an activation (name, { name, ...params } or { phi, dphi })', undefined);
  const activation = resolveActivation(o.activation, `${name}.activation`);
  if (o.weights === undefined) throw new DynamicalIsometryTypeError(`${name}.weights`, 'one of "gaussian", "orthogonal"', undefined);
  const weights = oneOf(`${name}.weights`, o.weights, weightEnsembles);
  const depth = integer(`${name}.depth`, o.depth, 1, MAX_DEPTH);

  const hasW = o.weightStd !== undefined;
  const hasB = o.biasStd !== undefined;
  const hasQ = o.qStar !== undefined;
  if (hasW !== hasB) {
    const missing = hasW ? 'biasStd' : 'weightStd';
    throw new DynamicalIsometryTypeError(
      `${name}.${missing}`,
      `given together with ${hasW ? 'weightStd' : 'biasStd'} (or give qStar alone for the critical point)`,
      undefined,
    );
  }
  if (!hasW && !hasQ) {
    throw new DynamicalIsometryTypeError(`${name}.qStar`, 'a number > 0 (or give weightStd and biasStd)', undefined);
  }

  if (!hasW) {
    const cp = _criticalPointOf(activation, qStarValue(`${name}.qStar`, o.qStar), `${name}.qStar`);
    return Object.freeze({
      activation,
      weights,
      depth,
      weightStd: cp.weightStd,
      biasStd: cp.biasStd,
      qStar: cp.qStar,
      chi: cp.chi,
      mu1: cp.mu1,
      mu2: cp.mu2,
      mode: 'critical' as const,
    });
  }

  const weightStd = nonNegativeNumber(`${name}.weightStd`, o.weightStd);
  const biasStd = nonNegativeNumber(`${name}.biasStd`, o.biasStd);
  const givenQ = hasQ ? qStarValue(`${name}.qStar`, o.qStar) : undefined;
  // the correlation fixed point c* (10-70 ms in the chaotic phase) is not needed here
  const mf = _meanFieldResolved(activation, weightStd, biasStd, false, name);
  // A marginal length map (positively homogeneous phi at biasStd = 0 on its critical line) has every
  // q as a fixed point: q* is set by the input, the spectrum does not depend on it, and a given qStar
  // is consistent by definition.
  let qStar = mf.marginal ? (givenQ ?? NaN) : mf.qStar;
  if (givenQ !== undefined && !mf.marginal && !(Math.abs(givenQ - mf.qStar) <= QSTAR_CONSISTENCY_RTOL * mf.qStar)) {
    throw new DynamicalIsometryRangeError(
      `${name}.qStar`,
      `the fixed point of weightStd = ${weightStd}, biasStd = ${biasStd} (q* = ${mf.qStar}) to ${QSTAR_CONSISTENCY_RTOL} relative, or omitted`,
      givenQ,
      ErrorCode.invalidArgument,
    );
  }
  if (givenQ !== undefined && !mf.marginal) qStar = mf.qStar;
  return Object.freeze({
    activation,
    weights,
    depth,
    weightStd,
    biasStd,
    qStar,
    chi: mf.chi,
    mu1: mf.mu1,
    mu2: mf.mu2,
    mode: 'stds' as const,
  });
}
