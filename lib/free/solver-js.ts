/**
 * The free-probability solver, pure TypeScript twin of native/core/free_solver.cc (same algorithm,
 * same constants; the two agree to ~1e-12 relative, test/free/parity.test.ts).
 *
 * Subordination form (THEORY §3.5(b), §8.5). With m = M_{D^2}(w) and s2 = weightStd^2,
 *
 *     orthogonal: log z(w) = L log s2 + L log w + (L-1) [log m - log(1+m)]
 *     Gaussian:   log z(w) = L log s2 + L log w + (L-1) log m + log(1+m)
 *
 * and at the solution of log z(w) = log(lambda) + i theta: G = (1+m)/z, rho = -Im m/(pi lambda).
 * Newton on F(w) = log z(w) - log z_target with the imaginary part of the residual reduced modulo
 * 2 pi (essential at large L), step damping |dw| <= |w|/2 and backtracking on |F|. The physical
 * branch is reached by continuation from the negative axis: at theta = pi (z < 0) w is real,
 * negative and unique (|z(w)| increases with |w| there), found by safeguarded Newton/bisection in
 * log|w|; then theta goes from pi to 0 with a tangent predictor dw = i dtheta / F'(w) and a Newton
 * corrector, halving the step when the corrector fails or wanders. Along a grid, the previous point
 * warm-starts the next (tangent predictor in log lambda); a warm start that fails or lands on a root
 * with Im m > 0 or far from the prediction falls back to the theta continuation.
 *
 * CDF (THEORY §8.5): with K(w) = E log(1 - d/w),
 *     H = L K + (L-1) log(1+m)   (orthogonal),    H = L K + L m - log(1+m)   (Gaussian),
 * F(lambda) = 1 - Im H(w(lambda + i0)) / pi, atoms included.
 * @module
 */
import { runSync } from './cooperate.js';
import {
  ACCEPT_FLOORS,
  ACCEPT_TOL_MIN,
  EDGE_WANDER_RTOL,
  FLOOR_EPS,
  FLOOR_LOG_W_OFFSET,
  FLOOR_OFFSET,
  MARCH_MAX_MOVE_IM_SHARE,
  MARCH_MAX_MOVE_SHARE,
  MARCH_MAX_SUBSTEPS,
  MARCH_MIN_STEP_RTOL,
  MARCH_STEP_SHRINK,
  MAX_NEWTON,
  NEG_AXIS_BRACKET_STEP_MAX,
  NEG_AXIS_LOG_MAX,
  NEG_AXIS_LOG_MIN,
  NEG_AXIS_MAX_ITER,
  NEG_AXIS_RTOL,
  NEG_AXIS_START_BOUND,
  NEWTON_MAX_BACKTRACKS,
  NEWTON_MAX_STEP_SHARE,
  NEWTON_QUADRATIC_RATIO,
  NEWTON_QUADRATIC_STEP_RTOL,
  NEWTON_STALL_RTOL,
  ONE_PLUS_M_FROM_G_ABOVE,
  PHYSICAL_IM_M_RTOL,
  POLE_RTOL,
  POLISH_ABOVE_FLOOR,
  POLISH_MAX_MOVE_RTOL,
  PREDICTOR_WANDER_RTOL,
  PREDICTOR_WANDER_SHARE,
  REAL_W_RTOL,
  RULE_END_SHARE,
  SCALED_W_MAX,
  SCALED_W_MIN,
  THETA_FIRST_STEP,
  THETA_MAX_STEP,
  THETA_MAX_STEPS,
  THETA_MIN_STEP,
  THETA_NEWTON_MAX_ITER,
  THETA_STEP_SHRINK,
  UPPER_HALF_PLANE_RTOL,
  WARM_NEWTON_MAX_ITER,
} from './solver-constants.js';

/** The problem in flat form (shared with the native core). */
export interface FreeProblem {
  /** Depth L. */
  readonly depth: number;
  /** L log(weightStd^2). */
  readonly logScale: number;
  /** Gaussian (true) or orthogonal (false) weights. */
  readonly gaussian: boolean;
  /** Mass of the D^2 atom at 0. */
  readonly p0: number;
  /** Nodes d_j (atoms with value > 0 first, then the continuous rule), real and imaginary parts. */
  readonly dRe: Float64Array;
  readonly dIm: Float64Array;
  /** Weights c_j. */
  readonly cRe: Float64Array;
  readonly cIm: Float64Array;
  /** log mu1 (for the initial guess on the negative axis). */
  readonly logMu1: number;
  /** The rule's truncated ends (D2Law.ruleEnds): d there, and the Gaussian mass just before (see resolvedByRule). */
  readonly endD: Float64Array;
  readonly endMass: Float64Array;
}

/** Per-point outcome codes. */
export const PointStatus = { ok: 0, outside: 1, noConvergence: 2 } as const;

// The solver's numerical constants (MAX_NEWTON, SCALED_W_MIN, ...) are in ./solver-constants.ts,
// generated together with native/core/free_solver_constants.h by scripts/gen-free-solver-constants.mjs.
const TWO_PI = 2 * Math.PI;

/** Scratch results of one evaluation at w. */
class Eval {
  mr = 0;
  mi = 0;
  pr = 0; // 1 + m
  pi = 0;
  dmr = 0; // m'(w)
  dmi = 0;
  fr = 0; // log z(w)
  fi = 0;
  dfr = 0; // d log z / dw
  dfi = 0;
}

/** Evaluates m, 1 + m, m' and log z, (log z)' at w = wr + i wi. */
// Twin of native/core/free_solver.cc Solver::Evaluate(), EvaluateScaled() and Finish(): keep in step.
export function evaluate(P: FreeProblem, wr: number, wi: number, e: Eval): void {
  const n = P.dRe.length;
  const dRe = P.dRe;
  const dIm = P.dIm;
  const cRe = P.cRe;
  const cIm = P.cIm;
  let mr = 0;
  let mi = 0;
  let gr = 0;
  let gi = 0;
  let dr = 0;
  let di = 0;
  // |w - d|^2 would under- or overflow (sigmoid at q* = 1e3, L = 1: w ~ 1e-158 next to nodes d ~ 1e-275
  // gave NaN): Smith's reciprocal, node by node
  const aw0 = Math.abs(wr) + Math.abs(wi);
  const scaled = !(aw0 >= SCALED_W_MIN && aw0 <= SCALED_W_MAX);
  for (let j = 0; j < n; j++) {
    const xr = dRe[j] as number;
    const xi = dIm[j] as number;
    const ur = wr - xr;
    const ui = wi - xi;
    let rr: number; // r = 1/(w - d)
    let ri: number;
    if (scaled) {
      recip(ur, ui);
      rr = RR;
      ri = RI;
    } else {
      const inv = 1 / (ur * ur + ui * ui);
      rr = ur * inv;
      ri = -ui * inv;
    }
    const cr = cRe[j] as number;
    const ci = cIm[j] as number;
    // c r
    const tr = cr * rr - ci * ri;
    const ti = cr * ri + ci * rr;
    gr += tr;
    gi += ti;
    // c d r = c d/(w - d)
    const sr = tr * xr - ti * xi;
    const si = tr * xi + ti * xr;
    mr += sr;
    mi += si;
    // m' = -sum c d r^2
    dr -= sr * rr - si * ri;
    di -= sr * ri + si * rr;
  }
  e.mr = mr;
  e.mi = mi;
  e.dmr = dr;
  e.dmi = di;
  // 1 + m = p0 + w g without cancellation for small |w|; 1 + m directly otherwise
  if (Math.abs(mr) + Math.abs(mi) > ONE_PLUS_M_FROM_G_ABOVE) {
    e.pr = P.p0 + (wr * gr - wi * gi);
    e.pi = wr * gi + wi * gr;
  } else {
    e.pr = 1 + mr;
    e.pi = mi;
  }
  const L = P.depth;
  const lw = Math.log(Math.hypot(wr, wi));
  const aw = Math.atan2(wi, wr);
  const lm = Math.log(Math.hypot(e.mr, e.mi));
  const am = Math.atan2(e.mi, e.mr);
  const lp = Math.log(Math.hypot(e.pr, e.pi));
  const ap = Math.atan2(e.pi, e.pr);
  // coefficient of log(1+m): -(L-1) orthogonal, +1 Gaussian
  const b = P.gaussian ? 1 : -(L - 1);
  e.fr = P.logScale + L * lw + (L - 1) * lm + b * lp;
  e.fi = reduceAngle(L * aw) + reduceAngle((L - 1) * am) + reduceAngle(b * ap);
  // (log z)' = L/w + m' [ (L-1)/m + b/(1+m) ]; reciprocals by Smith's algorithm (|w| spans
  // 1e-300 .. 1e300, where |w|^2 would under- or overflow)
  recip(wr, wi);
  const iwr = RR;
  const iwi = RI;
  recip(e.mr, e.mi);
  const imr = RR;
  const imi = RI;
  recip(e.pr, e.pi);
  const cr = (L - 1) * imr + b * RR;
  const ci = (L - 1) * imi + b * RI;
  e.dfr = L * iwr + (e.dmr * cr - e.dmi * ci);
  e.dfi = L * iwi + (e.dmr * ci + e.dmi * cr);
}

let RR = 0;
let RI = 0;
/** 1/(a + ib) into (RR, RI), without overflow or underflow of a^2 + b^2 (Smith 1962). */
// Twin of native/core/free_solver.cc Recip(): keep in step.
function recip(a: number, b: number): void {
  if (Math.abs(a) >= Math.abs(b)) {
    const r = b / a;
    const d = a + b * r;
    RR = 1 / d;
    RI = -r / d;
  } else {
    const r = a / b;
    const d = a * r + b;
    RR = r / d;
    RI = -1 / d;
  }
}

/** x reduced to (-pi, pi]. */
// Twin of native/core/free_solver.cc ReduceAngle(): keep in step.
function reduceAngle(x: number): number {
  if (x > -Math.PI && x <= Math.PI) return x;
  const r = x - TWO_PI * Math.round(x / TWO_PI);
  return r <= -Math.PI ? r + TWO_PI : r > Math.PI ? r - TWO_PI : r;
}

/** Residual floor of log z at w (rounding of the L-fold sums). */
// Twin of native/core/free_solver.cc Solver::FloorTol(): keep in step.
function floorTol(P: FreeProblem, wr: number, wi: number, logLam: number): number {
  const lw = Math.abs(Math.log(Math.hypot(wr, wi)));
  return FLOOR_EPS * (P.depth * (FLOOR_LOG_W_OFFSET + lw) + Math.abs(P.logScale) + Math.abs(logLam) + FLOOR_OFFSET);
}

/** Acceptance tolerance on |log z(w) - log z_target|. */
// Twin of native/core/free_solver.cc Solver::AcceptTol(): keep in step.
export function acceptTol(P: FreeProblem, wr: number, wi: number, logLam: number): number {
  return Math.max(ACCEPT_TOL_MIN, ACCEPT_FLOORS * floorTol(P, wr, wi, logLam));
}

/** Outcome of a Newton solve. */
export interface NewtonResult {
  wr: number;
  wi: number;
  iterations: number;
  residual: number;
  ok: boolean;
  /** Stopped only because it used maxIt iterations (more would make progress). */
  capped?: boolean;
}

/**
 * Damped Newton on log z(w) = logLam + i theta from (wr, wi). Invariant: |res| is non-increasing
 * (backtracking), |dw| <= |w|/2 per step.
 */
// Twin of native/core/free_solver.cc Solver::Newton(): keep in step.
export function newton(P: FreeProblem, wr: number, wi: number, logLam: number, theta: number, e: Eval, maxIt = MAX_NEWTON): NewtonResult {
  evaluate(P, wr, wi, e);
  let rr = e.fr - logLam;
  let ri = reduceAngle(e.fi - theta);
  let res = Math.hypot(rr, ri);
  let it = 0;
  const tol = floorTol(P, wr, wi, logLam);
  let stopped = false; // left the loop by a break (no progress possible / converged), not by maxIt
  while (it < maxIt && res > tol && Number.isFinite(res)) {
    it++;
    // step = -r / F'
    recip(e.dfr, e.dfi);
    if (!Number.isFinite(RR) || !Number.isFinite(RI)) {
      stopped = true;
      break;
    }
    let sr = -(rr * RR - ri * RI);
    let si = -(rr * RI + ri * RR);
    const wabs = Math.hypot(wr, wi);
    const sabs = Math.hypot(sr, si);
    if (sabs > NEWTON_MAX_STEP_SHARE * wabs) {
      sr *= (NEWTON_MAX_STEP_SHARE * wabs) / sabs;
      si *= (NEWTON_MAX_STEP_SHARE * wabs) / sabs;
    }
    let t = 1;
    let accepted = false;
    let nr = 0;
    let ni = 0;
    let nres = Infinity;
    for (let bt = 0; bt < NEWTON_MAX_BACKTRACKS; bt++) {
      nr = wr + t * sr;
      ni = wi + t * si;
      evaluate(P, nr, ni, e);
      const qr = e.fr - logLam;
      const qi = reduceAngle(e.fi - theta);
      nres = Math.hypot(qr, qi);
      if (nres < res || nres <= tol) {
        accepted = true;
        rr = qr;
        ri = qi;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      evaluate(P, wr, wi, e); // restore the evaluation at the current iterate
      stopped = true;
      break;
    }
    const moved = t * Math.hypot(sr, si);
    const ratio = nres / res;
    wr = nr;
    wi = ni;
    res = nres;
    if (moved <= NEWTON_STALL_RTOL * Math.hypot(wr, wi)) {
      stopped = true;
      break;
    }
    // quadratic convergence observed (full step, residual down 1000x) and a step of <= 1e-8 |w|:
    // the error left is ~ step^2/|w| <= 1e-16 |w|, so one more evaluation would not change w
    if (t === 1 && ratio <= NEWTON_QUADRATIC_RATIO && moved <= NEWTON_QUADRATIC_STEP_RTOL * Math.hypot(wr, wi)) {
      stopped = true;
      break;
    }
  }
  const capped = !stopped && it >= maxIt && res > tol && Number.isFinite(res);
  return { wr, wi, iterations: it, residual: res, ok: Number.isFinite(res) && res <= acceptTol(P, wr, wi, logLam), capped };
}

/**
 * {@link newton} one iteration at a time, as a work generator (lib/free/cooperate.ts): for rules of
 * 1e5 nodes, where one iteration with backtracking can take tens of milliseconds. The iterates are
 * those of newton() (its stopping tests run inside each one-iteration call; only the rounding
 * floor is recomputed at each iterate instead of at the start).
 */
export function* newtonSteps(P: FreeProblem, wr: number, wi: number, logLam: number, theta: number, e: Eval, maxIt = MAX_NEWTON): Generator<void, NewtonResult, void> {
  let r = newton(P, wr, wi, logLam, theta, e, 1);
  let iterations = r.iterations;
  // continue exactly when newton() would have: its one iteration was cut by the cap, not a stop
  while (r.capped === true && iterations < maxIt) {
    yield;
    r = newton(P, r.wr, r.wi, logLam, theta, e, 1);
    iterations += r.iterations;
  }
  return { ...r, iterations };
}

/** The real negative w with |z(w)| = lambda (theta = pi), by safeguarded Newton in s = log(-w). */
// Twin of native/core/free_solver.cc Solver::NegativeAxisRoot(): keep in step.
function negativeAxisRoot(P: FreeProblem, logLam: number, e: Eval): { s: number; iterations: number } {
  const f = (s: number): { v: number; d: number } => {
    const w = -Math.exp(s);
    evaluate(P, w, 0, e);
    // d Re log z / ds = Re(w F'(w)) for real w. Out of range (|w - d_j|^2 under- or overflowing)
    // the value is not finite: log|z| is then far below the target for tiny |w| and far above it
    // for huge |w|, which keeps the bracket search going the right way.
    const v = e.fr - logLam;
    if (!Number.isFinite(v)) return { v: s < 0 ? -Infinity : Infinity, d: NaN };
    return { v, d: w * e.dfr };
  };
  let s = logLam - P.logScale - (P.depth - 1) * P.logMu1;
  if (!Number.isFinite(s)) s = 0;
  s = Math.max(-NEG_AXIS_START_BOUND, Math.min(NEG_AXIS_START_BOUND, s));
  let fs = f(s);
  let lo = s;
  let hi = s;
  let flo = fs.v;
  let fhi = fs.v;
  let step = 1;
  let it = 0;
  // bracket: f increases with s
  while (flo > 0 && lo > NEG_AXIS_LOG_MIN) {
    hi = lo;
    fhi = flo;
    lo = Math.max(NEG_AXIS_LOG_MIN, lo - step);
    step = Math.min(NEG_AXIS_BRACKET_STEP_MAX, step * 2);
    flo = f(lo).v;
    it++;
  }
  step = 1;
  while (fhi < 0 && hi < NEG_AXIS_LOG_MAX) {
    lo = hi;
    flo = fhi;
    hi = Math.min(NEG_AXIS_LOG_MAX, hi + step);
    step = Math.min(NEG_AXIS_BRACKET_STEP_MAX, step * 2);
    fhi = f(hi).v;
    it++;
  }
  if (flo > 0) return { s: lo, iterations: it };
  if (fhi < 0) return { s: hi, iterations: it };
  s = flo === fhi || !Number.isFinite(flo) || !Number.isFinite(fhi) ? 0.5 * (lo + hi) : lo - (flo * (hi - lo)) / (fhi - flo);
  for (let k = 0; k < NEG_AXIS_MAX_ITER; k++) {
    it++;
    fs = f(s);
    if (fs.v === 0) break;
    if (fs.v < 0) lo = s;
    else hi = s;
    let next = s - fs.v / fs.d;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) <= NEG_AXIS_RTOL * Math.max(1, Math.abs(s)) || hi - lo <= NEG_AXIS_RTOL * Math.max(1, Math.abs(s))) {
      s = next;
      break;
    }
    s = next;
  }
  return { s, iterations: it };
}

/** Outcome of solving at one lambda on the real axis. */
export interface PointSolution {
  wr: number;
  wi: number;
  mr: number;
  mi: number;
  iterations: number;
  residual: number;
  ok: boolean;
}

/** Im m <= tiny: the root is on the physical branch (Im G <= 0 above the axis). */
// Twin of native/core/free_solver.cc Solver::Physical(): keep in step.
function physical(e: Eval): boolean {
  return e.mi <= PHYSICAL_IM_M_RTOL * Math.hypot(e.mr, e.mi);
}

/**
 * Whether the rule resolves the solution w (theory §3.8): the part of 1 + m = p0 + w E[1/(w - d)]
 * carried by the last unit of h before each truncated end of the rule (mass mu_e at d_e there),
 * ~ |w| mu_e / |w - d_e|, is at most RULE_END_SHARE of |1 + m|. Near lambda -> 0 (w -> 0, 1 + m -> 0)
 * with 1/d growing faster than the Gaussian decays (tanh at large q*: 1/d ~ e^{4 sqrt(q*) |h|})
 * E[1/(w - d)] is carried by the rule's ends, and the roots found there are not the law's: tanh,
 * orthogonal, L = 7, weightStd 4 gave F(1e-300) = 0.6 against F(1e-200) = 2.4e-10.
 */
// Twin of native/core/free_solver.cc Solver::ResolvedByRule(): keep in step.
export function resolvedByRule(P: FreeProblem, wr: number, wi: number, e: Eval): boolean {
  const n = P.endD.length;
  if (n === 0) return true;
  let carried = 0;
  for (let k = 0; k < n; k++) carried += (P.endMass[k] as number) / Math.hypot(wr - (P.endD[k] as number), wi);
  return Math.hypot(wr, wi) * carried <= RULE_END_SHARE * Math.hypot(e.pr, e.pi);
}

/**
 * Solves log z(w) = log(lambda) + i0 on the physical branch by continuation from the negative axis
 * (theta from pi to 0). Never throws; `ok` says whether it converged.
 */
export function solveByTheta(P: FreeProblem, logLam: number, e: Eval = new Eval()): PointSolution {
  return runSync(thetaSteps(P, logLam, e));
}

/** {@link solveByTheta} as a work generator (yields after every continuation step; lib/free/cooperate.ts). */
// Twin of native/core/free_solver.cc Solver::SolveByTheta(): keep in step.
export function* thetaSteps(P: FreeProblem, logLam: number, e: Eval): Generator<void, PointSolution, void> {
  const nr = negativeAxisRoot(P, logLam, e);
  let wr = -Math.exp(nr.s);
  let wi = 0;
  let iterations = nr.iterations;
  let theta = Math.PI;
  let dtheta = THETA_FIRST_STEP;
  let last: NewtonResult = { wr, wi, iterations: 0, residual: Infinity, ok: false };
  evaluate(P, wr, wi, e);
  let guard = 0;
  while (theta > 0 && guard++ < THETA_MAX_STEPS) {
    const tn = Math.max(0, theta - dtheta);
    evaluate(P, wr, wi, e);
    // tangent predictor: F'(w) dw = i dtheta
    recip(e.dfr, e.dfi);
    const dth = tn - theta;
    let pr = wr - dth * RI; // i dth / F'
    let pi = wi + dth * RR;
    if (!Number.isFinite(pr) || !Number.isFinite(pi)) {
      pr = wr;
      pi = wi;
    }
    const predStep = Math.hypot(pr - wr, pi - wi);
    const r = newton(P, pr, pi, logLam, tn, e, THETA_NEWTON_MAX_ITER);
    yield;
    iterations += r.iterations;
    const wander = Math.hypot(r.wr - pr, r.wi - pi);
    // On the last step (theta = 0) next to a spectral edge w(theta) has a square-root singularity
    // and the corrector legitimately moves further than the tangent predicts: allow 1e-6 |w|.
    const allowed = PREDICTOR_WANDER_SHARE * predStep + (tn > 0 ? PREDICTOR_WANDER_RTOL : EDGE_WANDER_RTOL) * Math.hypot(pr, pi);
    const good = r.ok && r.wi >= -UPPER_HALF_PLANE_RTOL * Math.hypot(r.wr, r.wi) && wander <= allowed && (tn > 0 || physical(e));
    if (good) {
      wr = r.wr;
      wi = Math.max(0, r.wi);
      theta = tn;
      last = r;
      dtheta = Math.min(THETA_MAX_STEP, dtheta * 2);
    } else {
      dtheta *= THETA_STEP_SHRINK;
      if (dtheta < THETA_MIN_STEP) {
        last = { ...r, ok: false };
        break;
      }
    }
  }
  if (theta > 0) {
    // the step control gave up (far tails, where Im w is ~1e-13 |w| or less): a last Newton solve
    // at theta = 0 from where the continuation stopped, kept only on the physical branch
    const r = newton(P, wr, wi, logLam, 0, e);
    iterations += r.iterations;
    if (r.ok && r.wi >= -UPPER_HALF_PLANE_RTOL * Math.hypot(r.wr, r.wi) && physical(e)) {
      wr = r.wr;
      wi = Math.max(0, r.wi);
      theta = 0;
      last = r;
    }
  }
  if (theta === 0 && last.ok) {
    const p = polish(P, wr, wi, logLam, last.residual, e);
    if (p) {
      wr = p.wr;
      wi = p.wi;
      last = p;
      iterations += p.iterations;
    }
  }
  evaluate(P, wr, wi, e);
  const ok = theta === 0 && last.ok && physical(e) && resolvedByRule(P, wr, wi, e);
  return { wr, wi, mr: e.mr, mi: e.mi, iterations, residual: theta === 0 ? last.residual : Infinity, ok };
}

function needsPolish(P: FreeProblem, wr: number, wi: number, logLam: number, residual: number): boolean {
  return residual > POLISH_ABOVE_FLOOR * floorTol(P, wr, wi, logLam);
}

/**
 * A last Newton solve from an accepted solution whose residual is above POLISH_ABOVE_FLOOR times the
 * rounding floor: the continuation accepts up to 256 floors (acceptTol), and next to a soft edge of a
 * deep network, where w is nearly a double root, the rest is an error of F (cdfErrorAt): tanh,
 * orthogonal, L = 300, q* = 1e-5 was accepted at 6.6e-11, F off by 3e-8; three more iterations reach
 * 1.5e-14. Kept when it stays on the physical branch, resolved, with a smaller residual, within 1e-6 |w|.
 * Null when there is nothing to polish or the polish is rejected. Leaves e at an unspecified w.
 */
// Twin of native/core/free_solver.cc Solver::Polish(): keep in step.
function polish(P: FreeProblem, wr: number, wi: number, logLam: number, residual: number, e: Eval): NewtonResult | null {
  if (!needsPolish(P, wr, wi, logLam, residual)) return null;
  const r = newton(P, wr, wi, logLam, 0, e);
  const kept = r.ok && r.residual < residual && r.wi >= 0 && physical(e) && resolvedByRule(P, r.wr, r.wi, e) && Math.hypot(r.wr - wr, r.wi - wi) <= POLISH_MAX_MOVE_RTOL * Math.hypot(wr, wi);
  return kept ? { ...r, wi: Math.max(0, r.wi) } : null;
}

/**
 * Warm-started solve at logLam from the previous solution (wr, wi) at logPrev, whose d log z/dw is
 * (dfr, dfi). Predictor: w + dl/F'(w), plus a quadratic term through the solution before it
 * (w0 at log0) when `hasOlder`. Null when rejected (not converged, wrong branch, or the corrector
 * moved more than half the predicted step: a jump to another root).
 */
// Twin of native/core/free_solver.cc Solver::SolveWarm(): keep in step.
export function solveWarm(
  P: FreeProblem,
  logLam: number,
  wr: number,
  wi: number,
  dfr: number,
  dfi: number,
  logPrev: number,
  hasOlder: boolean,
  w0r: number,
  w0i: number,
  log0: number,
  e: Eval,
): PointSolution | null {
  // w' = 1/F'
  recip(dfr, dfi);
  const tr = RR;
  const ti = RI;
  const dl = logLam - logPrev;
  let pr = wr + dl * tr;
  let pi = wi + dl * ti;
  if (hasOlder) {
    const d0 = log0 - logPrev;
    if (d0 !== 0) {
      // c = (w0 - w - w' d0)/d0^2, predictor += c dl^2
      const cr = (w0r - wr - tr * d0) / (d0 * d0);
      const ci = (w0i - wi - ti * d0) / (d0 * d0);
      pr += cr * dl * dl;
      pi += ci * dl * dl;
    }
  }
  if (!Number.isFinite(pr) || !Number.isFinite(pi)) return null;
  const predStep = Math.hypot(pr - wr, pi - wi);
  let r = newton(P, pr, pi, logLam, 0, e, WARM_NEWTON_MAX_ITER);
  if (!r.ok || r.wi < -UPPER_HALF_PLANE_RTOL * Math.hypot(r.wr, r.wi) || !physical(e) || !resolvedByRule(P, r.wr, r.wi, e)) return null;
  if (Math.hypot(r.wr - pr, r.wi - pi) > PREDICTOR_WANDER_SHARE * predStep + PREDICTOR_WANDER_RTOL * Math.hypot(pr, pi)) return null;
  if (needsPolish(P, r.wr, r.wi, logLam, r.residual)) {
    const p = polish(P, r.wr, r.wi, logLam, r.residual, e);
    if (p) r = { ...p, iterations: r.iterations + p.iterations };
    evaluate(P, r.wr, r.wi, e); // the evaluation at the returned w (marchSteps reads d log z/dw from e)
  }
  return { wr: r.wr, wi: Math.max(0, r.wi), mr: e.mr, mi: e.mi, iterations: r.iterations, residual: r.residual, ok: true };
}

/** A solution with its d log z/dw, for continuation. */
interface Anchor {
  wr: number;
  wi: number;
  dfr: number;
  dfi: number;
  log: number;
}

/**
 * Continuation along the real lambda axis (theta = 0) from `prev` to logTo, with step control:
 * each sub-step is a warm-started solve that must pass the branch checks of solveWarm and move w by
 * at most 0.1 |w| + 0.25 Im w (the physical root's distance to its conjugate is 2 Im w). Steps
 * double after a success and shrink fourfold after a failure. Null when the steps get too small.
 * Invariant: (cur) is a converged physical solution at log lambda = cur.log.
 */
export function solveMarch(P: FreeProblem, logTo: number, prev: Anchor, older: Anchor | null, e: Eval): PointSolution | null {
  return runSync(marchSteps(P, logTo, prev, older, e));
}

/** {@link solveMarch} as a work generator (yields after every sub-step; lib/free/cooperate.ts). */
// Twin of native/core/free_solver.cc Solver::SolveMarch(): keep in step.
export function* marchSteps(P: FreeProblem, logTo: number, prev: Anchor, older: Anchor | null, e: Eval): Generator<void, PointSolution | null, void> {
  let cur = prev;
  let old = older;
  let h = logTo - cur.log;
  let iterations = 0;
  for (let guard = 0; guard < MARCH_MAX_SUBSTEPS; guard++) {
    const remaining = logTo - cur.log;
    const last = Math.abs(remaining) <= Math.abs(h);
    const target = last ? logTo : cur.log + h;
    const sol = solveWarm(P, target, cur.wr, cur.wi, cur.dfr, cur.dfi, cur.log, old !== null, old?.wr ?? 0, old?.wi ?? 0, old?.log ?? 0, e);
    yield;
    const moved = sol ? Math.hypot(sol.wr - cur.wr, sol.wi - cur.wi) : Infinity;
    if (!sol || moved > MARCH_MAX_MOVE_SHARE * Math.hypot(cur.wr, cur.wi) + MARCH_MAX_MOVE_IM_SHARE * cur.wi) {
      h = (last ? remaining : h) / MARCH_STEP_SHRINK;
      if (Math.abs(h) < MARCH_MIN_STEP_RTOL * Math.max(1, Math.abs(cur.log))) return null;
      continue;
    }
    iterations += sol.iterations;
    if (last) return { ...sol, iterations };
    old = cur;
    cur = { wr: sol.wr, wi: sol.wi, dfr: e.dfr, dfi: e.dfi, log: target };
    h *= 2;
  }
  return null;
}

/**
 * True when w is a real solution up to rounding (Im w <= 1e-13 (L + 1) |w|: Newton's accuracy on the
 * log form) next to a real node of the rule (an atom of D^2, within 1e-6 relative). There the pole
 * of that node amplifies the rounding of Im w into an O(1) error of F, and the real-axis value
 * (Im w = 0, where every term of Im H is exact) is the right one; anywhere else Im w is kept.
 */
// Twin of native/core/free_solver.cc Solver::ImH() (its real-pole test): keep in step.
export function nearRealPole(P: FreeProblem, wr: number, wi: number): boolean {
  if (!(wi <= REAL_W_RTOL * (P.depth + 1) * Math.abs(wr))) return false;
  for (let j = 0; j < P.dRe.length; j++) {
    if ((P.dIm[j] as number) === 0 && Math.abs(wr - (P.dRe[j] as number)) <= POLE_RTOL * Math.abs(wr)) return true;
  }
  return false;
}

/**
 * The error of F = 1 - Im H/pi at a solution w whose residual |log z(w) - log lambda| is `residual`:
 * w is off by ~residual / |(log z)'(w)|, which moves Im H by |H'(w)| times that, with
 * H' = L m/w + (L-1) m'/(1+m) (orthogonal) or L m/w + L m' - m'/(1+m) (Gaussian), K' = m/w
 * (theory §3.6). Near a soft edge of a deep network (w nearly a double root, Newton's residual
 * limited by rounding) it reaches 5e-8: tanh, orthogonal, L = 300, q* = 1e-5 at 5e-10 below the edge.
 */
export function cdfErrorAt(P: FreeProblem, wr: number, wi: number, residual: number, e: Eval = new Eval()): number {
  evaluate(P, wr, wi, e);
  const L = P.depth;
  // m/w
  recip(wr, wi);
  const mwr = e.mr * RR - e.mi * RI;
  const mwi = e.mr * RI + e.mi * RR;
  // m'/(1+m)
  recip(e.pr, e.pi);
  const qr = e.dmr * RR - e.dmi * RI;
  const qi = e.dmr * RI + e.dmi * RR;
  const hr = P.gaussian ? L * mwr + L * e.dmr - qr : L * mwr + (L - 1) * qr;
  const hi = P.gaussian ? L * mwi + L * e.dmi - qi : L * mwi + (L - 1) * qi;
  return (Math.hypot(hr, hi) * residual) / (Math.hypot(e.dfr, e.dfi) * Math.PI);
}

/** Im H(w) (THEORY §8.5): F(lambda) = 1 - Im H / pi. */
// Twin of native/core/free_solver.cc Solver::ImH(): keep in step.
export function imH(P: FreeProblem, wr: number, wIm: number, e: Eval = new Eval()): number {
  const wi = nearRealPole(P, wr, wIm) ? 0 : wIm;
  evaluate(P, wr, wi, e);
  const L = P.depth;
  const lwi = Math.atan2(wi, wr);
  // Im K = sum_j Im[c_j (log(w - d_j) - log w)]
  let kr = 0;
  let ki = 0;
  const lwr = Math.log(Math.hypot(wr, wi));
  for (let j = 0; j < P.dRe.length; j++) {
    const ur = wr - (P.dRe[j] as number);
    // w - d_j lies in the closed upper half-plane (w above, d_j below the axis): a -0 or a rounding
    // negative would put arg(w - d_j) on the wrong side of the cut at the negative axis
    const ui = Math.max(wi - (P.dIm[j] as number), 0);
    const lr = Math.log(Math.hypot(ur, ui)) - lwr;
    const li = Math.atan2(ui, ur) - lwi;
    const cr = P.cRe[j] as number;
    const ci = P.cIm[j] as number;
    kr += cr * lr - ci * li;
    ki += cr * li + ci * lr;
  }
  void kr;
  // on the physical branch Im(1 + m) = Im m <= 0: rounding noise of either sign (real w in the far
  // tails) must not flip arg(1 + m) from -pi to +pi
  const ap = Math.atan2(Math.min(e.pi, -0), e.pr);
  return P.gaussian ? L * ki + L * e.mi - ap : L * ki + (L - 1) * ap;
}

/** Per-grid results (the same layout the native core fills). */
export interface GridOutput {
  density: Float64Array;
  cdf: Float64Array | null;
  wRe: Float64Array;
  wIm: Float64Array;
  status: Uint8Array;
  iterations: number;
  /** Largest residual over the converged points. */
  maxResidual: number;
  failures: number;
}

/**
 * Solves at ascending points `lam` (all > 0). `segment[i]` is the index of the support interval
 * holding lam[i], or -1 outside the support (density 0, no solve). Warm starts run within a segment.
 */
export function solveGrid(P: FreeProblem, lam: Float64Array, segment: Int32Array, wantCdf: boolean): GridOutput {
  return runSync(gridSteps(P, lam, segment, wantCdf));
}

/** Points of a grid solve done so far (updated by {@link gridSteps}, read for onProgress). */
export interface GridProgress {
  done: number;
}

/**
 * {@link solveGrid} as a work generator: yields after every continuation step and every point,
 * keeping `progress.done` = the number of points finished (run it with runSync, or in time slices
 * with Cooperation.drive, lib/free/cooperate.ts).
 */
// Twin of native/core/free_solver.cc FreeSolveGrid(): keep in step.
export function* gridSteps(P: FreeProblem, lam: Float64Array, segment: Int32Array, wantCdf: boolean, progress: GridProgress = { done: 0 }): Generator<void, GridOutput, void> {
  const n = lam.length;
  const out: GridOutput = {
    density: new Float64Array(n),
    cdf: wantCdf ? new Float64Array(n) : null,
    wRe: new Float64Array(n),
    wIm: new Float64Array(n),
    status: new Uint8Array(n),
    iterations: 0,
    maxResidual: 0,
    failures: 0,
  };
  const e = new Eval();
  let prevSeg = -2;
  // the last two solutions of the current segment: (pwr, pwi) at plog with d log z/dw (pdr, pdi),
  // and the one before at olog
  let pwr = 0;
  let pwi = 0;
  let pdr = 0;
  let pdi = 0;
  let plog = 0;
  let owr = 0;
  let owi = 0;
  let olog = 0;
  let havePrev = false;
  let haveOlder = false;
  for (let i = 0; i < n; i++) {
    // points [0, i) are done (the native twin publishes the same count)
    progress.done = i;
    if (i > 0) yield;
    const x = lam[i] as number;
    const seg = segment[i] as number;
    if (seg < 0 || !(x > 0)) {
      out.status[i] = PointStatus.outside;
      havePrev = false;
      haveOlder = false;
      prevSeg = seg;
      continue;
    }
    const ll = Math.log(x);
    let sol: PointSolution | null = null;
    if (havePrev && prevSeg === seg) {
      sol = yield* marchSteps(P, ll, { wr: pwr, wi: pwi, dfr: pdr, dfi: pdi, log: plog }, haveOlder ? { wr: owr, wi: owi, dfr: 0, dfi: 0, log: olog } : null, e);
    }
    if (!sol) {
      sol = yield* thetaSteps(P, ll, e);
      haveOlder = false;
    }
    out.iterations += sol.iterations;
    if (!sol.ok) {
      out.status[i] = PointStatus.noConvergence;
      out.failures++;
      // maxResidual is over converged points (a failure's residual says nothing about the result)
      out.density[i] = NaN;
      if (out.cdf) out.cdf[i] = NaN;
      havePrev = false;
      haveOlder = false;
      prevSeg = seg;
      continue;
    }
    // invariant: e holds the evaluation at the accepted w
    out.maxResidual = Math.max(out.maxResidual, sol.residual);
    out.wRe[i] = sol.wr;
    out.wIm[i] = sol.wi;
    out.density[i] = Math.max(0, -sol.mi / (Math.PI * x));
    if (havePrev && prevSeg === seg) {
      owr = pwr;
      owi = pwi;
      olog = plog;
      haveOlder = true;
    }
    pwr = sol.wr;
    pwi = sol.wi;
    pdr = e.dfr;
    pdi = e.dfi;
    plog = ll;
    if (out.cdf) out.cdf[i] = 1 - imH(P, sol.wr, sol.wi, e) / Math.PI;
    havePrev = true;
    prevSeg = seg;
  }
  progress.done = n;
  return out;
}

export { Eval };
