/**
 * The law of D^2 at the fixed point: d = phi'(sqrt(q*) h)^2 with h ~ N(0, 1) (THEORY §2.3, the
 * diagonal entries of (D^l)^2 of every layer), in the form the free-probability solver consumes on
 * both backends: atoms (value, mass) plus a weighted-node rule for the continuous part, as flat
 * Float64Arrays of complex nodes d_j and complex weights c_j such that, for the continuous part,
 *
 *     E[f(d)] = sum_j c_j f(d_j)        for f analytic on the swept region (THEORY §8.5).
 *
 * Three kinds of rule:
 * - `none`: D^2 is discrete (phi' piecewise constant: linear, relu, leaky-relu, hard-tanh). The
 *   atoms come from the Gaussian masses of the intervals between kinks, with erfc for accuracy
 *   (hard-tanh: p = erf(1/sqrt(2 q*))). M_{D^2}(w) = sum_k p_k a_k/(w - a_k) is then closed form.
 * - `contour` (smooth built-ins with an analytic continuation of phi'): the Gaussian expectation is
 *   taken along a polygonal complex contour h = t + i kappa(t), kappa = -beta l/(1 + l^2/c) with
 *   l = (log d)'(u) the log-derivative of d on the real line (a steepest-descent-like deformation).
 *   To first order Im d(t + i kappa) = kappa d'(t) = -beta l d/(1+l^2/c) * d' <= 0, so d maps the
 *   contour into the closed lower half-plane and meets the real axis only at critical points of d
 *   (the edges/branch points of the D^2 support). The contour integral equals the real-line integral
 *   for Im w > 0 and is its analytic continuation across the support, so the solver can use w on the
 *   real axis with no epsilon. The segments are straight, so dh is exact; panels are graded
 *   geometrically at the critical points (where kappa -> 0) and never wider than 1.5 |kappa| (the
 *   distance of a near-pole from the contour) nor than H_MAX. Each contour rule is verified against
 *   the real-line rule at test points off the axis (and Im d_j <= 0 is checked at every node); a rule
 *   that fails is replaced by the real-line one (`ruleKind: 'real-line'`, `contourRejected` says why).
 * - `real-line` (user-defined activations, elu/selu, or a rejected contour): composite Gauss–Legendre
 *   on the real h-line split at kinks. It integrates smooth f and the Cauchy transform E[d/(w - d)]
 *   accurately only while w stays at a distance from the support of D^2 larger than the panel scale
 *   (see the README, "Free probability", for the measured accuracy).
 *
 * @module
 */
import { type Activation, type ActivationSpec, erf, erfc, resolveActivation } from '../activations/index.js';
import { gaussLegendre } from '../quadrature/index.js';
import { checkOptions, finiteNumber, integer } from '../validate.js';
import { qValue } from '../mean-field/limits.js';
import { DynamicalIsometryRangeError } from '../errors.js';
import { runSync } from './cooperate.js';

/** An atom of the D^2 law: P(d = value) = mass. */
export interface D2Atom {
  readonly value: number;
  readonly mass: number;
}

/** How the continuous part of D^2 is represented. */
export type D2RuleKind = 'none' | 'contour' | 'real-line';

/** The law of D^2 = phi'(sqrt(q*) h)^2 (see the module header). */
export interface D2Law {
  /** Activation name. */
  readonly activation: string;
  /** The pre-activation variance q* the law is taken at. */
  readonly qStar: number;
  /** Atoms, ascending by value (merged when equal). */
  readonly atoms: readonly D2Atom[];
  /** Kind of rule for the continuous part. */
  readonly ruleKind: D2RuleKind;
  /** Real parts of the nodes d_j of the continuous part. */
  readonly nodeRe: Float64Array;
  /** Imaginary parts of d_j (<= 0; all 0 for a real-line rule). */
  readonly nodeIm: Float64Array;
  /** Real parts of the weights c_j (they sum to the continuous mass). */
  readonly weightRe: Float64Array;
  /** Imaginary parts of c_j. */
  readonly weightIm: Float64Array;
  /** Total mass of the continuous part: 1 - sum of atom masses. */
  readonly continuousMass: number;
  /** Range [min, max] of the continuous part of D^2 on the real line, or null. */
  readonly continuousRange: readonly [number, number] | null;
  /** Smallest and largest point of the support of D^2 (atoms included). */
  readonly supportMin: number;
  readonly supportMax: number;
  /** When a contour rule was rejected: why (else null). */
  readonly contourRejected: string | null;
  /** Largest |M_contour(w) - M_real(w)| over the verification points (contour rules), else null. */
  readonly contourCheck: number | null;
  /**
   * Contour rules: the largest change of Im K(w)/pi = Im E[log(1 - d/w)]/pi at real w across the
   * support of D^2 when the panel floor is divided by 4 (the rule's accuracy on the real axis, where
   * the solver uses it; F sums L such terms; theory §3.7). 0 for laws without a continuous part, NaN
   * for real-line rules (their points are verified one by one instead).
   */
  readonly axisError: number;
  /**
   * Contour rules: the same change at real w next to a limit of phi'^2 at h -> +-infinity inside the
   * range of D^2 (silu, gelu: 1), which only orthogonal L = 1 reaches (see limitAxisErrorOf). 0
   * without such a limit, NaN for real-line rules.
   */
  readonly limitAxisError: number;
  /**
   * The ends of the continuous rule where the h-line is truncated (|h| = 10, one per infinite end
   * of a smooth piece): the value d there and the Gaussian mass of the last unit of h before it
   * (2.3e-19). Where E[1/(w - d)] would be carried by the rule's end (w -> 0 for tanh at large q*,
   * whose 1/d grows faster than the Gaussian decays) the rule does not resolve it (theory §3.8,
   * lib/free/solver-js.ts resolvedByRule).
   */
  readonly ruleEnds: readonly D2Atom[];
  /**
   * Contour rules: where the contour meets the real axis (critical points of d and kink ends), with
   * the value d_c there and `scale`, the change of d over the innermost graded panel (1e-7 in h) next
   * to it. Within a few scales of d_c the pole of 1/(w - d) sits in that panel, which does not resolve
   * it: the density there is not computed (theory §3.8; lib/free/density.ts). Empty for other rules.
   */
  readonly pinches: readonly { readonly value: number; readonly scale: number }[];
}

const T_MAX = 10; // |h| <= 10: the Gaussian mass outside is 1.5e-23
const RULE_END_MASS = 0.5 * (erfc((T_MAX - 1) * Math.SQRT1_2) - erfc(T_MAX * Math.SQRT1_2)); // P(9 < h < 10) = 1.1e-19
const PANEL_NODES = 20;
const H_MAX = 0.5; // widest contour panel (h units)
// Panels need not be narrower than this where kappa is small but no critical point is near. Where
// phi'^2 tends to a constant (softplus, gelu, silu, elu tails) kappa -> 0 and a real w next to that
// constant has its pole ~|kappa| from the path: at 0.05 the CDF of softplus (orthogonal, L = 1) was
// off by 2.7e-7 at lambda = 0.9975 weightStd^2; at 0.01 by <= 5e-9 for q* <= 10 (measured against
// the closed form Phi(logit(sqrt t)/sqrt q*)), at 2x the nodes for those activations (tanh: none).
const H_FLOOR = 0.01;
const KAPPA_MAX_H = 2; // |Im h| <= 2: e^{kappa^2/2} <= 7.4 (bounded cancellation)
const BETA = 0.5; // kappa_u = -BETA l/(1 + l^2/C): |kappa_u| <= BETA sqrt(C)/2 = 0.5 (tanh: Im u <= 0.5)
const C_KAPPA = 4; // and |u kappa_u| -> BETA C/4 = 0.5 for erf (where Im d <= 0 needs u Im u <= pi/4)
const D_MIN = 1e-7; // innermost graded panel at a critical point (h units)
const H_REAL = 0.05; // real-line rule panel width (h units)
// At large q* the features of d = phi'(sqrt(q*) h)^2 shrink like 1/sqrt(q*) in h: the contour's
// panel floor and the verifying real-line rule are also capped in u = sqrt(q*) h units
const U_FLOOR = 0.5; // widest floored contour panel, u units (|kappa_u| <= 0.5: a near-pole's distance)
const U_REAL = 0.05; // widest panel of the verifying real-line rule, u units
// A contour rule with more nodes is refused (the solver's cost is linear in them: ~1 s per 1000-point
// grid at 1.3e5 nodes); tanh, erf and sigmoid stay under it up to q* ~ 1e5
const MAX_CONTOUR_NODES = 130_000;
const CONTOUR_TOLERANCE = 1e-11; // acceptance of a contour rule against the real-line rule
const KINK_TAPER_U = 1; // kappa tapers to 0 over this distance (u units) from a kink end of a contour

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** P(a < h < b), h ~ N(0,1), without cancellation in the tails. */
function gaussianMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a * SQRT1_2) - erfc(b * SQRT1_2));
  if (b <= 0) return 0.5 * (erfc(-b * SQRT1_2) - erfc(-a * SQRT1_2));
  // a < 0 < b: a sum of two positive terms (1 - the tails would lose p's relative accuracy when p is
  // small: hard-tanh at q* = 1e11 has p = 2.5e-6, and its edge at L = 1e4 moved by 4e-8)
  return 0.5 * (erf(b * SQRT1_2) + erf(-a * SQRT1_2));
}

function safeDphi(act: Activation, u: number): number | null {
  try {
    const v = act.dphi(u);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Sample points inside an h-interval (a, b), a or b possibly infinite. */
function samplePoints(a: number, b: number): number[] {
  if (Number.isFinite(a) && Number.isFinite(b)) return [0.02, 0.2, 0.5, 0.8, 0.98].map((f) => a + f * (b - a));
  if (Number.isFinite(a)) return [0.01, 0.3, 1, 3, 8].map((o) => a + o);
  if (Number.isFinite(b)) return [0.01, 0.3, 1, 3, 8].map((o) => b - o);
  return [-5, -1.3, -0.2, 0, 0.3, 1.7, 6];
}

interface SmoothPiece {
  a: number; // h units, finite (clipped to +-T_MAX)
  b: number;
}

interface RuleArrays {
  re: number[];
  im: number[];
  wre: number[];
  wim: number[];
}

/** Local refinement of a real-line rule: panels whose d-range meets [lo, hi] are split `factor` ways. */
interface Refinement {
  lo: number;
  hi: number;
  factor: number;
}

/**
 * Real-line composite Gauss–Legendre rule on [a, b] (h units) for the density of h times f(d(h)).
 * A work generator (yields after every panel; lib/free/cooperate.ts): refined rules have 1e5 nodes.
 */
function* addRealLinePiece(act: Activation, s: number, piece: SmoothPiece, out: RuleArrays, width: number, refine: Refinement | null = null): Generator<void, void, void> {
  const gl = gaussLegendre(PANEL_NODES);
  const n = Math.max(1, Math.ceil((piece.b - piece.a) / width));
  const hw = (piece.b - piece.a) / n;
  for (let k = 0; k < n; k++) {
    const lo = piece.a + k * hw;
    let parts = 1;
    if (refine) {
      // the panel's d-range from its ends and midpoint (panels are narrow: d is monotone on most)
      const v = [lo, lo + 0.5 * hw, lo + hw].map((h) => act.dphi(s * h) ** 2);
      const dlo = Math.min(...v);
      const dhi = Math.max(...v);
      if (dhi >= refine.lo && dlo <= refine.hi) parts = refine.factor;
    }
    const pw = hw / parts;
    for (let q = 0; q < parts; q++) {
      const plo = lo + q * pw;
      for (let i = 0; i < PANEL_NODES; i++) {
        const h = plo + 0.5 * pw * (1 + (gl.x[i] as number));
        const dp = act.dphi(s * h);
        out.re.push(dp * dp);
        out.im.push(0);
        out.wre.push(0.5 * pw * (gl.w[i] as number) * INV_SQRT_2PI * Math.exp(-0.5 * h * h));
        out.wim.push(0);
      }
    }
    yield;
  }
}

/** Log-derivative of d = phi'^2 at u, by central differences (it only shapes the contour). */
function logDerivative(act: Activation, u: number): number {
  const dp = act.dphi(u);
  const delta = 1e-5 * Math.max(1, Math.abs(u));
  // a stencil across a kink would see its jump of phi' (selu's at 0): one-sided on u's own piece
  const kink = act.kinks.find((k) => Math.abs(u - k) < delta);
  let d2: number;
  if (kink === undefined) d2 = (act.dphi(u + delta) - act.dphi(u - delta)) / (2 * delta);
  else if (kink > u) d2 = (dp - act.dphi(u - delta)) / delta;
  else d2 = (act.dphi(u + delta) - dp) / delta;
  if (dp === 0) return d2 === 0 ? 0 : Infinity * Math.sign(d2);
  return (2 * d2) / dp;
}

/** kappa(t) in h units. */
function kappaH(act: Activation, s: number, t: number): number {
  const l = logDerivative(act, s * t);
  let ku: number;
  if (!Number.isFinite(l)) ku = 0;
  else ku = (-BETA * l) / (1 + (l * l) / C_KAPPA);
  const kh = ku / s;
  return Math.max(-KAPPA_MAX_H, Math.min(KAPPA_MAX_H, kh));
}

/** Zeros of d'(t) = 2 s phi'(st) phi''(st) in (a, b): sign changes on a fine grid, then bisection. */
export function _criticalPoints(act: Activation, s: number, a: number, b: number): number[] {
  const sgn = (t: number): number => {
    const u = s * t;
    const delta = 1e-3 * Math.max(1, Math.abs(u));
    const dp = act.dphi(u);
    // one-sided next to a kink (the jump of phi' there is not a critical point of d)
    const kink = act.kinks.find((k) => Math.abs(u - k) < delta);
    const d2 = kink === undefined ? act.dphi(u + delta) - act.dphi(u - delta) : kink > u ? dp - act.dphi(u - delta) : act.dphi(u + delta) - dp;
    // below the rounding noise of the difference the sign is meaningless (flat tails): no change
    if (Math.abs(d2) <= 1e-11 * Math.abs(dp)) return 0;
    return Math.sign(dp * d2);
  };
  const out: number[] = [];
  const step = 0.01;
  let t0 = a;
  let s0 = sgn(t0);
  for (let t1 = a + step; t1 <= b + 1e-12; t1 += step) {
    const s1 = sgn(t1);
    if (s1 !== s0 && s1 !== 0 && s0 !== 0) {
      let lo = t0;
      let hi = t1;
      for (let it = 0; it < 60 && hi - lo > 1e-13; it++) {
        const mid = 0.5 * (lo + hi);
        if (sgn(mid) === s0) lo = mid;
        else hi = mid;
      }
      out.push(0.5 * (lo + hi));
    }
    if (s1 !== 0) s0 = s1;
    t0 = t1;
  }
  return out;
}

/** Breakpoints of the contour panels on [a, b] with critical points `crit` (sorted). */
function contourBreakpoints(act: Activation, s: number, a: number, b: number, crit: number[], floorScale = 1): number[] {
  const pts = new Set<number>([a, b, ...crit]);
  for (const c of crit) {
    // geometric grading toward c on both sides; ratio from kappa's slope at c
    const slope = Math.abs((kappaH(act, s, c + 1e-4) - kappaH(act, s, c - 1e-4)) / 2e-4);
    const ratio = 1 + Math.min(1, Math.max(0.25, 1.5 * slope));
    for (const dir of [-1, 1]) {
      let off = D_MIN;
      while (off < H_MAX) {
        const p = c + dir * off;
        if (p <= a || p >= b) break;
        pts.add(p);
        off *= ratio;
      }
    }
  }
  const sorted = [...pts].sort((x, y) => x - y);
  const out: number[] = [sorted[0] as number];
  for (let k = 1; k < sorted.length; k++) {
    const x0 = out[out.length - 1] as number;
    const x1 = sorted[k] as number;
    if (x1 - x0 < 1e-15) continue;
    // subdivide so that every panel is no wider than 1.5 |kappa| (floored) and H_MAX
    let x = x0;
    while (x1 - x > 0) {
      const k0 = Math.abs(kappaH(act, s, x));
      let width = Math.min(H_MAX, Math.max(floorScale * Math.min(H_FLOOR, U_FLOOR / s), 1.5 * k0));
      if (x + width >= x1 - 1e-12) width = x1 - x;
      else if (x + 1.5 * width > x1) width = 0.5 * (x1 - x);
      x = x + width;
      out.push(x === x1 ? x1 : x);
      if (x >= x1) break;
      // past the node budget the rule is refused anyway (_addContourRule): stop before a q* of 1e10
      // lays 1e7 panels
      if (out.length * PANEL_NODES > MAX_CONTOUR_NODES) return out;
    }
  }
  return out;
}

/** Where the contours of `pieces` meet the real axis, with d there and its change over the innermost panel (D2Law.pinches). */
function contourPinches(act: Activation, s: number, pieces: readonly SmoothPiece[]): { value: number; scale: number }[] {
  const out: { value: number; scale: number }[] = [];
  for (const p of pieces) {
    const touch = [..._criticalPoints(act, s, p.a, p.b), ...[p.a, p.b].filter((x) => Math.abs(x) < T_MAX)];
    for (const t of touch) {
      const d = safeDphi(act, s * t);
      if (d === null) continue;
      let scale = 0;
      for (const side of [t - D_MIN, t + D_MIN]) {
        if (side < p.a || side > p.b) continue;
        const v = safeDphi(act, s * side);
        if (v !== null) scale = Math.max(scale, Math.abs(v * v - d * d));
      }
      if (scale > 0) out.push({ value: d * d, scale });
    }
  }
  return out;
}

interface ContourResult {
  rule: RuleArrays;
  rejected: string | null;
}

/**
 * Contour rule on [a, b] (even laws use [0, b] with doubled weights). An end inside the truncation
 * range (|end| < T_MAX: a kink of a piecewise-smooth phi, as elu's and selu's at 0) is a fixed end
 * of the contour: kappa is tapered linearly to 0 within KINK_TAPER_U/s of it, so the contour leaves
 * the real axis there at a finite angle and its image leaves the edge value phi'(kink)^2 of the D^2
 * support as a ray into the lower half-plane (to first order Im d = d'(end) kappa <= 0, as
 * everywhere else); panels are graded geometrically toward it as toward a critical point.
 */
export function _addContourRule(
  act: Activation,
  dc: (re: number, im: number) => [number, number],
  s: number,
  a: number,
  b: number,
  doubled: boolean,
  floorScale = 1,
): ContourResult {
  const fixedEnds = [a, b].filter((x) => Math.abs(x) < T_MAX);
  const crit = _criticalPoints(act, s, a, b).filter((c) => c > a + 1e-9 && c < b - 1e-9);
  if (doubled && !crit.includes(0)) crit.unshift(0);
  const bps = contourBreakpoints(act, s, doubled ? 0 : a, b, [...crit.filter((c) => c >= (doubled ? 0 : a)), ...fixedEnds].sort((x, y) => x - y), floorScale);
  const critSet = new Set([...crit, ...fixedEnds]);
  const taper = Math.min(H_MAX, KINK_TAPER_U / s);
  const tapered = (t: number): number => {
    let f = 1;
    for (const e of fixedEnds) f = Math.min(f, Math.abs(t - e) / taper);
    return kappaH(act, s, t) * f;
  };
  const kap = bps.map((t) => (critSet.has(t) || (doubled && t === 0) ? 0 : tapered(t)));
  const gl = gaussLegendre(PANEL_NODES);
  const rule: RuleArrays = { re: [], im: [], wre: [], wim: [] };
  if (bps.length * PANEL_NODES > MAX_CONTOUR_NODES) return { rule, rejected: `the contour rule would need more than ${MAX_CONTOUR_NODES} nodes at sqrt(q*) = ${s}` };
  const factor = doubled ? 2 : 1;
  for (let k = 0; k + 1 < bps.length; k++) {
    const z0r = bps[k] as number;
    const z0i = kap[k] as number;
    const dzr = (bps[k + 1] as number) - z0r;
    const dzi = (kap[k + 1] as number) - z0i;
    for (let i = 0; i < PANEL_NODES; i++) {
      const f = 0.5 * (1 + (gl.x[i] as number));
      const hr = z0r + f * dzr;
      const hi = z0i + f * dzi;
      // Gaussian density at complex h: exp(-(hr^2 - hi^2)/2 - i hr hi)/sqrt(2 pi)
      const mag = INV_SQRT_2PI * Math.exp(-0.5 * (hr * hr - hi * hi));
      const gr = mag * Math.cos(hr * hi);
      const gi = -mag * Math.sin(hr * hi);
      const wgt = 0.5 * (gl.w[i] as number) * factor;
      // weight = wgt * dz * g
      const ar = wgt * (dzr * gr - dzi * gi);
      const ai = wgt * (dzr * gi + dzi * gr);
      const p = dc(s * hr, s * hi);
      const dr = p[0] * p[0] - p[1] * p[1];
      const di = 2 * p[0] * p[1];
      if (!Number.isFinite(dr) || !Number.isFinite(di)) return { rule, rejected: `phi' is not finite on the contour at h = ${hr} + ${hi}i` };
      if (di > 1e-12 * Math.hypot(dr, di) + 1e-300) return { rule, rejected: `Im d > 0 on the contour at h = ${hr} + ${hi}i` };
      rule.re.push(dr);
      rule.im.push(Math.min(di, 0));
      rule.wre.push(ar);
      rule.wim.push(ai);
    }
  }
  return { rule, rejected: null };
}

function cauchyOf(re: ArrayLike<number>, im: ArrayLike<number>, wre: ArrayLike<number>, wim: ArrayLike<number>, xr: number, xi: number): [number, number] {
  // sum_j c_j d_j / (w - d_j)
  let sr = 0;
  let si = 0;
  for (let j = 0; j < re.length; j++) {
    const dr = re[j] as number;
    const di = im[j] as number;
    const ur = xr - dr;
    const ui = xi - di;
    const inv = 1 / (ur * ur + ui * ui);
    const rr = ur * inv;
    const ri = -ui * inv;
    const er = (wre[j] as number) * dr - (wim[j] as number) * di;
    const ei = (wre[j] as number) * di + (wim[j] as number) * dr;
    sr += er * rr - ei * ri;
    si += er * ri + ei * rr;
  }
  return [sr, si];
}

// Laws by activation and q*: built-ins by name and parameters (resolveActivation makes a new object
// per call), user-defined activations by identity.
const builtinCache = new Map<string, Map<number, D2Law>>();
const customCache = new WeakMap<Activation, Map<number, D2Law>>();

/**
 * The law of D^2 = phi'(sqrt(q*) h)^2, h ~ N(0,1) (THEORY §2.3 and §3.4): atoms plus a weighted-node
 * rule for the continuous part, in flat arrays that the native solver consumes too.
 *
 * Examples of atoms: relu: 0 and 1 with mass 1/2; hard-tanh: 1 with mass p = erf(1/sqrt(2 q*)) and 0
 * with 1 - p; leaky-relu: slope^2 and 1 with 1/2 each; linear: 1 with mass 1; elu: 1 with mass 1/2
 * plus a continuous part on (0, alpha^2).
 *
 * Accuracy (test/free/d2-law.test.ts): for the smooth built-ins (contour rule) the moments mu_k and
 * the Cauchy transform E[d/(w - d)] agree with independent adaptive quadrature to ~1e-13 relative
 * for w off the support, and the continuation to w on the support satisfies
 * Im M(x + i0) = -pi x p_D(x) (THEORY §8.5); atoms are exact to the last ulp of erfc.
 *
 * @param options - `{ activation, qStar }`: an activation spec (see resolveActivation) and q* in
 *   [0, MAX_Q_STAR]; q* = 0 gives the limit law of a vanishing signal (atoms at phi'(0-)^2 and
 *   phi'(0+)^2).
 * @returns the {@link D2Law}.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad options; an
 *   ActivationEvaluationError when a user-defined phi' is not finite.
 * @example
 * const law = d2Law({ activation: 'hard-tanh', qStar: 0.5 });
 * law.atoms; // [{ value: 0, mass: 0.1573 }, { value: 1, mass: 0.8427 }]
 */
export function d2Law(options: { activation: ActivationSpec | Activation; qStar: number }): D2Law {
  const o = checkOptions<{ activation: unknown; qStar: number }>('options', options, ['activation', 'qStar']);
  const act = resolveActivation(o.activation, 'options.activation');
  const q = qValue('options.qStar', o.qStar);
  return d2LawOf(act, q);
}

/** {@link d2Law} for a resolved activation (cached per activation and q*). */
export function d2LawOf(act: Activation, q: number): D2Law {
  return runSync(d2LawOfSteps(act, q));
}

/** {@link d2LawOf} as a work generator (lib/free/cooperate.ts). */
export function* d2LawOfSteps(act: Activation, q: number): Generator<void, D2Law, void> {
  let byQ: Map<number, D2Law> | undefined;
  if (act.builtin) {
    const key = `${act.name}:${JSON.stringify(act.params)}`;
    byQ = builtinCache.get(key);
    if (!byQ) {
      byQ = new Map();
      if (builtinCache.size > 64) builtinCache.clear();
      builtinCache.set(key, byQ);
    }
  } else {
    byQ = customCache.get(act);
    if (!byQ) {
      byQ = new Map();
      customCache.set(act, byQ);
    }
  }
  const hit = byQ.get(q);
  if (hit) return hit;
  const law = yield* buildLawSteps(act, q, null, null);
  if (byQ.size > 64) byQ.clear();
  byQ.set(q, law);
  return law;
}

function buildLaw(act: Activation, q: number, realWidth: number | null = null, refine: Refinement | null = null): D2Law {
  return runSync(buildLawSteps(act, q, realWidth, refine));
}

/** {@link buildLaw} as a work generator (lib/free/cooperate.ts). */
function* buildLawSteps(act: Activation, q: number, realWidth: number | null, refine: Refinement | null): Generator<void, D2Law, void> {
  if (q === 0) return vanishingSignalLaw(act);
  const s = Math.sqrt(q);
  const cuts = [-Infinity, ...act.kinks.map((k) => k / s), Infinity];
  const atomMap = new Map<number, number>();
  const smooth: SmoothPiece[] = [];
  const ruleEnds: D2Atom[] = [];
  const tailLimits: number[] = []; // phi'^2 at h -> +-infinity (where kappa -> 0: theory §3.7)
  let pinches: { value: number; scale: number }[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const a = cuts[k] as number;
    const b = cuts[k + 1] as number;
    if (!(b > a)) continue;
    const vals = samplePoints(a, b).map((h) => act.dphi(s * h));
    const constant = act.piecewiseConstantDerivative || vals.every((v) => v === vals[0]);
    if (constant) {
      const v = (vals[0] as number) ** 2;
      const mass = gaussianMass(a, b);
      if (mass > 0) atomMap.set(v, (atomMap.get(v) ?? 0) + mass);
    } else {
      const lo = Math.max(a, -T_MAX);
      const hi = Math.min(b, T_MAX);
      if (hi > lo) smooth.push({ a: lo, b: hi });
      for (const end of [a < -T_MAX ? -T_MAX : NaN, b > T_MAX ? T_MAX : NaN]) {
        const v = Number.isNaN(end) ? null : safeDphi(act, s * end);
        if (v !== null) ruleEnds.push(Object.freeze({ value: v * v, mass: RULE_END_MASS }));
      }
    }
  }
  const atoms = [...atomMap.entries()].map(([value, mass]) => ({ value, mass })).sort((x, y) => x.value - y.value);
  const atomMass = atoms.reduce((acc, x) => acc + x.mass, 0);

  let rule: RuleArrays = { re: [], im: [], wre: [], wim: [] };
  let kind: D2RuleKind = 'none';
  let rejected: string | null = null;
  let check: number | null = null;
  let axisError = 0;
  let limitAxisError = 0;
  let range: [number, number] | null = null;

  if (smooth.length > 0) {
    // the continuous range from the real line (critical points and the tails' limits)
    let dmin = Infinity;
    let dmax = -Infinity;
    for (const p of smooth) {
      for (let t = p.a; t <= p.b + 1e-12; t += 0.01) {
        const v = act.dphi(s * Math.min(t, p.b)) ** 2;
        dmin = Math.min(dmin, v);
        dmax = Math.max(dmax, v);
      }
      for (const c of _criticalPoints(act, s, p.a, p.b)) {
        const v = act.dphi(s * c) ** 2;
        dmin = Math.min(dmin, v);
        dmax = Math.max(dmax, v);
      }
      // finite piece ends (kinks) belong to the closure of the range
      for (const end of [p.a, p.b]) {
        if (Math.abs(end) < T_MAX) {
          const v = act.dphi(s * end) ** 2;
          dmin = Math.min(dmin, v);
          dmax = Math.max(dmax, v);
        }
      }
      // the limits at infinite ends (the rule is truncated at |h| = 10 but the law reaches them)
      for (const [end, far] of [
        [p.a, -1e3],
        [p.b, 1e3],
      ] as const) {
        if (Math.abs(end) >= T_MAX) {
          const v = safeDphi(act, far * Math.max(1, s));
          if (v !== null) {
            dmin = Math.min(dmin, v * v);
            dmax = Math.max(dmax, v * v);
            tailLimits.push(v * v);
          }
        }
      }
    }
    range = [dmin, dmax];

    const real: RuleArrays = { re: [], im: [], wre: [], wim: [] };
    for (const p of smooth) yield* addRealLinePiece(act, s, p, real, realWidth ?? H_REAL, refine);
    rule = real;
    kind = 'real-line';
    const dc = act.dphiComplex;
    if (realWidth === null && dc) {
      // one contour per smooth piece (a single full-line piece: an even law is folded onto [0, T])
      const whole = smooth.length === 1 && (smooth[0] as SmoothPiece).a <= -T_MAX && (smooth[0] as SmoothPiece).b >= T_MAX;
      const even =
        whole &&
        [0.1, 0.37, 1.3, 2.9, 5.1].every((t) => {
          const x = act.dphi(s * t) ** 2;
          const y = act.dphi(-s * t) ** 2;
          return Math.abs(x - y) <= 1e-15 * Math.max(x, y);
        });
      const buildContour = (floorScale: number): ContourResult => {
        const c: ContourResult = { rule: { re: [], im: [], wre: [], wim: [] }, rejected: null };
        for (const p of smooth) {
          const piece = _addContourRule(act, (re, im) => dc.call(act, re, im), s, whole ? -T_MAX : p.a, whole ? T_MAX : p.b, even, floorScale);
          // element by element: a spread of 1e5 nodes would overflow the call stack
          for (let j = 0; j < piece.rule.re.length; j++) {
            c.rule.re.push(piece.rule.re[j] as number);
            c.rule.im.push(piece.rule.im[j] as number);
            c.rule.wre.push(piece.rule.wre[j] as number);
            c.rule.wim.push(piece.rule.wim[j] as number);
          }
          if (piece.rejected) {
            c.rejected = piece.rejected;
            break;
          }
        }
        return c;
      };
      const c = buildContour(1);
      if (!c.rejected && c.rule.re.length > MAX_CONTOUR_NODES) {
        c.rejected = `the contour rule would need ${c.rule.re.length} nodes (more than ${MAX_CONTOUR_NODES}: q* = ${q} is too large for it)`;
      }
      if (c.rejected) rejected = c.rejected;
      else {
        // verify against the real-line rule where the latter is accurate (w well off the axis),
        // with panels of at most U_REAL in u (8000 s nodes for s = sqrt(q*) > 1: built only here)
        let check_: RuleArrays = real;
        if (s * H_REAL > U_REAL) {
          check_ = { re: [], im: [], wre: [], wim: [] };
          for (const p of smooth) yield* addRealLinePiece(act, s, p, check_, U_REAL / s, null);
        }
        let worst = 0;
        const top = Math.max(dmax, 1e-300);
        for (const [fr, fi] of [
          [0.5, 0.4],
          [0.9, 0.3],
          [0.2, 0.25],
          [1.3, 0.3],
          [-0.5, 0.5],
        ] as const) {
          const a1 = cauchyOf(c.rule.re, c.rule.im, c.rule.wre, c.rule.wim, fr * top, fi * top);
          const a2 = cauchyOf(check_.re, check_.im, check_.wre, check_.wim, fr * top, fi * top);
          worst = Math.max(worst, Math.hypot(a1[0] - a2[0], a1[1] - a2[1]) / Math.max(1e-300, Math.hypot(a2[0], a2[1])));
        }
        let mass = 0;
        for (const v of c.rule.wre) mass += v;
        const massErr = Math.abs(mass - (1 - atomMass));
        check = worst;
        if (worst <= CONTOUR_TOLERANCE && massErr <= 1e-13) {
          rule = c.rule;
          kind = 'contour';
          pinches = contourPinches(act, s, smooth);
          const fine = buildContour(AXIS_CHECK_FLOOR_SCALE).rule;
          axisError = axisErrorOf(c.rule, fine, range);
          limitAxisError = limitAxisErrorOf(c.rule, fine, range, tailLimits);
        } else {
          rejected = `the contour rule disagrees with the real-line rule off the axis (${worst.toExponential(2)} relative, mass error ${massErr.toExponential(2)})`;
        }
      }
    }
  }

  let supportMin = Infinity;
  let supportMax = -Infinity;
  for (const a of atoms) {
    supportMin = Math.min(supportMin, a.value);
    supportMax = Math.max(supportMax, a.value);
  }
  if (range) {
    supportMin = Math.min(supportMin, range[0]);
    supportMax = Math.max(supportMax, range[1]);
  }
  return Object.freeze({
    activation: act.name,
    qStar: q,
    atoms: Object.freeze(atoms.map((a) => Object.freeze(a))),
    ruleKind: kind,
    nodeRe: Float64Array.from(rule.re),
    nodeIm: Float64Array.from(rule.im),
    weightRe: Float64Array.from(rule.wre),
    weightIm: Float64Array.from(rule.wim),
    continuousMass: smooth.length > 0 ? Math.max(0, 1 - atomMass) : 0,
    continuousRange: range ? (Object.freeze(range) as readonly [number, number]) : null,
    supportMin,
    supportMax,
    contourRejected: rejected,
    contourCheck: check,
    axisError: kind === 'real-line' ? NaN : axisError,
    limitAxisError: kind === 'real-line' ? NaN : limitAxisError,
    ruleEnds: Object.freeze(ruleEnds),
    pinches: Object.freeze(pinches.map((x) => Object.freeze(x))),
  });
}

/** Offset from 0 at which the one-sided derivatives phi'(0-) and phi'(0+) are read. */
const ONE_SIDED_OFFSET = 1e-300;

/**
 * The law of D^2 at q* = 0 (a signal that dies: theory §2.6): the limit of phi'(sqrt(q) h)^2 as
 * q -> 0, which puts mass 1/2 at phi'(0-)^2 and 1/2 at phi'(0+)^2 (h < 0 and h > 0 are equally
 * likely). For phi differentiable at 0 (tanh, erf, gelu, ...) this is one atom at phi'(0)^2, the
 * law of the linearized network; for positively homogeneous phi (relu, leaky-relu) it is the
 * q-independent law itself; for a kink at 0 with other slopes (selu) it is two atoms.
 */
function vanishingSignalLaw(act: Activation): D2Law {
  const sides = [-ONE_SIDED_OFFSET, ONE_SIDED_OFFSET].map((u) => {
    const v = act.dphi(u);
    if (!Number.isFinite(v)) {
      throw new DynamicalIsometryRangeError('qStar', `a q* > 0 for ${act.name}: phi' at 0 is not finite, so the law of D^2 at q* = 0 does not exist`, 0);
    }
    return v * v;
  });
  const [lo, hi] = sides as [number, number];
  const atoms = lo === hi ? [{ value: lo, mass: 1 }] : [{ value: Math.min(lo, hi), mass: 0.5 }, { value: Math.max(lo, hi), mass: 0.5 }];
  const empty = new Float64Array(0);
  return Object.freeze({
    activation: act.name,
    qStar: 0,
    atoms: Object.freeze(atoms.map((a) => Object.freeze(a))),
    ruleKind: 'none' as const,
    nodeRe: empty,
    nodeIm: empty,
    weightRe: empty,
    weightIm: empty,
    continuousMass: 0,
    continuousRange: null,
    supportMin: (atoms[0] as D2Atom).value,
    supportMax: (atoms[atoms.length - 1] as D2Atom).value,
    contourRejected: null,
    contourCheck: null,
    axisError: 0,
    limitAxisError: 0,
    ruleEnds: Object.freeze([]),
    pinches: Object.freeze([]),
  });
}

/** The refined rule of the real-axis accuracy check has its panel floor divided by this. */
const AXIS_CHECK_FLOOR_SCALE = 0.25;

/** Im E[log(1 - d/w)] at real w > 0 under a rule (the term of Im H, theory §3.6, that F sums L times). */
function axisTerms(rule: RuleArrays, w: number): number {
  let ki = 0;
  for (let j = 0; j < rule.re.length; j++) {
    const dr = rule.re[j] as number;
    const di = rule.im[j] as number;
    const cr = rule.wre[j] as number;
    const ci = rule.wim[j] as number;
    const ur = w - dr;
    const ui = Math.max(-di, 0); // w - d_j in the closed upper half-plane (Im d_j <= 0)
    const lr = Math.log(Math.hypot(ur, ui) / w);
    const li = Math.atan2(ui, ur);
    ki += cr * li + ci * lr;
  }
  return ki;
}

/**
 * The real-axis accuracy of a contour rule (D2Law.axisError): its Im K/pi against a rule with a 4x
 * finer panel floor at real w across the continuous range of D^2, denser toward its ends (where
 * phi'^2 tends to a constant the path's pole distance vanishes: theory §3.4).
 */
function axisErrorOf(rule: RuleArrays, fine: RuleArrays, range: readonly [number, number] | null): number {
  if (!range || fine.re.length === 0) return 0;
  const [lo, hi] = range;
  const ws: number[] = [];
  for (const f of [0.1, 0.3, 0.5, 0.7, 0.9]) ws.push(lo + f * (hi - lo));
  for (const k of [2, 3, 4, 5]) {
    ws.push(hi - (hi - lo) * 10 ** -k);
    if (lo > 0) ws.push(lo + (hi - lo) * 10 ** -k);
  }
  return worstAxisChange(rule, fine, ws);
}

/**
 * D2Law.limitAxisError: axisErrorOf at real w next to the limits of phi'^2 at h -> +-infinity that
 * lie inside the range (silu, gelu: phi'^2 -> 1 at +infinity, below their maximum 1.2), where kappa
 * -> 0 and the rule is least accurate on the axis. Only orthogonal L = 1 puts its solutions there
 * (w = lambda / weightStd^2 on the axis): silu at q* = 1e3 had F off by 1e-4 at w = 0.9945 while the
 * range's samples saw 1e-9 (deeper networks' solutions stay off the axis: the domain sweep's mass
 * checks hold at 1e-8 for gelu and silu at q* = 10, L = 2 to 32).
 */
function limitAxisErrorOf(rule: RuleArrays, fine: RuleArrays, range: readonly [number, number] | null, tailLimits: readonly number[]): number {
  if (!range || fine.re.length === 0) return 0;
  const ws: number[] = [];
  for (const t of tailLimits) {
    if (!(t > range[0] && t < range[1])) continue;
    for (const k of [2, 3, 4, 5]) ws.push(t * (1 - 10 ** -k), t * (1 + 10 ** -k));
  }
  return worstAxisChange(rule, fine, ws);
}

/** The largest change of Im K / pi between two rules over real w > 0 in ws. */
function worstAxisChange(rule: RuleArrays, fine: RuleArrays, ws: readonly number[]): number {
  let worst = 0;
  for (const w of ws) {
    if (!(w > 0)) continue;
    const k1 = axisTerms(rule, w);
    const k2 = axisTerms(fine, w);
    worst = Math.max(worst, Math.abs(k1 - k2) / Math.PI);
  }
  return worst;
}

const refinedCache = new WeakMap<D2Law, Map<string, D2Law>>();

/**
 * The same law with its continuous part on a real-line rule of panel width `width` (h units; the
 * default rule uses 0.05), optionally split `refine.factor` ways on the panels where d takes values
 * in [refine.lo, refine.hi] (near the real parts of the w's being resolved). Used to verify and
 * refine real-line rules where the solution w comes close to the support of D^2
 * (lib/free/density.ts). Cached per law and parameters. A work generator (lib/free/cooperate.ts).
 * @internal
 */
export function* refinedRealLineLawSteps(act: Activation, law: D2Law, width: number, refine: Refinement | null = null): Generator<void, D2Law, void> {
  let m = refinedCache.get(law);
  if (!m) {
    m = new Map();
    refinedCache.set(law, m);
  }
  const key = JSON.stringify([width, refine]);
  const hit = m.get(key);
  if (hit) return hit;
  const out = yield* buildLawSteps(act, law.qStar, width, refine);
  if (m.size > 16) m.clear();
  m.set(key, out);
  return out;
}

/** Panel width of the default real-line rule (h units). */
export const REAL_LINE_PANEL_WIDTH = H_REAL;

/**
 * E[d^k] under a D^2 law (mu_k of THEORY §2.3): atoms exactly, the continuous part by its rule.
 * @example d2Moment(d2Law({ activation: 'relu', qStar: 1 }), 2); // 0.5
 */
export function d2Moment(law: D2Law, k: number): number {
  integer('k', k, 0, 100_000); // repeated multiplication below: k must be a small integer
  let s = 0;
  for (const a of law.atoms) s += a.mass * a.value ** k;
  // complex power d_j^k by repeated multiplication (k is a small integer)
  for (let j = 0; j < law.nodeRe.length; j++) {
    const dr = law.nodeRe[j] as number;
    const di = law.nodeIm[j] as number;
    let pr = 1;
    let pi = 0;
    for (let i = 0; i < k; i++) {
      const t = pr * dr - pi * di;
      pi = pr * di + pi * dr;
      pr = t;
    }
    s += (law.weightRe[j] as number) * pr - (law.weightIm[j] as number) * pi;
  }
  return s;
}

/**
 * Var(d) = E[(d - center)^2] with center = E[d] (pass mu1), summed as central terms so that laws
 * concentrated near one value (hard-tanh at small q*: p(1 - p) with 1 - p ~ 1e-5) keep full
 * relative accuracy, unlike mu2 - mu1^2.
 */
export function d2Variance(law: D2Law, center: number): number {
  let s = 0;
  for (const a of law.atoms) s += a.mass * (a.value - center) ** 2;
  for (let j = 0; j < law.nodeRe.length; j++) {
    const dr = (law.nodeRe[j] as number) - center;
    const di = law.nodeIm[j] as number;
    s += (law.weightRe[j] as number) * (dr * dr - di * di) - (law.weightIm[j] as number) * (2 * dr * di);
  }
  return s;
}

/**
 * M_{D^2}(w) = E[d/(w - d)] (THEORY §3.4) at complex w = wRe + i wIm, as [re, im]. With a contour
 * rule this is the analytic continuation from the upper half-plane across the support of D^2.
 * @example d2Cauchy(d2Law({ activation: 'relu', qStar: 1 }), 2, 0); // [0.5, 0]: p/(w - 1)
 */
export function d2Cauchy(law: D2Law, wRe: number, wIm: number): [number, number] {
  finiteNumber('wRe', wRe);
  finiteNumber('wIm', wIm);
  const c = cauchyOf(law.nodeRe, law.nodeIm, law.weightRe, law.weightIm, wRe, wIm);
  for (const a of law.atoms) {
    if (a.value === 0) continue;
    const ur = wRe - a.value;
    const inv = 1 / (ur * ur + wIm * wIm);
    c[0] += a.mass * a.value * ur * inv;
    c[1] -= a.mass * a.value * wIm * inv;
  }
  return c;
}
