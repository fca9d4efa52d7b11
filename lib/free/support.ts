/**
 * The support of the continuous part of the law of J J^T, from the edge equation rather than a
 * grid threshold (THEORY §8.1, §8.5): on every real interval of w outside the support of D^2 the
 * map z(w) is real, and where it is positive its values lie outside the support of J J^T. Soft edges
 * are the critical values of z on those intervals (z'(w) = 0: a 1-D root of d log z/dw, bracketed on
 * a log-spaced sample and refined by bisection to machine precision); hard edges are the limits of z
 * at the interval ends (e.g. weightStd^2 max d for orthogonal L = 1) and 0. Between consecutive
 * candidate edges the density is either positive throughout or zero throughout; the mass between
 * them, F(b-) - F(a+) from the closed-form CDF, decides which (docs/theory.md §3.6), and is the
 * interval's continuous mass.
 * @module
 */
import { runSync } from './cooperate.js';
import type { D2Law } from './d2-law.js';
import { Eval, evaluate, type FreeProblem, imH, thetaSteps } from './solver-js.js';

/** One support interval [min, max] of the continuous part, with the w at its edges when real. */
export interface SupportInterval {
  readonly min: number;
  readonly max: number;
  /** Real w at the upper edge when it is a soft (critical-point) edge, else null. */
  readonly wMax: number | null;
  readonly wMin: number | null;
  /**
   * Continuous mass of the interval, F(max-) - F(min+) minus the atoms strictly inside, from the
   * closed-form CDF (NaN when an edge's CDF could not be evaluated).
   */
  readonly mass: number;
}

const SAMPLES = 96;

/**
 * A gap between candidate edges with less continuous mass than this is empty: max(1e-12, 64 (L + 1)
 * eps). The closed-form CDF sums L angles, so its rounding grows like L eps (2.5e-12 measured at
 * L = 1e4, tanh); a support interval with less mass than its rounding could not be told apart from
 * it, and leaving it out moves no quantile the library reports by more than that mass.
 */
function gapMassFloor(depth: number): number {
  return Math.max(1e-12, 64 * (depth + 1) * Number.EPSILON);
}

/** Relative offset from a hard edge at which its one-sided CDF limits are evaluated. */
const EDGE_OFFSET = 1e-12;
/**
 * The same at an atom of J J^T: the continuous mass within 1e-9 of it (density times 1e-9 lambda)
 * stays below the self-check's tolerance for any density the solver resolves.
 */
const ATOM_EDGE_OFFSET = 1e-9;

/**
 * How close the physical w next to an edge must be to the candidate's gap w, relative to the gap
 * w's distance from the support of D^2 (Candidate.wScale).
 */
const EDGE_W_RTOL = 1e-3;
/**
 * A soft edge's w may also move by 16 sqrt(1e-12) |w| over the offset: a critical point of z next
 * to a pole of M_{D^2} (orthogonal relu at L = 2: z'(w) = 0 at the atom w = 1, an arcsine edge) has
 * no room of its own.
 */
const SOFT_EDGE_W_RTOL = 1.6e-5;
/**
 * The same for a hard edge, relative to |w|: z - z(end) may vanish like any power of w - end (the
 * physical w moves ~1e-6 for orthogonal relu at L = 2), and the edge is true when that w lies on
 * the end's side of the nearest critical point of z (Candidate.wCritDist).
 */
const HARD_EDGE_W_RTOL = 1e-3;

/** F(x-) and F(x+) at a candidate edge x (atoms at x make them differ); NaN where not solvable. */
interface CdfLimits {
  left: number;
  right: number;
}

interface Candidate {
  lambda: number;
  /** The real w of a soft edge (a critical point of z). */
  w: number | null;
  /**
   * A real w in the w-gap whose image this edge bounds, where the closed-form CDF equals its value
   * at the edge (F is constant over the image of a gap, which lies outside the support).
   */
  wGap: number | null;
  /**
   * The distance of wGap from the nearest end of its w-gap (the support of D^2): the scale on which
   * the physical w next to a true edge must agree with wGap. Relative to |w| it would be far too
   * loose for a narrow law, whose w-gap edge and critical point are ~1e-6 apart at w ~ 1.
   */
  wScale: number;
  /**
   * Hard edges: the distance from the end of the D^2 support to the nearest critical point of z in
   * the same w-gap (Infinity when z is monotone there). The physical w next to a true hard edge lies
   * on the end's side of that critical point; next to a spurious one (a value that z takes near the
   * end on a non-physical part of the axis) it lies beyond it.
   */
  wCritDist: number;
}

/** z(w) > 0 at real w: the phase of log z is ~0 modulo 2 pi. */
function positiveZ(e: Eval): boolean {
  // e.fi is a sum of three angles each reduced to (-pi, pi]: reduce the sum once more
  const a = e.fi - 2 * Math.PI * Math.round(e.fi / (2 * Math.PI));
  return Math.abs(a) < 1e-6;
}

/** Finds the support intervals of the continuous part (empty when there is none). */
export function findSupport(P: FreeProblem, law: D2Law, atoms: readonly number[] = [], atomMasses: readonly number[] = atoms.map(() => 0)): SupportInterval[] {
  return runSync(supportSteps(P, law, atoms, atomMasses));
}

/** Total mass of the atoms at locations strictly inside (a, b). */
function atomMassInside(atoms: readonly number[], masses: readonly number[], a: number, b: number): number {
  let s = 0;
  atoms.forEach((x, i) => {
    if (x > a && x < b) s += masses[i] as number;
  });
  return s;
}

/** The physical solution at x + i0 (theta continuation), with F = 1 - Im H(w)/pi there. */
interface EdgeSide {
  ok: boolean;
  wr: number;
  wi: number;
  f: number;
  /** The density is 0 there (Im m ~ 0): x lies in a gap, where F is exact. */
  outside: boolean;
}

function* sideAt(P: FreeProblem, x: number, e: Eval): Generator<void, EdgeSide, void> {
  const sol = yield* thetaSteps(P, Math.log(x), e);
  if (!sol.ok) return { ok: false, wr: NaN, wi: NaN, f: NaN, outside: false };
  const f = 1 - imH(P, sol.wr, sol.wi, e) / Math.PI;
  // e holds m at the w imH used; next to an atom's pole |Re m| is huge and its rounding with it
  return { ok: true, wr: sol.wr, wi: sol.wi, f, outside: -e.mi <= 1e-10 * Math.max(1, Math.abs(e.mr)) };
}

/**
 * One-sided limits of the CDF at a candidate edge. 0 gives the atom at 0 (the continuous part has
 * no mass at 0 itself). Elsewhere the physical solutions at x (1 -+ 1e-12) decide: where one of
 * them is next to the candidate's gap w, the candidate is a true edge of that gap and F is
 * the closed form at the gap's w (exact: no offset from an edge where the density may diverge, like
 * the inverse square root at a hard edge of orthogonal L = 1). Otherwise (a critical value of z on
 * a non-physical part of the real axis, or an atom on the edge) F is read at the two offsets.
 */
function* cdfLimits(P: FreeProblem, c: Candidate, atoms: readonly number[], atomMasses: readonly number[], e: Eval): Generator<void, CdfLimits, void> {
  if (c.lambda === 0) return { left: 0, right: P.p0 };
  const atomIndex = atoms.indexOf(c.lambda);
  const onAtom = atomIndex >= 0;
  // within 1e-12 of an atom both sides of its pole in w map next to it, and the continuation may
  // land on the wrong one (seen at hard-tanh, orthogonal, L = 256): atoms are approached from 1e-9
  const offset = onAtom ? ATOM_EDGE_OFFSET : EDGE_OFFSET;
  const left = yield* sideAt(P, c.lambda * (1 - offset), e);
  const right = yield* sideAt(P, c.lambda * (1 + offset), e);
  if (onAtom) {
    // F jumps by exactly the atom's mass: read it on a side in a gap (exact there, at any offset
    // that stays in the gap; next to the pole the solve may fail, so farther offsets are tried) and
    // carry it to the other, which may lie in a continuous part whose mass within the offset would
    // be lost (elu, orthogonal, L = 1: the atom at weightStd^2 tops a density ~ 0.2/sqrt(q*))
    const mass = atomMasses[atomIndex] as number;
    for (const far of [1, 100, 1e4]) {
      const r = far === 1 ? right : yield* sideAt(P, c.lambda * (1 + far * offset), e);
      if (r.ok && r.outside) return { left: r.f - mass, right: r.f };
      const l = far === 1 ? left : yield* sideAt(P, c.lambda * (1 - far * offset), e);
      if (l.ok && l.outside) return { left: l.f, right: l.f + mass };
    }
    return { left: left.f, right: right.f };
  }
  const wGap = c.wGap;
  if (wGap !== null) {
    // a soft edge's w moves by ~sqrt(1e-12) of its distance from the D^2 support over the offset
    // (and Newton resolves a double root to ~sqrt(eps) only); a hard edge's physical w must stay
    // closer to the end than half the way to the nearest critical point of z (see wCritDist); the
    // rounding of z and log z (a few ulps of |w|) is allowed on top
    const tol =
      (c.w !== null
        ? Math.max(EDGE_W_RTOL * c.wScale, SOFT_EDGE_W_RTOL * Math.abs(wGap))
        : Math.min(0.5 * c.wCritDist, HARD_EDGE_W_RTOL * Math.abs(wGap))) +
      64 * Number.EPSILON * Math.abs(wGap);
    const near = (side: EdgeSide): boolean => side.ok && Math.hypot(side.wr - wGap, side.wi) <= tol;
    if (near(left) || near(right)) {
      const f = 1 - imH(P, wGap, 1e-30 * Math.abs(wGap), e) / Math.PI;
      return { left: f, right: f };
    }
  }
  return { left: left.f, right: right.f };
}

/**
 * {@link findSupport} as a work generator (yields after every evaluation of z(w) or solve; see
 * lib/free/cooperate.ts): with a real-line D^2 rule of 8000 nodes the whole search takes ~70 ms.
 */
export function* supportSteps(
  P: FreeProblem,
  law: D2Law,
  atoms: readonly number[] = [],
  atomMasses: readonly number[] = atoms.map(() => 0),
): Generator<void, SupportInterval[], void> {
  if (law.continuousMass <= 0 && law.atoms.length === 0) return [];
  const e = new Eval();
  // forbidden set on the real w-axis: the atoms and the continuous range of D^2
  const points: number[] = [0];
  for (const a of law.atoms) if (a.value > 0) points.push(a.value);
  const range = law.continuousRange;
  const blocks: [number, number][] = [];
  if (range) blocks.push([range[0], range[1]]);
  for (const p of points) blocks.push([p, p]);
  blocks.sort((x, y) => x[0] - y[0]);
  // merge overlapping blocks
  const merged: [number, number][] = [];
  for (const b of blocks) {
    const last = merged[merged.length - 1];
    if (last && b[0] <= last[1]) last[1] = Math.max(last[1], b[1]);
    else merged.push([b[0], b[1]]);
  }
  const gaps: [number, number][] = [];
  for (let k = 0; k < merged.length; k++) {
    const lo = (merged[k] as [number, number])[1];
    const hi = k + 1 < merged.length ? (merged[k + 1] as [number, number])[0] : Infinity;
    if (hi > lo) gaps.push([lo, hi]);
  }

  const candidates: Candidate[] = [{ lambda: 0, w: null, wGap: null, wScale: 0, wCritDist: Infinity }];
  for (const [lo, hi] of gaps) {
    const ws: number[] = [];
    if (hi === Infinity) {
      const scale = Math.max(lo, 1e-300);
      for (let k = 0; k < SAMPLES; k++) ws.push(lo + scale * Math.exp(Math.log(1e-12) + (k / (SAMPLES - 1)) * (Math.log(1e8) - Math.log(1e-12))));
    } else {
      for (let k = 0; k < SAMPLES; k++) {
        const t = -28 + (56 * k) / (SAMPLES - 1);
        const sgm = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
        ws.push(lo + (hi - lo) * sgm);
      }
    }
    const g: number[] = [];
    const pos: boolean[] = [];
    const lz: number[] = [];
    for (const w of ws) {
      evaluate(P, w, 0, e);
      g.push(e.dfr);
      pos.push(positiveZ(e) && Number.isFinite(e.fr));
      lz.push(e.fr);
      yield;
    }
    // hard edges: the limits at the ends of the interval (not at w -> 0 or w -> infinity). With
    // orthogonal weights z -> weightStd^(2L) end^L where m diverges (an atom, or a divergent
    // E[d/(end - d)]) and at L = 1 exactly; otherwise the value at the sample nearest the end.
    // With Gaussian weights z -> infinity where m diverges: no edge there.
    const limit = (end: number, k: number): number => {
      evaluate(P, ws[k] as number, 0, e);
      // the sample sits 1e-12 (relative) from the end: an atom there gives |m| ~ 1e12 P a/end
      const diverges = Math.hypot(e.mr, e.mi) > 1e6;
      if (!P.gaussian && (P.depth === 1 || diverges)) return Math.exp(P.logScale + P.depth * Math.log(end));
      if (P.gaussian && diverges) return NaN;
      return Math.exp(lz[k] as number);
    };
    const crits: number[] = [];
    for (let k = 0; k + 1 < SAMPLES; k++) {
      if (!pos[k] || !pos[k + 1]) continue;
      const g0 = g[k] as number;
      const g1 = g[k + 1] as number;
      if (g0 === 0 || Math.sign(g0) !== Math.sign(g1)) {
        let a = ws[k] as number;
        let b = ws[k + 1] as number;
        const sa = Math.sign(g0);
        for (let it = 0; it < 200 && b - a > 2e-16 * Math.abs(b); it++) {
          const mid = 0.5 * (a + b);
          if (mid <= a || mid >= b) break;
          evaluate(P, mid, 0, e);
          if (Math.sign(e.dfr) === sa) a = mid;
          else b = mid;
          yield;
        }
        const wc = 0.5 * (a + b);
        evaluate(P, wc, 0, e);
        candidates.push({ lambda: Math.exp(e.fr), w: wc, wGap: wc, wScale: Math.min(wc - lo, hi - wc), wCritDist: Infinity });
        crits.push(wc);
      }
    }
    const nearestCrit = (end: number): number => crits.reduce((d, c) => Math.min(d, Math.abs(c - end)), Infinity);
    if (lo > 0 && pos[0]) {
      candidates.push({ lambda: limit(lo, 0), w: null, wGap: ws[0] as number, wScale: (ws[0] as number) - lo, wCritDist: nearestCrit(lo) });
    }
    if (hi < Infinity && pos[SAMPLES - 1]) {
      const wEnd = ws[SAMPLES - 1] as number;
      candidates.push({ lambda: limit(hi, SAMPLES - 1), w: null, wGap: wEnd, wScale: hi - wEnd, wCritDist: nearestCrit(hi) });
    }
  }
  // candidates at an atom of J J^T are the atom itself (the continuous density has no edge there
  // unless the continuous part reaches it, which the classification below decides)
  for (const c of candidates) {
    for (const a of atoms) if (Math.abs(c.lambda - a) <= 1e-8 * a) c.lambda = a;
  }
  const finite = candidates.filter((c) => Number.isFinite(c.lambda));
  finite.sort((x, y) => x.lambda - y.lambda);
  const uniq: Candidate[] = [];
  for (const c of finite) {
    const last = uniq[uniq.length - 1];
    if (last && Math.abs(c.lambda - last.lambda) <= 1e-12 * Math.max(c.lambda, 1e-300)) {
      if (last.w === null) last.w = c.w;
      if (last.wGap === null) {
        last.wGap = c.wGap;
        last.wScale = c.wScale;
      }
      continue;
    }
    if (Number.isFinite(c.lambda)) uniq.push({ ...c });
  }
  // Classify the gaps between consecutive candidates by their mass F(b-) - F(a+) from the closed-form
  // CDF (theory §3.6), not by the density at one interior point: a narrow law (tanh at small q*,
  // orthogonal weights) has support [0, lambda_max] with a density below 1e-300 over most of it, so
  // a midpoint test finds no support at all.
  const limits: CdfLimits[] = [];
  for (const c of uniq) limits.push(yield* cdfLimits(P, c, atoms, atomMasses, e));
  const intervals: SupportInterval[] = [];
  for (let k = 0; k + 1 < uniq.length; k++) {
    const a = uniq[k] as Candidate;
    const b = uniq[k + 1] as Candidate;
    const fa = (limits[k] as CdfLimits).right;
    const fb = (limits[k + 1] as CdfLimits).left;
    const inner = atomMassInside(atoms, atomMasses, a.lambda, b.lambda);
    let mass = Number.isFinite(fa) && Number.isFinite(fb) ? fb - fa - inner : NaN;
    if (Number.isNaN(mass)) {
      // an edge where the CDF could not be evaluated: the other edge's F bounds the gap's mass by
      // monotonicity (hard-tanh, orthogonal, L = 1e4: the atom-limit candidate weightStd^(2L) =
      // 2e305, where no solve converges, lies far above the true edge 1980, where F = 1 already)
      const atomsBelow = atoms.reduce((acc, x, i) => (x <= a.lambda ? acc + (atomMasses[i] as number) : acc), 0);
      const bound = Number.isFinite(fa) ? 1 - fa - atomMassInside(atoms, atomMasses, a.lambda, Infinity) : Number.isFinite(fb) ? fb - atomsBelow - inner : NaN;
      if (bound <= gapMassFloor(P.depth)) continue;
      // otherwise fall back to one solve inside the gap, and leave the mass to the caller's
      // bookkeeping (NaN)
      const mid = a.lambda > 0 ? Math.exp(0.5 * (Math.log(a.lambda) + Math.log(b.lambda))) : 0.5 * b.lambda;
      const sol = yield* thetaSteps(P, Math.log(mid), e);
      if (sol.ok && !(-sol.mi > 1e-10 * Math.hypot(sol.mr, sol.mi))) continue;
    } else if (!(mass > gapMassFloor(P.depth))) continue;
    mass = Number.isNaN(mass) ? NaN : Math.max(0, mass);
    const last = intervals[intervals.length - 1];
    if (last && last.max === a.lambda) {
      intervals[intervals.length - 1] = { min: last.min, max: b.lambda, wMin: last.wMin, wMax: b.w, mass: last.mass + mass };
    } else {
      intervals.push({ min: a.lambda, max: b.lambda, wMin: a.w, wMax: b.w, mass });
    }
  }
  return intervals;
}
