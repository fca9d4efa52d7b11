/**
 * Builds the flat solver problem (lib/free/solver-js.ts, native/core/free_solver.h) from a network
 * spec and its D^2 law, and the atoms of the law of J J^T (THEORY §3.5, §4.3, §8.2).
 * @module
 */
import type { D2Law } from './d2-law.js';
import type { FreeProblem } from './solver-js.js';

/** The inputs of a spectral computation that the solver needs. */
export interface SolverSpec {
  readonly depth: number;
  readonly weightStd: number;
  readonly gaussian: boolean;
}

/** The flat problem: atoms of D^2 with value > 0 first (real), then the continuous rule. */
export function buildProblem(spec: SolverSpec, law: D2Law): FreeProblem {
  const pos = law.atoms.filter((a) => a.value > 0);
  const n = pos.length + law.nodeRe.length;
  const dRe = new Float64Array(n);
  const dIm = new Float64Array(n);
  const cRe = new Float64Array(n);
  const cIm = new Float64Array(n);
  pos.forEach((a, i) => {
    dRe[i] = a.value;
    cRe[i] = a.mass;
  });
  dRe.set(law.nodeRe, pos.length);
  dIm.set(law.nodeIm, pos.length);
  cRe.set(law.weightRe, pos.length);
  cIm.set(law.weightIm, pos.length);
  let mu1 = 0;
  for (let j = 0; j < n; j++) mu1 += (cRe[j] as number) * (dRe[j] as number) - (cIm[j] as number) * (dIm[j] as number);
  const zero = law.atoms.find((a) => a.value === 0);
  return {
    depth: spec.depth,
    logScale: spec.depth * 2 * Math.log(spec.weightStd),
    gaussian: spec.gaussian,
    p0: zero ? zero.mass : 0,
    dRe,
    dIm,
    cRe,
    cIm,
    logMu1: Math.log(mu1 > 0 ? mu1 : 1),
    endD: Float64Array.from(law.ruleEnds, (x) => x.value),
    endMass: Float64Array.from(law.ruleEnds, (x) => x.mass),
  };
}

/** An atom of the law of J J^T. */
export interface SpectralAtom {
  /** Eigenvalue of J J^T where the atom sits. */
  readonly location: number;
  /** Its probability mass. */
  readonly mass: number;
}

/**
 * Atoms of the law of J J^T (THEORY §4.3, §8.2): at 0 with the mass of the D^2 atom at 0 (every
 * depth, both ensembles); with orthogonal weights, each D^2 atom at a > 0 of mass P gives an atom at
 * weightStd^(2L) a^L of mass max(0, 1 - L (1 - P)) (the subspace that stays in that atom's
 * eigenspace through every layer; at L = 1 every atom of D^2, scaled by weightStd^2).
 */
export function spectralAtoms(spec: SolverSpec, law: D2Law): SpectralAtom[] {
  const out: SpectralAtom[] = [];
  const zero = law.atoms.find((a) => a.value === 0);
  if (zero && zero.mass > 0) out.push({ location: 0, mass: zero.mass });
  if (!spec.gaussian) {
    const L = spec.depth;
    for (const a of law.atoms) {
      if (a.value <= 0) continue;
      // 1 - P from the other masses (no cancellation when P is close to 1)
      const rest = law.atoms.reduce((acc, b) => (b === a ? acc : acc + b.mass), 0) + law.continuousMass;
      const mass = 1 - L * rest;
      if (mass > 1e-15) out.push({ location: Math.pow(spec.weightStd * spec.weightStd * a.value, L), mass });
    }
  }
  return out.sort((x, y) => x.location - y.location);
}
