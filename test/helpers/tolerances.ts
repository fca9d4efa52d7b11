/**
 * The default tolerances of the test suite, each with the reason for its value. A test that needs
 * another value derives it where it is used and says why (`expectAllClose(..., { why })`); a value
 * that two files share lives here. Monte Carlo bounds are not here: they follow from the sample
 * count and the level, so they stay formulas in the tests (the KS critical values are in
 * ./stats.ts: ksCritical(n, alpha), KS_CRITICAL_1E3; binomial counts use z sqrt(N p (1 - p)) with
 * z the two-sided normal quantile of the level, e.g. 3.29 for 1e-3).
 *
 * eps = Number.EPSILON = 2^-52 (the spacing of doubles at 1; the unit roundoff u is eps / 2).
 */
import { EPS } from './close.js';

// ---------------------------------------------------------------------------------------------
// Rounding of a few operations

/**
 * A result a few correctly rounded operations (or libm/V8 elementary functions, 1-2 ulp each)
 * away from a closed form of size ~1: 4 eps relative covers about four such steps at u = eps/2
 * each, or two elementary functions. Used where the test's own `why` names the operations.
 * Users: test/free/d2-law.test.ts, test/mean-field/{activations,mean-field,reference}.test.ts,
 * test/empirical/sampling.test.ts.
 */
export const FEW_ROUNDINGS = 4 * EPS;

// ---------------------------------------------------------------------------------------------
// Dense linear algebra

/**
 * max_ij |(Q^T Q - I)_ij| of a Haar matrix of order n built from Householder reflectors (Stewart's
 * sampler in lib/empirical/haar.ts, or the QR of a Gaussian matrix in haarOrthogonal): 4 n eps, at
 * least 8 eps. Each entry of the computed Q^T Q is a length-n dot product of unit vectors (rounding
 * gamma_n ~ n u = n eps / 2) plus the departure of the computed Q from orthogonality (O(n eps) for
 * Householder products, Higham Thm 19.4). Measured over 300 seeds on both backends and both samplers:
 * at most 2 n eps at n = 2 (4 eps), 1.6 n eps at n = 5 (8 eps), 0.32 n eps at n = 17 and 0.11 n eps
 * at n = 64. A bound of n eps holds on the tests' pinned draws but not for every seed below n ~ 8
 * (it passed only because the seeds were fixed), so the table takes the bound that holds for every
 * measured seed with a factor 2 to spare. Until this table test/empirical/haar.test.ts checked 4 n eps
 * and test/linalg/linalg.test.ts n eps.
 * Users: test/empirical/haar.test.ts, test/linalg/linalg.test.ts.
 */
export function orthogonality(n: number): number {
  return 4 * Math.max(n, 2) * EPS;
}

/**
 * Entrywise difference of two Q formed from the same n - 1 reflectors in different summation orders
 * (native vs JS, or blocked compact-WY vs LAPACK's dormqr): each entry goes through up to n - 1
 * reflector updates, each a dot product and an axpy of O(eps) relative rounding on entries of size
 * <= 1: 4 n eps.
 * Users: test/parity/sampling.test.ts, test/empirical/haar.test.ts.
 */
export function reflectorRounding(n: number): number {
  return 4 * n * EPS;
}

// ---------------------------------------------------------------------------------------------
// Parity: native = JS

/**
 * phi and phi' of a built-in activation, native core against TypeScript, in ulp of the size of the
 * formula's terms: 8. Both sides use the same formulas term by term (no FMA contraction in the
 * core); what differs is libm against V8 (tanh/cosh/exp/log1p/expm1, <= 1-2 ulp each) and glibc's
 * erf/erfc against the library's (each within ~4 ulp of exact), which gelu then scales. Measured
 * worst 5.0 ulp (see test/parity/activations.test.ts).
 */
export const ACTIVATION_PARITY_ULPS = 8;

/**
 * Spectral density, native free solver against the TypeScript one (the same algorithm, different
 * rounding: libm vs V8 for log/atan2/hypot, sums in different orders, continuation sub-steps): both
 * converge Newton to the rounding floor of log z, a sum of L logarithms, so the floor grows like
 * L eps and the bounds are scaled by s = max(1, L/128).
 * - rtol 1e-10 s: the accuracy the free solver states (README "Free probability"), measured
 *   agreement <= 1.05e-11 s;
 * - atol 1e-12 s times the peak density: in steep far tails (rho below ~1e-8 of its peak) rho has
 *   only absolute accuracy; 4x the measured 2.4e-13 s, rounded up to a power of ten;
 * - CDF 1e-12 s absolute: the closed-form CDF at the same w (Im H = L Im K + ...), measured
 *   <= 3.5e-13 s.
 * Measurements: test/parity/free.test.ts header (commit ceda009). Users: test/parity/free.test.ts,
 * test/reliability/invariants.test.ts (random specs, L <= 8, so s = 1).
 */
export function freeSolverParity(depth: number): { rtol: number; atolPerPeak: number; cdfAtol: number } {
  const s = Math.max(1, depth / 128);
  return { rtol: 1e-10 * s, atolPerPeak: 1e-12 * s, cdfAtol: 1e-12 * s };
}

// ---------------------------------------------------------------------------------------------
// Accuracy against closed forms and reference values

/**
 * The closed-form CDF of the spectral law, absolute: 1e-12. The README's accuracy table states
 * ~1e-13 absolute; 1e-12 leaves a decade for the atoms' masses and the sum of the CDF's terms.
 * Users: test/reliability/invariants.test.ts, test/free/identities.test.ts.
 */
export const CDF_ATOL = 1e-12;

/**
 * The graded composite Gauss-Legendre rule of lib/quadrature against mpmath, relative: 1e-13. The
 * rule's own error is ~1e-15 (16-point panels no wider than the local feature scale); the rest is
 * room for rounding in sums of up to ~800 terms and for the reference's rounding to double
 * (measured worst 1.6e-15). User: test/mean-field/quadrature.test.ts.
 */
export const QUADRATURE_RTOL = 1e-13;

/**
 * A quantity the library computes by its quadrature rules (the Gaussian rule above, the D^2 rule
 * designed for ~1e-13, THEORY §8.5) or closed forms, then a few operations (1/mu1, q* - sigma_w^2
 * E[phi^2] with its cancellation, sums of ~1000 complex terms), against an independent reference
 * of 30-40 digits (test/fixtures/reference, scripts/reference/*.py): 1e-12 relative, a decade above
 * the rules' design accuracy. Users: test/mean-field/reference.test.ts, test/free/d2-law.test.ts.
 */
export const REFERENCE_RTOL = 1e-12;
