/**
 * `spectralDensity`: the exact N -> infinity law of the eigenvalues of J J^T (the squared singular
 * values of the input-output Jacobian) of a deep random network at initialization, from
 * S_{JJ^T} = S_{D^2}^L S_{W^TW}^L (Pennington, Schoenholz & Ganguli 2017, eq. 12; THEORY §3.5).
 * @module
 */
import { DynamicalIsometryRangeError, ErrorCode, NumericalError } from '../errors.js';
import { type NetworkSpec, type ResolvedNetworkSpec, resolveNetworkSpec } from '../spec.js';
import { abortSignal, boolean as booleanOption, callback, checkOptions, finiteNumber, finiteNumberList, integer, oneOf } from '../validate.js';
import { freeBackendName, solveGridBackend, solveGridBackendSync } from './backend.js';
import { Cooperation } from './cooperate.js';
import { type D2Law, d2Cauchy, d2LawOfSteps, d2Moment, d2Variance, REAL_LINE_PANEL_WIDTH, refinedRealLineLawSteps } from './d2-law.js';
import { type SpectralMoments, spectralMoments } from './moments.js';
import { buildProblem, type SpectralAtom, spectralAtoms } from './problem.js';
import { cdfErrorAt, Eval, evaluate, type FreeProblem, type GridOutput, imH, nearRealPole, newtonSteps, PointStatus, thetaSteps } from './solver-js.js';
import { cdfAccuracy, lawViolations } from './self-check.js';
import { supportSteps, type SupportInterval } from './support.js';

/** Options of {@link spectralDensity}. */
export interface SpectralDensityOptions {
  /** Number of grid points over the support (default 1000; ignored with `at`). */
  points?: number;
  /** Evaluate at these eigenvalues instead of a grid (finite; points <= 0 get density 0). */
  at?: readonly number[] | Float64Array;
  /** Grid spacing: 'linear' (midpoints of equal cells, default) or 'log' (for heavy mass near 0). */
  grid?: 'linear' | 'log';
  /** Also return the CDF at every grid point (`cdfValues`); default false. */
  cdf?: boolean;
  /**
   * Throw instead of returning a result that is not right to its stated accuracy (default true):
   * NumericalError ERR_DI_NO_CONVERGENCE when a point does not converge or a real-line point cannot
   * be verified, ERR_DI_SELF_CHECK when the law fails an invariant (theory §3.7). With false, the
   * result is returned flagged: density NaN at points that did not converge, `diagnostics.converged`
   * false, and the counts and violated invariants in `diagnostics`.
   */
  strict?: boolean;
  /**
   * Cancels the computation: the promise rejects with AbortError (code ERR_DI_ABORTED). The native
   * worker checks it before every grid point; TypeScript work (the JS backend's grid, the support
   * search, the real-line verification) checks it between time slices of ~10 ms.
   */
  signal?: AbortSignal;
  /**
   * Called with the number of grid points solved so far: every ~50 ms during a native solve, at
   * every time slice (~10 ms) of a JS solve, and once with pointsDone = pointsTotal at the end.
   */
  onProgress?: (progress: SpectralProgress) => void;
}

/** Progress of a {@link spectralDensity} call, as passed to `options.onProgress`. */
export interface SpectralProgress {
  /** Grid points (or `at` points) solved so far. */
  readonly pointsDone: number;
  /** Number of grid (or `at`) points. */
  readonly pointsTotal: number;
}

/** The support of the continuous part. */
export interface SpectralSupport {
  /** Lower edge of the continuous part (0 when it reaches 0). */
  readonly min: number;
  /** Upper edge of the continuous part. */
  readonly max: number;
  /** Disjoint intervals [a, b] whose union is the support (usually one). */
  readonly intervals: readonly (readonly [number, number])[];
  /**
   * True when the law has no continuous part (e.g. linear with orthogonal weights: one atom); then
   * `intervals` is empty and min/max span the atoms' locations.
   */
  readonly empty: boolean;
}

/** Solver diagnostics. */
export interface SpectralDiagnostics {
  /** Total Newton iterations (grid and edges). */
  readonly iterations: number;
  /** Largest |log z(w) - log lambda| over the converged grid points (the residual of the solved equation). */
  readonly residual: number;
  /**
   * The whole result is right to its stated accuracy: every point converged (`failures` 0), every
   * real-line point verified (`unresolved` 0) and every invariant holds (`selfCheck` empty). Always
   * true in a result returned with `strict` (the default), which throws instead.
   */
  readonly converged: boolean;
  /** Points that did not converge (density NaN there; only with strict: false). */
  readonly failures: number;
  /** Backend that solved the grid. */
  readonly backend: 'native' | 'js';
  /** Representation of M_{D^2}: closed form (atoms only), deformed complex contour, or real-line rule. */
  readonly rule: 'closed-form' | 'contour' | 'real-line';
  /** Number of quadrature nodes of the continuous part of D^2. */
  readonly quadratureNodes: number;
  /**
   * Grid points where the rule for D^2 does not resolve the density at the solution w (theory §3.8).
   * Real-line rules (user-defined activations): M_{D^2} at w could not be verified to 1e-9 of Im M
   * (+1e-13 of |M|) even after refining the rule 16-fold; their density is returned with reduced
   * accuracy. Contour rules: w lies within 16 innermost-panel scales of where the contour meets the
   * real axis (D2Law.pinches: next to a support edge of D^2, e.g. lambda within ~1e-8 relative of
   * the edge weightStd^2 of elu, orthogonal, L = 1); their density is NaN, their CDF exact. 0 for
   * closed-form rules.
   */
  readonly unresolved: number;
  /**
   * Invariants the law failed (theory §3.7: total mass 1, an ordered non-empty support for a
   * continuous part, finite moments obeying m2 >= m1^2, m2^2 <= m1 m3, m3^2 <= m2 m4, finite
   * non-negative density), one sentence each. Always empty in a result returned with `strict`
   * (the default), which throws NumericalError ERR_DI_SELF_CHECK instead.
   */
  readonly selfCheck: readonly string[];
  /**
   * The absolute accuracy of `cdf`, `cdfValues` and the interval masses that the self-check holds the
   * law to: 1e-8, or 256 sqrt(L + 1) eps / (sd(D^2)/mu1) for a narrow law of D^2 (tanh and erf at q* < ~1e-7,
   * whose values 1 - O(q*) are stored to eps absolute). See the README's table of the domain.
   */
  readonly cdfAccuracy: number;
  /**
   * Grid points in a tail beyond what the rule for D^2 resolves (theory §3.8: deep lower tails,
   * where E[1/(w - D^2)] would be carried by the rule's truncated ends) whose tail holds at most
   * TAIL_BOUND_MASS = 1e-12 of continuous mass, by the CDF at the nearest resolved point: their
   * density is returned as 0 and their CDF as that bound's end (right to 1e-12). Not failures.
   */
  readonly belowResolution: number;
}

/** The result of {@link spectralDensity}. */
export interface SpectralDensity {
  /** The resolved network spec (stds, q*, chi, mu1, mu2). */
  readonly spec: ResolvedNetworkSpec;
  /** Eigenvalues of J J^T where the density is given (the grid, or `options.at`). */
  readonly lambda: Float64Array;
  /** Density of the continuous part at `lambda[i]` (integrates to 1 - the atoms' mass). */
  readonly density: Float64Array;
  /** The CDF at `lambda[i]` when `options.cdf` was set, else null. */
  readonly cdfValues: Float64Array | null;
  /** Atoms of the law, ascending by location. */
  readonly atoms: readonly SpectralAtom[];
  /** Mass of the atom at 0 (0 when there is none). */
  readonly atomAtZero: number;
  /** 1 - the atoms' total mass. */
  readonly continuousMass: number;
  /** Support of the continuous part (see `empty` for laws without one, e.g. linear orthogonal). */
  readonly support: SpectralSupport;
  /** Moments of the whole law (atoms included). */
  readonly moments: SpectralMoments;
  /** The largest eigenvalue of the law: max(support.max, largest atom). */
  readonly lambdaMax: number;
  /** The density of the singular values s = sqrt(lambda): rho_s(s) = 2 s rho(s^2), on s = sqrt(lambda). */
  readonly singularValues: { readonly s: Float64Array; readonly density: Float64Array };
  /** F(x) = P(eigenvalue <= x), right-continuous, atoms included. */
  cdf(x: number): number;
  /**
   * inf{ x >= 0 : F(x) >= p } for p in [0, 1]. Quantiles below ~1e-300 (deep Gaussian networks put
   * much of their mass there) are not representable and are returned as 0.
   */
  quantile(p: number): number;
  readonly diagnostics: SpectralDiagnostics;
}

const OPTION_KEYS = ['points', 'at', 'grid', 'cdf', 'strict', 'signal', 'onProgress'] as const;

/** Internal state shared by cdf/quantile. */
interface Model {
  P: FreeProblem;
  law: D2Law;
  /** The absolute accuracy of F (self-check.ts cdfAccuracy). */
  cdfAccuracy: number;
  atoms: SpectralAtom[];
  intervals: SupportInterval[];
  atomAtZero: number;
  continuousMass: number;
  contMass: number[]; // continuous mass of each interval
}

function segmentOf(intervals: readonly SupportInterval[], x: number): number {
  for (let k = 0; k < intervals.length; k++) {
    const iv = intervals[k] as SupportInterval;
    if (x > iv.min && x < iv.max) return k;
  }
  return -1;
}

function atomsAtOrBelow(atoms: readonly SpectralAtom[], x: number): number {
  let s = 0;
  for (const a of atoms) if (a.location <= x) s += a.mass;
  return s;
}

/**
 * F by the closed form at one point inside the support (sync solve); NaN where the solve fails or
 * where the solution's residual leaves F less accurate than a quarter of the stated accuracy
 * (solver-js.ts cdfErrorAt: next to soft edges of deep networks), so that the callers bound it instead.
 */
function solveCdfAt(model: Model, x: number): { f: number; density: number } {
  const r = solveGridBackendSync(model.P, Float64Array.of(x), Int32Array.of(0), true);
  if (r.status[0] !== 0) return { f: NaN, density: NaN };
  if (cdfErrorAt(model.P, r.wRe[0] as number, r.wIm[0] as number, r.maxResidual) > 0.25 * model.cdfAccuracy) return { f: NaN, density: NaN };
  return { f: Math.min(1, Math.max(0, (r.cdf as Float64Array)[0] as number)), density: r.density[0] as number };
}

/** Bisection steps (in log lambda) that locate where the solver's resolution ends (see cdfByBound). */
const RESOLUTION_BISECTIONS = 40;

/**
 * F at a point x of support interval k where F is not known (solveCdfAt: deep in a tail below what
 * the rule resolves, a failed continuation, or a residual too large for F's accuracy: theory §3.8),
 * bounded by monotonicity: F(x) lies between F at the nearest known points below and above x (or the
 * interval's ends where there is none). When those differ by at most the CDF's accuracy their midpoint
 * is returned (right to half that accuracy); otherwise F(x) is not known and the call throws.
 */
function cdfByBound(model: Model, k: number, x: number): number {
  const iv = model.intervals[k] as SupportInterval;
  const { low, high } = intervalEnds(model, k, x);
  // the nearest points with a solution on either side, else the interval's ends
  const below = nearestResolved(model, k, x, -1)?.f ?? low;
  const above = nearestResolved(model, k, x, 1)?.f ?? Math.min(1, high);
  if (above - below <= model.cdfAccuracy) return Math.min(1, Math.max(0, 0.5 * (below + above)));
  throw new NumericalError(ErrorCode.noConvergence, `spectral CDF: the solver has no solution at lambda = ${x}, and F there is not bounded to within ${model.cdfAccuracy.toExponential(1)} by its neighbours`, {
    details: { lambda: x, intervalMin: iv.min, intervalMax: iv.max, below, above },
  });
}

/** F at the low end of interval k (F(iv.min+), plus the inner atoms up to x) and at its high end. */
function intervalEnds(model: Model, k: number, x: number): { low: number; high: number } {
  const iv = model.intervals[k] as SupportInterval;
  let before = atomsAtOrBelow(model.atoms, iv.min);
  for (let j = 0; j < k; j++) before += model.contMass[j] as number;
  const inner = (upTo: number): number => atomsAtOrBelow(model.atoms, upTo) - atomsAtOrBelow(model.atoms, iv.min);
  return { low: before + inner(x), high: before + (model.contMass[k] as number) + inner(iv.max) };
}

/**
 * The nearest point above (dir = 1) or below (dir = -1) x in interval k where F is known (solveCdfAt),
 * with F there. The search runs in u = log(x - min) - log(max - x), which resolves both a deep lower
 * tail (u ~ log x) and the neighbourhood of the top edge (u ~ -log(max - x)): steps doubling in u,
 * then RESOLUTION_BISECTIONS bisections toward x. Null when there is none on that side.
 */
function nearestResolved(model: Model, k: number, x: number, dir: 1 | -1): { x: number; f: number } | null {
  const iv = model.intervals[k] as SupportInterval;
  const span = iv.max - iv.min;
  const toU = (y: number): number => Math.log(y - iv.min) - Math.log(iv.max - y);
  const fromU = (u: number): number => iv.min + span / (1 + Math.exp(-u));
  const inside = (y: number): boolean => y > iv.min && y < iv.max;
  const u0 = toU(x);
  let bad = u0;
  let good = NaN;
  let fGood = NaN;
  for (let step = 1; step < 4096; step *= 2) {
    const u = u0 + dir * step;
    const y = fromU(u);
    if (!inside(y)) break;
    const { f } = solveCdfAt(model, y);
    if (!Number.isNaN(f)) {
      good = u;
      fGood = f;
      break;
    }
    bad = u;
  }
  if (Number.isNaN(good)) return null;
  for (let it = 0; it < RESOLUTION_BISECTIONS && Math.abs(good - bad) > 1e-12 * Math.max(1, Math.abs(good)); it++) {
    const mid = 0.5 * (good + bad);
    const { f } = solveCdfAt(model, fromU(mid));
    if (Number.isNaN(f)) bad = mid;
    else {
      good = mid;
      fGood = f;
    }
  }
  return { x: fromU(good), f: fGood };
}

/** F at x strictly inside support interval k: the closed form, or the monotone bound where there is no solution. */
function cdfInside(model: Model, k: number, x: number): number {
  const { f } = solveCdfAt(model, x);
  return Number.isNaN(f) ? cdfByBound(model, k, x) : f;
}

function cdfOf(model: Model, x: number): number {
  if (!(x >= 0)) return 0;
  const k = segmentOf(model.intervals, x);
  if (k >= 0) {
    // right-continuity at an atom inside the support: the closed form is singular there
    const onAtom = model.atoms.some((a) => a.location === x);
    return cdfInside(model, k, onAtom ? x * (1 + 4 * Number.EPSILON) : x);
  }
  let s = atomsAtOrBelow(model.atoms, x);
  model.intervals.forEach((iv, j) => {
    if (iv.max <= x) s += model.contMass[j] as number;
  });
  return Math.min(1, s);
}

function quantileOf(model: Model, p: number): number {
  // walk the pieces in order: atoms (jumps) and support intervals (continuous)
  let cum = 0;
  const events: { at: number; kind: 'atom' | 'interval'; index: number }[] = [];
  model.atoms.forEach((a, i) => events.push({ at: a.location, kind: 'atom', index: i }));
  model.intervals.forEach((iv, i) => events.push({ at: iv.min, kind: 'interval', index: i }));
  events.sort((a, b) => a.at - b.at || (a.kind === 'atom' ? -1 : 1));
  if (p <= 0) return 0;
  for (const ev of events) {
    if (ev.kind === 'atom') {
      const a = model.atoms[ev.index] as SpectralAtom;
      if (p <= cum + a.mass) return a.location;
      cum += a.mass;
      continue;
    }
    const iv = model.intervals[ev.index] as SupportInterval;
    const mass = model.contMass[ev.index] as number;
    // atoms strictly inside the interval are accounted for by the closed-form F
    const innerAtoms = model.atoms.filter((a) => a.location > iv.min && a.location < iv.max);
    const inner = innerAtoms.reduce((s, a) => s + a.mass, 0);
    // F < F(iv.max) inside the interval (it increases strictly there): p = F(iv.max) is reached at iv.max
    if (p === cum + mass + inner) return iv.max;
    if (p <= cum + mass + inner) {
      // an atom inside the interval splits it: p within its jump is the atom itself (a bisection on
      // F would land anywhere F rounds to p above it)
      let from = iv.min;
      for (const a of innerAtoms) {
        const below = cdfInside(model, ev.index, a.location * (1 - ATOM_SIDE_OFFSET));
        if (p <= below) return solveQuantile(model, ev.index, { min: from, max: a.location }, p);
        if (p <= below + a.mass) return a.location;
        from = a.location;
      }
      return solveQuantile(model, ev.index, { min: from, max: iv.max }, p);
    }
    cum += mass + inner;
  }
  // p within rounding of 1
  return model.intervals.length ? Math.max(...model.intervals.map((iv) => iv.max), ...model.atoms.map((a) => a.location)) : (model.atoms[model.atoms.length - 1]?.location ?? 0);
}

/** Relative offset below an atom inside the support at which F(atom-) is read. */
const ATOM_SIDE_OFFSET = 1e-13;

/**
 * F(x) = p inside [iv.min, iv.max], a part of support interval k with no atom inside: safeguarded
 * Newton in log x (F' = rho). Where F is not known at an iterate (solveCdfAt: a failed solve, or
 * below what the rule resolves) the nearest points with known F above and below it decide its side;
 * when p lies between them and they are more than QUANTILE_BAND apart, the call throws.
 */
function solveQuantile(model: Model, k: number, iv: { readonly min: number; readonly max: number }, p: number): number {
  const unknownAt = (x: number): { lo?: number; hi?: number; at?: number } => {
    const above = nearestResolved(model, k, x, 1);
    if (above && above.f < p) return { lo: Math.log(above.x) };
    const below = nearestResolved(model, k, x, -1);
    if (below && below.f >= p) return { hi: Math.log(below.x) };
    if (above && below && above.x / below.x - 1 <= QUANTILE_BAND) return { at: x };
    throw new NumericalError(
      ErrorCode.noConvergence,
      `spectral quantile: the quantile of p = ${p} lies between lambda = ${below ? below.x : iv.min} and ${above ? above.x : iv.max}, where the CDF is not known (no solution the rule for the law of D^2 resolves; docs/theory.md §3.8)`,
      { details: { p, lambdaBelow: below ? below.x : iv.min, lambdaAbove: above ? above.x : iv.max } },
    );
  };
  let hi = Math.log(iv.max);
  let lo: number;
  if (iv.min > 0) lo = Math.log(iv.min);
  else {
    // bracket from below: F(e^lo) < p, down to ~1e-300
    lo = Math.log(iv.max) - 36;
    for (;;) {
      const f = solveCdfAt(model, Math.exp(lo)).f;
      if (Number.isNaN(f)) {
        const d = unknownAt(Math.exp(lo));
        if (d.at !== undefined) return d.at;
        if (d.lo !== undefined) {
          lo = d.lo;
          break;
        }
        hi = Math.min(hi, d.hi as number);
      } else if (f < p) break;
      lo -= 36;
      // quantiles below ~1e-300 are not representable: reported as 0 (as the reference does with null)
      if (lo <= -690) return 0;
    }
  }
  let u = 0.5 * (lo + hi);
  for (let it = 0; it < 200; it++) {
    const x = Math.exp(u);
    const solved = solveCdfAt(model, x);
    if (Number.isNaN(solved.f)) {
      const d = unknownAt(x);
      if (d.at !== undefined) return d.at;
      if (d.lo !== undefined) lo = Math.max(lo, d.lo);
      if (d.hi !== undefined) hi = Math.min(hi, d.hi);
      u = 0.5 * (lo + hi);
      if (hi - lo <= 1e-15 * Math.max(1, Math.abs(u))) return Math.exp(u);
      continue;
    }
    const f = solved.f - p;
    if (f >= 0) hi = u;
    else lo = u;
    const slope = x * solved.density; // dF/du
    let next = slope > 0 ? u - f / slope : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - u) <= 1e-15 * Math.max(1, Math.abs(u)) || hi - lo <= 1e-15 * Math.max(1, Math.abs(u))) return Math.exp(next);
    u = next;
  }
  return Math.exp(u);
}

/** A band of unknown F narrower than this (relative) holds a quantile to the stated accuracy (2e-9 relative). */
const QUANTILE_BAND = 1e-9;

/**
 * The continuous mass of each support interval, from the closed-form CDF at its edges (support.ts).
 * At most one interval whose edge CDF could not be evaluated (NaN) gets the remaining mass. When the
 * masses add up to 1 - atoms within the self-check's tolerance they are rescaled to add up exactly,
 * so that F is exactly 1 beyond the last edge and atom; otherwise they are left for the self-check
 * to report.
 */
function intervalMasses(intervals: readonly SupportInterval[], continuousMass: number, tolerance: number): number[] {
  let masses = intervals.map((iv) => iv.mass);
  const unknown = masses.filter((m) => Number.isNaN(m)).length;
  if (unknown === 1) {
    const known = masses.reduce((acc, m) => (Number.isNaN(m) ? acc : acc + m), 0);
    masses = masses.map((m) => (Number.isNaN(m) ? Math.max(0, continuousMass - known) : m));
  }
  const total = masses.reduce((acc, m) => acc + m, 0);
  if (total > 0 && Math.abs(total - continuousMass) <= tolerance) masses = masses.map((m) => (m * continuousMass) / total);
  return masses;
}

/**
 * Continuous mass below which a support interval's low (or high) end is left out of a linear grid,
 * when that moves the grid's end by more than GRID_EDGE_SHIFT of the interval: a narrow law (tanh at small
 * q*, orthogonal weights) has support [0, lambda_max] with all but 1e-12 of its mass within a few
 * percent of 1, and a grid over [0, lambda_max] would put no point in its bulk.
 */
const GRID_TAIL_MASS = 1e-12;
const GRID_EDGE_SHIFT = 1e-3;

/** The range [lo, hi] of interval k that the default grid covers (see GRID_TAIL_MASS). A work generator. */
function* gridRangeSteps(model: Model, k: number, spacing: 'linear' | 'log'): Generator<void, [number, number], void> {
  const iv = model.intervals[k] as SupportInterval;
  if (spacing === 'log') {
    // a log grid needs lo > 0: the 1e-6 quantile of the continuous mass
    const lo = iv.min > 0 ? iv.min : Math.max(1e-300, quantileOf(model, model.atomAtZero + 1e-6 * model.continuousMass));
    return [lo, iv.max];
  }
  const mass = model.contMass[k] as number;
  if (!(mass > 0)) return [iv.min, iv.max];
  const width = iv.max - iv.min;
  // a tail mass the closed-form CDF can tell from its rounding (10x its accuracy)
  const target = Math.max(GRID_TAIL_MASS * mass, 10 * model.cdfAccuracy);
  // the continuous mass of the interval below x, by the closed form at the physical solution
  // (TypeScript solves: the same grid on both backends); NaN where the solve fails
  const base = cdfOf(model, iv.min);
  const e = new Eval();
  const massBelow = function* (x: number): Generator<void, number, void> {
    const sol = yield* thetaSteps(model.P, Math.log(x), e);
    if (!sol.ok) return NaN;
    return 1 - imH(model.P, sol.wr, sol.wi, e) / Math.PI - base - (atomsAtOrBelow(model.atoms, x) - atomsAtOrBelow(model.atoms, iv.min));
  };
  // the x in [a, b] where massBelow crosses `level`, by bisection to 2^-17 ~ 1e-5 of [a, b] (a grid's
  // end needs no more); a failed solve (NaN) counts as `failedBelow`, chosen so that the grid's end
  // never moves past a point whose CDF is unknown
  const cross = function* (a: number, b: number, level: number, failedBelow: boolean): Generator<void, number, void> {
    for (let it = 0; it < 17; it++) {
      const mid = 0.5 * (a + b);
      const m = yield* massBelow(mid);
      if (Number.isNaN(m) ? failedBelow : m < level) a = mid;
      else b = mid;
    }
    return a;
  };
  let lo = iv.min;
  let hi = iv.max;
  const lo0 = iv.min + GRID_EDGE_SHIFT * width;
  if ((yield* massBelow(lo0)) < target) lo = yield* cross(lo0, iv.max, target, false);
  // the same at the top: a law of D^2 with a far, thin tail (gelu at q* = 1e-8: its values lie
  // within 1e-4 of 1/4 but phi'^2 reaches 1.28 at infinite h) puts the top edge far above the bulk
  const hi0 = iv.max - GRID_EDGE_SHIFT * width;
  if (hi0 > lo && (yield* massBelow(hi0)) > mass - target) hi = yield* cross(lo, hi0, mass - target, true);
  return hi > lo ? [lo, hi] : [iv.min, iv.max];
}

/** The default grid: `points` points over the support (see gridRangeSteps). A work generator. */
function* gridPointsSteps(model: Model, points: number, spacing: 'linear' | 'log'): Generator<void, Float64Array, void> {
  const ivs = model.intervals;
  if (ivs.length === 0) return new Float64Array(0);
  const ranges: [number, number][] = [];
  for (let k = 0; k < ivs.length; k++) ranges.push(yield* gridRangeSteps(model, k, spacing));
  const lengths = ranges.map(([lo, hi]) => hi - lo);
  const total = lengths.reduce((a, b) => a + b, 0);
  const counts = lengths.map((l) => Math.max(1, Math.round((points * l) / total)));
  let diff = points - counts.reduce((a, b) => a + b, 0);
  for (let k = counts.length - 1; diff !== 0 && k >= 0; k--) {
    const c = counts[k] as number;
    const d = diff > 0 ? diff : Math.max(diff, 1 - c);
    counts[k] = c + d;
    diff -= d;
  }
  const out: number[] = [];
  ranges.forEach(([lo, hi], k) => {
    const n = counts[k] as number;
    if (spacing === 'linear' || n < 2) {
      for (let i = 0; i < n; i++) out.push(lo + ((i + 0.5) / n) * (hi - lo));
      return;
    }
    const a = Math.log(lo);
    const b = Math.log(hi);
    for (let i = 0; i < n; i++) out.push(Math.exp(a + ((i + 0.5) / n) * (b - a)));
  });
  return Float64Array.from(out);
}

/**
 * The exact limiting (N -> infinity) spectral law of J J^T for a deep network at initialization:
 * the density of its continuous part on a grid (or at given points), its atoms, support, moments,
 * CDF and quantiles (Pennington, Schoenholz & Ganguli 2017, eqs. 7-12; THEORY §3.5(b), §8.5).
 *
 * Method: the subordination form z(w) = weightStd^(2L) w^L (m/(1+m))^(L-1) (orthogonal) or
 * weightStd^(2L) w^L m^(L-1) (1+m) (Gaussian), m = M_{D^2}(w), solved for w by safeguarded Newton on
 * log z(w) - log lambda (mod 2 pi i), on the physical branch reached by continuation from the
 * negative axis and along the grid; rho(lambda) = -Im m / (pi lambda) at lambda + i0 with no
 * epsilon; edges from z'(w) = 0 on the real axis; F = 1 - Im H(w)/pi in closed form.
 *
 * @param spec - `{ activation, weights, depth, weightStd, biasStd }` or `{ activation, weights, depth, qStar }`
 *   (stds are standard deviations; see resolveNetworkSpec).
 * @param options - see {@link SpectralDensityOptions}.
 * @returns a Promise of {@link SpectralDensity}. It never blocks the event loop for long: the native
 *   backend solves large grids off the main thread, and TypeScript work runs in ~10 ms time slices.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad specs or options (naming the
 *   parameter), or when the spectrum's scale chi^L is beyond 1e+-300 (|L ln chi| > 690, named
 *   `spec.depth`); NumericalError ERR_DI_NO_CONVERGENCE (details: iterations, residual, failures, lambda)
 *   when a point does not converge and `strict` is not false; AbortError (ERR_DI_ABORTED, "after N of M
 *   grid points") when `options.signal` fires.
 * @example
 * const r = await spectralDensity({ activation: 'tanh', weights: 'orthogonal', depth: 32, qStar: 0.0259 });
 * r.support.max;    // ~1.782 (lambda_max)
 * r.moments.mean;   // 1 (= chi^L at criticality)
 * r.quantile(0.5);  // the median squared singular value
 *
 * // cancellable, with progress
 * const ac = new AbortController();
 * await spectralDensity(spec, { points: 1e5, signal: ac.signal, onProgress: (p) => console.log(p.pointsDone / p.pointsTotal) });
 */
export async function spectralDensity(spec: NetworkSpec, options?: SpectralDensityOptions): Promise<SpectralDensity> {
  const s = resolveNetworkSpec(spec, 'spec');
  // the spectrum's scale is chi^L: beyond ~1e+-300 its eigenvalues are not representable in doubles
  const logScale = s.depth * Math.log(s.chi);
  if (!(Math.abs(logScale) <= 690)) {
    throw new DynamicalIsometryRangeError(
      'spec.depth',
      `a depth for which the spectrum's scale chi^L is representable (|L ln chi| <= 690)`,
      s.depth,
      ErrorCode.outOfRange,
      `chi = ${s.chi}, so chi^L = e^${logScale.toFixed(0)}; move closer to the critical line chi = 1 or reduce the depth`,
    );
  }
  const o = checkOptions<SpectralDensityOptions>('options', options, OPTION_KEYS);
  const points = o.points === undefined ? 1000 : integer('options.points', o.points, 1, 10_000_000);
  const at = o.at === undefined ? undefined : finiteNumberList('options.at', o.at);
  const spacing = o.grid === undefined ? 'linear' : oneOf('options.grid', o.grid, ['linear', 'log'] as const);
  const wantCdf = o.cdf === undefined ? false : booleanOption('options.cdf', o.cdf);
  const strict = o.strict === undefined ? true : booleanOption('options.strict', o.strict);
  const coop = new Cooperation(abortSignal('options.signal', o.signal), 'spectralDensity');
  const onProgress = callback<(p: SpectralProgress) => void>('options.onProgress', o.onProgress);
  coop.throwIfAborted(() => 'before it started');
  const limit = s.activation.spectralQStarMax;
  if (limit && s.qStar > limit.value) {
    throw new DynamicalIsometryRangeError(
      s.mode === 'critical' ? 'spec.qStar' : 'spec',
      `a network with q* <= ${limit.value} for ${s.activation.name}`,
      s.mode === 'critical' ? s.qStar : { weightStd: s.weightStd, biasStd: s.biasStd },
      ErrorCode.outOfRange,
      `q* = ${s.qStar}: ${limit.why}`,
    );
  }
  const model = await buildModel(s, coop);
  const moments = lawMoments(s, model.law);

  let lambda: Float64Array;
  if (at) lambda = at;
  else lambda = await coop.drive(gridPointsSteps(model, points, spacing), undefined, () => 'while laying the grid');
  // solve in ascending order (warm starts), then scatter back
  // (grids are built ascending; only `at` may need the O(n log n) sort)
  let ascending = true;
  for (let i = 1; i < lambda.length && ascending; i++) ascending = (lambda[i - 1] as number) <= (lambda[i] as number);
  const order = ascending ? null : Array.from(lambda.keys()).sort((a, b) => (lambda[a] as number) - (lambda[b] as number));
  const sorted = order ? Float64Array.from(order, (i) => lambda[i] as number) : lambda;
  const seg = new Int32Array(sorted.length);
  for (let k = 0; k < sorted.length; k++) seg[k] = segmentOf(model.intervals, sorted[k] as number);
  const backend = freeBackendName();
  const pointsTotal = sorted.length;
  let reported = -1;
  const report = (pointsDone: number): void => {
    if (!onProgress || pointsDone === reported) return;
    reported = pointsDone;
    onProgress(Object.freeze({ pointsDone, pointsTotal }));
  };
  const r = await solveGridBackend(model.P, sorted, seg, wantCdf, coop, report);
  readRealSolutionsOnAxis(model.P, sorted, r);
  const unresolved = model.law.ruleKind === 'real-line' ? await coop.drive(refineSteps(s, model, sorted, r), undefined, () => `after all ${pointsTotal} grid points, verifying the real-line rule`) : 0;
  const marked = markNearPinches(model, r);
  const settled = boundUnresolvedTails(model, sorted, seg, r);
  const belowResolution = settled.failures + settled.nearPinch;
  const nearPinch = marked - settled.nearPinch;
  coop.throwIfAborted(() => `after all ${pointsTotal} grid points`);
  report(pointsTotal);
  const density = new Float64Array(lambda.length);
  const cdfValues = wantCdf ? new Float64Array(lambda.length) : null;
  for (let k = 0; k < sorted.length; k++) {
    const i = order ? (order[k] as number) : k;
    density[i] = r.density[k] as number;
    if (cdfValues) {
      const x = sorted[k] as number;
      cdfValues[i] = (seg[k] as number) >= 0 ? Math.min(1, Math.max(0, (r.cdf as Float64Array)[k] as number)) : cdfOf(model, x);
    }
  }
  const sv = new Float64Array(lambda.length);
  const svDensity = new Float64Array(lambda.length);
  for (let i = 0; i < lambda.length; i++) {
    const x = lambda[i] as number;
    const sx = x > 0 ? Math.sqrt(x) : 0;
    sv[i] = sx;
    svDensity[i] = 2 * sx * (density[i] as number);
  }
  const locs = model.atoms.map((a) => a.location);
  const support: SpectralSupport = model.intervals.length
    ? Object.freeze({
        min: (model.intervals[0] as SupportInterval).min,
        max: (model.intervals[model.intervals.length - 1] as SupportInterval).max,
        intervals: Object.freeze(model.intervals.map((iv) => Object.freeze([iv.min, iv.max] as const))),
        empty: false,
      })
    : Object.freeze({ min: Math.min(...locs), max: Math.max(...locs), intervals: Object.freeze([]), empty: true });
  const lambdaMax = Math.max(model.intervals.length ? support.max : 0, ...locs);
  const violations: string[] = lawViolations({
    atoms: model.atoms,
    continuousMass: model.continuousMass,
    intervals: model.intervals,
    intervalMasses: model.contMass,
    cdfAccuracy: model.cdfAccuracy,
    moments,
    density,
    lambda,
  });
  const lowTail = lowTailViolation(model);
  if (lowTail) violations.push(lowTail);
  if (violations.length > 0 && strict) throwSelfCheck(s, violations);
  const converged = r.failures === 0 && unresolved + nearPinch === 0 && violations.length === 0;
  if (!converged && strict) throwNoConvergence(r, sorted, unresolved, nearPinch);
  return Object.freeze({
    spec: s,
    lambda,
    density,
    cdfValues,
    atoms: Object.freeze(model.atoms.map((a) => Object.freeze({ ...a }))),
    atomAtZero: model.atomAtZero,
    continuousMass: model.continuousMass,
    support,
    moments: Object.freeze(moments),
    lambdaMax,
    singularValues: Object.freeze({ s: sv, density: svDensity }),
    cdf: (x: number) => cdfOf(model, finiteNumber('x', x)),
    quantile: (p: number) => {
      const v = finiteNumber('p', p);
      if (v < 0 || v > 1) throw new DynamicalIsometryRangeError('p', 'a probability in [0, 1]', p);
      return quantileOf(model, v);
    },
    diagnostics: Object.freeze({
      iterations: r.iterations,
      residual: r.maxResidual,
      converged,
      failures: r.failures,
      backend,
      rule: model.law.ruleKind === 'none' ? ('closed-form' as const) : model.law.ruleKind,
      quadratureNodes: model.law.nodeRe.length,
      unresolved: unresolved + nearPinch,
      cdfAccuracy: model.cdfAccuracy,
      selfCheck: Object.freeze(violations),
      belowResolution,
    }),
  });
}

/**
 * Verifies a real-line rule at every solution by a second rule of 0.7x the panel width; where they
 * disagree (w too close to the support of D^2 for the panels), re-solves those points by Newton
 * from the coarse solution with a rule 4x and then 16x finer (panels 0.0125, 0.003 in h; each
 * verified against 0.7x its width). Returns the number of points still unverified. Updates r in
 * place. A work generator (yields after every point checked or re-solved; lib/free/cooperate.ts).
 */
function* refineSteps(s: ResolvedNetworkSpec, model: Model, lam: Float64Array, r: GridOutput): Generator<void, number, void> {
  const solverSpec = { depth: s.depth, weightStd: s.weightStd, gaussian: s.weights === 'gaussian' };
  let law = model.law;
  let idx: number[] = [];
  for (let i = 0; i < lam.length; i++) if (r.status[i] === 0) idx.push(i);
  // the points of idx where `check` disagrees with `law` at the solution
  function* unverified(check: D2Law): Generator<void, number[], void> {
    const out: number[] = [];
    for (const i of idx) {
      const a = d2Cauchy(law, r.wRe[i] as number, r.wIm[i] as number);
      const b = d2Cauchy(check, r.wRe[i] as number, r.wIm[i] as number);
      if (Math.hypot(a[0] - b[0], a[1] - b[1]) > 1e-9 * Math.abs(a[1]) + 1e-13 * Math.hypot(a[0], a[1])) out.push(i);
      yield;
    }
    return out;
  }
  // level 0: the default rule against one with 0.7x the panels; then 4x and 16x finer rules, each
  // solved by Newton from the previous solution (few points, so in TypeScript) and verified
  let width = REAL_LINE_PANEL_WIDTH;
  idx = yield* unverified(yield* refinedRealLineLawSteps(s.activation, model.law, width * 0.7));
  for (let level = 1; level <= 2 && idx.length > 0; level++) {
    width /= 4;
    law = yield* refinedRealLineLawSteps(s.activation, model.law, width);
    const P = buildProblem(solverSpec, law);
    const e = new Eval();
    const next = new Set<number>();
    for (const i of idx) {
      const x = lam[i] as number;
      const n = yield* newtonSteps(P, r.wRe[i] as number, r.wIm[i] as number, Math.log(x), 0, e);
      r.iterations += n.iterations;
      if (n.ok && n.wi >= 0 && e.mi <= 1e-13 * Math.hypot(e.mr, e.mi)) {
        r.wRe[i] = n.wr;
        r.wIm[i] = n.wi;
        r.density[i] = Math.max(0, -e.mi / (Math.PI * x));
        if (r.cdf) r.cdf[i] = 1 - imH(P, n.wr, n.wi, e) / Math.PI;
        next.add(i);
      }
      yield;
    }
    const lost = idx.length - next.size; // Newton left the branch: keep the coarse value, unverified
    idx = idx.filter((i) => next.has(i));
    idx = yield* unverified(yield* refinedRealLineLawSteps(s.activation, model.law, width * 0.7));
    if (lost > 0) return idx.length + lost;
  }
  return idx.length;
}

/**
 * Where a solution is real up to rounding next to an atom of D^2 (nearRealPole), its density and CDF
 * are re-read at real w: the pole of the atom turns a rounding-size Im w into a spurious density
 * (elu, orthogonal, L = 1: 7.6e6 instead of 2 at 4 ulp below the atom at weightStd^2, theory §3.6).
 * Both backends' solutions pass through here, so they stay equal.
 */
/**
 * F near 0 by the closed form must not lie below the atom at 0 (F is non-decreasing from F(0+) =
 * atomAtZero). The masses of the support intervals come from F at their edges, so an offset of F that
 * is the same at both ends passes the mass check; here it shows (gelu, Gaussian, L = 1, q* = 10: F
 * ran 1.3e-5 below the integral of the density). F is read at lambda_max 10^-k, k = 300, 200, 100,
 * 50, 20, at the first point with a solution. Returns the violation or null.
 */
function lowTailViolation(model: Model): string | null {
  const first = model.intervals[0];
  if (!first || first.min > 0) return null;
  for (const k of [300, 200, 100, 50, 20]) {
    const x = first.max * 10 ** -k;
    if (!(x > 1e-300)) continue;
    const r = solveGridBackendSync(model.P, Float64Array.of(x), Int32Array.of(0), true);
    if (r.status[0] !== 0) continue;
    const f = (r.cdf as Float64Array)[0] as number;
    if (f < model.atomAtZero - model.cdfAccuracy) {
      return `the closed-form CDF at lambda = ${x.toExponential(3)} is ${f.toExponential(3)}, below the atom at 0 (${model.atomAtZero}) by more than its accuracy ${model.cdfAccuracy.toExponential(1)}`;
    }
    return null;
  }
  return null;
}

/**
 * A solution w closer than this times D2Law.pinches' scale to where the contour meets the real axis
 * has its density unresolved: elu, orthogonal, L = 1 (w = lambda / weightStd^2 on the axis, closed
 * form known) is off by 2e-10 at 16 scales of its kink end, 9e-9 at 1.6 and 50 % at 0.02.
 */
const PINCH_FACTOR = 16;

/** Grid status (TypeScript only, next to PointStatus) of a point whose density the contour rule does not resolve. */
const NEAR_PINCH = 3;

/**
 * Grid points whose solution lies within PINCH_FACTOR scales of a pinch of the contour rule
 * (D2Law.pinches): status NEAR_PINCH, density NaN (their CDF, from logarithms, is kept). Returns the count.
 */
function markNearPinches(model: Model, r: GridOutput): number {
  const pinches = model.law.pinches;
  if (pinches.length === 0) return 0;
  let count = 0;
  for (let i = 0; i < r.status.length; i++) {
    if (r.status[i] !== PointStatus.ok) continue;
    const wr = r.wRe[i] as number;
    const wi = r.wIm[i] as number;
    if (pinches.some((p) => Math.hypot(wr - p.value, wi) < PINCH_FACTOR * p.scale)) {
      r.status[i] = NEAR_PINCH;
      r.density[i] = NaN;
      count++;
    }
  }
  return count;
}

/**
 * Orthogonal, depth 1: the largest real-axis change of the rule (D2Law.axisError, limitAxisError)
 * with which the density is computed. Its solutions all lie on the real axis, and there the density
 * (Im M) is noisier than F: softplus at weightStd 1.3, biasStd 0 (change 1.6e-9) had density
 * integrals noisy at 2e-6, silu at q* = 10 (7.5e-8) at 1e-4, while laws at <= 1e-10 integrate to 1e-12.
 */
const ON_AXIS_RULE_ERROR = 1e-9;

/** Continuous mass a tail may hold for its unresolved grid points to be given density 0 (SpectralDiagnostics.belowResolution). */
const TAIL_BOUND_MASS = 1e-12;

/**
 * Grid points without a solution at the low (or high) end of a support interval, below (above) its
 * first (last) resolved grid point x_r: when F(x_r) differs from F at the interval's end by at most
 * TAIL_BOUND_MASS, the tail is negligible there and they get density 0 and the end's CDF (status ok,
 * counted). Points without a solution elsewhere stay failures. Points near a pinch (NEAR_PINCH) are
 * treated the same. Updates r in place; returns the counts settled of each kind.
 */
function boundUnresolvedTails(model: Model, lam: Float64Array, seg: Int32Array, r: GridOutput): { failures: number; nearPinch: number } {
  const count = { failures: 0, nearPinch: 0 };
  for (let k = 0; k < model.intervals.length; k++) {
    const idx: number[] = [];
    for (let i = 0; i < lam.length; i++) if (seg[i] === k) idx.push(i);
    const failed = (i: number): boolean => r.status[i] === PointStatus.noConvergence || r.status[i] === NEAR_PINCH;
    if (!idx.some(failed)) continue;
    const settle = (i: number, f: number): void => {
      if (r.status[i] === NEAR_PINCH) count.nearPinch++;
      else {
        r.failures--;
        count.failures++;
      }
      r.status[i] = PointStatus.ok;
      r.density[i] = 0;
      if (r.cdf) r.cdf[i] = f;
    };
    // a run of failed points at an end of the interval, bounded by F at the resolved point next to it
    const settleRun = (run: number[], end: 'low' | 'high', resolvedAt: number): void => {
      if (run.length === 0) return;
      const fr = solveCdfAt(model, lam[resolvedAt] as number).f;
      for (const i of run) {
        const { low, high } = intervalEnds(model, k, lam[i] as number);
        if (end === 'low' && fr - low <= TAIL_BOUND_MASS) settle(i, low);
        else if (end === 'high' && Math.min(1, high) - fr <= TAIL_BOUND_MASS) settle(i, Math.min(1, high));
      }
    };
    const firstOk = idx.findIndex((i) => !failed(i));
    if (firstOk < 0) {
      // no resolved grid point in the interval: one search for the nearest resolved point above the
      // highest (and below the lowest) of them bounds them all
      const top = lam[idx[idx.length - 1] as number] as number;
      const bottom = lam[idx[0] as number] as number;
      const up = nearestResolved(model, k, top, 1);
      const down = up ? null : nearestResolved(model, k, bottom, -1);
      for (const i of idx) {
        const { low, high } = intervalEnds(model, k, lam[i] as number);
        if (up && up.f - low <= TAIL_BOUND_MASS) settle(i, low);
        else if (down && high - down.f <= TAIL_BOUND_MASS) settle(i, Math.min(1, high));
      }
      continue;
    }
    settleRun(idx.slice(0, firstOk), 'low', idx[firstOk] as number);
    let lastOk = idx.length - 1;
    while (failed(idx[lastOk] as number)) lastOk--;
    settleRun(idx.slice(lastOk + 1), 'high', idx[lastOk] as number);
  }
  return count;
}

function readRealSolutionsOnAxis(P: FreeProblem, lam: Float64Array, r: GridOutput): void {
  const e = new Eval();
  for (let i = 0; i < lam.length; i++) {
    if (r.status[i] !== 0) continue;
    const wr = r.wRe[i] as number;
    const wi = r.wIm[i] as number;
    if (wi === 0 || !nearRealPole(P, wr, wi)) continue;
    evaluate(P, wr, 0, e);
    r.density[i] = Math.max(0, -e.mi / (Math.PI * (lam[i] as number)));
    if (r.cdf) r.cdf[i] = 1 - imH(P, wr, 0, e) / Math.PI;
  }
}

function throwNoConvergence(r: GridOutput, lam: Float64Array, unresolved: number, nearPinch: number): never {
  if (r.failures === 0 && nearPinch > 0) {
    throw new NumericalError(
      ErrorCode.noConvergence,
      `spectralDensity: at ${nearPinch} point(s) the solution w lies within ${PINCH_FACTOR} innermost-panel scales of where the contour ` +
        `rule for the law of D^2 meets the real axis (next to a support edge of D^2), where the rule does not resolve the density; ` +
        `pass { strict: false } to get the other points (NaN there, counted in diagnostics.unresolved; the CDF there is exact)`,
      { routine: 'free-solver', details: { iterations: r.iterations, residual: r.maxResidual, unresolved: unresolved + nearPinch } },
    );
  }
  if (r.failures === 0) {
    throw new NumericalError(
      ErrorCode.noConvergence,
      `spectralDensity: at ${unresolved} point(s) the real-line rule for the law of D^2 could not be verified even 16-fold refined ` +
        `(the solution w comes closer to the support of D^2 than the rule resolves), so their density has reduced accuracy; ` +
        `pass { strict: false } to get them, counted in diagnostics.unresolved`,
      { routine: 'free-solver', details: { iterations: r.iterations, residual: r.maxResidual, unresolved } },
    );
  }
  const first = r.status.findIndex((st) => st === 2);
  throw new NumericalError(
    ErrorCode.noConvergence,
    `spectralDensity: the solver did not converge at ${r.failures} point(s) (first at lambda = ${lam[first]}; ` +
      `largest residual of the converged points ${r.maxResidual}); pass { strict: false } to get the other points with NaN there`,
    { routine: 'free-solver', details: { iterations: r.iterations, residual: r.maxResidual, failures: r.failures, lambda: lam[first] as number } },
  );
}

function throwSelfCheck(s: ResolvedNetworkSpec, violations: readonly string[]): never {
  throw new NumericalError(
    ErrorCode.selfCheck,
    `spectralDensity: the computed law of ${s.activation.name} / ${s.weights} / depth ${s.depth} (q* = ${s.qStar}) fails its self-check ` +
      `(theory §3.7): ${violations.join('; ')}. This is a bug; please report it with the spec. ` +
      `With { strict: false } the result is returned, flagged in diagnostics.selfCheck`,
    { routine: 'spectralDensity', details: { violations: violations.length, first: violations[0] as string } },
  );
}

/**
 * The moments m1..m4 of the law (theory §4.1), refused when they are not representable: at large
 * depth away from chi = 1 (m4 ~ chi^(4L)) or at huge spreads they overflow although the scale chi^L
 * itself is representable.
 */
function lawMoments(s: ResolvedNetworkSpec, law: D2Law): SpectralMoments {
  const mu: [number, number, number, number] = [s.mu1, s.mu2, d2Moment(law, 3), d2Moment(law, 4)];
  const moments = spectralMoments(s.depth, s.weights === 'gaussian', s.chi, mu, d2Variance(law, s.mu1));
  if (![moments.mean, moments.m2, moments.m3, moments.m4].every(Number.isFinite)) {
    throw new DynamicalIsometryRangeError(
      'spec.depth',
      'a depth for which the moments m1..m4 of the spectrum are representable in double precision',
      s.depth,
      ErrorCode.outOfRange,
      `chi = ${s.chi}: m1 = ${moments.mean}, m2 = ${moments.m2}, m3 = ${moments.m3}, m4 = ${moments.m4}; move closer to chi = 1 or reduce the depth`,
    );
  }
  return moments;
}

/**
 * sd/mean of the continuous part of D^2 from its rule (0 without one): the relative width on which
 * its nodes, stored to eps absolute, lose digits (self-check.ts cdfAccuracy). Atoms are exact and do
 * not count (hard-tanh at q* = 0.01 has Var(D^2) ~ 1e-23, all of it in two exact atoms).
 */
function continuousSpread(law: D2Law): number {
  if (law.nodeRe.length === 0) return 0;
  let c = 0;
  let m = 0;
  for (let j = 0; j < law.nodeRe.length; j++) {
    c += law.weightRe[j] as number;
    m += (law.weightRe[j] as number) * (law.nodeRe[j] as number) - (law.weightIm[j] as number) * (law.nodeIm[j] as number);
  }
  const mean = m / c;
  let v = 0;
  for (let j = 0; j < law.nodeRe.length; j++) {
    const dr = (law.nodeRe[j] as number) - mean;
    const di = law.nodeIm[j] as number;
    v += (law.weightRe[j] as number) * (dr * dr - di * di) - (law.weightIm[j] as number) * (2 * dr * di);
  }
  return Math.sqrt(Math.max(0, v / c)) / Math.abs(mean);
}

/** A law whose CDF accuracy (self-check.ts cdfAccuracy) would be worse than this is refused. */
const WORST_CDF_ACCURACY = 1e-4;

/** Relative agreement required between the D^2 rule's mu1, mu2 and the mean-field quadrature's. */
const RULE_MOMENT_RTOL = 1e-9;

/**
 * The D^2 rule must reproduce mu1 and mu2 of the independent mean-field quadrature (lib/mean-field):
 * a rule whose panels are too coarse for the law (huge q*, where phi'(sqrt(q*) h)^2 is a spike of
 * width 1/sqrt(q*) in h) is refused here, before it can produce a plausible wrong spectrum.
 */
function checkRuleResolves(s: ResolvedNetworkSpec, law: D2Law): void {
  const mu1 = d2Moment(law, 1);
  const mu2 = d2Moment(law, 2);
  const off = Math.max(Math.abs(mu1 - s.mu1) / s.mu1, Math.abs(mu2 - s.mu2) / s.mu2);
  if (off <= RULE_MOMENT_RTOL) return;
  const parameter = s.mode === 'critical' ? 'spec.qStar' : 'spec';
  throw new DynamicalIsometryRangeError(
    parameter,
    `a network whose law of D^2 = phi'(sqrt(q*) h)^2 the quadrature resolves (for ${s.activation.name} this fails at q* = ${s.qStar})`,
    s.mode === 'critical' ? s.qStar : { weightStd: s.weightStd, biasStd: s.biasStd },
    ErrorCode.outOfRange,
    `the rule gives mu1 = ${mu1}, mu2 = ${mu2} against ${s.mu1}, ${s.mu2} from mean field (${off.toExponential(1)} relative, ` +
      `more than ${RULE_MOMENT_RTOL}); the built-in smooth activations are resolved up to q* ~ 1e5 (tanh, erf, sigmoid, elu, selu), ` +
      `1e4 (softplus, silu), 1e2 (gelu): see the README's table of the accepted domain`,
  );
}

const modelCache = new WeakMap<ResolvedNetworkSpec, Model>();

async function buildModel(s: ResolvedNetworkSpec, coop: Cooperation): Promise<Model> {
  const hit = modelCache.get(s);
  if (hit) return hit;
  // a marginal length map (q* undefined): phi is positively homogeneous, D^2 does not depend on q
  const law = await coop.drive(d2LawOfSteps(s.activation, Number.isFinite(s.qStar) ? s.qStar : 1), undefined, () => 'while building the law of D^2 (before the grid)');
  checkRuleResolves(s, law);
  const solverSpec = { depth: s.depth, weightStd: s.weightStd, gaussian: s.weights === 'gaussian' };
  const P = buildProblem(solverSpec, law);
  const atoms = spectralAtoms(solverSpec, law);
  const atomMass = atoms.reduce((a, b) => a + b.mass, 0);
  const continuousMass = Math.max(0, 1 - atomMass);
  const intervals =
    continuousMass > 1e-15
      ? await coop.drive(
          supportSteps(
            P,
            law,
            atoms.map((a) => a.location),
            atoms.map((a) => a.mass),
          ),
          undefined,
          () => 'while locating the support (before the grid)',
        )
      : [];
  const zero = atoms.find((a) => a.location === 0);
  // sd(D^2)/mu1 from the central moment (no cancellation for narrow laws)
  // orthogonal L = 1 solves on the real axis itself, next to the limits of phi'^2 too (d2-law.ts limitAxisErrorOf)
  const onAxis = s.weights === 'orthogonal' && s.depth === 1;
  const axisError = onAxis ? Math.max(law.axisError, law.limitAxisError) : law.axisError;
  const accuracy = cdfAccuracy(continuousSpread(law), s.depth, axisError);
  if (onAxis && axisError > ON_AXIS_RULE_ERROR) {
    throw new DynamicalIsometryRangeError(
      s.mode === 'critical' ? 'spec.qStar' : 'spec',
      `a network whose law of D^2 the rule resolves on the real axis (orthogonal, depth 1: change <= ${ON_AXIS_RULE_ERROR})`,
      s.mode === 'critical' ? s.qStar : { weightStd: s.weightStd, biasStd: s.biasStd },
      ErrorCode.outOfRange,
      `the rule for the law of D^2 of ${s.activation.name} at q* = ${s.qStar} changes by ${axisError.toExponential(1)} on the real axis when refined; ` +
        `at depth 1 with orthogonal weights every solution lies there, and the density is noisy (theory §3.8)`,
    );
  }
  if (!(accuracy <= WORST_CDF_ACCURACY)) {
    throw new DynamicalIsometryRangeError(
      s.mode === 'critical' ? 'spec.qStar' : 'spec',
      `a network whose CDF the solver resolves to ${WORST_CDF_ACCURACY} or better`,
      s.mode === 'critical' ? s.qStar : { weightStd: s.weightStd, biasStd: s.biasStd },
      ErrorCode.outOfRange,
      `the rule for the law of D^2 of ${s.activation.name} at q* = ${s.qStar} changes by ${axisError.toExponential(1)} on the real axis ` +
        `when refined, which over ${s.depth} layer(s) bounds the CDF's accuracy by ${accuracy.toExponential(1)} (theory §3.7)`,
    );
  }
  const model: Model = {
    P,
    law,
    atoms,
    intervals,
    atomAtZero: zero ? zero.mass : 0,
    continuousMass,
    contMass: intervalMasses(intervals, continuousMass, accuracy),
    cdfAccuracy: accuracy,
  };
  modelCache.set(s, model);
  return model;
}
