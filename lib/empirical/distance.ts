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
import { checkOptions, finiteNumber, positiveNumber } from '../validate.js';

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
 * Expected size (measured with this library, see docs/sections/empirical.md): KS mixes a finite-N
 * bias and a sampling noise far below the i.i.d. rate (eigenvalues are rigid). For smooth phi
 * (tanh, erf) at N = 600 with 3 samples KS is ~0.003-0.01; for relu / hard-tanh it is dominated by
 * the zero atom, whose empirical mass exceeds 1 - p by about E[max of L normals] sqrt(p(1-p)/N)
 * (~0.035 for relu at L = 16, N = 600). Larger N shrinks both (the bias like N^-1/2).
 *
 * @param empirical - a {@link sampleJacobianSpectrum} result, or the eigenvalues (Float64Array or array, >= 0).
 * @param theory - any object with `cdf(lambda)` (right-continuous, atoms included) and optionally
 *   `atoms: [{ location, mass }]`, e.g. the result of `spectralDensity(spec)`.
 * @param options - `{ floorRelative = 1e-24, atomSnapRelative = 1e-8 }`.
 * @returns `{ ks, ksAt, w1, n, floor, zeroFraction }`.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad arguments or a cdf value outside [0, 1].
 * @example
 * const emp = await sampleJacobianSpectrum(spec, { width: 600, samples: 3, seed: 1 });
 * const { ks, w1 } = jacobianSpectrumDistance(emp, spectralDensity(spec));
 */
export function jacobianSpectrumDistance(empirical: unknown, theory: unknown, options?: SpectrumDistanceOptions): SpectrumDistance {
  const values = eigenvaluesOf(empirical);
  const law = theoryOf(theory);
  const o = checkOptions<SpectrumDistanceOptions>('options', options, ['floorRelative', 'atomSnapRelative']);
  const floorRelative = o.floorRelative === undefined ? 1e-24 : positiveNumber('options.floorRelative', o.floorRelative);
  const snap = o.atomSnapRelative === undefined ? 1e-8 : positiveNumber('options.atomSnapRelative', o.atomSnapRelative);
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
  // Distinct values above the floor with the count of values <= each; p[0] is the floor itself.
  const points: number[] = [floor];
  const counts: number[] = [];
  let i = 0;
  while (i < n && (values[i] as number) <= floor) i++;
  counts.push(i);
  while (i < n) {
    const v = values[i] as number;
    while (i < n && values[i] === v) i++;
    points.push(v);
    counts.push(i);
  }
  const F = points.map((p) => cdf(p));

  // KS: on [p_j, p_{j+1}) the empirical CDF is counts[j]/n while F rises from F(p_j) to F(p_{j+1}-).
  let ks = 0;
  let ksAt = floor;
  for (let j = 0; j < points.length; j++) {
    const fe = (counts[j] as number) / n;
    const at = Math.abs(fe - (F[j] as number));
    if (at > ks) {
      ks = at;
      ksAt = points[j] as number;
    }
    if (j + 1 < points.length) {
      const p1 = points[j + 1] as number;
      const left = Math.abs(fe - ((F[j + 1] as number) - atomMass(p1)));
      if (left > ks) {
        ks = left;
        ksAt = p1;
      }
    }
  }

  // W1 = integral over lambda >= 0 of |F_emp - F|: Simpson on each interval between consecutive
  // distinct values (F is smooth inside), then the tail above the largest value until F = 1.
  const all: number[] = [0];
  const cum: number[] = [zeros];
  {
    let k = zeros;
    while (k < n) {
      const v = values[k] as number;
      while (k < n && values[k] === v) k++;
      all.push(v);
      cum.push(k);
    }
  }
  const Fall = new Map<number, number>();
  points.forEach((p, j) => Fall.set(p, F[j] as number));
  const Fat = (x: number): number => {
    const f = Fall.get(x);
    if (f !== undefined) return f;
    const v = cdf(x);
    Fall.set(x, v);
    return v;
  };
  // |F_emp - F| on [a, b] with F_emp = fe: Simpson, split where F crosses fe (F is monotone, so it
  // crosses at most once; the crossing is placed by linear interpolation, exact for linear F).
  const piece = (a: number, b: number, fe: number, fa: number, fb: number): number => {
    const ga = fe - fa;
    const gb = fe - fb;
    if (ga * gb < 0) {
      const c = a + ((b - a) * ga) / (ga - gb);
      if (c > a && c < b) {
        const fc = fe;
        const m1 = cdf(0.5 * (a + c));
        const m2 = cdf(0.5 * (c + b));
        return ((c - a) / 6) * (Math.abs(ga) + 4 * Math.abs(fe - m1) + Math.abs(fe - fc)) + ((b - c) / 6) * (Math.abs(fe - fc) + 4 * Math.abs(fe - m2) + Math.abs(gb));
      }
    }
    const fm = cdf(0.5 * (a + b));
    return ((b - a) / 6) * (Math.abs(ga) + 4 * Math.abs(fe - fm) + Math.abs(gb));
  };
  let w1 = 0;
  for (let j = 0; j + 1 < all.length; j++) {
    const a = all[j] as number;
    const b = all[j + 1] as number;
    if (!(b > a)) continue;
    w1 += piece(a, b, (cum[j] as number) / n, Fat(a), Fat(b) - atomMass(b));
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
  const tailFn = (x: number): number => 1 - cdf(x);
  w1 += adaptiveSimpson(tailFn, top, upper, 1e-10 * Math.max(1, upper - top), 14);
  return Object.freeze({ ks, ksAt, w1, n, floor, zeroFraction: zeros / n });
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
