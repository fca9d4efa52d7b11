/**
 * Mean-field signal propagation at initialization (Poole et al. 2016; Schoenholz et al. 2017;
 * Pennington, Schoenholz & Ganguli 2017 §2.2, eqs. 3–5): the fixed point q* of the length map, the
 * susceptibility chi, the moments mu_k of D^2, the correlation fixed point c* and the depth scales,
 * the critical line chi = 1 parametrised by q* (THEORY §2.4), and phase diagrams.
 *
 * Conventions: `weightStd` = sigma_w and `biasStd` = sigma_b are standard deviations (weights
 * N(0, sigma_w^2/N), biases N(0, sigma_b^2)); h ~ N(0, 1); phi is the activation.
 * Everything here is TypeScript shared by both backends (it is cheap).
 * @module
 */
import { type Activation, erfc, resolveActivation } from '../activations/index.js';
import { DynamicalIsometryRangeError, ErrorCode, NumericalError } from '../errors.js';
import { checkOptions, finiteNumberList, integer, nonNegativeNumber, positiveNumber } from '../validate.js';
import { MAX_Q_STAR, qStarValue, qValue } from './limits.js';
import { correlationIntegrals, ePhi2, homogeneousConstant, lengthMapAndSlope, lengthSlope, muK } from './moments.js';

/** |chi - 1| at or below this is reported as phase 'critical'. */
export const CRITICAL_CHI_TOLERANCE = 1e-10;
export { MAX_Q_STAR } from './limits.js';

const EPS = Number.EPSILON;

/** Options of {@link meanField}. */
export interface MeanFieldOptions {
  /** The nonlinearity: a name, `{ name, ...params }` or `{ phi, dphi, kinks? }`. */
  activation: unknown;
  /** sigma_w, the weight standard deviation (weights are N(0, sigma_w^2 / N)); finite, >= 0. */
  weightStd: number;
  /** sigma_b, the bias standard deviation; finite, >= 0. */
  biasStd: number;
}

/** Which side of the critical line chi = 1 a point lies on. */
export type Phase = 'ordered' | 'critical' | 'chaotic';

/** The result of {@link meanField}. */
export interface MeanFieldResult {
  /** sigma_w as given. */
  readonly weightStd: number;
  /** sigma_b as given. */
  readonly biasStd: number;
  /**
   * q*, the stable fixed point of q -> sigma_w^2 E[phi(sqrt(q) h)^2] + sigma_b^2 (paper eq. 4).
   * NaN only when `marginal` is true (every q is a fixed point).
   */
  readonly qStar: number;
  /** chi = sigma_w^2 E[phi'(sqrt(q*) h)^2] = sigma_w^2 mu1 (paper eq. 5): the slope of the c-map at c = 1. */
  readonly chi: number;
  /** mu1 = E[phi'(sqrt(q*) h)^2]. */
  readonly mu1: number;
  /** mu2 = E[phi'(sqrt(q*) h)^4]. */
  readonly mu2: number;
  /** E[phi(sqrt(q*) h)^2]. */
  readonly ePhi2: number;
  /** chiQ = d q^{l+1} / d q^l at q*, the slope of the length map (< 1 at a stable fixed point). */
  readonly chiQ: number;
  /** xi_q = -1 / ln chiQ, the depth scale over which q^l approaches q* (Infinity when chiQ = 1). */
  readonly xiQ: number;
  /** c*, the stable fixed point of the correlation map (1 in the ordered phase and on the critical line). */
  readonly cStar: number;
  /** chi_c = sigma_w^2 E[phi'(u1) phi'(u2)] at c*, the slope of the c-map there (= chi when c* = 1). */
  readonly chiC: number;
  /** xi_c = -1 / ln chi_c, the correlation depth scale (Infinity on the critical line). */
  readonly xiC: number;
  /** 'ordered' (chi < 1), 'critical' (|chi - 1| <= 1e-10) or 'chaotic' (chi > 1). */
  readonly phase: Phase;
  /**
   * True for a positively homogeneous phi (linear, relu, leaky-relu) at sigma_b = 0 and
   * sigma_w^2 E[phi(h)^2] = 1 (to 4 ulps): the length map is the identity, every q is a fixed point
   * (q* is set by the input, q^0), and qStar and ePhi2 are NaN; chi, mu1, mu2 do not depend on q.
   */
  readonly marginal: boolean;
}

function noFixedPoint(detail: string, weightStd: number, parameter: string): never {
  throw new DynamicalIsometryRangeError(
    parameter,
    'a value for which the length map has a finite stable fixed point',
    weightStd,
    ErrorCode.noFixedPoint,
    detail,
  );
}

/** Safeguarded Newton for g(x) = 0 on a bracket [lo, hi] with g(lo) > 0 > g(hi). */
function newtonBracketed(
  evalG: (x: number) => { g: number; dg: number },
  lo: number,
  hi: number,
  x0: number,
  what: string,
  geometric: boolean,
  absTol = 0,
): number {
  let x = Math.min(Math.max(x0, lo), hi);
  let last = NaN;
  for (let it = 0; it < 300; it++) {
    const { g, dg } = evalG(x);
    if (g === 0) return x;
    // invariant: g(lo) > 0 > g(hi), lo < hi, and the root lies in [lo, hi]
    if (g > 0) lo = x;
    else hi = x;
    if (hi - lo <= Math.max(2 * EPS * Math.abs(hi), absTol)) return 0.5 * (lo + hi);
    let next = x - g / dg;
    const bisect = geometric && lo > 0 && hi / lo > 4 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = bisect;
    else if (Number.isFinite(last) && Math.abs(next - x) > 0.5 * Math.abs(last)) next = 0.5 * (next + bisect);
    const step = next - x;
    if (Math.abs(step) <= Math.max(4 * EPS * Math.abs(x), absTol)) return next;
    // a Newton step this small (after a Newton step) leaves an error ~ step^2 / scale: below rounding
    if (next === x - g / dg && Number.isFinite(last) && Math.abs(step) <= 1e-9 * Math.max(Math.abs(x), absTol > 0 ? 1 : 0)) return next;
    last = step;
    x = next;
  }
  throw new NumericalError(ErrorCode.noConvergence, `${what}: no convergence in 300 safeguarded Newton steps`, {
    routine: 'newtonBracketed',
    details: { lo, hi },
  });
}

/** Ratio of the geometric scan for the first down-crossing of the length map (see solveFixedPoint). */
const SCAN_RATIO = 2;
/** The scan starts this factor below the natural scale of q near 0 (see solveFixedPoint). */
const SCAN_START = 2 ** -12;

/**
 * q*, or 'marginal', of the length map (raw: arguments validated). q* is the SMALLEST stable fixed
 * point, the first down-crossing of g(q) = F(q) - q going up from q = 0 (g(0+) > 0 here): the limit
 * of q^l from small inputs. The crossing is bracketed by a geometric scan with ratio 2 from a start
 * q0 below which g > 0 is assumed: 2^-12 times the scale of q near 0 (F(0) = sigma_b^2 +
 * sigma_w^2 phi(0)^2, or the slope excess sigma_w^2 phi'(0)^2 - 1 when F(0) = 0), and at least
 * sigma_b^2 (below it g > 0 exactly, since F >= sigma_b^2). Above max(1, 2 F(0)) the scan steps to max(2q, 2F(q))
 * (q^l grows at least that fast there). Where g stays positive at two consecutive scan points but
 * g' turns from negative to positive, the minimum of g between them is located by bisection on the
 * sign of g' (a pair of fixed points closer than the scan ratio hides there); two dips between two
 * scan points could still be missed.
 */
function solveFixedPoint(a: Activation, sw2: number, sb2: number, weightStd: number, parameter: string): number | 'marginal' {
  const kappa = homogeneousConstant(a);
  if (kappa !== null) {
    const slope = sw2 * kappa; // q -> slope q + sb2
    if (Math.abs(slope - 1) <= 4 * EPS) {
      if (sb2 === 0) return 'marginal';
      noFixedPoint(`the length map of ${a.name} is q -> q + biasStd^2 here: q grows without bound`, weightStd, parameter);
    }
    if (slope > 1) {
      noFixedPoint(
        `the length map of ${a.name} is linear, q -> ${slope} q + ${sb2}, with slope weightStd^2 E[phi(h)^2] > 1: ` +
          `q grows without bound (a finite fixed point needs weightStd^2 < ${1 / kappa})`,
        weightStd,
        parameter,
      );
    }
    return sb2 / (1 - slope);
  }
  if (sw2 === 0) return sb2; // the map is constant
  const phi0 = a.phi(0);
  const f0 = sb2 + sw2 * phi0 * phi0; // F(0) = g(0)
  let lo = 0;
  let q: number;
  if (f0 === 0) {
    // q = 0 is a fixed point; it is the stable one when the slope sigma_w^2 phi'(0)^2 <= 1
    const slope0 = sw2 * lengthSlope(a, 0);
    if (slope0 <= 1) return 0;
    lo = 1e-300; // g(lo) = (slope0 - 1) lo > 0
    q = Math.min(1, slope0 - 1) * SCAN_START; // g(q) = (slope0 - 1) q + O(q^2)
  } else q = Math.max(sb2, Math.min(1, f0) * SCAN_START);
  const g = (x: number) => {
    const { e, slope } = lengthMapAndSlope(a, x);
    return { g: sw2 * e + sb2 - x, dg: sw2 * slope - 1 };
  };
  const coarseFrom = Math.max(1, 2 * f0);
  let hi = q;
  let prev: { g: number; dg: number } | null = null;
  for (;;) {
    const v = g(hi);
    if (v.g < 0) break;
    if (v.g === 0) return hi;
    if (prev !== null && prev.dg < 0 && v.dg > 0) {
      // g > 0 at both ends but has a minimum inside: a pair of fixed points may hide there
      const dip = findDip(g, lo, hi);
      if (dip !== null) {
        if (dip.g === 0) return dip.x;
        hi = dip.x;
        break;
      }
    }
    prev = v;
    lo = hi;
    hi = hi < coarseFrom ? Math.min(SCAN_RATIO * hi, coarseFrom) : Math.max(2 * hi, 2 * (v.g + hi));
    if (!(hi <= MAX_Q_STAR)) {
      noFixedPoint(
        `the length map stays above the diagonal up to q = ${MAX_Q_STAR.toExponential()} (q^l grows without bound; ` +
          `for relu-like activations this happens when weightStd^2 >= 2)`,
        weightStd,
        parameter,
      );
    }
  }
  return newtonBracketed(g, lo, hi, lo > 0 ? Math.sqrt(lo * hi) : 0.5 * hi, 'meanField: fixed point q* of the length map', true);
}

/**
 * On [lo, hi] with g > 0 at both ends, g' < 0 at lo and g' > 0 at hi: bisects on the sign of g'
 * towards the minimum of g and returns the first point where g <= 0, or null when the minimum is
 * positive (to relative width 4 ulps).
 */
function findDip(evalG: (x: number) => { g: number; dg: number }, lo: number, hi: number): { x: number; g: number } | null {
  for (let it = 0; it < 200 && hi - lo > 4 * EPS * hi; it++) {
    const x = 0.5 * (lo + hi);
    const v = evalG(x);
    if (v.g <= 0) return { x, g: v.g };
    if (v.dg < 0) lo = x;
    else if (v.dg > 0) hi = x;
    else return null;
  }
  return null;
}

/** c* and chi_c in the chaotic phase (raw). */
function solveCorrelation(a: Activation, q: number, sw2: number, sb2: number): { cStar: number; chiC: number } {
  const cmap = (c: number) => {
    const { dphiDphi, dist } = correlationIntegrals(a, q, c);
    // The c-map c -> (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2)/q* equals, at the fixed point q*,
    // 1 - sigma_w^2 E[(phi(u1) - phi(u2))^2]/(2 q*): written so, c = 1 is an exact fixed point and
    // g(c) = C(c) - c keeps its relative accuracy as c -> 1. dC/dc = sigma_w^2 E[phi'(u1) phi'(u2)].
    return { g: 1 - c - (sw2 * dist) / (2 * q), dg: sw2 * dphiDphi - 1, chiC: sw2 * dphiDphi };
  };
  const at0 = cmap(0);
  // g(0) = (sigma_w^2 E[phi]^2 + sigma_b^2)/q* >= 0; it is 0 for odd phi without bias (c* = 0)
  if (sb2 === 0 && isOdd(a)) return { cStar: 0, chiC: at0.chiC };
  if (at0.g <= 4 * EPS) return { cStar: 0, chiC: at0.chiC };
  // Work in e = 1 - c (c* may be within 1e-10 of 1 near the critical line). g > 0 on [0, c*),
  // g(1 - e) ~ -(chi - 1) e < 0 for small e (computed with relative accuracy): bracket e* by
  // e = 2^-k, k = 1, 2, 4, ..., 48.
  let eHi = 1;
  let eLo = NaN;
  for (const k of [1, 2, 4, 8, 16, 32, 48]) {
    const e = Math.pow(2, -k);
    if (cmap(1 - e).g < 0) {
      eLo = e;
      break;
    }
    eHi = e;
  }
  if (!Number.isFinite(eLo)) {
    // chi so close to 1 that c* is within 2^-48 of 1: report it as 1
    return { cStar: 1, chiC: sw2 * correlationIntegrals(a, q, 1).dphiDphi };
  }
  // G(e) = -g(1 - e): G(eLo) > 0 > G(eHi), dG/de = g'(c); geometric bisection in e
  const eStar = newtonBracketed(
    (e) => {
      const v = cmap(1 - e);
      return { g: -v.g, dg: v.dg };
    },
    eLo,
    eHi,
    Math.sqrt(eLo * eHi),
    'meanField: correlation fixed point c*',
    true,
  );
  const cStar = 1 - eStar;
  return { cStar, chiC: cmap(cStar).chiC };
}

/** phi(-x) = -phi(x) for the built-ins that are odd. */
function isOdd(a: Activation): boolean {
  return a.builtin && ['linear', 'hard-tanh', 'tanh', 'erf'].includes(a.name);
}

function depthScale(slope: number): number {
  if (slope >= 1) return Infinity;
  if (slope <= 0) return 0;
  return -1 / Math.log(slope);
}

/**
 * Mean-field quantities at (weightStd, biasStd): the fixed point q* of the length map
 * q^l = sigma_w^2 ∫Dh phi(sqrt(q^{l-1}) h)^2 + sigma_b^2 (paper eq. 4), chi = sigma_w^2 mu1 (eq. 5),
 * mu_k = E[phi'(sqrt(q*) h)^{2k}] (the moments of D^2), and the depth scales of Schoenholz et al.
 * 2017: xi_q = -1/ln chiQ with chiQ = dq^{l+1}/dq^l at q*, and xi_c = -1/ln chi_c with
 * chi_c = sigma_w^2 E[phi'(u1) phi'(u2)] at the correlation fixed point c*, where
 * u1 = sqrt(q*) z1, u2 = sqrt(q*)(c* z1 + sqrt(1 - c*^2) z2).
 *
 * Algorithm: q* by safeguarded Newton on the bracketed root of F(q) - q (closed forms for linear,
 * relu, leaky-relu; the derivative F'(q) = sigma_w^2 E[phi^2 (h^2 - 1)]/(2q) shares the nodes of F).
 * c* = 1 in the ordered phase and on the critical line; in the chaotic phase c* in [0, 1) by
 * safeguarded Newton in e = 1 - c on the c-map written as C(c) = 1 - sigma_w^2 E[(phi(u1) - phi(u2))^2]/(2 q*)
 * (exact at the fixed point q*; c = 1 is then an exact fixed point and 1 - C(c) keeps its relative
 * accuracy as c -> 1, so c* is accurate even just above the critical line). The two-input
 * integrals use the iterated 2-D rule of lib/quadrature (~1e-13 relative; closed forms for erf, a
 * closed-form inner integral for hard-tanh); 1 - c* is then accurate to ~1e-13/(chi - 1) relative.
 * Cost: ~0.3 ms for a smooth activation without c*, ~10-70 ms with it (chaotic phase).
 * When sigma_b = 0 and phi(0) = 0, q* = 0 if sigma_w^2 phi'(0)^2 <= 1 (signals die out).
 * Several stable fixed points: q* is the SMALLEST one, the limit of q^l from small inputs (the first
 * crossing of the diagonal by the length map going up from q = 0, bracketed by a factor-2 geometric
 * scan, so two fixed points within a factor 2 of each other could be missed). Example: gelu and
 * silu at weightStd^2 > 2 with a small bias have a stable q* ~ 0.03 although q^l diverges from
 * inputs beyond an unstable fixed point (gelu at (1.6, 0.1): q* = 0.030851, unstable at q ~ 0.53);
 * ERR_DI_NO_FIXED_POINT means that no finite stable fixed point exists at all.
 *
 * @param options - `{ activation, weightStd, biasStd }`; the stds are standard deviations.
 * @returns a {@link MeanFieldResult}.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for invalid input (negative or
 *   non-finite stds, unknown activation or option);
 *   DynamicalIsometryRangeError with code ERR_DI_NO_FIXED_POINT when q^l grows without bound (e.g.
 *   relu with weightStd^2 > 2); ActivationEvaluationError (ERR_DI_ACTIVATION) when a user-defined
 *   phi returns NaN (with x and q).
 * @example
 * const mf = meanField({ activation: 'tanh', weightStd: Math.sqrt(1.05), biasStd: Math.sqrt(2.0105e-5) });
 * mf.qStar; // ~0.025921
 * mf.chi;   // ~1
 */
export function meanField(options: MeanFieldOptions): MeanFieldResult {
  const o = checkOptions<MeanFieldOptions>('options', options, ['activation', 'weightStd', 'biasStd']);
  const activation = resolveActivation(o.activation, 'options.activation');
  const weightStd = nonNegativeNumber('options.weightStd', o.weightStd);
  const biasStd = nonNegativeNumber('options.biasStd', o.biasStd);
  return _meanFieldResolved(activation, weightStd, biasStd);
}

/**
 * {@link meanField} on a resolved activation and validated stds, with an option to skip c* (phase
 * diagrams; lib/spec.ts, which needs only q*, chi, mu1, mu2).
 * @internal
 */
export function _meanFieldResolved(a: Activation, weightStd: number, biasStd: number, withCorrelation = true, prefix = 'options'): MeanFieldResult {
  const sw2 = weightStd * weightStd;
  const sb2 = biasStd * biasStd;
  // a std whose square overflows has no finite fixed point (and would stall the bracketing below)
  if (!Number.isFinite(sw2)) throw new DynamicalIsometryRangeError(`${prefix}.weightStd`, 'a number whose square is finite (< 1.3e154)', weightStd);
  if (!Number.isFinite(sb2)) throw new DynamicalIsometryRangeError(`${prefix}.biasStd`, 'a number whose square is finite (< 1.3e154)', biasStd);
  const fp = solveFixedPoint(a, sw2, sb2, weightStd, `${prefix}.weightStd`);
  if (fp === 'marginal') {
    const mu1 = muK(a, 1, 1);
    const mu2 = muK(a, 1, 2);
    const chi = sw2 * mu1;
    return Object.freeze({
      weightStd,
      biasStd,
      qStar: NaN,
      chi,
      mu1,
      mu2,
      ePhi2: NaN,
      chiQ: 1,
      xiQ: Infinity,
      cStar: 1,
      chiC: chi,
      xiC: depthScale(chi),
      phase: phaseOf(chi),
      marginal: true,
    });
  }
  const qStar = fp;
  const mu1 = muK(a, qStar, 1);
  const mu2 = muK(a, qStar, 2);
  const { e, slope } = lengthMapAndSlope(a, qStar);
  const chi = sw2 * mu1;
  const chiQ = sw2 * slope;
  const phase = phaseOf(chi);
  let cStar = 1;
  let chiC = chi;
  if (phase === 'chaotic' && qStar > 0) {
    if (withCorrelation) ({ cStar, chiC } = solveCorrelation(a, qStar, sw2, sb2));
    else {
      cStar = NaN;
      chiC = NaN;
    }
  }
  return Object.freeze({
    weightStd,
    biasStd,
    qStar,
    chi,
    mu1,
    mu2,
    ePhi2: e,
    chiQ,
    xiQ: depthScale(chiQ),
    cStar,
    chiC,
    xiC: depthScale(chiC),
    phase,
    marginal: false,
  });
}

function phaseOf(chi: number): Phase {
  if (Math.abs(chi - 1) <= CRITICAL_CHI_TOLERANCE) return 'critical';
  return chi < 1 ? 'ordered' : 'chaotic';
}

// ---- critical line ------------------------------------------------------------------------------

/** Options of {@link criticalPoint}. */
export interface CriticalPointOptions {
  /** The nonlinearity: a name, `{ name, ...params }` or `{ phi, dphi, kinks? }`. */
  activation: unknown;
  /** q*, the fixed point of the length map (pre-activation variance), finite and > 0. */
  qStar: number;
}

/** The result of {@link criticalPoint}. */
export interface CriticalPointResult {
  /** sigma_w = sqrt(1 / mu1(q*)). */
  readonly weightStd: number;
  /** sigma_b = sqrt(q* - sigma_w^2 E[phi(sqrt(q*) h)^2]). */
  readonly biasStd: number;
  /** q* as given. */
  readonly qStar: number;
  /** chi = sigma_w^2 mu1 (1 up to rounding). */
  readonly chi: number;
  /** mu1(q*) = E[phi'(sqrt(q*) h)^2]. */
  readonly mu1: number;
  /** mu2(q*) = E[phi'(sqrt(q*) h)^4]. */
  readonly mu2: number;
  /** E[phi(sqrt(q*) h)^2]. */
  readonly ePhi2: number;
  /**
   * True for positively homogeneous phi (linear, relu, leaky-relu): the critical line is the single
   * point (sigma_w^2 = 1/mu1, sigma_b = 0), valid for every q* (the length map is then the identity).
   */
  readonly degenerate: boolean;
}

function criticalRaw(a: Activation, qStar: number, parameter = 'options.qStar'): CriticalPointResult & { biasVariance: number } {
  const mu1 = muK(a, qStar, 1);
  if (!(mu1 > 0)) {
    throw new DynamicalIsometryRangeError(parameter, 'a value with E[phi\'(sqrt(q*) h)^2] > 0', qStar, ErrorCode.noCriticalPoint, 'phi\' vanishes almost surely at this q*, so chi = 0 for every weightStd');
  }
  const mu2 = muK(a, qStar, 2);
  const sw2 = 1 / mu1;
  const e = ePhi2(a, qStar);
  const degenerate = homogeneousConstant(a) !== null;
  let sb2: number;
  if (degenerate) sb2 = 0;
  else if (a.builtin && a.name === 'hard-tanh') {
    // [sqrt(2q/pi) e^{-1/(2q)} - (1 - p)] / p (THEORY §2.4): no cancellation against q*
    const x = 1 / Math.sqrt(2 * qStar);
    const p = mu1;
    sb2 = (Math.sqrt(qStar) * 0.7978845608028654 * Math.exp(-0.5 / qStar) - erfc(x)) / p;
  } else sb2 = qStar - sw2 * e;
  return { weightStd: Math.sqrt(sw2), biasStd: sb2 >= 0 ? Math.sqrt(sb2) : NaN, qStar, chi: sw2 * mu1, mu1, mu2, ePhi2: e, degenerate, biasVariance: sb2 };
}

/** sigma_b^2 at or above this (relative to q*) is rounding, and counts as 0. */
const BIAS_VARIANCE_ROUNDING = 8 * EPS;

/**
 * The point on the critical line chi = 1 whose length-map fixed point is q* (THEORY §2.4):
 * sigma_w^2 = 1 / mu1(q*), sigma_b^2 = q* - sigma_w^2 ∫Dh phi(sqrt(q*) h)^2.
 *
 * Degenerate cases: for linear, relu and leaky-relu (positively homogeneous phi) the critical line
 * is the single point (1, 0), (sqrt 2, 0), (sqrt(2/(1+slope^2)), 0); at it every q is a fixed point,
 * so every q* is accepted and returned as given, with `degenerate: true`. A negative sigma_b^2 of
 * rounding size (at most 8 ulps of q*) is reported as 0.
 *
 * @param options - `{ activation, qStar }`, qStar finite and > 0.
 * @returns a {@link CriticalPointResult} (stds are standard deviations).
 * @throws DynamicalIsometryRangeError with code ERR_DI_NO_CRITICAL_POINT when sigma_b^2 < 0 (no bias
 *   can put the fixed point at q*; e.g. sigmoid at every q*, whose E[phi^2] >= 1/4 is too large);
 *   DynamicalIsometryRangeError for qStar <= 0 or non-finite; type errors for bad activations/options.
 * @example
 * const cp = criticalPoint({ activation: 'tanh', qStar: 0.025921 });
 * cp.weightStd ** 2; // ~1.05
 */
export function criticalPoint(options: CriticalPointOptions): CriticalPointResult {
  const o = checkOptions<CriticalPointOptions>('options', options, ['activation', 'qStar']);
  const a = resolveActivation(o.activation, 'options.activation');
  return _criticalPointOf(a, qStarValue('options.qStar', o.qStar));
}

/**
 * {@link criticalPoint} on a resolved activation and a validated q* > 0 (lib/spec.ts resolves
 * network specs with it); `parameter` names q* in the errors (e.g. "spec.qStar").
 * @internal
 */
export function _criticalPointOf(a: Activation, qStar: number, parameter = 'options.qStar'): CriticalPointResult {
  const r = criticalRaw(a, qStar, parameter);
  let sb2 = r.biasVariance;
  if (sb2 < 0 && sb2 >= -BIAS_VARIANCE_ROUNDING * qStar) sb2 = 0;
  if (sb2 < 0) {
    throw new DynamicalIsometryRangeError(
      parameter,
      `a q* that ${a.name} can reach on the critical line (biasStd^2 = q* - weightStd^2 E[phi^2] >= 0)`,
      qStar,
      ErrorCode.noCriticalPoint,
      `at chi = 1 weightStd^2 = 1/mu1 = ${1 / r.mu1} and weightStd^2 E[phi(sqrt(q*) h)^2] = ${(1 / r.mu1) * r.ePhi2} > q*, ` +
        `so biasStd^2 would be ${sb2} < 0`,
    );
  }
  const { biasVariance: _bv, ...rest } = r;
  void _bv;
  return Object.freeze({ ...rest, biasStd: Math.sqrt(sb2) });
}

/** Options of {@link criticalLine}. */
export interface CriticalLineOptions {
  activation: unknown;
  /**
   * With `points`: a range [from, to] (0 < from <= to), sampled at `points` values spaced
   * geometrically. Without `points`: the list of q* values itself (each > 0).
   */
  qStar: readonly number[] | Float64Array;
  /** Number of q* values in the range (integer >= 2); turns `qStar` into a range. */
  points?: number;
}

/** The result of {@link criticalLine}: one entry per q*, as columns. */
export interface CriticalLineResult {
  readonly qStar: Float64Array;
  /** sigma_w = sqrt(1/mu1(q*)). */
  readonly weightStd: Float64Array;
  /** sigma_b, NaN where no critical point exists. */
  readonly biasStd: Float64Array;
  /** sigma_b^2 = q* - sigma_w^2 E[phi^2] (negative where no critical point exists; for plotting). */
  readonly biasVariance: Float64Array;
  /** 1 where a critical point exists (sigma_b^2 >= 0), 0 where not. */
  readonly exists: Uint8Array;
  readonly mu1: Float64Array;
  readonly mu2: Float64Array;
  /** True for linear/relu/leaky-relu (a single point for every q*). */
  readonly degenerate: boolean;
}

/**
 * The critical line chi = 1 as a curve parametrised by q* (THEORY §2.4), ready to plot in the
 * (weightStd, biasStd) plane. Points where sigma_b^2 < 0 are kept with `exists = 0`, biasStd NaN
 * and the (negative) biasVariance, instead of throwing as {@link criticalPoint} does.
 * @param options - `{ activation, qStar: [from, to], points }` (geometric grid) or `{ activation, qStar: [q1, q2, ...] }`.
 * @returns columns `{ qStar, weightStd, biasStd, biasVariance, exists, mu1, mu2, degenerate }`.
 * @throws type/range errors for invalid input (qStar entries must be finite and > 0).
 * @example
 * const line = criticalLine({ activation: 'tanh', qStar: [1e-3, 10], points: 50 });
 * line.weightStd[0]; // ~1.002
 */
export function criticalLine(options: CriticalLineOptions): CriticalLineResult {
  const o = checkOptions<CriticalLineOptions>('options', options, ['activation', 'qStar', 'points']);
  const a = resolveActivation(o.activation, 'options.activation');
  const given = finiteNumberList('options.qStar', o.qStar, 1);
  let qs: Float64Array;
  if (o.points !== undefined) {
    const n = integer('options.points', o.points, 2, 1_000_000);
    if (given.length !== 2) throw new DynamicalIsometryRangeError('options.qStar.length', '2 (a range [from, to]) when points is given', given.length);
    const from = qStarValue('options.qStar[0]', given[0]);
    const to = qStarValue('options.qStar[1]', given[1]);
    if (!(to >= from)) throw new DynamicalIsometryRangeError('options.qStar[1]', `>= options.qStar[0] (${from})`, to);
    qs = new Float64Array(n);
    const r = Math.log(to / from);
    for (let i = 0; i < n; i++) qs[i] = i === n - 1 ? to : from * Math.exp((r * i) / (n - 1));
  } else {
    given.forEach((v, i) => qStarValue(`options.qStar[${i}]`, v));
    qs = given;
  }
  const n = qs.length;
  const out = {
    qStar: qs,
    weightStd: new Float64Array(n),
    biasStd: new Float64Array(n),
    biasVariance: new Float64Array(n),
    exists: new Uint8Array(n),
    mu1: new Float64Array(n),
    mu2: new Float64Array(n),
    degenerate: homogeneousConstant(a) !== null,
  };
  for (let i = 0; i < n; i++) {
    const q = qs[i] as number;
    const r = criticalRaw(a, q);
    let sb2 = r.biasVariance;
    if (sb2 < 0 && sb2 >= -BIAS_VARIANCE_ROUNDING * q) sb2 = 0;
    out.weightStd[i] = r.weightStd;
    out.biasVariance[i] = sb2;
    out.biasStd[i] = sb2 >= 0 ? Math.sqrt(sb2) : NaN;
    out.exists[i] = sb2 >= 0 ? 1 : 0;
    out.mu1[i] = r.mu1;
    out.mu2[i] = r.mu2;
  }
  return Object.freeze(out);
}

// ---- phase diagram ------------------------------------------------------------------------------

/** Options of {@link phaseDiagram}. */
export interface PhaseDiagramOptions {
  activation: unknown;
  /** [min, max] of sigma_w (standard deviation), 0 <= min <= max. */
  weightStd: readonly [number, number] | readonly number[];
  /** [min, max] of sigma_b (standard deviation), 0 <= min <= max. */
  biasStd: readonly [number, number] | readonly number[];
  /** Grid points per axis: n (both axes) or [nWeight, nBias], each an integer in [2, 2000]. Default 64. */
  resolution?: number | readonly [number, number] | readonly number[];
}

/** The result of {@link phaseDiagram}. */
export interface PhaseDiagramResult {
  /** The sigma_w grid (nWeight values, uniformly spaced). */
  readonly weightStd: Float64Array;
  /** The sigma_b grid (nBias values, uniformly spaced). */
  readonly biasStd: Float64Array;
  /**
   * q* on the grid, row-major with one ROW PER biasStd value: entry [i * nWeight + j] is at
   * (weightStd[j], biasStd[i]) (so it plots directly as an image with sigma_w on the x axis).
   * NaN where no finite fixed point exists (q^l diverges) or at a marginal point.
   */
  readonly qStar: Float64Array;
  /** chi = sigma_w^2 mu1(q*), same layout; NaN where q* is NaN. */
  readonly chi: Float64Array;
  /** -1 ordered, 0 critical (|chi-1| <= 1e-10), +1 chaotic, NaN where q* is NaN; same layout. */
  readonly phase: Float64Array;
  readonly nWeight: number;
  readonly nBias: number;
}

/**
 * q* and chi on a regular (weightStd, biasStd) grid: the order-to-chaos phase diagram of Poole et
 * al. 2016 / Schoenholz et al. 2017 (order chi < 1, chaos chi > 1), ready to plot (see
 * {@link PhaseDiagramResult} for the layout). Points without a finite fixed point are NaN, not errors.
 * @param options - `{ activation, weightStd: [min, max], biasStd: [min, max], resolution? }`.
 * @returns grids of q*, chi and the phase.
 * @throws type/range errors for invalid input.
 * @example
 * const pd = phaseDiagram({ activation: 'tanh', weightStd: [0.5, 3], biasStd: [0, 0.5], resolution: 40 });
 * pd.chi[5 * pd.nWeight + 10]; // chi at (weightStd[10], biasStd[5])
 */
export function phaseDiagram(options: PhaseDiagramOptions): PhaseDiagramResult {
  const o = checkOptions<PhaseDiagramOptions>('options', options, ['activation', 'weightStd', 'biasStd', 'resolution']);
  const a = resolveActivation(o.activation, 'options.activation');
  const range = (name: string, v: unknown): [number, number] => {
    const l = finiteNumberList(name, v, 2);
    if (l.length !== 2) throw new DynamicalIsometryRangeError(`${name}.length`, '2 ([min, max])', l.length);
    const lo = nonNegativeNumber(`${name}[0]`, l[0]);
    const hi = nonNegativeNumber(`${name}[1]`, l[1]);
    if (!(hi >= lo)) throw new DynamicalIsometryRangeError(`${name}[1]`, `>= ${name}[0] (${lo})`, hi);
    return [lo, hi];
  };
  const [w0, w1] = range('options.weightStd', o.weightStd);
  const [b0, b1] = range('options.biasStd', o.biasStd);
  let nW = 64;
  let nB = 64;
  if (o.resolution !== undefined) {
    if (typeof o.resolution === 'number') nW = nB = integer('options.resolution', o.resolution, 2, 2000);
    else {
      const l = finiteNumberList('options.resolution', o.resolution, 2);
      if (l.length !== 2) throw new DynamicalIsometryRangeError('options.resolution.length', '2 ([nWeight, nBias])', l.length);
      nW = integer('options.resolution[0]', l[0], 2, 2000);
      nB = integer('options.resolution[1]', l[1], 2, 2000);
    }
  }
  const ws = new Float64Array(nW);
  const bs = new Float64Array(nB);
  for (let j = 0; j < nW; j++) ws[j] = j === nW - 1 ? w1 : w0 + ((w1 - w0) * j) / (nW - 1);
  for (let i = 0; i < nB; i++) bs[i] = i === nB - 1 ? b1 : b0 + ((b1 - b0) * i) / (nB - 1);
  const qStar = new Float64Array(nW * nB);
  const chi = new Float64Array(nW * nB);
  const phase = new Float64Array(nW * nB);
  for (let i = 0; i < nB; i++) {
    for (let j = 0; j < nW; j++) {
      const k = i * nW + j;
      try {
        const r = _meanFieldResolved(a, ws[j] as number, bs[i] as number, false);
        qStar[k] = r.qStar;
        chi[k] = r.marginal ? NaN : r.chi;
        phase[k] = r.marginal ? NaN : r.phase === 'ordered' ? -1 : r.phase === 'critical' ? 0 : 1;
      } catch (e) {
        if (!(e instanceof DynamicalIsometryRangeError) || e.code !== ErrorCode.noFixedPoint) throw e;
        qStar[k] = NaN;
        chi[k] = NaN;
        phase[k] = NaN;
      }
    }
  }
  return Object.freeze({ weightStd: ws, biasStd: bs, qStar, chi, phase, nWeight: nW, nBias: nB });
}

// ---- lower-level moments ------------------------------------------------------------------------

/**
 * mu_k(q) = ∫Dh [phi'(sqrt(q) h)]^{2k}, the k-th moment of the law of D^2 at variance q (THEORY
 * §2.3); chi = sigma_w^2 mu_1 (paper eq. 5). Closed forms for linear, relu, leaky-relu, hard-tanh
 * (p = erf(1/sqrt(2q))) and erf ((4/pi)^k (1+4kq)^{-1/2}); quadrature to ~1e-13 relative otherwise.
 * @param activation - a name, `{ name, ...params }`, `{ phi, dphi, kinks? }` or a resolved Activation.
 * @param q - the pre-activation variance, finite, in [0, MAX_Q_STAR] (q = 0 is the limit q -> 0+).
 * @param k - the moment order, finite and > 0 (usually 1 or 2).
 * @returns mu_k(q).
 * @throws type/range errors for invalid input; ActivationEvaluationError for a failing user phi'.
 * @example dphiMoment('erf', 0.5, 1); // 0.7351051938957227 = (4/pi)/sqrt(3)
 */
export function dphiMoment(activation: unknown, q: number, k: number): number {
  const a = resolveActivation(activation, 'activation');
  const qq = qValue('q', q);
  const kk = positiveNumber('k', k);
  const mu = muK(a, qq, kk);
  // a huge k overflows (e.g. erf: (4/pi)^k): a loud error rather than Infinity or NaN
  if (!Number.isFinite(mu)) throw new NumericalError(ErrorCode.overflow, `dphiMoment: E[phi'(sqrt(q) h)^(2k)] overflows at q = ${qq}, k = ${kk}`, { details: { q: qq, k: kk } });
  return mu;
}

/**
 * ∫Dh phi(sqrt(q) h)^2, the expectation in the length map (paper eq. 4). Closed forms for linear,
 * relu, leaky-relu, hard-tanh and erf ((2/pi) asin(2q/(1+2q))); quadrature otherwise.
 * @param activation - a name, `{ name, ...params }`, `{ phi, dphi, kinks? }` or a resolved Activation.
 * @param q - the pre-activation variance, finite, in [0, MAX_Q_STAR].
 * @returns E[phi(sqrt(q) h)^2].
 * @throws type/range errors for invalid input; ActivationEvaluationError for a failing user phi.
 * @example phiSquaredMoment('erf', 0.5); // 1/3
 */
export function phiSquaredMoment(activation: unknown, q: number): number {
  const a = resolveActivation(activation, 'activation');
  const qq = qValue('q', q);
  return ePhi2(a, qq);
}
