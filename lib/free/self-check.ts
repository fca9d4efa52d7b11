/**
 * The invariants every spectral law the library returns must satisfy (theory §3.7), checked before
 * `spectralDensity` returns: a violation means the computation went wrong somewhere (a D^2 rule that
 * does not resolve its law, a support search that missed mass, a moment series that overflowed), and
 * the result must not be returned as if it were right.
 * @module
 */
import type { SpectralMoments } from './moments.js';
import type { SpectralAtom } from './problem.js';

/**
 * The absolute accuracy of the closed-form CDF (and so of the total mass) that the self-check holds
 * a law to: 1e-8 (measured: <= 4e-9 over the built-in activations, q* from 1e-6 to the resolved
 * limit, depths 1 to 1e4), or 256 sqrt(L + 1) eps / spread for a narrow law of D^2 (spread =
 * sd(D^2)/mu1, below ~1e-6 for tanh and erf at q* < 1e-7): its values 1 - O(spread) are stored to
 * eps absolute, the same in all L layers, so lambda is known to ~L eps relative while the law's width
 * is ~sqrt(L) spread, and the CDF inherits that (measured up to 160 sqrt(L + 1) eps/spread, erf at
 * q* = 1e-8, L = 2); or 4 (L + 1) times the contour rule's measured real-axis error
 * (D2Law.axisError) where that is larger.
 */
export function cdfAccuracy(spreadD: number, depth = 1, axisError = 0): number {
  // a contour rule that loses accuracy on the real axis (phi'^2 tending to a constant: softplus,
  // silu at large q*) loses it in each of the L terms of Im H: 4 (L + 1) times its measured change
  const rule = Number.isFinite(axisError) ? 4 * (depth + 1) * axisError : 0;
  // a narrow law: the same rounded D^2 values enter every layer, so lambda is off by up to ~L eps
  // (relative) while the law's width grows like sqrt(L) spread: sqrt(L + 1) eps/spread relative to it
  const narrow = spreadD > 0 ? (NARROW_LAW_FACTOR * Number.EPSILON * Math.sqrt(depth + 1)) / spreadD : 0;
  return Math.max(BASE_CDF_ACCURACY, narrow, rule);
}
/**
 * Factor of sqrt(L + 1) eps / spread in the narrow-law accuracy. Measured (domain sweep, erf and tanh
 * at q* = 1e-8): the density's integrals scatter by up to 160 sqrt(L + 1) eps/spread at L = 2 and
 * 2.4 sqrt(L + 1) at L = 1e4.
 */
const NARROW_LAW_FACTOR = 256;
const BASE_CDF_ACCURACY = 1e-8;

/**
 * Relative slack of the moment inequalities m2 >= m1^2, m2^2 <= m1 m3, m3^2 <= m2 m4: the moments
 * come from closed forms and truncated series accurate to ~1e-13 relative, so an equality case
 * (a point mass) may miss an inequality by rounding only.
 */
export const MOMENT_INEQUALITY_SLACK = 1e-10;

/** What the checks read. */
export interface LawToCheck {
  readonly atoms: readonly SpectralAtom[];
  /** 1 - the atoms' mass. */
  readonly continuousMass: number;
  /** Support intervals of the continuous part, [min, max] each. */
  readonly intervals: readonly { readonly min: number; readonly max: number }[];
  /** The continuous mass of each interval, from the closed-form CDF at its edges. */
  readonly intervalMasses: readonly number[];
  readonly moments: SpectralMoments;
  /** The accuracy F is held to ({@link cdfAccuracy}). */
  readonly cdfAccuracy: number;
  /** The density at the converged points (NaN only at points that did not converge). */
  readonly density: Float64Array;
  readonly lambda: Float64Array;
}

/** The list of violated invariants (empty when the law is consistent), each a sentence with the numbers. */
export function lawViolations(law: LawToCheck): string[] {
  const out: string[] = [];
  const { atoms, intervals, intervalMasses, moments: m, cdfAccuracy: tol } = law;
  let atomMass = 0;
  for (const a of atoms) {
    if (!(Number.isFinite(a.location) && a.location >= 0 && a.mass > 0 && a.mass <= 1 + tol)) out.push(`atom at ${a.location} with mass ${a.mass}`);
    atomMass += a.mass;
  }
  const contMass = intervalMasses.reduce((s, x) => s + x, 0);
  if (!(Math.abs(atomMass + contMass - 1) <= tol)) {
    out.push(`total mass ${atomMass + contMass} (atoms ${atomMass} + continuous part ${contMass} over the support) is not 1 to ${tol.toExponential(1)}`);
  }
  if (law.continuousMass > tol && intervals.length === 0) out.push(`a continuous part of mass ${law.continuousMass} but an empty support`);
  let prevMax = -Infinity;
  intervals.forEach((iv, k) => {
    if (!(Number.isFinite(iv.min) && Number.isFinite(iv.max) && iv.min >= 0 && iv.max > iv.min && iv.min >= prevMax)) {
      out.push(`support interval ${k} is [${iv.min}, ${iv.max}] (after ${prevMax}): not an ordered, disjoint, finite interval of width > 0`);
    }
    prevMax = iv.max;
  });
  const { mean, m2, m3, m4 } = m;
  if (![mean, m2, m3, m4, m.variance].every(Number.isFinite)) out.push(`moments not finite: m1 ${mean}, m2 ${m2}, m3 ${m3}, m4 ${m4}`);
  else {
    const tol = 1 + MOMENT_INEQUALITY_SLACK;
    if (!(m.variance >= -MOMENT_INEQUALITY_SLACK * mean * mean)) out.push(`variance ${m.variance} < 0`);
    if (!(mean * mean <= m2 * tol)) out.push(`m2 = ${m2} < m1^2 = ${mean * mean}`);
    if (!(m2 * m2 <= mean * m3 * tol)) out.push(`m3 = ${m3} < m2^2/m1 = ${(m2 * m2) / mean}`);
    if (!(m3 * m3 <= m2 * m4 * tol)) out.push(`m4 = ${m4} < m3^2/m2 = ${(m3 * m3) / m2}`);
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < law.density.length; i++) {
    const d = law.density[i] as number;
    if (Number.isNaN(d)) continue; // a point that did not converge, counted by the solver
    if (!(d >= 0 && d < Infinity)) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) out.push(`density negative or infinite at ${bad} point(s) (first: ${law.density[first]} at lambda = ${law.lambda[first]})`);
  return out;
}
