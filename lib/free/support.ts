/**
 * The support of the continuous part of the law of J J^T, from the edge equation rather than a
 * grid threshold (THEORY §8.1, §8.5): on every real interval of w outside the support of D^2 the
 * map z(w) is real, and where it is positive its values lie outside the support of J J^T. Soft edges
 * are the critical values of z on those intervals (z'(w) = 0: a 1-D root of d log z/dw, bracketed on
 * a log-spaced sample and refined by bisection to machine precision); hard edges are the limits of z
 * at the interval ends (e.g. weightStd^2 max d for orthogonal L = 1) and 0. Between consecutive
 * candidate edges the density is either positive throughout or zero throughout; one solve at an
 * interior point decides which.
 * @module
 */
import { runSync } from './cooperate.js';
import type { D2Law } from './d2-law.js';
import { Eval, evaluate, type FreeProblem, thetaSteps } from './solver-js.js';

/** One support interval [min, max] of the continuous part, with the w at its edges when real. */
export interface SupportInterval {
  readonly min: number;
  readonly max: number;
  /** Real w at the upper edge when it is a soft (critical-point) edge, else null. */
  readonly wMax: number | null;
  readonly wMin: number | null;
}

const SAMPLES = 96;

interface Candidate {
  lambda: number;
  w: number | null;
}

/** z(w) > 0 at real w: the phase of log z is ~0 modulo 2 pi. */
function positiveZ(e: Eval): boolean {
  // e.fi is a sum of three angles each reduced to (-pi, pi]: reduce the sum once more
  const a = e.fi - 2 * Math.PI * Math.round(e.fi / (2 * Math.PI));
  return Math.abs(a) < 1e-6;
}

/** Finds the support intervals of the continuous part (empty when there is none). */
export function findSupport(P: FreeProblem, law: D2Law, atoms: readonly number[] = []): SupportInterval[] {
  return runSync(supportSteps(P, law, atoms));
}

/**
 * {@link findSupport} as a work generator (yields after every evaluation of z(w) or solve; see
 * lib/free/cooperate.ts): with a real-line D^2 rule of 8000 nodes the whole search takes ~70 ms.
 */
export function* supportSteps(P: FreeProblem, law: D2Law, atoms: readonly number[] = []): Generator<void, SupportInterval[], void> {
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

  const candidates: Candidate[] = [{ lambda: 0, w: null }];
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
    if (lo > 0 && pos[0]) candidates.push({ lambda: limit(lo, 0), w: null });
    if (hi < Infinity && pos[SAMPLES - 1]) candidates.push({ lambda: limit(hi, SAMPLES - 1), w: null });
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
        candidates.push({ lambda: Math.exp(e.fr), w: wc });
      }
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
      continue;
    }
    if (Number.isFinite(c.lambda)) uniq.push({ ...c });
  }
  // classify the gaps between consecutive candidates by one solve inside each
  const intervals: SupportInterval[] = [];
  for (let k = 0; k + 1 < uniq.length; k++) {
    const a = uniq[k] as Candidate;
    const b = uniq[k + 1] as Candidate;
    // geometric midpoint in logs (a.lambda * b.lambda can underflow for tiny spectra)
    const mid = a.lambda > 0 ? Math.exp(0.5 * (Math.log(a.lambda) + Math.log(b.lambda))) : 0.5 * b.lambda;
    const sol = yield* thetaSteps(P, Math.log(mid), e);
    const inside = sol.ok ? -sol.mi > 1e-10 * Math.hypot(sol.mr, sol.mi) : true;
    if (!inside) continue;
    const last = intervals[intervals.length - 1];
    if (last && last.max === a.lambda) {
      intervals[intervals.length - 1] = { min: last.min, max: b.lambda, wMin: last.wMin, wMax: b.w };
    } else {
      intervals.push({ min: a.lambda, max: b.lambda, wMin: a.w, wMax: b.w });
    }
  }
  return intervals;
}
