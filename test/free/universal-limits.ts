/**
 * Test oracles: the two universal limiting laws of J J^T in the double-scaling limit
 * L -> infinity at fixed sigma^2 = variance of J J^T, orthogonal weights (THEORY §7 item 2;
 * Pennington, Schoenholz & Ganguli 2018, "The Emergence of Spectral Universality in Deep Networks").
 *
 * Both are written in the M-form of THEORY §3.5, z(M) = (1 + M)/M * S-factor, independently of the
 * library's subordination solver:
 *   smooth class (tanh, erf, ...):   z(M) = (1 + M)/M exp(sigma^2 M)           (S = exp(-sigma^2 z))
 *   Bernoulli class (hard tanh):     z(M) = (1 + M)/M exp(sigma^2 M/(1 + M))   (S = exp(-sigma^2 z/(1+z)))
 *
 * Smooth-class density: on the support, lambda = z(M) is real with M = x + iy, y < 0 (Im G < 0).
 * arg z = atan2(-y, x^2 + x + y^2) + sigma^2 y = 0 has, for each x in (M-, M+), one root y(x) < 0
 * (the left side is positive as y -> 0- and negative for large |y|; bisection); then
 * lambda(x) = |1 + M|/|M| e^{sigma^2 x} runs from lambda- to lambda+ and rho = -y/(pi lambda).
 * Edges: z'(M) = 0 on the real axis, sigma^2 M^2 + sigma^2 M - 1 = 0, M+- = (-1 +- sqrt(1 + 4/sigma^2))/2.
 */

/** The smooth-class limit at sigma^2: edges, moments and the density by the parametric form. */
export interface SmoothLimitLaw {
  readonly sigma2: number;
  /** Lower edge lambda- = z(M-) (a gap at 0). */
  readonly lambdaMin: number;
  /** Upper edge lambda+ = z(M+). */
  readonly lambdaMax: number;
  /** m2 = 1 + sigma^2. */
  readonly m2: number;
  /** m3 = 1 + 3 sigma^2 + 1.5 sigma^4. */
  readonly m3: number;
  /** Density at lambda (0 outside [lambdaMin, lambdaMax]). */
  density(lambda: number): number;
}

export function smoothLimitLaw(sigma2: number): SmoothLimitLaw {
  const root = Math.sqrt(1 + 4 / sigma2);
  const mPlus = (-1 + root) / 2;
  const mMinus = (-1 - root) / 2;
  const zReal = (m: number): number => ((1 + m) / m) * Math.exp(sigma2 * m);
  const lambdaMin = zReal(mMinus);
  const lambdaMax = zReal(mPlus);
  // the root y(x) < 0 of arg z(x + iy) = 0
  const yOf = (x: number): number => {
    const g = (y: number): number => Math.atan2(-y, x * x + x + y * y) + sigma2 * y;
    let lo = -1;
    while (g(lo) > 0) lo *= 2;
    let hi = 0;
    for (let it = 0; it < 200; it++) {
      const mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      if (g(mid) > 0) hi = mid;
      else lo = mid;
    }
    return 0.5 * (lo + hi);
  };
  const lambdaOf = (x: number, y: number): number => (Math.hypot(1 + x, y) / Math.hypot(x, y)) * Math.exp(sigma2 * x);
  return {
    sigma2,
    lambdaMin,
    lambdaMax,
    m2: 1 + sigma2,
    m3: 1 + 3 * sigma2 + 1.5 * sigma2 * sigma2,
    density(lambda: number): number {
      if (!(lambda > lambdaMin && lambda < lambdaMax)) return 0;
      // lambda(x) increases from lambdaMin at x = M- to lambdaMax at x = M+
      let lo = mMinus;
      let hi = mPlus;
      let y = 0;
      for (let it = 0; it < 200; it++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        y = yOf(mid);
        if (lambdaOf(mid, y) < lambda) lo = mid;
        else hi = mid;
      }
      y = yOf(0.5 * (lo + hi));
      return -y / (Math.PI * lambda);
    },
  };
}

/** The Bernoulli-class limit at sigma^2 (THEORY §7): its atom, top of the spectrum and moments. */
export interface BernoulliLimitLaw {
  readonly sigma2: number;
  /** Atom at e^{sigma^2} of mass max(0, 1 - sigma^2). */
  readonly atom: { readonly location: number; readonly mass: number };
  /** lambda_max = e^{sigma^2} (sigma^2 <= 1: the atom) or e sigma^2 (the critical value of z, M = 1/(sigma^2 - 1)). */
  readonly lambdaMax: number;
  /** m2 = 1 + sigma^2. */
  readonly m2: number;
  /** m3 = 1 + 2 sigma^2 + 1.5 sigma^4. */
  readonly m3: number;
}

export function bernoulliLimitLaw(sigma2: number): BernoulliLimitLaw {
  return {
    sigma2,
    atom: { location: Math.exp(sigma2), mass: Math.max(0, 1 - sigma2) },
    lambdaMax: sigma2 <= 1 ? Math.exp(sigma2) : Math.E * sigma2,
    m2: 1 + sigma2,
    m3: 1 + 2 * sigma2 + 1.5 * sigma2 * sigma2,
  };
}

/**
 * The Bernoulli-class limit's CDF at lambda inside its continuous support (below the atom): with
 * M = M(lambda + i0) on the physical branch, F(lambda) = 1 - Im H(M)/pi, where
 * H = (sigma^2 - 1) log(1 + M) + sigma^2/(1 + M) is the antiderivative of M d(log z) (THEORY §8.5;
 * H -> sigma^2, real, as M -> 0, i.e. F(+infinity) = 1). M is found by continuation along
 * z = lambda e^{i theta}, theta from pi (z < 0: M real in (-1, 0), by bisection) to 0, Newton on
 * log z(M) - log z at every step; the result must have Im M < 0 (Im G < 0 above the axis).
 */
export function bernoulliLimitCdf(sigma2: number, lambda: number): number {
  const logZ = (mr: number, mi: number): [number, number] => {
    // log(1 + M) - log M + sigma^2 M/(1 + M)
    const a = Math.log(Math.hypot(1 + mr, mi)) - Math.log(Math.hypot(mr, mi));
    const b = Math.atan2(mi, 1 + mr) - Math.atan2(mi, mr);
    const d = (1 + mr) * (1 + mr) + mi * mi;
    // M/(1 + M) = 1 - 1/(1 + M)
    const qr = 1 - (1 + mr) / d;
    const qi = mi / d;
    return [a + sigma2 * qr, b + sigma2 * qi];
  };
  const dLogZ = (mr: number, mi: number): [number, number] => {
    // 1/(1 + M) - 1/M + sigma^2/(1 + M)^2
    const inv = (r: number, i: number): [number, number] => {
      const d = r * r + i * i;
      return [r / d, -i / d];
    };
    const [ar, ai] = inv(1 + mr, mi);
    const [br, bi] = inv(mr, mi);
    const sr = ar * ar - ai * ai;
    const si = 2 * ar * ai;
    return [ar - br + sigma2 * sr, ai - bi + sigma2 * si];
  };
  const logLam = Math.log(lambda);
  // theta = pi: M in (-1, 0) with log|z(M)| = log lambda (|z| runs from 0 at M = -1 to infinity at 0)
  let lo = -1;
  let hi = 0;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (logZ(mid, 0)[0] < logLam) lo = mid;
    else hi = mid;
  }
  let mr = 0.5 * (lo + hi);
  let mi = 0;
  const STEPS = 4000;
  for (let k = 1; k <= STEPS; k++) {
    const theta = Math.PI * (1 - k / STEPS);
    for (let it = 0; it < 50; it++) {
      const [fr, fi0] = logZ(mr, mi);
      const rr = fr - logLam;
      let ri = fi0 - theta;
      ri -= 2 * Math.PI * Math.round(ri / (2 * Math.PI));
      const [dr, di] = dLogZ(mr, mi);
      const dd = dr * dr + di * di;
      const sr = (rr * dr + ri * di) / dd;
      const si = (ri * dr - rr * di) / dd;
      mr -= sr;
      mi -= si;
      if (Math.hypot(sr, si) <= 1e-15 * Math.hypot(mr, mi)) break;
    }
  }
  if (!(mi < 0)) throw new Error(`bernoulliLimitCdf: not on the physical branch at lambda = ${lambda} (Im M = ${mi})`);
  // Im[(sigma^2 - 1) log(1 + M) + sigma^2/(1 + M)]
  const d = (1 + mr) * (1 + mr) + mi * mi;
  const imH = (sigma2 - 1) * Math.atan2(mi, 1 + mr) + (sigma2 * -mi) / d;
  return 1 - imH / Math.PI;
}
