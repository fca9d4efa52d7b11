/**
 * Distances between a sampled spectrum and the theory's law of J J^T: Kolmogorov-Smirnov and
 * Wasserstein-1, atoms included, with the conventions of the reference cases
 * (../shared/reference/README.md, "monte_carlo"): structural zeros are exact zeros, values within
 * 1e-8 relative of a positive atom are snapped onto it, and the KS supremum is taken over
 * lambda >= 1e-24 max(eigenvalue), below which squared singular values are floating-point noise of
 * the product (the empirical CDF at that floor still counts every value below it).
 * @module
 */
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';
import { checkOptions, finiteNumber, nonNegativeNumber, positiveNumber } from '../validate.js';

/** Default of `cdfTolerance` (see {@link SpectrumDistanceOptions}). */
const DEFAULT_CDF_TOLERANCE = 1e-5;

/** W1 intervals whose linear-model error bound exceeds this fraction of W1 are integrated exactly. */
const REFINE_FRACTION = 1e-3;

/** The theoretical law: anything with a right-continuous CDF of the eigenvalues of J J^T. */
export interface TheoryLaw {
  /** F(lambda) = P(eigenvalue <= lambda), atoms included. */
  cdf(lambda: number): number;
  /** Atoms of the law, when it has any (used to snap values and for left limits of F). */
  readonly atoms?: readonly { readonly location: number; readonly mass: number }[];
}

/** Options of {@link jacobianSpectrumDistance}. */
export interface SpectrumDistanceOptions {
  /** The KS supremum is taken over lambda >= floorRelative * max(eigenvalue) (default 1e-24). */
  floorRelative?: number;
  /** Values within this relative distance of a positive atom are snapped onto it (default 1e-8). */
  atomSnapRelative?: number;
  /**
   * The theory's CDF is evaluated exactly at a subset of the sorted eigenvalues and interpolated
   * linearly (in log lambda) in between wherever a midpoint check agrees with the interpolation to
   * this absolute tolerance (default 1e-5); 0 evaluates it at every distinct eigenvalue (slower).
   * Measured on 4 x 1000 sampled eigenvalues of tanh, relu and hard-tanh networks (L = 16): the
   * default changed KS by < 1e-6 (far below the empirical CDF's 1/n steps and the KS values of
   * sampled spectra, ~1e-3) and W1 by < 5e-4 relative, with 4-6x fewer CDF evaluations than
   * cdfTolerance = 0 (and 8-12x fewer than before this option existed). `cdfEvaluations` in the
   * result reports the count.
   */
  cdfTolerance?: number;
}

/** What {@link jacobianSpectrumDistance} returns. */
export interface SpectrumDistance {
  /** sup over lambda >= floor of |F_emp(lambda) - F(lambda)| (both right-continuous; left limits included). */
  readonly ks: number;
  /** Where the KS supremum is reached. */
  readonly ksAt: number;
  /** Wasserstein-1 distance, the integral of |F_emp - F| over lambda >= 0 (units of lambda). */
  readonly w1: number;
  /** Number of pooled eigenvalues. */
  readonly n: number;
  /** The floor of the KS supremum. */
  readonly floor: number;
  /** Fraction of exact zeros among the eigenvalues. */
  readonly zeroFraction: number;
  /** How many times the theory's cdf was called (the cost of this function). */
  readonly cdfEvaluations: number;
}

function eigenvaluesOf(empirical: unknown): Float64Array {
  const src = empirical !== null && typeof empirical === 'object' && 'eigenvalues' in empirical ? (empirical as { eigenvalues: unknown }).eigenvalues : empirical;
  let out: Float64Array;
  if (src instanceof Float64Array) out = Float64Array.from(src);
  else if (Array.isArray(src)) out = Float64Array.from(src as number[]);
  else throw new DynamicalIsometryTypeError('empirical', 'a sampleJacobianSpectrum result, a Float64Array or an array of eigenvalues', empirical);
  if (out.length === 0) throw new DynamicalIsometryRangeError('empirical.eigenvalues.length', '>= 1', 0);
  for (let i = 0; i < out.length; i++) {
    const x = out[i] as number;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new DynamicalIsometryRangeError(`empirical.eigenvalues[${i}]`, 'a finite number >= 0', x);
  }
  return out;
}

function theoryOf(theory: unknown): { cdf: (x: number) => number; atoms: { location: number; mass: number }[] } {
  if (theory === null || typeof theory !== 'object' || typeof (theory as TheoryLaw).cdf !== 'function') {
    throw new DynamicalIsometryTypeError('theory', 'an object with a cdf(lambda) method (e.g. the result of spectralDensity)', theory);
  }
  const t = theory as TheoryLaw;
  const atoms = Array.isArray(t.atoms) ? t.atoms.map((a, i) => ({ location: finiteNumber(`theory.atoms[${i}].location`, a.location), mass: finiteNumber(`theory.atoms[${i}].mass`, a.mass) })) : [];
  const cdf = (x: number): number => {
    const f = t.cdf(x);
    if (typeof f !== 'number' || !(f >= -1e-9 && f <= 1 + 1e-9)) throw new DynamicalIsometryRangeError(`theory.cdf(${x})`, 'a number in [0, 1]', f);
    return Math.min(1, Math.max(0, f));
  };
  return { cdf, atoms };
}

/**
 * Kolmogorov-Smirnov and Wasserstein-1 distances between pooled empirical eigenvalues of J J^T and
 * the theoretical law (atoms included).
 *
 * Expected size (measured with this library, see the README, "Sampled networks"): KS mixes a finite-N
 * bias and a sampling noise far below the i.i.d. rate (eigenvalues are rigid). For smooth phi
 * (tanh, erf) at N = 600 with 3 samples KS is ~0.003-0.01; for relu / hard-tanh it is dominated by
 * the zero atom, whose empirical mass exceeds 1 - p by about E[max of L normals] sqrt(p(1-p)/N)
 * (~0.035 for relu at L = 16, N = 600). Larger N shrinks both (the bias like N^-1/2).
 *
 * Cost: synchronous, dominated by the calls of `theory.cdf` (one solve of the free-probability
 * equations each for a spectralDensity result, ~0.1-0.2 ms). The eigenvalues are sorted once and F
 * is evaluated at an adaptive subset of them (see `cdfTolerance`): for 4 x 1000 eigenvalues of
 * L = 16 tanh networks ~700-1000 calls and ~0.15-0.3 s, against ~8000 calls and ~2.3 s before.
 * The result's `cdfEvaluations` reports the count.
 *
 * @param empirical - a {@link sampleJacobianSpectrum} result, or the eigenvalues (Float64Array or array, >= 0).
 * @param theory - any object with `cdf(lambda)` (right-continuous, atoms included) and optionally
 *   `atoms: [{ location, mass }]`, e.g. the result of `spectralDensity(spec)`.
 * @param options - `{ floorRelative = 1e-24, atomSnapRelative = 1e-8, cdfTolerance = 1e-5 }`.
 * @returns `{ ks, ksAt, w1, n, floor, zeroFraction, cdfEvaluations }`.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad arguments or a cdf value outside [0, 1].
 * @example
 * const emp = await sampleJacobianSpectrum(spec, { width: 600, samples: 3, seed: 1 });
 * const { ks, w1 } = jacobianSpectrumDistance(emp, spectralDensity(spec));
 */
export function jacobianSpectrumDistance(empirical: unknown, theory: unknown, options?: SpectrumDistanceOptions): SpectrumDistance {
  const values = eigenvaluesOf(empirical);
  const law = theoryOf(theory);
  const o = checkOptions<SpectrumDistanceOptions>('options', options, ['floorRelative', 'atomSnapRelative', 'cdfTolerance']);
  const floorRelative = o.floorRelative === undefined ? 1e-24 : positiveNumber('options.floorRelative', o.floorRelative);
  const snap = o.atomSnapRelative === undefined ? 1e-8 : positiveNumber('options.atomSnapRelative', o.atomSnapRelative);
  const cdfTolerance = o.cdfTolerance === undefined ? DEFAULT_CDF_TOLERANCE : nonNegativeNumber('options.cdfTolerance', o.cdfTolerance);
  const { cdf, atoms } = law;

  for (const atom of atoms) {
    if (!(atom.location > 0)) continue;
    for (let i = 0; i < values.length; i++) {
      if (Math.abs((values[i] as number) - atom.location) <= snap * atom.location) values[i] = atom.location;
    }
  }
  values.sort();
  const n = values.length;
  const max = values[n - 1] as number;
  const floor = floorRelative * max;
  let zeros = 0;
  while (zeros < n && values[zeros] === 0) zeros++;

  const atomMass = (x: number): number => {
    let m = 0;
    for (const a of atoms) if (a.location === x) m += a.mass;
    return m;
  };
  // Every distinct value with the count of values <= it: all[0] = 0 (count = zeros), then the
  // positive values ascending. The KS supremum looks at the floor and the values above it.
  const all: number[] = [0];
  const cum: number[] = [zeros];
  for (let k = zeros; k < n; ) {
    const v = values[k] as number;
    while (k < n && values[k] === v) k++;
    all.push(v);
    cum.push(k);
  }
  // F at every distinct value: exactly at a subset chosen by bisection, linearly interpolated in
  // between where the midpoint check says that is good to cdfTolerance (see interpolateSorted).
  const Fall = interpolateSorted(all, cdf, cdfTolerance, atoms);
  let calls = Fall.calls;
  const F = (j: number): number => Fall.values[j] as number;

  // KS over lambda >= floor: on [all_j, all_{j+1}) the empirical CDF is cum_j/n while F rises from
  // F(all_j) to F(all_{j+1}-); the floor itself is one more point (F there from its neighbours'
  // bracket is not enough: evaluate it).
  let j0 = 0;
  while (j0 < all.length && (all[j0] as number) <= floor) j0++;
  // values <= floor: the empirical CDF at the floor counts them all
  const countAtFloor = j0 > 0 ? (cum[j0 - 1] as number) : 0;
  const fFloor = cdf(floor);
  calls++;
  let ks = Math.abs(countAtFloor / n - fFloor);
  let ksAt = floor;
  {
    let fe = countAtFloor / n;
    for (let j = j0; j < all.length; j++) {
      const x = all[j] as number;
      const left = Math.abs(fe - (F(j) - atomMass(x)));
      if (left > ks) {
        ks = left;
        ksAt = x;
      }
      fe = (cum[j] as number) / n;
      const at = Math.abs(fe - F(j));
      if (at > ks) {
        ks = at;
        ksAt = x;
      }
    }
  }

  // W1 = integral over lambda >= 0 of |F_emp - F|: on each interval between consecutive distinct
  // values F_emp is constant and F is taken linear between its (left-limit) end values, split where
  // it crosses F_emp (exact for linear F; the error is O(h^2 F'') per unit length, h the gap), then
  // the tail above the largest value until F = 1.
  const piece = (a: number, b: number, fe: number, fa: number, fb: number): number => {
    const ga = fe - fa;
    const gb = fe - fb;
    if (ga * gb < 0) {
      const c = a + ((b - a) * ga) / (ga - gb);
      return 0.5 * ((c - a) * Math.abs(ga) + (b - c) * Math.abs(gb));
    }
    return 0.5 * (b - a) * (Math.abs(ga) + Math.abs(gb));
  };
  const Fat = (x: number): number => {
    calls++;
    return cdf(x);
  };
  // F is monotone, so on [a, b] the linear model is off by at most (b - a)(F(b-) - F(a)) in the
  // integral (a pessimistic bound: for smooth F the error is second order). An interval whose bound
  // exceeds REFINE_FRACTION of the whole is integrated by adaptive Simpson on the exact F instead:
  // a wide gap between eigenvalues, typically an outlier beyond a support edge where F has a kink.
  const pieces: number[] = [];
  const bounds: number[] = [];
  let w1 = 0;
  for (let j = 0; j + 1 < all.length; j++) {
    const a = all[j] as number;
    const b = all[j + 1] as number;
    const fa = F(j);
    const fb = F(j + 1) - atomMass(b);
    const p = b > a ? piece(a, b, (cum[j] as number) / n, fa, fb) : 0;
    pieces.push(p);
    bounds.push(b > a ? (b - a) * Math.abs(fb - fa) : 0);
    w1 += p;
  }
  const refineAbove = REFINE_FRACTION * w1;
  for (let j = 0; j < pieces.length; j++) {
    if (!((bounds[j] as number) > refineAbove)) continue;
    const a = all[j] as number;
    const b = all[j + 1] as number;
    const fe = (cum[j] as number) / n;
    // the integrand at b is the left limit: an atom at b does not count inside [a, b)
    const mass = atomMass(b);
    const g = (x: number): number => Math.abs(fe - (x >= b ? Fat(x) - mass : Fat(x)));
    w1 += adaptiveSimpson(g, a, b, 0.1 * refineAbove, 12) - (pieces[j] as number);
  }
  // Tail: the integral of 1 - F above the largest value. Find an upper end where 1 - F < 1e-12 by
  // doubling a step, then integrate by adaptive Simpson (1 - F may have a kink at the support edge).
  const top = max > 0 ? max : 1;
  let step = Math.max(top - (values[0] as number), top) / Math.max(1, n);
  let upper = top;
  for (let k = 0; k < 200 && 1 - Fat(upper) >= 1e-12; k++) {
    upper = top + step;
    step *= 2;
  }
  const tailFn = (x: number): number => 1 - Fat(x);
  w1 += adaptiveSimpson(tailFn, top, upper, 1e-10 * Math.max(1, upper - top), 14);
  return Object.freeze({ ks, ksAt, w1, n, floor, zeroFraction: zeros / n, cdfEvaluations: calls });
}

/**
 * F at every point of the ascending array `x`, evaluating `cdf` at a subset only: starting from the
 * ends (and from every atom location and its left neighbour, where F jumps), a run of points
 * [i, j] is bisected at m = (i + j) / 2; if F(x_m) agrees with the linear interpolation of F(x_i)
 * and F(x_j) to `tol`, F is interpolated linearly on [x_i, x_m] and [x_m, x_j], else both halves are
 * bisected again. With tol = 0 every point is evaluated. The midpoint check estimates the error of
 * the interpolation (exact for linear F, and F is smooth between atoms and support edges); it is not
 * a bound: F is only known to lie between its values at the run's ends.
 */
function interpolateSorted(
  x: readonly number[],
  cdf: (x: number) => number,
  tol: number,
  atoms: readonly { location: number; mass: number }[],
): { values: Float64Array; calls: number } {
  const m = x.length;
  const values = new Float64Array(m);
  const known = new Uint8Array(m);
  let calls = 0;
  const at = (k: number): number => {
    if (!known[k]) {
      values[k] = cdf(x[k] as number);
      known[k] = 1;
      calls++;
    }
    return values[k] as number;
  };
  // mandatory nodes: the ends, and every atom location with its left neighbour
  const nodes = new Set<number>([0, m - 1]);
  for (const a of atoms) {
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((x[mid] as number) < a.location) lo = mid + 1;
      else hi = mid;
    }
    if (lo < m) nodes.add(lo);
    if (lo > 0) nodes.add(lo - 1);
  }
  const sortedNodes = [...nodes].sort((a, b) => a - b);
  // The coordinate of the interpolation: log lambda on runs of positive values (spectra of deep
  // networks span decades, where F is far smoother in log lambda), lambda on a run starting at 0.
  const weight = (i: number, j: number, k: number, log: boolean): number => {
    const a = x[i] as number;
    const b = x[j] as number;
    const c = x[k] as number;
    if (!(b > a)) return 0;
    return log ? Math.log(c / a) / Math.log(b / a) : (c - a) / (b - a);
  };
  const fill = (i: number, j: number, log: boolean): void => {
    const fi = at(i);
    const fj = at(j);
    for (let k = i + 1; k < j; k++) if (!known[k]) values[k] = fi + (fj - fi) * weight(i, j, k, log);
  };
  const stack: [number, number][] = [];
  for (let t = 0; t + 1 < sortedNodes.length; t++) stack.push([sortedNodes[t] as number, sortedNodes[t + 1] as number]);
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    if (j - i < 2) {
      at(i);
      at(j);
      continue;
    }
    const mid = (i + j) >> 1;
    const fi = at(i);
    const fj = at(j);
    const fm = at(mid);
    const log = (x[i] as number) > 0; // the run's coordinate, also for filling both halves
    const linear = fi + (fj - fi) * weight(i, j, mid, log);
    if (tol > 0 && Math.abs(fm - linear) <= tol) {
      fill(i, mid, log);
      fill(mid, j, log);
    } else {
      stack.push([i, mid], [mid, j]);
    }
  }
  if (m === 1) at(0);
  return { values, calls };
}

/** Adaptive Simpson quadrature of f on [a, b] to absolute tolerance tol (at most 2^depth panels). */
function adaptiveSimpson(f: (x: number) => number, a: number, b: number, tol: number, depth: number): number {
  if (!(b > a)) return 0;
  const fa = f(a);
  const fb = f(b);
  const fm = f(0.5 * (a + b));
  const rec = (a: number, b: number, fa: number, fm: number, fb: number, whole: number, tol: number, depth: number): number => {
    const m = 0.5 * (a + b);
    const lm = f(0.5 * (a + m));
    const rm = f(0.5 * (m + b));
    const left = ((m - a) / 6) * (fa + 4 * lm + fm);
    const right = ((b - m) / 6) * (fm + 4 * rm + fb);
    if (depth <= 0 || Math.abs(left + right - whole) <= 15 * tol) return left + right + (left + right - whole) / 15;
    return rec(a, m, fa, lm, fm, left, tol / 2, depth - 1) + rec(m, b, fm, rm, fb, right, tol / 2, depth - 1);
  };
  return rec(a, b, fa, fm, fb, ((b - a) / 6) * (fa + 4 * fm + fb), tol, depth);
}
