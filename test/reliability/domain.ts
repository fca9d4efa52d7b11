/**
 * The domain sweep of spectralDensity (issue 11, item 3): a grid of network specs over the whole
 * accepted domain, and a checker that decides, independently of the library's own self-checks,
 * whether each call returned a valid spectral law or refused with a typed error.
 *
 * The grid: every built-in activation x both weight laws x q* log-spaced from 1e-8 to MAX_Q_STAR on
 * the critical line x depths 1 .. 1e4, plus off-critical (weightStd, biasStd) points in both phases
 * (large stds, biasStd = 0), plus random specs drawn by fast-check with the pinned seed FC_SEED.
 * `fastCases()` is the slice run by `npm test`; `fullCases()` the grid run by
 * scripts/reliability/domain-sweep.mjs (DI_SWEEP=full).
 *
 * The checker (`checkCase`): the call must return a law that passes every invariant below, or throw
 * a DynamicalIsometryRangeError / DynamicalIsometryTypeError / NumericalError with a code of
 * ErrorCode that names a parameter of the call (`spec.*`, `options.*`). Anything else is a
 * violation: an untyped error, an invalid law, or a library call slower than CALL_BOUND_MS (async
 * calls are aborted and abandoned at the bound; sync ones, r.cdf and r.quantile, are timed when they
 * return, and one that never returns is killed by the script's watchdog). Invariants (THEORY §3-§4,
 * §8.3), checked on the result and on further calls of the same spec (`at` nodes, cdf, quantile):
 * - structure: density finite and >= 0; grid points inside the support; support intervals finite,
 *   ordered and disjoint; atoms ascending with masses in (0, 1]; continuous mass = 1 - atoms;
 *   lambdaMax = max(support.max, largest atom); a continuous part has a non-empty support;
 *   singular-value density = 2 s rho(s^2); diagnostics: converged implies no failures and no
 *   unresolved points, on every call.
 * - CDF: values in [0, 1], monotone, 0 below 0, the atoms below the support just below it, 1 at
 *   lambdaMax; quantile(p) in [0, lambdaMax], monotone, and F brackets p around it.
 * - mass: our own adaptive tanh-sinh quadrature of the density (in log lambda below 1e-3 of an
 *   interval's top; split at atoms, orthogonal ghost atoms weightStd^(2L) a^L, the critical values of
 *   phi'^2 at L = 1, and the library's quantiles so that narrow bumps fill their pieces) equals the
 *   CDF increments between checkpoints and, with the atoms and the tail below 1e-300 that F claims,
 *   sums to 1. No node within 64 ulps of a singular end (the density is ill-conditioned there for
 *   any solver); the mass there is bounded from the inverse-square-root envelope, and the density in
 *   that gap must stay under 8 times the envelope. Where the density has died out at 1e-300 the tail
 *   that F claims must be small.
 * - moments: finite; m2 >= m1^2, m4 >= m2^2, m3^2 <= m2 m4; mean = chi^L; variance = the closed form
 *   of THEORY §4.1; mean and m2 of the law (atoms + quadrature) equal r.moments.
 * - closed forms: atoms of every law with a discrete part of D^2 (THEORY §4.3, §8.2; the q* -> 0
 *   limit), linear Gaussian (Marchenko-Pastur at L = 1, Fuss-Catalan moments, edge and parametric
 *   density), linear orthogonal (one atom), relu / hard-tanh moments and edges, their density from
 *   the roots of the polynomial of §4.3 (L <= 7), the arcsine law (orthogonal relu, L = 2), Gaussian
 *   relu at L = 1, and for orthogonal weights at L = 1 the law of weightStd^2 phi'(sqrt(q*) h)^2 for
 *   every smooth activation (CDF and support edges through the monotone branches of phi'^2).
 * Tolerances are in TOL (and cdfTolerance, conditioning, edgeBound), each with its reason.
 * @module
 */
import fc from 'fast-check';

import { erf, erfc } from '../../lib/activations/index.js';
import { BUILTINS, SELU_LAMBDA } from '../../lib/activations/builtins.js';
import {
  activationNames,
  configure,
  CRITICAL_CHI_TOLERANCE,
  DynamicalIsometryRangeError,
  DynamicalIsometryTypeError,
  MAX_Q_STAR,
  NumericalError,
  spectralDensity,
  type NetworkSpec,
  type SpectralDensity,
  type SpectralDensityOptions,
} from '../../lib/index.js';
import { EPS } from '../helpers/close.js';
import { FC_SEED, show, typedErrorProblem } from './harness.js';

// ---- tolerances ------------------------------------------------------------------------------------

/** Every tolerance of the checker, with the reason for its size. */
export const TOL = {
  /**
   * Absolute accuracy of the CDF: the README's accuracy table gives 1.0e-13 worst against the
   * reference set; 10x for cases outside it. Plus the rounding of F = 1 - Im H / pi, where
   * H = L K(w) + ...: 4 (L + 1) eps (see cdfTolerance; 9e-12 at L = 1e4).
   */
  cdf: 1e-12,
  /**
   * Relative accuracy of integrals of rho by our tanh-sinh rule: the density is accurate to 2.7e-12
   * relative (README) and the rule at step 1/32 is exact to ~1e-13 for integrands analytic inside a
   * segment with algebraic end singularities; 1e-9 leaves a factor ~300 (the identities test uses the
   * same figure).
   */
  quadrature: 1e-9,
  /**
   * |I(h) - I(2h)| of the nested tanh-sinh rule above which a segment counts as unresolved (the
   * density is not smooth there: noise, a missed atom or an unmarked singularity); relative to the
   * mass of the case. At h = 1/32 a smooth segment gives |I(h) - I(2h)| ~ 1e-12.
   */
  convergence: 1e-8,
  /** mean = chi^L: both are chi^L in floating point; exp(L log chi) rounds to |L ln chi| <= 690 ulp. */
  meanClosedForm: 1e-12,
  /**
   * Moment inequalities: rounding slack relative to the larger side, per unit of depth. m3 and m4
   * come from an order-4 series in which L log S_D is formed from O(1) terms, so their relative
   * rounding grows like L eps (the README's native-vs-JS floor also grows like L eps); the slack is
   * 16 (L + 4) eps.
   */
  inequalityPerLayer: 16 * EPS,
  /**
   * Closed-form moments (Fuss-Catalan, Bernoulli m1/m2, orthogonal linear): the README gives atoms,
   * mean and variance to 1e-14 relative; m3/m4 from the series to ~L eps (cancellation of terms L^k
   * larger than the result); 1e-9 covers L = 1e4.
   */
  momentClosedForm: 1e-9,
  /** Edges against closed forms: README gives lambda_max to 1.7e-13; 1e-10 leaves a factor 500. */
  edge: 1e-10,
  /** Atom locations and masses against closed forms: weightStd^(2L) to 2L|ln sigma| ulp <= 1e-12. */
  atom: 1e-12,
  /**
   * Density against closed forms, on pi lambda rho = -Im M (in [0, 1]): the README gives 2.7e-12
   * relative in the bulk and ~1e-16 absolute in pi lambda rho in far tails; our polynomial roots are
   * good to ~eps / sqrt(distance to an edge) <= 1e-13 at the points compared; 1e-10 absolute +
   * 1e-8 relative leave two decades.
   */
  densityAbs: 1e-10,
  densityRel: 1e-8,
  /**
   * Mean and m2 from the density (our quadrature + atoms) against r.moments: the quadrature
   * tolerance plus the documented 1e-8 at L = 1e4 (identities test: quadrature-limited).
   */
  lawMoments: 1e-8,
  /**
   * Quantiles: README gives 2e-9 relative worst (at a 7e-12 quantile of a 0.4% continuous part);
   * F must bracket p on [q (1 - 1e-8), q (1 + 1e-8)], a factor 5.
   */
  quantileRel: 1e-8,
  /**
   * lambda rho below which the density is at its documented noise level (README: ~1e-16 absolute
   * in pi lambda rho in far tails), times 30.
   */
  densityNoise: 1e-15,
} as const;

/** The CDF accuracy the library states for laws that are not narrow (lib/free/self-check.ts). */
const BASE_STATED_CDF_ACCURACY = 1e-8;

/** TOL.cdf plus the rounding of H = L K(w) + ... in F = 1 - Im H / pi, which grows like L eps. */
function cdfTolerance(depth: number): number {
  return TOL.cdf + 4 * (depth + 1) * EPS;
}

/**
 * Bound on one library call (async: enforced by abort + race; sync: measured after it returns). The
 * sweep script sets it (20 s by default, its figure of "hangs"); inside `npm test` it only has to
 * catch a call that never ends, on a shared 2-core machine where the JS backend's largest fast-slice
 * calls take tens of seconds under load (timings belong in benchmarks): 180 s there.
 */
export const CALL_BOUND_MS = Number(process.env.DI_SWEEP_CALL_BOUND_MS ?? (process.env.DI_SWEEP === 'full' ? 20_000 : 180_000));

/** Smallest lambda our quadrature evaluates; below it the README says quantiles are not representable. */
const FLOOR = 1e-300;

/** Points of the main grid call. */
const GRID_POINTS = 200;

// ---- the grid ----------------------------------------------------------------------------------

export type Backend = 'native' | 'js';

/** One call of the sweep. */
export interface SweepCase {
  /** Stable label: `activation/weights/L=depth/q*=...` or `.../sw=...,sb=...`. */
  readonly id: string;
  readonly spec: NetworkSpec;
  readonly backend: Backend;
  readonly origin: 'grid' | 'property';
}

/** The built-in activations (12). */
export const ACTIVATIONS: readonly string[] = activationNames;
export const WEIGHTS = ['gaussian', 'orthogonal'] as const;
/** Depths from 1 to 1e4. */
export const DEPTHS = [1, 2, 7, 32, 300, 10_000] as const;
/** q* on the critical line, log-spaced from 1e-8 to MAX_Q_STAR (1e16). */
export const Q_STARS: readonly number[] = [1e-8, 1e-5, 1e-2, 0.3, 1, 10, 1e3, 1e6, 1e11, MAX_Q_STAR];
/**
 * Off-critical (weightStd, biasStd): ordered and chaotic points for every activation, biasStd = 0
 * (q* = 0 for sigmoids below sigma_w = 1, marginal or no fixed point for relu-like), relu just below
 * (1.3, 1.41421356) and at/above criticality, and stds up to 1e3.
 */
export const OFF_CRITICAL: readonly (readonly [number, number])[] = [
  [0.5, 0],
  [0.5, 0.5],
  [0.9, 0.05],
  [1.3, 0],
  [1.41421356, 0],
  [1.5, 0.3],
  [2, 1],
  [4, 0],
  [1e3, 0],
  [1e3, 1e3],
  [0.05, 1e3],
];

function fmt(x: number): string {
  return x === MAX_Q_STAR ? '1e16' : Number(x.toPrecision(9)).toString();
}

function criticalCase(activation: string, weights: 'gaussian' | 'orthogonal', depth: number, qStar: number, backend: Backend, origin: SweepCase['origin'] = 'grid'): SweepCase {
  return { id: `${activation}/${weights}/L=${depth}/q*=${fmt(qStar)}${backend === 'js' ? ' [js]' : ''}`, spec: { activation, weights, depth, qStar }, backend, origin };
}

function stdsCase(activation: string, weights: 'gaussian' | 'orthogonal', depth: number, weightStd: number, biasStd: number, backend: Backend, origin: SweepCase['origin'] = 'grid'): SweepCase {
  return {
    id: `${activation}/${weights}/L=${depth}/sw=${fmt(weightStd)},sb=${fmt(biasStd)}${backend === 'js' ? ' [js]' : ''}`,
    spec: { activation, weights, depth, weightStd, biasStd },
    backend,
    origin,
  };
}

/** Random specs over the whole domain (fast-check, pinned seed): log-uniform depth, q*, stds. */
export function propertyCases(numRuns: number, backends: readonly Backend[], seed = FC_SEED): SweepCase[] {
  // uniform in log10 (fc.double is uniform over the bit patterns of doubles, which crowd near 0)
  const unit = fc.integer({ min: 0, max: 2 ** 30 }).map((k) => k / 2 ** 30);
  const logUniform = (lo: number, hi: number) => unit.map((u) => 10 ** (Math.log10(lo) + u * (Math.log10(hi) - Math.log10(lo))));
  const depth = unit.map((u) => Math.max(1, Math.round(10 ** (4 * u))));
  const arb = fc.record({
    activation: fc.constantFrom(...ACTIVATIONS),
    weights: fc.constantFrom(...WEIGHTS),
    depth,
    backend: fc.constantFrom(...backends),
    point: fc.oneof(
      fc.record({ qStar: logUniform(1e-8, MAX_Q_STAR) }),
      fc.record({ weightStd: logUniform(1e-2, 1e3), biasStd: fc.oneof(fc.constant(0), logUniform(1e-4, 1e3)) }),
    ),
  });
  // unbiased: the grid already holds the ends of every range; here the interior is sampled
  return fc.sample(fc.noBias(arb), { seed, numRuns }).map((c) =>
    'qStar' in c.point ? criticalCase(c.activation, c.weights, c.depth, c.point.qStar, c.backend, 'property') : stdsCase(c.activation, c.weights, c.depth, c.point.weightStd, c.point.biasStd, c.backend, 'property'),
  );
}

/**
 * The full grid: 12 activations x 2 laws x (10 q* + 11 std pairs) x 6 depths = 3024 cases on the
 * default backend, plus `property` random specs split over the backends.
 */
export function fullCases(backends: readonly Backend[], property = 400): SweepCase[] {
  const b = backends[0] as Backend;
  const out: SweepCase[] = [];
  for (const a of ACTIVATIONS) {
    for (const w of WEIGHTS) {
      for (const L of DEPTHS) {
        for (const q of Q_STARS) out.push(criticalCase(a, w, L, q, b));
        for (const [sw, sb] of OFF_CRITICAL) out.push(stdsCase(a, w, L, sw, sb, b));
      }
    }
  }
  return [...out, ...propertyCases(property, backends)];
}

/**
 * The slice for `npm test` (about 150 cases): for every activation and weight law, the smallest and
 * the largest q*, a middle q* at depth 1 and at depth 1e4 (depths rotate so that every depth meets
 * both ends of q*), one ordered and one chaotic std pair; the relu points 1.3 / 1.41421356 with
 * biasStd 0; every sixth case on the JS backend when native is the default; plus random specs.
 */
export function fastCases(backends: readonly Backend[], property = 8): SweepCase[] {
  const out: SweepCase[] = [];
  const b0 = backends[0] as Backend;
  const mids = [1e-5, 1e-2, 0.3, 1, 10, 1e3, 1e6, 1e11];
  ACTIVATIONS.forEach((a, i) => {
    WEIGHTS.forEach((w, j) => {
      const k = 2 * i + j;
      const d = (n: number) => DEPTHS[(k + n) % DEPTHS.length] as number;
      const b = (n: number): Backend => ((k + n) % 6 === 0 ? (backends[backends.length - 1] as Backend) : b0);
      out.push(criticalCase(a, w, d(0), 1e-8, b(0)));
      out.push(criticalCase(a, w, d(3), MAX_Q_STAR, b(1)));
      out.push(criticalCase(a, w, 1, mids[k % mids.length] as number, b(2)));
      out.push(criticalCase(a, w, 10_000, mids[(k + 3) % mids.length] as number, b(3)));
      // ordered (sigma_w = 0.5, chi <= 0.77 for every built-in) and chaotic (sigma_w = 1e3, or 1.5)
      out.push(stdsCase(a, w, d(1), 0.5, 0.5, b(4)));
      out.push(stdsCase(a, w, d(4), k % 2 === 0 ? 1e3 : 1.5, k % 2 === 0 ? 0 : 0.3, b(5)));
    });
  });
  for (const w of WEIGHTS) {
    out.push(stdsCase('relu', w, 7, 1.3, 0, b0));
    out.push(stdsCase('relu', w, 300, 1.41421356, 0, b0));
  }
  return [...out, ...propertyCases(property, backends, FC_SEED + 11)];
}

// ---- outcomes ----------------------------------------------------------------------------------

export type Verdict = 'valid' | 'refused' | 'violation' | 'untyped' | 'hang';

/** One failed invariant: which check, and a sentence with the numbers. */
export interface Violation {
  readonly check: string;
  readonly message: string;
}

/** What one case gave. */
export interface CaseOutcome {
  readonly id: string;
  readonly spec: NetworkSpec;
  readonly backend: Backend;
  readonly origin: SweepCase['origin'];
  verdict: Verdict;
  /** The error code of a typed refusal. */
  code?: string;
  /** The error message of a refusal or an untyped error. */
  error?: string;
  violations: Violation[];
  /** Check calls the library refused (typed) or checks skipped, which limit what was verified. */
  notes: string[];
  /** chi of the resolved spec, when it resolved. */
  chi?: number;
  ms: number;
}

/** The case passes: a valid law, or a typed refusal. */
export function passed(o: CaseOutcome): boolean {
  return o.verdict === 'valid' || o.verdict === 'refused';
}

/** A readable list of what failed (for test messages and the report). */
export function describeOutcome(o: CaseOutcome): string {
  const head = `${o.id}: ${o.verdict}${o.code ? ` (${o.code})` : ''}${o.error ? `: ${o.error}` : ''}`;
  return [head, ...o.violations.map((v) => `  [${v.check}] ${v.message}`)].join('\n');
}

// ---- bounded calls -----------------------------------------------------------------------------

class Hang extends Error {}

type Called<T> = { ok: true; value: T } | { ok: false; error: unknown; hang: boolean };

/** Runs an async library call with a time bound: aborts it and stops waiting after `ms`. */
async function boundedAsync<T>(run: (signal: AbortSignal) => Promise<T>, ms: number): Promise<Called<T>> {
  const ac = new AbortController();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      fired = true;
      ac.abort();
      reject(new Hang());
    }, ms);
  });
  const p = run(ac.signal);
  p.catch(() => undefined); // it may reject after the timeout won the race
  try {
    return { ok: true, value: await Promise.race([p, timeout]) };
  } catch (error) {
    return { ok: false, error, hang: fired };
  } finally {
    clearTimeout(timer);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}${(e as { code?: string }).code ? ` ${(e as { code?: string }).code}` : ''}: ${e.message}`;
  return show(e);
}

/**
 * The typed-error contract of the sweep: one of the three library classes with a known code, and
 * for argument errors a parameter of this call (`spec.*` or `options.*`) named in the message.
 * Returns null when the error honours it.
 */
export function refusalProblem(e: unknown): string | null {
  if (!(e instanceof DynamicalIsometryRangeError || e instanceof DynamicalIsometryTypeError || e instanceof NumericalError)) return `untyped error ${errorText(e)}`;
  const p = typedErrorProblem(e);
  if (p) return p;
  const parameter = (e as { parameter?: string }).parameter;
  if (parameter !== undefined && !/^(spec|options)(\.|$)/.test(parameter)) return `the error names "${parameter}", which is not a parameter of spectralDensity(spec, options): ${e.message}`;
  return null;
}

/**
 * Records a check call that did not return: a hang or an untyped error is a violation, a typed
 * refusal a note (the call's contract allows it; what it would have checked stays unchecked).
 */
function callFailed(ctx: Ctx, res: Extract<Called<unknown>, { ok: false }>, what: string): void {
  if (res.hang) {
    fail(ctx, 'hang', `spectralDensity(spec, { at: ${what} }) did not settle within ${ctx.bound / 1000} s`);
    return;
  }
  const p = refusalProblem(res.error);
  if (p) fail(ctx, 'untyped-error', `spectralDensity(spec, { at: ${what} }): ${p}`);
  else ctx.notes.push(`spectralDensity(spec, { at: ${what} }) refused: ${errorText(res.error)}`);
}

/** A sync call of the result (cdf, quantile) with its duration checked against the call bound. */
class SyncCalls {
  constructor(readonly bound: number) {}
  readonly slow: Violation[] = [];
  readonly refused: string[] = [];
  readonly untyped: Violation[] = [];
  call<T>(label: string, fn: () => T): T | undefined {
    if (this.slow.length > 0) return undefined; // the case has failed with a hang already
    const t0 = performance.now();
    try {
      return fn();
    } catch (e) {
      const p = refusalProblem(e);
      if (p) this.untyped.push({ check: 'untyped-error', message: `${label}: ${p}` });
      else this.refused.push(`${label}: ${errorText(e)}`);
      return undefined;
    } finally {
      const ms = performance.now() - t0;
      if (ms > this.bound) this.slow.push({ check: 'hang', message: `${label} took ${(ms / 1000).toFixed(1)} s (bound ${this.bound / 1000} s)` });
    }
  }
}

// ---- quadrature ----------------------------------------------------------------------------------

/**
 * A nested tanh-sinh (double-exponential) rule on [lo, hi] (in lambda or in log lambda): nodes at
 * t = k h, |t| <= 6, with the weights of step h and of step 2h (every other node). Abscissae come
 * from the distance to the nearer end, so nodes reach ~1e-16 relative of an end without
 * cancellation; nodes that round onto an end are dropped.
 */
interface Rule {
  x: number[];
  w: number[];
  w2: number[];
}

function tanhSinh(lo: number, hi: number, h: number): Rule {
  const rule: Rule = { x: [], w: [], w2: [] };
  const K = Math.round(6 / h);
  for (let k = -K; k <= K; k++) {
    const t = k * h;
    const u = (Math.PI / 2) * Math.sinh(t);
    const near = (hi - lo) / (1 + Math.exp(2 * Math.abs(u))); // distance to the nearer end
    const xi = t < 0 ? lo + near : hi - near;
    const ch = Math.cosh(u);
    const wi = ((hi - lo) / 2) * h * (Math.PI / 2) * (Math.cosh(t) / (ch * ch));
    if (!(xi > lo && xi < hi && wi > 0)) continue;
    rule.x.push(xi);
    rule.w.push(wi);
    rule.w2.push(k % 2 === 0 ? 2 * wi : 0);
  }
  return rule;
}

/**
 * A piece of the support between two checkpoints of the CDF, integrated in lambda ('lin') or in
 * log lambda ('log'), as a list of cells that the adaptive rule refines.
 */
interface Piece {
  lo: number;
  hi: number;
  kind: 'lin' | 'log';
  /** lo / hi is an edge of the support (a possibly singular end), not an interior checkpoint. */
  edgeLo: boolean;
  edgeHi: boolean;
  cells: Cell[];
}

/** A cell [a, b] of a piece, in the piece's variable (lambda or log lambda). */
interface Cell {
  a: number;
  b: number;
  /** Share of the piece's width (its part of the piece's convergence tolerance). */
  share: number;
  rule: Rule;
  rho: Float64Array | null;
  /** The cell has been split (its children are in the piece's list). */
  split: boolean;
}

/** Points per `at` call of the quadrature (each call is bounded by CALL_BOUND_MS: >= 20 ms a point is a hang). */
const AT_CHUNK = 1000;

/** Rounds of splitting in 4 (see `integrateSupport`), and the node budget of one case. */
const MAX_ROUNDS = 6;
const MAX_NODES = 20_000;

/** Step 1/32 for the first cell of a piece (its ends may be singular), 1/16 for refined cells. */
function newCell(p: Piece, a: number, b: number, share: number, step = 1 / 32): Cell {
  const rule = tanhSinh(a, b, step);
  // no node within EDGE_GAP of a singular end (see edgeBound): the density is ill-conditioned there
  const ends = [...(p.edgeLo ? [p.lo] : []), ...(p.edgeHi ? [p.hi] : [])];
  const keep = rule.x.map((v) => ends.every((e) => Math.abs(lambdaOf(p, v) - e) >= EDGE_GAP * Math.abs(e)));
  if (keep.every(Boolean)) return { a, b, share, rule, rho: null, split: false };
  const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
  return { a, b, share, rule: { x: pick(rule.x), w: pick(rule.w), w2: pick(rule.w2) }, rho: null, split: false };
}

/** Relative distance to a singular end within which no node is placed: 64 eps (see edgeBound). */
const EDGE_GAP = 64 * EPS;

/**
 * Splits the support into pieces between checkpoints of the CDF. Singular cuts (atoms and ghost
 * atoms inside an interval, merged when closer than 1e-9 relative) split each interval into
 * sub-intervals whose ends may be singular; inside each, the `marks` (quantiles of the law: where
 * its mass is, so that narrow bumps fill their pieces), the point 1e-3 hi and the midpoint of the
 * linear part are plain checkpoints. Pieces below 1e-3 hi are integrated in
 * log lambda from max(lo, FLOOR) (the heavy mass near 0 of Gaussian laws: rho ~ lambda^(-L/(L+1))).
 */
function pieces(intervals: readonly (readonly [number, number])[], cuts: readonly number[], marks: readonly number[]): Piece[] {
  const out: Piece[] = [];
  const add = (lo: number, hi: number, kind: Piece['kind'], edgeLo: boolean, edgeHi: boolean) => {
    if (!(hi > lo)) return;
    const p: Piece = { lo, hi, kind, edgeLo, edgeHi, cells: [] };
    const [a, b] = rangeOf(p);
    p.cells.push(newCell(p, a, b, 1));
    out.push(p);
  };
  const apart = (x: number, y: number, rel: number) => Math.abs(x - y) > rel * Math.max(Math.abs(x), Math.abs(y));
  for (const [a, b] of intervals) {
    const ends = [a];
    for (const c of [...cuts].sort((u, v) => u - v)) if (c > a && c < b && apart(c, ends[ends.length - 1] as number, 1e-9) && apart(c, b, 1e-9)) ends.push(c);
    ends.push(b);
    for (let i = 0; i + 1 < ends.length; i++) {
      const lo = ends[i] as number;
      const hi = ends[i + 1] as number;
      const junction = 1e-3 * hi;
      const start = Math.max(lo, FLOOR);
      const inner = marks.filter((m) => m > start && m < hi && apart(m, start, 1e-12) && apart(m, hi, 1e-12) && apart(m, junction, 1e-12));
      const linFrom = Math.max(start, lo < junction ? junction : lo);
      // the midpoint of the linear part too, so that F is also probed away from the mass
      const mid = linFrom + (hi - linFrom) / 2;
      const points = [...inner.filter((m) => apart(m, mid, 1e-3)), ...(lo < junction ? [junction] : []), mid].sort((u, v) => u - v);
      const all = [start, ...points.filter((m) => m > start && m < hi), hi];
      for (let k = 0; k + 1 < all.length; k++) {
        const u = all[k] as number;
        const v = all[k + 1] as number;
        add(u, v, v <= junction ? 'log' : 'lin', k === 0 && lo >= FLOOR, k + 2 === all.length);
      }
    }
  }
  return out;
}

function lambdaOf(p: Piece, v: number): number {
  return p.kind === 'lin' ? v : Math.exp(v);
}

/** The piece's range in its variable. */
function rangeOf(p: Piece): [number, number] {
  return p.kind === 'lin' ? [p.lo, p.hi] : [Math.log(p.lo), Math.log(p.hi)];
}

interface CellSum {
  mass: number;
  mass2h: number;
  mean: number;
  m2: number;
  nan: number;
  /** Index of the node with the largest contribution to the mass. */
  peak: number;
}

function sumCell(p: Piece, c: Cell): CellSum {
  const s: CellSum = { mass: 0, mass2h: 0, mean: 0, m2: 0, nan: 0, peak: -1 };
  let best = -1;
  const rho = c.rho as Float64Array;
  c.rule.x.forEach((v, i) => {
    const lam = lambdaOf(p, v);
    const d = rho[i] as number;
    if (!Number.isFinite(d)) {
      s.nan++;
      return;
    }
    const f = d * (p.kind === 'lin' ? 1 : lam); // d lambda = lambda d(log lambda)
    const wf = (c.rule.w[i] as number) * f;
    s.mass += wf;
    s.mass2h += (c.rule.w2[i] as number) * f;
    s.mean += wf * lam;
    s.m2 += wf * lam * lam;
    if (wf > best) {
      best = wf;
      s.peak = i;
    }
  });
  return s;
}

/**
 * The mass the quadrature does not see at a singular end e of a piece (a support edge, an atom, a
 * ghost atom). Near an edge w sits near a branch point of z(w) = lambda, so any solver in double
 * precision gets w with relative error ~ eps |e| / d at distance d (measured: rho off by
 * 6.8e-16 / d relative for erf, orthogonal, L = 1, edge at 1.48): no node is placed within
 * D = EDGE_GAP |e| = 64 eps |e| of e, and e itself may be off by as much (the edge is located by
 * the same solver). With rho ~ C d^(-1/2) (an inverse-square-root edge; a square-root edge gives
 * C ~ 0) the mass unseen is at most 2 C sqrt(2 D), and the error beyond D at most 1/16 of that (1/8
 * here). C = max rho sqrt(d) over the nodes at 1e-12 |e| <= d <= 1e-8 |e| (asymptotic, but well
 * conditioned), else at the nearest node.
 */
function edgeBound(p: Piece, c: Cell, end: 'lo' | 'hi'): number {
  const e = end === 'lo' ? p.lo : p.hi;
  return 2 * edgeC(p, c, end) * Math.sqrt(2 * EDGE_GAP * Math.abs(e)) * (1 + 1 / 8);
}

/** C of edgeBound: max rho sqrt(d) over the cell's nodes at 1e-12 |e| <= d <= 1e-8 |e| from the end e. */
function edgeC(p: Piece, c: Cell, end: 'lo' | 'hi'): number {
  const rho = c.rho as Float64Array;
  const e = end === 'lo' ? p.lo : p.hi;
  let C = 0;
  let nearest = -1;
  let dNearest = Infinity;
  c.rule.x.forEach((v, i) => {
    const d = Math.abs(lambdaOf(p, v) - e);
    const ci = Math.abs(rho[i] as number) * Math.sqrt(d);
    if (d >= 1e-12 * Math.abs(e) && d <= 1e-8 * Math.abs(e) && ci > C) C = ci;
    if (d < dNearest) {
      dNearest = d;
      nearest = i;
    }
  });
  if (C === 0 && nearest >= 0) C = Math.abs(rho[nearest] as number) * Math.sqrt(dNearest);
  return C;
}

/**
 * Inside the gap that the quadrature leaves at a support edge e, the density may lose accuracy but
 * must stay below 8 C d^(-1/2) (+ the noise floor), eight times the envelope fitted further out (edgeC): no edge of
 * these laws is stronger than an inverse square root (square-root, arcsine, fold and jump edges). A
 * density that blows up there puts spurious mass at the edge. Sampled at 4, 16 and 64 ulps of e
 * (the last ulp or two are ill-conditioned for any solver).
 */
async function checkEdgeEnvelope(ctx: Ctx, ps: Piece[]): Promise<void> {
  const probes: { x: number; bound: number; e: number }[] = [];
  for (const [a, b] of ctx.r.support.intervals) {
    for (const [e, end] of [[a, 'lo'], [b, 'hi']] as const) {
      if (!(e >= FLOOR)) continue;
      const p = ps.find((q) => (end === 'lo' ? q.lo === e && q.edgeLo : q.hi === e && q.edgeHi));
      const [va, vb] = p ? rangeOf(p) : [0, 0];
      const cell = p?.cells.find((c) => !c.split && c.rho && (end === 'lo' ? c.a === va : c.b === vb));
      if (!p || !cell) continue;
      const C = edgeC(p, cell, end);
      for (const k of [4, 16, 64]) {
        const d = k * EPS * Math.abs(e);
        // plus the documented noise floor of far tails (lambda rho ~ 1e-16)
        probes.push({ x: end === 'lo' ? e + d : e - d, bound: (8 * C) / Math.sqrt(d) + TOL.densityNoise / Math.abs(e), e });
      }
    }
  }
  if (probes.length === 0) return;
  const res = await ctx.call({ at: probes.map((q) => q.x), strict: false });
  if (!res.ok) {
    callFailed(ctx, res, 'points near the support edges');
    return;
  }
  probes.forEach((q, i) => {
    const rho = res.value.density[i] as number;
    if (rho > q.bound) fail(ctx, 'edge', `rho(${q.x}) = ${rho.toExponential(3)} at ${Math.round(Math.abs(q.x - q.e) / (EPS * Math.abs(q.e)))} ulp of the support edge ${q.e}, above 8 C d^(-1/2) = ${q.bound.toExponential(3)}: the density blows up at the edge`);
  });
}

/** The edge bounds [lo, hi] of a cell that touches a singular end of its piece. */
function cellEdge(p: Piece, c: Cell): [number, number] {
  const [va, vb] = rangeOf(p);
  return [p.edgeLo && c.a === va ? edgeBound(p, c, 'lo') : 0, p.edgeHi && c.b === vb ? edgeBound(p, c, 'hi') : 0];
}

interface PieceIntegral {
  mass: number;
  mean: number;
  m2: number;
  /** Mass unresolved at the piece's singular ends lo, hi (see edgeBound). */
  endLo: number;
  endHi: number;
  /** Nodes where the density was NaN (strict: false, no convergence). */
  nan: number;
  /** |I(h) - I(2h)| summed over the leaf cells (beyond their edge bounds); converged when <= TOL.convergence. */
  error: number;
  converged: boolean;
  nodes: number;
}

/**
 * Integrates rho, lambda rho, lambda^2 rho over every piece by adaptive tanh-sinh: a cell whose
 * nested estimates differ by more than its share of TOL.convergence (plus the edge bound at a
 * singular end) is split in 4, at its largest contribution when that is inside it (a narrow peak
 * then sits at cell ends, where the rule clusters its nodes), for up to MAX_ROUNDS rounds or
 * MAX_NODES nodes. Each round is one `at` call per AT_CHUNK nodes (strict: false: a point that does
 * not converge is NaN and noted). A piece has converged when its summed estimate is within
 * TOL.convergence.
 */
/**
 * TOL.convergence, or the stated CDF accuracy where that is larger: a narrow law's density is
 * accurate relative to its width as F is (diagnostics.cdfAccuracy), and its integrals are held to that.
 */
function convergenceTolerance(ctx: Ctx): number {
  return Math.max(TOL.convergence, ctx.cdfTol);
}

async function integrateSupport(ctx: Ctx, ps: Piece[]): Promise<Called<PieceIntegral[]>> {
  let nodes = 0;
  for (let round = 0; ; round++) {
    const todo: [Piece, Cell][] = [];
    for (const p of ps) for (const c of p.cells) if (!c.rho && !c.split) todo.push([p, c]);
    if (todo.length === 0) break;
    const at = Float64Array.from(todo.flatMap(([p, c]) => c.rule.x.map((v) => lambdaOf(p, v))));
    const rho = new Float64Array(at.length);
    // chunks of AT_CHUNK points, each bounded by CALL_BOUND_MS
    for (let from = 0; from < at.length; from += AT_CHUNK) {
      const chunk = at.subarray(from, from + AT_CHUNK);
      const res = await ctx.call({ at: chunk, strict: false });
      if (!res.ok) return res;
      checkDiagnostics(ctx, res.value.diagnostics, 'the quadrature call');
      rho.set(res.value.density, from);
    }
    nodes += at.length;
    let k = 0;
    for (const [, c] of todo) {
      c.rho = rho.slice(k, k + c.rule.x.length);
      k += c.rule.x.length;
    }
    if (round + 1 >= MAX_ROUNDS || nodes >= MAX_NODES) break;
    for (const [p, c] of todo) {
      const s = sumCell(p, c);
      if (s.nan > 0) continue;
      const [e0, e1] = cellEdge(p, c);
      if (Math.abs(s.mass - s.mass2h) <= convergenceTolerance(ctx) * c.share + e0 + e1) continue;
      const peak = s.peak >= 0 ? (c.rule.x[s.peak] as number) : NaN;
      const inside = peak > c.a + 0.05 * (c.b - c.a) && peak < c.b - 0.05 * (c.b - c.a);
      const cuts = inside ? [c.a, (c.a + peak) / 2, peak, (peak + c.b) / 2, c.b] : [0, 1, 2, 3, 4].map((j) => c.a + ((c.b - c.a) * j) / 4);
      c.split = true;
      for (let j = 0; j < 4; j++) p.cells.push(newCell(p, cuts[j] as number, cuts[j + 1] as number, (c.share * ((cuts[j + 1] as number) - (cuts[j] as number))) / (c.b - c.a), 1 / 16));
    }
  }
  return {
    ok: true,
    value: ps.map((p) => {
      const out: PieceIntegral = { mass: 0, mean: 0, m2: 0, endLo: 0, endHi: 0, nan: 0, error: 0, converged: true, nodes: 0 };
      for (const c of p.cells) {
        if (c.split || !c.rho) continue;
        const s = sumCell(p, c);
        out.mass += s.mass;
        out.mean += s.mean;
        out.m2 += s.m2;
        out.nan += s.nan;
        out.nodes += c.rule.x.length;
        const [e0, e1] = cellEdge(p, c);
        out.endLo += e0;
        out.endHi += e1;
        out.error += Math.max(0, Math.abs(s.mass - s.mass2h) - e0 - e1); // the edge cells may differ by their bound
      }
      // per-cell shares steer the refinement; the verdict is on the piece's summed estimate
      out.converged = out.error <= convergenceTolerance(ctx);
      return out;
    }),
  };
}

// ---- closed forms ------------------------------------------------------------------------------

/** Atoms of D^2 = phi'(sqrt(q*) h)^2 for the activations whose phi' has flat pieces (value, mass). */
function d2Atoms(activation: string, qStar: number, params: Readonly<Record<string, number>>): { value: number; mass: number }[] | null {
  switch (activation) {
    case 'linear':
      return [{ value: 1, mass: 1 }];
    case 'relu':
      return [
        { value: 0, mass: 0.5 },
        { value: 1, mass: 0.5 },
      ];
    case 'leaky-relu': {
      const s = params.slope ?? 0.01;
      return [
        { value: s * s, mass: 0.5 },
        { value: 1, mass: 0.5 },
      ];
    }
    case 'hard-tanh': {
      // p = P(|sqrt(q*) h| < 1) = erf(1/sqrt(2 q*)) and 1 - p = erfc(...), each without cancellation
      const x = qStar > 0 ? 1 / Math.sqrt(2 * qStar) : Infinity;
      return [
        { value: 0, mass: qStar > 0 ? erfc(x) : 0 },
        { value: 1, mass: qStar > 0 ? erf(x) : 1 },
      ].filter((a) => a.mass > 0);
    }
    case 'elu':
      return [{ value: 1, mass: 0.5 }];
    case 'selu':
      return [{ value: SELU_LAMBDA * SELU_LAMBDA, mass: 0.5 }];
    default:
      return null;
  }
}

/** Fuss-Catalan number binom((L+1)k, k)/(Lk+1), the k-th moment of linear Gaussian depth L. */
function fussCatalan(L: number, k: number): number {
  const n = (L + 1) * k;
  let c = 1;
  for (let j = 1; j <= k; j++) c *= (n - k + j) / j;
  return c / (L * k + 1);
}

type C = [number, number];

/** Complex roots of sum_k c[k] z^k (real coefficients, c[n] != 0) by Aberth-Ehrlich, then Newton polish. */
function polyRoots(c: readonly number[]): C[] {
  const n = c.length - 1;
  const evalP = (z: C): { p: C; dp: C } => {
    let pr = c[n] as number;
    let pi = 0;
    let dr = 0;
    let di = 0;
    for (let k = n - 1; k >= 0; k--) {
      // dp = dp z + p; p = p z + c[k]
      const ndr = dr * z[0] - di * z[1] + pr;
      const ndi = dr * z[1] + di * z[0] + pi;
      dr = ndr;
      di = ndi;
      const npr = pr * z[0] - pi * z[1] + (c[k] as number);
      const npi = pr * z[1] + pi * z[0];
      pr = npr;
      pi = npi;
    }
    return { p: [pr, pi], dp: [dr, di] };
  };
  const div = (a: C, b: C): C => {
    const d = b[0] * b[0] + b[1] * b[1];
    return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
  };
  let radius = 0;
  for (let k = 0; k < n; k++) radius = Math.max(radius, Math.abs((c[k] as number) / (c[n] as number)) ** (1 / (n - k)));
  const z: C[] = Array.from({ length: n }, (_, k) => [radius * Math.cos((2 * Math.PI * k) / n + 0.4), radius * Math.sin((2 * Math.PI * k) / n + 0.4)]);
  for (let it = 0; it < 500; it++) {
    let moved = 0;
    for (let k = 0; k < n; k++) {
      const zk = z[k] as C;
      const { p, dp } = evalP(zk);
      if (p[0] === 0 && p[1] === 0) continue;
      const ratio = div(p, dp);
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        if (j === k) continue;
        const inv = div([1, 0], [zk[0] - (z[j] as C)[0], zk[1] - (z[j] as C)[1]]);
        sr += inv[0];
        si += inv[1];
      }
      // step = ratio / (1 - ratio * s)
      const den: C = [1 - (ratio[0] * sr - ratio[1] * si), -(ratio[0] * si + ratio[1] * sr)];
      const step = div(ratio, den);
      z[k] = [zk[0] - step[0], zk[1] - step[1]];
      moved = Math.max(moved, Math.hypot(step[0], step[1]) / Math.max(1e-300, Math.hypot(zk[0], zk[1])));
    }
    if (moved < 1e-16) break;
  }
  return z.map((zk) => {
    let r = zk;
    for (let it = 0; it < 3; it++) {
      const { p, dp } = evalP(r);
      if (dp[0] === 0 && dp[1] === 0) break;
      const s = div(p, dp);
      r = [r[0] - s[0], r[1] - s[1]];
    }
    return r;
  });
}

function polyMul(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length - 1).fill(0);
  a.forEach((x, i) => b.forEach((y, j) => (out[i + j] = (out[i + j] as number) + x * y)));
  return out;
}

function polyPow(a: readonly number[], k: number): number[] {
  let out = [1];
  for (let i = 0; i < k; i++) out = polyMul(out, a);
  return out;
}

/**
 * pi lambda rho(lambda) = -Im M for a Bernoulli law (D^2 in {0, 1}, P(1) = p; p = 1 is linear) from
 * the polynomial of THEORY §4.3 at t = lambda / weightStd^(2L):
 *   Gaussian   (1 + M)(M + p)^L - t M = 0,   orthogonal   (M + p)^L - t M (1 + M)^(L-1) = 0.
 * Inside the support exactly one conjugate pair of roots is complex; returns -Im of it, or null when
 * the roots do not have that shape (then the point is not compared).
 */
function bernoulliPiLambdaRho(gaussian: boolean, L: number, p: number, t: number): number | null {
  const mp = polyPow([p, 1], L);
  const tm = [0, t];
  const poly = gaussian ? polyMul([1, 1], mp) : mp;
  const rhs = gaussian ? tm : polyMul(tm, polyPow([1, 1], L - 1));
  const c = poly.map((v, i) => v - (rhs[i] ?? 0));
  while (c.length > 1 && c[c.length - 1] === 0) c.pop();
  const roots = polyRoots(c);
  const complex = roots.filter((r) => Math.abs(r[1]) > 1e-9 * (1 + Math.hypot(r[0], r[1])));
  if (complex.length !== 2) return null;
  return Math.abs((complex[0] as C)[1]);
}

/**
 * The law of d = phi'(sqrt(q) h)^2, h ~ N(0, 1), through the monotone branches of s(x) = phi'(x)^2:
 * with orthogonal weights and L = 1, J J^T = weightStd^2 D W W^T D = weightStd^2 D^2 exactly, so
 * F(lambda) = P(s(sqrt(q) h) <= lambda / weightStd^2) is a sum of Gaussian probabilities of the
 * h-intervals where s <= y, found by bisection on each branch. Branch ends: the kinks, and the local
 * extrema of s, located on a grid of step 0.005 over |x| <= 60 (every built-in has its structure at
 * |x| = O(1) and is monotone beyond) and refined by golden section. Independent of the library's D^2 rules (it uses only phi' of the built-in table).
 */
interface D2Branches {
  /** s(sqrt(q) h) on h, the branch ends in h (ascending, -40 .. 40) and s at each end from inside. */
  s: (h: number) => number;
  ends: number[];
  /** s at the left and right end of each branch (one-sided at kinks). */
  sLeft: number[];
  sRight: number[];
  /** Critical values of s (extrema, kinks, limits at +-infinity): where the density of d is singular. */
  criticalValues: number[];
  /**
   * [inf, sup] of s over the branches on which s is not constant (the support of the continuous
   * part), over the whole line (`range`) and over the extrema at |x| <= 7 sqrt(q) plus the limits at
   * +-infinity (`reached`): the mass beyond |h| = 7 (2.6e-12) is below the CDF's accuracy, so a
   * support edge anywhere between the two loses nothing measurable.
   */
  range: [number, number] | null;
  reached: [number, number] | null;
}

const H_EDGE = 40; // P(|h| > 40) = 4e-350

function d2Branches(activation: string, params: Readonly<Record<string, number>>, q: number): D2Branches | null {
  const def = BUILTINS.find((b) => b.name === activation);
  if (!def || !(q > 0) || !Number.isFinite(q)) return null;
  const p = def.param ? (params[def.param.name] ?? def.param.default) : 0;
  const sx = (x: number) => def.dphi(x, p) ** 2;
  const sq = Math.sqrt(q);
  const crit: number[] = [...def.kinks(p)];
  const step = 0.005;
  let a = sx(-60);
  let b = sx(-60 + step);
  for (let x = -60 + step; x < 60; x += step) {
    const c = sx(x + step);
    // an extremum, not rounding noise of a saturated phi' (e.g. silu beyond x = 29)
    const noise = 64 * EPS * Math.abs(b);
    if ((b > a + noise && b > c + noise) || (b < a - noise && b < c - noise)) {
      // golden section for the extremum in [x - step, x + step]
      let lo = x - step;
      let hi = x + step;
      const sign = b > a ? -1 : 1; // minimise sign * s
      for (let it = 0; it < 80; it++) {
        const m1 = hi - 0.618033988749895 * (hi - lo);
        const m2 = lo + 0.618033988749895 * (hi - lo);
        if (sign * sx(m1) < sign * sx(m2)) hi = m2;
        else lo = m1;
      }
      crit.push((lo + hi) / 2);
    }
    a = b;
    b = c;
  }
  crit.sort((u, v) => u - v);
  // the continuous part of d ranges over the non-constant branches of s on the whole line
  const xs = [-1e3, ...crit, 1e3];
  const isReached = (x: number) => Math.abs(x) === 1e3 || Math.abs(x) <= 7 * Math.sqrt(q);
  let range: [number, number] | null = null;
  let reached: [number, number] | null = null;
  const widen = (r: [number, number] | null, vals: number[]): [number, number] | null => (vals.length === 0 ? r : [Math.min(r?.[0] ?? Infinity, ...vals), Math.max(r?.[1] ?? -Infinity, ...vals)]);
  for (let k = 0; k + 1 < xs.length; k++) {
    const xa = xs[k] as number;
    const xb = xs[k + 1] as number;
    const l = sx(xa + 1e-12);
    const rr = sx(xb - 1e-12);
    if (l === rr && l === sx((xa + xb) / 2)) continue;
    range = widen(range, [l, rr]);
    reached = widen(reached, [...(isReached(xa) ? [l] : []), ...(isReached(xb) ? [rr] : [])]);
  }
  const ends = [-H_EDGE, ...crit.map((x) => x / sq).filter((h) => h > -H_EDGE && h < H_EDGE), H_EDGE].sort((u, v) => u - v);
  const tiny = (h: number) => Math.max(Math.abs(h) * 1e-15, 1e-300);
  const s = (h: number) => sx(sq * h);
  return {
    s,
    ends,
    sLeft: ends.slice(0, -1).map((h) => s(h + tiny(h))),
    sRight: ends.slice(1).map((h) => s(h - tiny(h))),
    criticalValues: [...crit.flatMap((x) => [sx(x - 1e-12), sx(x + 1e-12)]), sx(-1e3), sx(1e3)],
    range,
    reached,
  };
}

/** P(a <= h <= b) for h ~ N(0, 1), without cancellation in the tails. */
function gaussianMass(a: number, b: number): number {
  if (a >= 0) return (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2)) / 2;
  if (b <= 0) return (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2)) / 2;
  return 1 - erfc(b / Math.SQRT2) / 2 - erfc(-a / Math.SQRT2) / 2;
}

/** P(s(sqrt(q) h) <= y). */
function d2Cdf(br: D2Branches, y: number): number {
  let f = 0;
  for (let k = 0; k + 1 < br.ends.length; k++) {
    const ha = br.ends[k] as number;
    const hb = br.ends[k + 1] as number;
    const sa = br.sLeft[k] as number;
    const sb = br.sRight[k] as number;
    if (sa <= y && sb <= y) f += gaussianMass(ha, hb);
    else if (sa > y && sb > y) continue;
    else {
      // s is monotone on the branch: bisection for s = y
      let lo = ha;
      let hi = hb;
      for (let it = 0; it < 200 && hi - lo > 4 * EPS * Math.max(Math.abs(lo), Math.abs(hi), 1e-300); it++) {
        const m = (lo + hi) / 2;
        if (br.s(m) <= y === sa <= y) lo = m;
        else hi = m;
      }
      const r = (lo + hi) / 2;
      f += sa <= y ? gaussianMass(ha, r) : gaussianMass(r, hb);
    }
  }
  return Math.min(1, f);
}

// ---- the checker ---------------------------------------------------------------------------------

/** spectralDensity, or a stand-in (the checker's own tests plant defects through it). */
export type Solve = (spec: NetworkSpec, options: SpectralDensityOptions) => Promise<SpectralDensity>;

interface Ctx {
  readonly r: SpectralDensity;
  readonly c: SweepCase;
  /** One bounded call of the solver on the case's spec. */
  readonly call: (options: SpectralDensityOptions) => Promise<Called<SpectralDensity>>;
  readonly bound: number;
  /** The larger of the stated CDF accuracy (r.diagnostics.cdfAccuracy) and cdfTolerance of the case's depth. */
  readonly cdfTol: number;
  /** r.cdf(x) through the bounded sync wrapper; a value outside [0, 1] (NaN) is a violation. */
  readonly F: (x: number) => number | undefined;
  readonly v: Violation[];
  readonly notes: string[];
  readonly sync: SyncCalls;
  /** Closed-form density values at points off the grid, evaluated by one extra `at` call. */
  readonly pointChecks: { what: string; xs: number[]; piLambdaRho: number[] }[];
}

function fail(ctx: Ctx, check: string, message: string): void {
  ctx.v.push({ check, message });
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
}

function g(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(10) : String(x);
}

function checkStructure(ctx: Ctx): void {
  const { r, c } = ctx;
  const spec = c.spec as { depth: number; weights: string };
  if (r.spec.depth !== spec.depth || r.spec.weights !== spec.weights) fail(ctx, 'structure', `resolved spec has depth ${r.spec.depth}, weights ${r.spec.weights}`);
  if (!(Number.isFinite(r.spec.chi) && r.spec.chi > 0)) fail(ctx, 'structure', `chi = ${r.spec.chi} (must be finite and > 0)`);
  if (!(relErr(r.spec.chi, r.spec.weightStd ** 2 * r.spec.mu1) <= 8 * EPS)) fail(ctx, 'structure', `chi = ${r.spec.chi} but weightStd^2 mu1 = ${r.spec.weightStd ** 2 * r.spec.mu1}`);
  if ('qStar' in c.spec && !('weightStd' in c.spec) && !(Math.abs(r.spec.chi - 1) <= CRITICAL_CHI_TOLERANCE)) fail(ctx, 'structure', `critical spec (q* given) with chi = ${r.spec.chi}`);
  // density
  if (r.density.length !== r.lambda.length) fail(ctx, 'structure', `density has ${r.density.length} entries for ${r.lambda.length} grid points`);
  let bad = 0;
  let firstBad = -1;
  r.density.forEach((d, i) => {
    if (!(Number.isFinite(d) && d >= 0)) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
  });
  if (bad > 0) fail(ctx, 'density', `${bad} of ${r.density.length} grid densities not finite and >= 0 (first: rho(${r.lambda[firstBad]}) = ${r.density[firstBad]})`);
  // support
  const s = r.support;
  const ivs = s.intervals;
  let prev = -Infinity;
  ivs.forEach(([a, b], k) => {
    if (!(Number.isFinite(a) && Number.isFinite(b) && a >= 0 && a <= b && a > prev)) fail(ctx, 'support', `interval ${k} = [${a}, ${b}] after ${prev}: not finite, ordered and disjoint`);
    prev = b;
  });
  if (s.empty !== (ivs.length === 0)) fail(ctx, 'support', `support.empty = ${s.empty} with ${ivs.length} intervals`);
  if (ivs.length > 0 && (s.min !== (ivs[0] as readonly number[])[0] || s.max !== (ivs[ivs.length - 1] as readonly number[])[1])) fail(ctx, 'support', `support [${s.min}, ${s.max}] does not span its intervals`);
  if (!(Number.isFinite(s.min) && Number.isFinite(s.max) && s.min <= s.max)) fail(ctx, 'support', `support min ${s.min}, max ${s.max}: not finite with min <= max`);
  // grid inside the support
  let outside = 0;
  let firstOut = NaN;
  for (const x of r.lambda) {
    if (!ivs.some(([a, b]) => x >= a && x <= b)) {
      outside++;
      if (Number.isNaN(firstOut)) firstOut = x;
    }
  }
  if (outside > 0) fail(ctx, 'support', `${outside} grid points outside the support (first ${firstOut}; support ${JSON.stringify(ivs)})`);
  // atoms
  let atomMass = 0;
  let prevLoc = -Infinity;
  for (const a of r.atoms) {
    if (!(Number.isFinite(a.location) && a.location >= 0 && a.location > prevLoc && a.mass > 0 && a.mass <= 1)) fail(ctx, 'atoms', `atom at ${a.location} of mass ${a.mass} (after ${prevLoc}): locations ascending, finite, >= 0; mass in (0, 1]`);
    prevLoc = a.location;
    atomMass += a.mass;
  }
  const zero = r.atoms.find((a) => a.location === 0);
  if (r.atomAtZero !== (zero ? zero.mass : 0)) fail(ctx, 'atoms', `atomAtZero = ${r.atomAtZero} but the atom at 0 has mass ${zero ? zero.mass : 0}`);
  if (!(Math.abs(r.continuousMass + atomMass - 1) <= 4 * EPS)) fail(ctx, 'mass', `continuousMass ${r.continuousMass} + atoms ${atomMass} = ${r.continuousMass + atomMass}, not 1`);
  // a continuous part above the rounding of the atoms' sum needs a support
  if (r.continuousMass > 8 * EPS && ivs.length === 0) fail(ctx, 'support', `continuous mass ${r.continuousMass} but an empty support`);
  if (ivs.length > 0 && r.continuousMass === 0) fail(ctx, 'support', `support ${JSON.stringify(ivs)} but no continuous mass`);
  const expectedMax = Math.max(ivs.length ? s.max : -Infinity, ...r.atoms.map((a) => a.location));
  if (r.lambdaMax !== expectedMax) fail(ctx, 'support', `lambdaMax = ${r.lambdaMax}, expected max(support.max, atoms) = ${expectedMax}`);
  // singular values
  const sv = r.singularValues;
  for (let i = 0; i < r.lambda.length; i++) {
    const x = r.lambda[i] as number;
    const si = x > 0 ? Math.sqrt(x) : 0;
    if (!(relErr(sv.s[i] as number, si) <= 2 * EPS && Math.abs((sv.density[i] as number) - 2 * si * (r.density[i] as number)) <= 4 * EPS * Math.abs(2 * si * (r.density[i] as number)))) {
      fail(ctx, 'structure', `singularValues at lambda = ${x}: s = ${sv.s[i]}, density ${sv.density[i]} (expected ${si}, ${2 * si * (r.density[i] as number)})`);
      break;
    }
  }
  checkDiagnostics(ctx, r.diagnostics, 'the grid call', r.lambda.length);
}

/** converged implies no failures and no unresolved points; counts finite; the configured backend. */
function checkDiagnostics(ctx: Ctx, d: SpectralDensity['diagnostics'], call: string, points = 1): void {
  if (d.converged && (d.failures !== 0 || d.unresolved !== 0)) fail(ctx, 'diagnostics', `${call}: converged = true with failures = ${d.failures}, unresolved = ${d.unresolved}`);
  if (!(Number.isFinite(d.iterations) && d.iterations >= 0)) fail(ctx, 'diagnostics', `${call}: iterations = ${d.iterations}`);
  // with failures (strict: false) the largest residual may be that of a point that did not converge
  if (points > 0 && d.failures === 0 && !(Number.isFinite(d.residual) && d.residual >= 0)) fail(ctx, 'diagnostics', `${call}: residual = ${d.residual}`);
  if (d.backend !== ctx.c.backend) fail(ctx, 'diagnostics', `${call}: solved on ${d.backend}, configured ${ctx.c.backend}`);
}

function checkMoments(ctx: Ctx): void {
  const { r } = ctx;
  const { mean, m2, m3, m4, variance } = r.moments;
  const ms = [mean, m2, m3, m4];
  // m_k >= m1^k (Jensen): when m1^k is beyond the double range, m_k is not representable at all
  const logM1 = Math.log(mean);
  const bad = ms.map((m, i) => (Number.isFinite(m) ? null : `m${i + 1} = ${m}${(i + 1) * logM1 > 709.7 ? ` (m1^${i + 1} = e^${((i + 1) * logM1).toFixed(0)} is not representable either)` : ''}`)).filter((x) => x !== null);
  if (bad.length > 0 || !Number.isFinite(variance)) fail(ctx, 'moments', `not finite: ${[...bad, ...(Number.isFinite(variance) ? [] : [`variance = ${variance}`])].join(', ')}`);
  if (!Number.isFinite(mean)) return;
  const chiL = r.spec.chi ** r.spec.depth;
  if (!(relErr(mean, chiL) <= TOL.meanClosedForm)) fail(ctx, 'moments', `mean ${g(mean)} != chi^L = ${g(chiL)} (chi ${r.spec.chi}, L ${r.spec.depth})`);
  // a law on [0, inf) has positive moments, unless m1^k underflows
  ms.forEach((m, i) => {
    if (!(m > 0) && (i + 1) * logM1 > -690) fail(ctx, 'moments', `m${i + 1} = ${m} (a law on [0, inf) with mean ${g(mean)} has m${i + 1} >= mean^${i + 1} > 0)`);
  });
  const usable = (x: number) => Number.isFinite(x) && x > 0;
  const slack = TOL.inequalityPerLayer * (r.spec.depth + 4);
  if (usable(m2) && !(m2 >= mean * mean * (1 - slack))) fail(ctx, 'moments', `m2 = ${g(m2)} < m1^2 = ${g(mean * mean)}`);
  if (usable(m2) && usable(m4) && Number.isFinite(m2 * m2) && !(m4 >= m2 * m2 * (1 - slack))) fail(ctx, 'moments', `m4 = ${g(m4)} < m2^2 = ${g(m2 * m2)}`);
  if (usable(m2) && usable(m3) && usable(m4) && Number.isFinite(m2 * m4) && !(m3 * m3 <= m2 * m4 * (1 + slack))) fail(ctx, 'moments', `m3^2 = ${g(m3 * m3)} > m2 m4 = ${g(m2 * m4)}`);
  if (Number.isFinite(variance) && Number.isFinite(m2) && !(Math.abs(variance - (m2 - mean * mean)) <= 4 * EPS * m2)) fail(ctx, 'moments', `variance ${g(variance)} != m2 - m1^2 = ${g(m2 - mean * mean)}`);
  // the closed form of THEORY §4.1, when mu2/mu1^2 - 1 is far above rounding
  const spread = r.spec.mu2 / (r.spec.mu1 * r.spec.mu1) - 1;
  if (spread > 1e-6 && Number.isFinite(variance)) {
    const s1 = r.spec.weights === 'gaussian' ? -1 : 0;
    const expected = mean * mean * r.spec.depth * (spread - s1);
    if (!(relErr(variance, expected) <= 1e-9)) fail(ctx, 'moments', `variance ${g(variance)} != m1^2 L (mu2/mu1^2 - 1 - s1) = ${g(expected)}`);
  }
}

/**
 * How much F(x) moves under the solver's residual: the solution w of log z(w) = log x + r is exact
 * for x e^r, so F is off by x rho(x) |r| (4x margin; at least 4 eps). Matters for narrow laws,
 * where x rho is large.
 */
function conditioning(x: number, rho: number, residual: number): number {
  const r = Number.isFinite(residual) ? Math.max(residual, EPS) : EPS;
  return Number.isFinite(rho) ? 4 * x * rho * r : 0;
}

/** CDF: range, monotonicity on the grid and probes, values below the support and at the top. */
function checkCdf(ctx: Ctx): void {
  const { r } = ctx;
  const cdf = ctx.F;
  const atomsBelow = (x: number) => r.atoms.filter((a) => a.location < x).reduce((s, a) => s + a.mass, 0);
  const neg = cdf(-1);
  if (neg !== undefined && neg !== 0) fail(ctx, 'cdf', `F(-1) = ${neg}, expected 0`);
  const f0 = cdf(0);
  if (f0 !== undefined && !(Math.abs(f0 - r.atomAtZero) <= ctx.cdfTol)) fail(ctx, 'cdf', `F(0) = ${f0}, expected the atom at 0 = ${r.atomAtZero}`);
  if (!r.support.empty && r.support.min > 0) {
    const below = r.support.min * (1 - 1e-9);
    const fb = cdf(below);
    const exp = atomsBelow(below) + r.atoms.filter((a) => a.location === below).reduce((s, a) => s + a.mass, 0);
    if (fb !== undefined && !(Math.abs(fb - exp) <= ctx.cdfTol)) fail(ctx, 'cdf', `F just below support.min = ${r.support.min}: ${fb}, expected the atoms below it = ${exp}`);
  }
  const top = cdf(r.lambdaMax);
  if (top !== undefined && !(Math.abs(top - 1) <= ctx.cdfTol)) fail(ctx, 'cdf', `F(lambdaMax = ${r.lambdaMax}) = ${top}, expected 1`);
  const above = cdf(r.lambdaMax * 2 + 1);
  if (above !== undefined && !(Math.abs(above - 1) <= ctx.cdfTol)) fail(ctx, 'cdf', `F(2 lambdaMax + 1) = ${above}, expected 1`);
  // grid values: in [0, 1], monotone in lambda (to the CDF accuracy)
  const cv = r.cdfValues;
  if (!cv) {
    fail(ctx, 'cdf', 'cdfValues missing although options.cdf was true');
    return;
  }
  const order = Array.from(r.lambda.keys()).sort((a, b) => (r.lambda[a] as number) - (r.lambda[b] as number));
  const res = r.diagnostics.residual;
  const k = (i: number) => conditioning(r.lambda[i] as number, r.density[i] as number, res);
  let maxF = r.atomAtZero;
  let maxAt = -1;
  for (const i of order) {
    const f = cv[i] as number;
    const x = r.lambda[i] as number;
    if (!(f >= 0 && f <= 1)) {
      fail(ctx, 'cdf', `F(${x}) = ${f} outside [0, 1]`);
      break;
    }
    const tol = ctx.cdfTol + k(i) + (maxAt >= 0 ? k(maxAt) : 0);
    if (!(f >= maxF - tol)) {
      fail(ctx, 'cdf', `F decreases: F(${maxAt >= 0 ? r.lambda[maxAt] : 0}) = ${maxF} > F(${x}) = ${f} (by ${(maxF - f).toExponential(2)}, tolerance ${tol.toExponential(2)})`);
      break;
    }
    if (f > maxF) {
      maxF = f;
      maxAt = i;
    }
  }
  // a grid value equals the function (the same closed form, solved from another starting point)
  if (order.length > 0) {
    const i = order[Math.floor(order.length / 2)] as number;
    const f = cdf(r.lambda[i] as number);
    const tol = ctx.cdfTol + 2 * k(i);
    if (f !== undefined && !(Math.abs(f - (cv[i] as number)) <= tol)) fail(ctx, 'cdf', `cdfValues[${i}] = ${cv[i]} but cdf(${r.lambda[i]}) = ${f} (difference ${(f - (cv[i] as number)).toExponential(2)}, tolerance ${tol.toExponential(2)})`);
  }
}

/** Quantiles: in [0, lambdaMax], monotone in p, and F(q (1 - d)) <= p <= F(q (1 + d)). */
function checkQuantiles(ctx: Ctx): void {
  const { r, sync } = ctx;
  const ps = [0, 1e-3, 0.1, 0.5, 0.9, 0.999, 1];
  let prev = -Infinity;
  for (const p of ps) {
    const q = sync.call(`quantile(${p})`, () => r.quantile(p));
    if (q === undefined) continue;
    if (!(Number.isFinite(q) && q >= 0 && q <= r.lambdaMax * (1 + 4 * EPS))) {
      fail(ctx, 'quantile', `quantile(${p}) = ${q} outside [0, lambdaMax = ${r.lambdaMax}]`);
      continue;
    }
    if (!(q >= prev)) fail(ctx, 'quantile', `quantile decreases: quantile(${p}) = ${q} < ${prev}`);
    prev = Math.max(prev, q);
    if (p === 0 || q < 1e-290) continue; // quantiles below ~1e-300 are documented to be returned as 0
    const hi = ctx.F(q * (1 + TOL.quantileRel));
    const lo = ctx.F(q * (1 - TOL.quantileRel));
    if (hi !== undefined && !(hi >= p - ctx.cdfTol)) fail(ctx, 'quantile', `quantile(${p}) = ${q} but F(q (1 + ${TOL.quantileRel})) = ${hi} < p`);
    if (lo !== undefined && !(lo <= p + ctx.cdfTol)) fail(ctx, 'quantile', `quantile(${p}) = ${q} but F(q (1 - ${TOL.quantileRel})) = ${lo} > p`);
  }
}

/** Locations where an orthogonal law may have an atom or a singularity: weightStd^(2L) a^L for D^2 atoms a > 0. */
function ghostAtoms(r: SpectralDensity): number[] {
  if (r.spec.weights !== 'orthogonal') return [];
  const sw2 = r.spec.weightStd ** 2;
  const out = expectedD2Atoms(r)
    .filter((a) => a.value > 0)
    .map((a) => Math.exp(r.spec.depth * Math.log(sw2 * a.value)));
  // L = 1: the law of weightStd^2 D^2 is singular at weightStd^2 times the critical values of phi'^2
  const br = r.spec.depth === 1 ? d2Branches(r.spec.activation.name, r.spec.activation.params, r.spec.qStar) : null;
  if (br) out.push(...br.criticalValues.map((v) => sw2 * v));
  return out;
}

/** The atoms of D^2 for the resolved spec: flat pieces of phi' (d2Atoms), or one atom at phi'(0)^2 when q* = 0. */
function expectedD2Atoms(r: SpectralDensity): { value: number; mass: number }[] {
  const name = r.spec.activation.name;
  const def = BUILTINS.find((b) => b.name === name);
  const param = def?.param ? (r.spec.activation.params[def.param.name] ?? def.param.default) : 0;
  if (r.spec.qStar === 0 && def) {
    // the limit q -> 0: half the pre-activations approach 0 from each side, so d takes the one-sided
    // limits of phi'^2 at 0 (relu: {0, 1}, selu: {lambda^2, (lambda alpha)^2}, smooth: phi'(0)^2)
    const left = def.dphi(-1e-300, param) ** 2;
    const right = def.dphi(1e-300, param) ** 2;
    return left === right ? [{ value: left, mass: 1 }] : [{ value: Math.min(left, right), mass: 0.5 }, { value: Math.max(left, right), mass: 0.5 }];
  }
  return d2Atoms(name, r.spec.qStar, r.spec.activation.params) ?? [];
}

/**
 * Atoms of J J^T (THEORY §4.3, §8.2): at 0 with the mass of the D^2 atom at 0 (both laws); with
 * orthogonal weights, at weightStd^(2L) a^L for each D^2 atom a > 0 of mass P, with mass
 * max(0, 1 - L (1 - P)); no others. Atoms with an expected mass below 1e-12 may be absent.
 */
function checkAtomsClosedForm(ctx: Ctx): void {
  const { r } = ctx;
  const L = r.spec.depth;
  const sw2 = r.spec.weightStd ** 2;
  const expected: { location: number; mass: number }[] = [];
  for (const a of expectedD2Atoms(r)) {
    if (a.value === 0) expected.push({ location: 0, mass: a.mass });
    else if (r.spec.weights === 'orthogonal') expected.push({ location: Math.exp(L * Math.log(sw2 * a.value)), mass: Math.max(0, 1 - L * (1 - a.mass)) });
  }
  const matches = (a: { location: number }, e: { location: number }) => (e.location === 0 ? a.location === 0 : relErr(a.location, e.location) <= TOL.atom);
  for (const e of expected) {
    const got = r.atoms.find((a) => matches(a, e));
    if (e.mass < 1e-12) {
      if (got && !(Math.abs(got.mass - e.mass) <= 1e-12)) fail(ctx, 'atoms', `atom at ${got.location} has mass ${got.mass}, expected ${e.mass}`);
      continue;
    }
    if (!got) fail(ctx, 'atoms', `no atom at ${e.location} (expected mass ${e.mass}); atoms ${JSON.stringify(r.atoms)}`);
    else if (!(relErr(got.mass, e.mass) <= TOL.atom || Math.abs(got.mass - e.mass) <= 1e-15)) fail(ctx, 'atoms', `atom at ${e.location} has mass ${got.mass}, expected ${e.mass}`);
  }
  const extra = r.atoms.filter((a) => !expected.some((e) => matches(a, e)));
  if (extra.length > 0) fail(ctx, 'atoms', `unexpected atoms ${JSON.stringify(extra)} (expected ${JSON.stringify(expected.filter((e) => e.mass > 0))})`);
}

/**
 * Where the continuous mass is: the library's quantiles at 1e-9, 1e-6, 1e-3, 1/2 and the mirrored
 * levels of each interval's mass, so that the steep flanks of a narrow bump lie inside pieces of
 * their own (used only to place checkpoints: an error in them cannot hide a violation).
 */
function lawQuantiles(ctx: Ctx): number[] {
  const { r, sync } = ctx;
  const out: number[] = [];
  for (const [a, b] of r.support.intervals) {
    const fa = ctx.F(a);
    const fb = ctx.F(b);
    if (fa === undefined || fb === undefined || !(fb > fa)) continue;
    for (const t of [1e-9, 1e-6, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-6, 1 - 1e-9]) {
      const q = sync.call(`quantile(${fa + t * (fb - fa)})`, () => r.quantile(fa + t * (fb - fa)));
      if (q !== undefined && q > a && q < b) out.push(q);
    }
  }
  return out;
}

/**
 * Mass, CDF increments and moments from our adaptive quadrature of the density (`pieces`,
 * `integrateSupport`), against the CDF at the checkpoints and r.moments.
 */
/** Intervals of the composite Simpson rule that re-checks a piece whose tanh-sinh mass disagrees with F. */
const SIMPSON_INTERVALS = 2000;

/** The mass on [lo, hi] by composite Simpson (one bounded `at` call per AT_CHUNK nodes), or null where a node is NaN or a call fails. */
async function simpsonMass(ctx: Ctx, lo: number, hi: number): Promise<number | null> {
  const n = SIMPSON_INTERVALS;
  const at = Float64Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  let sum = 0;
  for (let from = 0; from < at.length; from += AT_CHUNK) {
    const res = await ctx.call({ at: at.subarray(from, from + AT_CHUNK), strict: false });
    if (!res.ok) return null;
    for (let j = 0; j < res.value.density.length; j++) {
      const i = from + j;
      const d = res.value.density[j] as number;
      if (!Number.isFinite(d)) return null;
      sum += (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * d;
    }
  }
  return (sum * (hi - lo)) / (3 * n);
}

async function checkMass(ctx: Ctx): Promise<void> {
  const { r } = ctx;
  const ivs = r.support.intervals;
  const atomMass = r.atoms.reduce((s, a) => s + a.mass, 0);
  const atomMean = r.atoms.reduce((s, a) => s + a.mass * a.location, 0);
  const atomM2 = r.atoms.reduce((s, a) => s + a.mass * a.location * a.location, 0);
  if (ivs.length === 0) {
    compareLawMoments(ctx, atomMean, atomM2, 0);
    return;
  }
  if (!ivs.every(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > a)) return; // reported by checkStructure
  const marks = lawQuantiles(ctx);
  if (ctx.sync.slow.length > 0) return; // a quantile hung: the case has failed, do not spend more on it
  const ps = pieces(ivs, [...r.atoms.map((a) => a.location), ...ghostAtoms(r)], marks);
  const res = await integrateSupport(ctx, ps);
  if (!res.ok) {
    callFailed(ctx, res, `${AT_CHUNK} quadrature nodes inside the support`);
    return;
  }
  const ints = res.value;
  for (const p of ps) {
    for (const cell of p.cells) {
      const bad = cell.rho ? cell.rho.findIndex((d) => !(Number.isNaN(d) || (d >= 0 && Number.isFinite(d)))) : -1;
      if (bad >= 0) {
        fail(ctx, 'density', `rho(${lambdaOf(p, cell.rule.x[bad] as number)}) = ${(cell.rho as Float64Array)[bad]} at a quadrature node (must be finite and >= 0)`);
        return;
      }
    }
  }
  const nanNodes = ints.reduce((s, x) => s + x.nan, 0);
  if (nanNodes > 0) ctx.notes.push(`${nanNodes} of ${ints.reduce((s, x) => s + x.nodes, 0)} quadrature nodes did not converge (strict: false gave NaN); mass and moments not compared there`);
  const cdf = ctx.F;
  // F at a singular checkpoint is as uncertain as the mass near it, from either side
  const uncertainty = new Map<number, number>();
  const widen = (x: number, u: number) => uncertainty.set(x, Math.max(uncertainty.get(x) ?? 0, u));
  ps.forEach((p, k) => {
    widen(p.lo, (ints[k] as PieceIntegral).endLo);
    widen(p.hi, (ints[k] as PieceIntegral).endHi);
  });
  // and it moves with the solver's residual where x rho is large (narrow laws): rho at the checkpoints
  const checkpoints = [...uncertainty.keys()];
  const atPoints = await ctx.call({ at: checkpoints, strict: false });
  if (!atPoints.ok) callFailed(ctx, atPoints, 'the CDF checkpoints');
  else checkpoints.forEach((x, i) => widen(x, (uncertainty.get(x) as number) + conditioning(x, atPoints.value.density[i] as number, atPoints.value.diagnostics.residual)));
  let complete = nanNodes === 0;
  for (const [k, p] of ps.entries()) {
    const it = ints[k] as PieceIntegral;
    if (it.nan > 0) continue;
    if (!it.converged) {
      complete = false;
      fail(ctx, 'quadrature', `the density is not integrable to ${convergenceTolerance(ctx)} on [${g(p.lo)}, ${g(p.hi)}] (${p.kind}) after ${MAX_ROUNDS} rounds of refinement (${it.nodes} nodes): |I(h) - I(2h)| = ${it.error.toExponential(2)}; noisy, or singular inside the support`);
      continue;
    }
    // F(hi) - F(lo) minus the atoms in (lo, hi]: F at an interval's max is the library's bookkeeping
    // (atoms + interval masses), inside the support the closed form
    const flo = cdf(p.lo);
    const fhi = cdf(p.hi);
    if (flo === undefined || fhi === undefined) continue;
    const jumps = r.atoms.filter((a) => a.location > p.lo && a.location <= p.hi).reduce((s, a) => s + a.mass, 0);
    const inc = fhi - flo - jumps;
    const tol = 2 * ctx.cdfTol + TOL.quadrature * Math.max(it.mass, inc) + (uncertainty.get(p.lo) as number) + (uncertainty.get(p.hi) as number);
    if (!(Math.abs(it.mass - inc) <= tol)) {
      // a second, independent rule before concluding: the nested tanh-sinh estimate can call a piece
      // converged when a singularity just outside it slows the rule (gelu, orthogonal, L = 32: off by
      // 1.4e-8 at h = 1/16 on a piece that composite Simpson integrates to 1e-15 of F)
      const simpson = await simpsonMass(ctx, p.lo, p.hi);
      if (simpson !== null && Math.abs(simpson - inc) <= tol) {
        ctx.notes.push(`tanh-sinh missed the mass on [${g(p.lo)}, ${g(p.hi)}] by ${(it.mass - inc).toExponential(2)}; composite Simpson (${SIMPSON_INTERVALS} intervals) agrees with F to ${(simpson - inc).toExponential(2)}`);
        continue;
      }
      fail(ctx, 'mass', `integral of rho over [${g(p.lo)}, ${g(p.hi)}] = ${g(it.mass)} but F(hi) - F(lo) - atoms = ${g(inc)} (F ${g(flo)} -> ${g(fhi)}; difference ${(it.mass - inc).toExponential(2)}, tolerance ${tol.toExponential(2)}${simpson === null ? '' : `; composite Simpson: ${g(simpson)}`})`);
    }
  }
  if (!complete) return;
  // the mass below the floor, from F
  let tail = 0;
  if (ivs.some(([a]) => a < FLOOR)) {
    const f0 = cdf(0);
    const ff = cdf(FLOOR);
    if (f0 === undefined || ff === undefined) return;
    tail = ff - f0;
    if (!(await checkTail(ctx, tail))) return;
  }
  const contMass = ints.reduce((s, x) => s + x.mass, 0);
  const endBounds = ints.reduce((s, x) => s + x.endLo + x.endHi, 0);
  const total = atomMass + contMass + tail;
  const tol = 4 * ctx.cdfTol + TOL.quadrature + endBounds;
  if (!(Math.abs(total - 1) <= tol)) {
    fail(ctx, 'mass', `atoms ${g(atomMass)} + integral of rho ${g(contMass)} + tail below ${FLOOR} (from F) ${g(tail)} = ${g(total)}, not 1 (difference ${(total - 1).toExponential(2)}, tolerance ${tol.toExponential(2)}; r.continuousMass = ${g(r.continuousMass)})`);
  }
  if (tail > 0.5 * r.continuousMass) ctx.notes.push(`${((100 * tail) / r.continuousMass).toFixed(1)}% of the continuous mass lies below ${FLOOR}: only the closed-form F vouches for it`);
  await checkEdgeEnvelope(ctx, ps);
  // the tail below FLOOR carries at most tail * FLOOR of the mean (and tail * FLOOR^2 of m2): half of
  // it is added, half is the slack (sigmoid, L = 300 has mean 1.8e-299, part of it below 1e-300)
  const mean = atomMean + ints.reduce((s, x) => s + x.mean, 0) + 0.5 * tail * FLOOR;
  const m2 = atomM2 + ints.reduce((s, x) => s + x.m2, 0) + 0.5 * tail * FLOOR * FLOOR;
  // the quadrature's own error estimate (sum of |I(h) - I(2h)|, up to the stated CDF accuracy for a
  // narrow law's noisy density) bounds the moments' error by that times lambda_max
  const quadError = ints.reduce((s, x) => s + x.error, 0);
  // and a narrow law's density scatters by its stated accuracy beyond the base 1e-8 (its values of
  // D^2 are stored to eps: diagnostics.cdfAccuracy), which its moments inherit times lambda_max
  const narrowExcess = Math.max(0, ctx.cdfTol - BASE_STATED_CDF_ACCURACY);
  compareLawMoments(ctx, mean, m2, (endBounds + quadError + 4 * narrowExcess) * r.lambdaMax + 0.5 * tail * FLOOR);
}

/**
 * The mass below FLOOR that F claims, F(FLOOR) - F(0), against the density there. It must be >= 0.
 * Where lambda rho is at its noise level over [FLOOR, 100 FLOOR] the density has died out, and the
 * tail must be small: assuming a regularly varying density near 0 (lambda rho ~ l(lambda)
 * lambda^beta with beta >= 1/(100 (L + 1)); linear Gaussian has beta = 1/(L + 1)), it is at most
 * TOL.cdf + noise / beta. (Where the density is not at noise, deep laws can hold nearly all their
 * mass below FLOOR with a drifting exponent, so no bound is derived.) Returns false on a violation.
 */
async function checkTail(ctx: Ctx, tail: number): Promise<boolean> {
  const { r } = ctx;
  if (!(tail >= -ctx.cdfTol)) {
    fail(ctx, 'tail', `F(${FLOOR}) - F(0) = ${tail} < 0`);
    return false;
  }
  const probe = [FLOOR, 10 * FLOOR, 100 * FLOOR];
  const res = await ctx.call({ at: probe, strict: false });
  if (!res.ok) {
    callFailed(ctx, res, `${probe.join(', ')}`);
    return false;
  }
  const lr = probe.map((x, i) => x * (res.value.density[i] as number));
  if (!lr.every((v) => v <= TOL.densityNoise)) return true;
  const bound = ctx.cdfTol + TOL.densityNoise * 100 * (r.spec.depth + 1);
  if (tail > bound) {
    fail(ctx, 'tail', `F(${FLOOR}) - F(0) = ${g(tail)} of mass below ${FLOOR}, but the density has died out there (lambda rho = ${lr.map((v) => v.toExponential(1)).join(', ')} at ${probe.join(', ')}): F does not tend to the atom at 0 (bound ${bound.toExponential(2)})`);
    return false;
  }
  return true;
}

function compareLawMoments(ctx: Ctx, mean: number, m2: number, slack: number): void {
  const { r } = ctx;
  const tm = r.moments;
  if (!(Math.abs(mean - tm.mean) <= TOL.lawMoments * Math.abs(tm.mean) + slack)) fail(ctx, 'law-moments', `mean of the law (atoms + quadrature) ${g(mean)} != r.moments.mean ${g(tm.mean)} (rel ${relErr(mean, tm.mean).toExponential(2)})`);
  if (!(Math.abs(m2 - tm.m2) <= TOL.lawMoments * Math.abs(tm.m2) + slack * r.lambdaMax)) fail(ctx, 'law-moments', `m2 of the law (atoms + quadrature) ${g(m2)} != r.moments.m2 ${g(tm.m2)} (rel ${relErr(m2, tm.m2).toExponential(2)})`);
}

/** Closed forms: Bernoulli / linear atoms, edges, moments and polynomial densities; MP; arcsine; relu L = 1; orthogonal L = 1 smooth. */
function checkClosedForms(ctx: Ctx): void {
  const { r } = ctx;
  const name = r.spec.activation.name;
  const L = r.spec.depth;
  const gaussian = r.spec.weights === 'gaussian';
  const sw2 = r.spec.weightStd ** 2;
  const logScale = L * Math.log(sw2); // log weightStd^(2L)
  const bern = name === 'linear' || name === 'relu' || name === 'hard-tanh' ? (d2Atoms(name, r.spec.qStar, {}) as { value: number; mass: number }[]) : null;
  checkAtomsClosedForm(ctx);
  if (bern) checkBernoulli(ctx, bern, L, gaussian, logScale);
  if (!gaussian && L === 1) checkOrthogonalL1(ctx, sw2);
}

function checkBernoulli(ctx: Ctx, atoms: { value: number; mass: number }[], L: number, gaussian: boolean, logScale: number): void {
  const { r } = ctx;
  const off = atoms.find((a) => a.value === 0)?.mass ?? 0; // 1 - p
  const p = atoms.find((a) => a.value === 1)?.mass ?? 0; // both without cancellation (d2Atoms)
  const scale = Math.exp(logScale);
  // moments: m1 = (sigma^2 p)^L, m2 = m1^2 (1 + L/p) Gaussian, m1^2 (1 + L (1 - p)/p) orthogonal
  const m1 = Math.exp(logScale + L * Math.log(p));
  const m2 = m1 * m1 * (1 + (gaussian ? L / p : (L * off) / p));
  if (!(relErr(r.moments.mean, m1) <= TOL.momentClosedForm)) fail(ctx, 'closed-form', `mean ${g(r.moments.mean)}, expected (sigma^2 p)^L = ${g(m1)}`);
  if (!(relErr(r.moments.m2, m2) <= TOL.momentClosedForm)) fail(ctx, 'closed-form', `m2 ${g(r.moments.m2)}, expected ${g(m2)}`);
  if (off === 0 && gaussian) {
    // linear Gaussian: Fuss-Catalan moments times weightStd^(2Lk)
    const fcm = [2, 3, 4].map((k) => fussCatalan(L, k) * Math.exp(k * logScale));
    const got = [r.moments.m2, r.moments.m3, r.moments.m4];
    got.forEach((v, i) => {
      if (!(relErr(v, fcm[i] as number) <= TOL.momentClosedForm)) fail(ctx, 'closed-form', `m${i + 2} = ${g(v)}, expected the Fuss-Catalan value ${g(fcm[i] as number)}`);
    });
  }
  if (off === 0 && !gaussian) {
    // linear orthogonal: one atom at weightStd^(2L) and nothing else
    if (!r.support.empty || !(r.continuousMass <= 8 * EPS)) fail(ctx, 'closed-form', `linear orthogonal must be a single atom; support ${JSON.stringify(r.support.intervals)}, continuous mass ${r.continuousMass}`);
    [r.moments.m3, r.moments.m4].forEach((v, i) => {
      const e = Math.exp((i + 3) * logScale);
      if (!(relErr(v, e) <= TOL.momentClosedForm)) fail(ctx, 'closed-form', `m${i + 3} = ${g(v)}, expected weightStd^(2L k) = ${g(e)}`);
    });
    return;
  }
  // the upper edge of the continuous part
  let logEdge: number | null = null;
  if (gaussian) {
    const Ms = (2 * p) / (L - 1 + Math.sqrt((L - 1) ** 2 + 4 * L * p)); // root of L M^2 + (L-1) M - p
    logEdge = logScale + Math.log1p(Ms) + L * Math.log(Ms + p) - Math.log(Ms);
  } else if (L >= 2 && L * off >= 1) {
    // z* = p/(L(1-p) - 1): weightStd^(2L) p^(L-1) (1-p) L^L / (L-1)^(L-1)
    logEdge = logScale + (L - 1) * Math.log(p) + Math.log(off) + L * Math.log(L) - (L - 1) * Math.log(L - 1);
  }
  if (logEdge !== null && !r.support.empty) {
    const edge = Math.exp(logEdge);
    if (!(relErr(r.support.max, edge) <= TOL.edge)) fail(ctx, 'closed-form', `support.max ${g(r.support.max)}, expected the closed-form edge ${g(edge)}`);
  }
  if (!gaussian && L * off < 1 && !r.support.empty && !(r.support.max <= scale * (1 + TOL.edge))) fail(ctx, 'closed-form', `support.max ${g(r.support.max)} above the top atom ${g(scale)} (L (1-p) < 1)`);
  // density from the polynomial roots (L <= 7), the arcsine law and Gaussian relu L = 1
  if (L <= 7) compareDensity(ctx, 'polynomial roots of THEORY §4.3', (lam) => bernoulliPiLambdaRho(gaussian, L, p, lam / scale));
  if (off === 0 && gaussian && L === 1) compareDensity(ctx, 'Marchenko-Pastur', (lam) => 0.5 * Math.sqrt(Math.max(0, lam * (4 * scale - lam))) / scale);
  if (off === 0.5 && !gaussian && L === 2) compareDensity(ctx, 'arcsine law (orthogonal relu, L = 2)', (lam) => (lam * 0.5) / Math.sqrt(lam * (scale - lam)));
  if (off === 0.5 && gaussian && L === 1) {
    // at weightStd^2 = 2: rho = sqrt(8 - (x - 3)^2)/(4 pi x); scaled by weightStd^2 / 2
    const s = scale / 2;
    compareDensity(ctx, 'Gaussian relu L = 1', (lam) => Math.sqrt(Math.max(0, 8 - (lam / s - 3) ** 2)) / 4);
  }
  if (off === 0 && gaussian) checkFussCatalanDensity(ctx, L, logScale);
}

/** pi lambda rho on the main grid against a closed form, in the bulk (away from the edges by 1e-4 of the width). */
function compareDensity(ctx: Ctx, what: string, piLambdaRho: (lam: number) => number | null): void {
  const { r } = ctx;
  let worst = 0;
  let worstAt = NaN;
  let worstPair: [number, number] = [0, 0];
  let compared = 0;
  for (let i = 0; i < r.lambda.length; i++) {
    const lam = r.lambda[i] as number;
    const iv = r.support.intervals.find(([a, b]) => lam >= a && lam <= b);
    if (!iv) continue;
    const dist = Math.min(lam - iv[0], iv[1] - lam) / (iv[1] - iv[0]);
    if (!(dist > 1e-4)) continue;
    const e = piLambdaRho(lam);
    if (e === null || !Number.isFinite(e)) continue;
    compared++;
    const got = Math.PI * lam * (r.density[i] as number);
    const err = Math.abs(got - e) / (TOL.densityAbs + TOL.densityRel * Math.abs(e));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      worstAt = lam;
      worstPair = [got, e];
    }
  }
  if (worst > 1) fail(ctx, 'closed-form', `density vs ${what}: pi lambda rho = ${g(worstPair[0])} at lambda = ${g(worstAt)}, closed form ${g(worstPair[1])} (${compared} points compared; atol ${TOL.densityAbs}, rtol ${TOL.densityRel})`);
}

/**
 * Linear Gaussian at any depth: the parametric Fuss-Catalan density (THEORY §4.2), times the scale
 * weightStd^(2L): lambda(phi) = sin^(L+1)((L+1)phi) / (sin phi sin^L(L phi)),
 * rho = (1/pi) sin^2 phi sin^(L-1)(L phi) / sin^L((L+1) phi), 0 < phi < pi/(L+1), in logs.
 */
function checkFussCatalanDensity(ctx: Ctx, L: number, logScale: number): void {
  const xs: number[] = [];
  const piLambdaRho: number[] = [];
  for (let k = 1; k <= 15; k++) {
    const ph = ((k / 16) * Math.PI) / (L + 1);
    const a = Math.log(Math.sin((L + 1) * ph));
    const b = Math.log(Math.sin(ph));
    const c = Math.log(Math.sin(L * ph));
    const logLam = (L + 1) * a - b - L * c;
    const logRho = 2 * b + (L - 1) * c - L * a - Math.log(Math.PI);
    const lam = Math.exp(logLam + logScale);
    if (!(lam > 1e-290 && Number.isFinite(lam))) continue;
    xs.push(lam);
    piLambdaRho.push(Math.PI * Math.exp(logLam + logRho));
  }
  ctx.pointChecks.push({ what: 'Fuss-Catalan parametric density', xs, piLambdaRho });
}

/** Orthogonal L = 1: J J^T = weightStd^2 D^2, its CDF through the branches of phi'^2 (d2Branches). */
function checkOrthogonalL1(ctx: Ctx, sw2: number): void {
  const { r } = ctx;
  const br = d2Branches(r.spec.activation.name, r.spec.activation.params, r.spec.qStar);
  const cv = r.cdfValues;
  if (!br || !cv) return;
  // the support of the continuous part is weightStd^2 [inf s, sup s]; edges reached only by the
  // Gaussian beyond |h| = 7 may be left out (see D2Branches.reached)
  if (br.range && br.reached && !r.support.empty) {
    const [loAll, hiAll] = [sw2 * br.range[0], sw2 * br.range[1]];
    const [loIn, hiIn] = [sw2 * br.reached[0], sw2 * br.reached[1]];
    const tol = TOL.edge * hiAll;
    if (!(r.support.max >= hiIn - tol && r.support.max <= hiAll + tol)) fail(ctx, 'closed-form', `orthogonal L = 1: support.max ${g(r.support.max)}, expected weightStd^2 sup phi'^2 in [${g(hiIn)}, ${g(hiAll)}]`);
    if (!(r.support.min <= loIn + tol && r.support.min >= loAll - tol)) fail(ctx, 'closed-form', `orthogonal L = 1: support.min ${g(r.support.min)}, expected weightStd^2 inf phi'^2 in [${g(loAll)}, ${g(loIn)}]`);
  }
  let worst = 0;
  let worstMsg = '';
  for (let i = 0; i < r.lambda.length; i++) {
    const lam = r.lambda[i] as number;
    const e = d2Cdf(br, lam / sw2);
    // conditioning: lambda / sigma^2 and s(x) - y are known to ~2 ulp, so F to ~4 eps lambda rho
    const tol = ctx.cdfTol + 8 * EPS * lam * (r.density[i] as number);
    const err = Math.abs((cv[i] as number) - e) / tol;
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      worstMsg = `F(${lam}) = ${cv[i]}, closed form ${e} (tolerance ${tol.toExponential(2)})`;
    }
  }
  if (worst > 1) fail(ctx, 'closed-form', `orthogonal L = 1 is the law of weightStd^2 D^2: ${worstMsg}`);
}

/** Closed-form values of pi lambda rho at points off the grid, by one `at` call. */
async function checkPoints(ctx: Ctx, pc: Ctx['pointChecks'][number]): Promise<void> {
  const d = await ctx.call({ at: pc.xs });
  if (!d.ok) {
    callFailed(ctx, d, `${pc.what} points`);
    return;
  }
  let worst = 0;
  let msg = '';
  pc.xs.forEach((lam, i) => {
    const got = Math.PI * lam * (d.value.density[i] as number);
    const e = pc.piLambdaRho[i] as number;
    const err = Math.abs(got - e) / (TOL.densityAbs + TOL.densityRel * e);
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      msg = `pi lambda rho at lambda = ${g(lam)}: ${g(got)}, closed form ${g(e)}`;
    }
  });
  if (worst > 1) fail(ctx, 'closed-form', `${pc.what}: ${msg}`);
}

/**
 * Checks one case. Never throws for a library misbehaviour: everything becomes the verdict,
 * violations and notes of the outcome.
 */
export async function checkCase(c: SweepCase, opts: { solve?: Solve; callBoundMs?: number } = {}): Promise<CaseOutcome> {
  const solve = opts.solve ?? spectralDensity;
  const bound = opts.callBoundMs ?? CALL_BOUND_MS;
  const call = (options: SpectralDensityOptions) => boundedAsync((signal) => solve(c.spec, { ...options, signal }), bound);
  const t0 = performance.now();
  const out: CaseOutcome = { id: c.id, spec: c.spec, backend: c.backend, origin: c.origin, verdict: 'valid', violations: [], notes: [], ms: 0 };
  configure({ backend: c.backend });
  const res = await call({ points: GRID_POINTS, cdf: true });
  if (!res.ok) {
    out.ms = performance.now() - t0;
    if (res.hang) {
      out.verdict = 'hang';
      out.violations.push({ check: 'hang', message: `spectralDensity did not settle within ${bound / 1000} s` });
      return out;
    }
    const p = refusalProblem(res.error);
    out.error = errorText(res.error);
    if (p) {
      out.verdict = 'untyped';
      out.violations.push({ check: 'untyped-error', message: p });
    } else {
      out.verdict = 'refused';
      out.code = (res.error as { code: string }).code;
    }
    return out;
  }
  const r = res.value;
  out.chi = r.spec.chi;
  const sync = new SyncCalls(bound);
  const badF = new Set<number>();
  const F = (x: number): number | undefined => {
    const f = sync.call(`cdf(${x})`, () => r.cdf(x));
    if (f === undefined || (f >= 0 && f <= 1)) return f;
    if (!badF.has(x)) {
      badF.add(x);
      fail(ctx, 'cdf', `cdf(${x}) = ${f}, not in [0, 1]`);
    }
    return undefined;
  };
  // F is held to the accuracy the library states for this law (diagnostics.cdfAccuracy, >= 1e-8:
  // the contract), or to the checker's own rounding bound where that is larger
  const cdfTol = Math.max(cdfTolerance(r.spec.depth), Number.isFinite(r.diagnostics.cdfAccuracy) ? r.diagnostics.cdfAccuracy : 0);
  const ctx: Ctx = { r, c, call, bound, cdfTol, F, v: out.violations, notes: out.notes, sync, pointChecks: [] };
  const step = async (name: string, fn: () => void | Promise<void>) => {
    // after a hang the case has failed: the remaining checks would only spend more time on it
    if (ctx.sync.slow.length > 0 || ctx.v.some((v) => v.check === 'hang')) return;
    try {
      await fn();
    } catch (e) {
      // a property of the result threw (a getter, a frozen array...) or the checker itself broke
      ctx.v.push({ check: 'untyped-error', message: `while checking ${name}: ${errorText(e)}` });
    }
  };
  await step('structure', () => checkStructure(ctx));
  await step('moments', () => checkMoments(ctx));
  await step('cdf', () => checkCdf(ctx));
  await step('quantiles', () => checkQuantiles(ctx));
  await step('mass', () => checkMass(ctx));
  await step('closed forms', () => checkClosedForms(ctx));
  for (const pc of ctx.pointChecks) if (pc.xs.length > 0) await step(pc.what, () => checkPoints(ctx, pc));
  ctx.v.push(...ctx.sync.untyped, ...ctx.sync.slow);
  for (const n of ctx.sync.refused) ctx.notes.push(`refused: ${n}`);
  out.ms = performance.now() - t0;
  if (ctx.sync.slow.length > 0 || out.violations.some((v) => v.check === 'hang')) out.verdict = 'hang';
  else if (out.violations.some((v) => v.check === 'untyped-error')) out.verdict = 'untyped';
  else if (out.violations.length > 0) out.verdict = 'violation';
  return out;
}
