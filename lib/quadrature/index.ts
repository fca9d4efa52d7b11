/**
 * Gaussian expectations E[f(mean + sd h)], h ~ N(0, 1), for the mean-field theory (the integrals
 * "∫ Dh" of Pennington, Schoenholz & Ganguli 2017, eqs. 4-5, and the two-input integrals of the
 * correlation map, Schoenholz et al. 2017).
 *
 * Rule: composite Gauss–Legendre (16 points per panel) on h ∈ [-10, 10] (the Gaussian mass outside
 * is 1.5e-23). Panel ends are: a grid of spacing 2 (resolves the Gaussian weight itself); every
 * exact breakpoint (a kink of f, mapped to h = (kink - mean)/sd); and, around every feature point c
 * (kinks and the origin, where every built-in activation has its structure), points c ± s·2^j,
 * j = 0, 1, …, graded geometrically from the feature scale s = featureScale/sd out to distance 2,
 * where the grid takes over. So the
 * panels next to a feature are as narrow as the feature (1/sqrt(q) in h units at q up to 1e16 and
 * beyond), and far from it they grow with the distance, as the analyticity of f allows. This is
 * never a fixed low-order rule: its node count grows like log(q) for large q.
 *
 * Accuracy (test/mean-field/quadrature.test.ts, against mpmath at 40 digits): relative error below
 * 1e-13 for E[phi^2], E[phi'^2], E[phi'^4] of every built-in activation at q from 1e-8 to 1e4, as
 * long as every kink of f is declared (an undeclared kink converges only algebraically) and f grows
 * at most polynomially (the rule drops |h| > 10; an integrand like e^{a x} with a sqrt(q) >~ 5 would
 * put its mass there).
 * @module
 */

const PANEL_POINTS = 16;
const H_MAX = 10;
const GRID_STEP = 2;
const INV_SQRT_2PI = 0.3989422804014327;

/** P_n(z) and P_n'(z) by the three-term recurrence (used only while building a cached rule). */
function legendre(n: number, z: number): { p: number; dp: number } {
  // invariant: p1 = P_j(z), p2 = P_{j-1}(z)
  let p1 = 1;
  let p2 = 0;
  for (let j = 1; j <= n; j++) {
    const p3 = p2;
    p2 = p1;
    p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
  }
  return { p: p1, dp: (n * (z * p1 - p2)) / (z * z - 1) };
}

const legendreCache = new Map<number, { readonly x: Float64Array; readonly w: Float64Array }>();

/**
 * The n-point Gauss–Legendre rule on [-1, 1], nodes ascending (Newton on P_n from Chebyshev
 * guesses), computed once per n and cached: the one implementation shared by the mean-field
 * quadrature here and the D^2 panel rules of lib/free/d2-law.ts. The arrays are shared; do not
 * modify them.
 */
export function gaussLegendre(n: number): { readonly x: Float64Array; readonly w: Float64Array } {
  const hit = legendreCache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    // Newton on P_n; the derivative kept for the weight is the one at the final z.
    let pz = legendre(n, z);
    for (let it = 0; it < 100; it++) {
      const dz = pz.p / pz.dp;
      z -= dz;
      pz = legendre(n, z);
      if (Math.abs(dz) < 1e-17) break;
    }
    const dp = pz.dp;
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
    w[n - 1 - i] = w[i] as number;
  }
  const rule = { x, w };
  legendreCache.set(n, rule);
  return rule;
}

const GL = gaussLegendre(PANEL_POINTS);

/**
 * Gauss–Hermite nodes and weights for the standard normal measure (E[f(h)] ≈ sum w_i f(x_i)):
 * Newton on the orthonormal Hermite recurrence, from the classic asymptotic initial guesses.
 * Exact for polynomials of degree < 2n; used only for inner integrals whose integrand is smooth on
 * a scale >= 20 standard deviations (there it is a low-degree polynomial to rounding).
 */
function gaussHermite(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const pim4 = 0.7511255444649425; // pi^(-1/4)
  const m = (n + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * (x[0] as number);
    else if (i === 3) z = 1.91 * z - 0.91 * (x[1] as number);
    else z = 2 * z - (x[i - 2] as number);
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      // invariant: p1 = orthonormal Hermite psi_j(z) (weight e^{-z^2}), p2 = psi_{j-1}(z)
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) <= 1e-15 * Math.abs(z)) break;
    }
    x[i] = z;
    x[n - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i] as number;
  }
  // from weight e^{-z^2} on z to the standard normal on h = sqrt(2) z
  const out = { x: new Float64Array(n), w: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    out.x[i] = Math.SQRT2 * (x[n - 1 - i] as number);
    out.w[i] = (w[n - 1 - i] as number) / Math.sqrt(Math.PI);
  }
  return out;
}

const GH_POINTS = 24;
const GH = gaussHermite(GH_POINTS);
/** An inner integral whose integrand is smooth on a scale of at least this many sd uses GH. */
const GH_MIN_SCALE = 20;

/** A quadrature rule for E[f(X)], X ~ N(mean, sd^2): E ≈ sum_i weights[i] f(x[i]). */
export interface GaussianRule {
  /** Nodes in x units (x = mean + sd h). */
  readonly x: Float64Array;
  /** The same nodes in standard units h. */
  readonly h: Float64Array;
  /** Weights, including the Gaussian density (they sum to 1 to ~1e-16). */
  readonly weights: Float64Array;
}

/** Options of {@link gaussianRule}; every position is in x units. */
export interface GaussianRuleOptions {
  mean?: number;
  /** Standard deviation (> 0). */
  sd: number;
  /** Exact panel ends (kinks of the integrand). */
  breakpoints?: readonly number[];
  /** Points around which the integrand has structure of width `featureScale` (default: the breakpoints and 0). */
  features?: readonly number[];
  /** Width of the structure around the features, in x units (default 1). */
  featureScale?: number;
}

function pushGraded(out: number[], c: number, s: number): void {
  if (!(s > 0) || !Number.isFinite(c)) return;
  // c ± s 2^j while the offset is at most GRID_STEP: graded panels around c; farther out the grid
  // of spacing GRID_STEP takes over (its panels are then at most twice as wide as their distance to c)
  for (let off = s; off <= GRID_STEP; off *= 2) {
    const a = c - off;
    const b = c + off;
    if (a > -H_MAX && a < H_MAX) out.push(a);
    if (b > -H_MAX && b < H_MAX) out.push(b);
  }
}

/** Panel ends in h units for a rule (sorted, kinks kept exactly). */
function panelEnds(mean: number, sd: number, breakpoints: readonly number[], features: readonly number[], featureScale: number): number[] {
  const kinksH: number[] = [];
  for (const b of breakpoints) {
    const t = (b - mean) / sd;
    if (t > -H_MAX && t < H_MAX) kinksH.push(t);
  }
  const soft: number[] = [];
  for (let t = -H_MAX + GRID_STEP; t < H_MAX - 1e-9; t += GRID_STEP) soft.push(t);
  const s = featureScale / sd;
  for (const f of features) {
    const c = (f - mean) / sd;
    if (c > -H_MAX && c < H_MAX) soft.push(c);
    pushGraded(soft, c, s);
  }
  soft.sort((a, b) => a - b);
  kinksH.sort((a, b) => a - b);
  // merge: drop soft points within a tiny distance of a kink or of the previous kept point
  const ends: number[] = [-H_MAX];
  let k = 0;
  const minGap = 1e-12 * Math.min(1, s > 0 ? s : 1);
  for (const t of soft) {
    while (k < kinksH.length && (kinksH[k] as number) <= t + minGap) {
      const kv = kinksH[k] as number;
      if (kv - (ends[ends.length - 1] as number) > minGap || ends.length === 1) ends.push(kv);
      else ends[ends.length - 1] = kv;
      k++;
    }
    const last = ends[ends.length - 1] as number;
    if (t - last > minGap) ends.push(t);
  }
  while (k < kinksH.length) {
    const kv = kinksH[k] as number;
    const last = ends[ends.length - 1] as number;
    if (kv - last > minGap) ends.push(kv);
    else if (ends.length > 1) ends[ends.length - 1] = kv;
    k++;
  }
  const last = ends[ends.length - 1] as number;
  if (H_MAX - last > minGap) ends.push(H_MAX);
  else ends[ends.length - 1] = H_MAX;
  return ends;
}

/**
 * A composite Gauss–Legendre rule for E[f(X)], X ~ N(mean, sd^2), with panels split at the
 * breakpoints and graded around the features (see the module description).
 * @param options - mean (default 0), sd > 0, breakpoints, features, featureScale (x units).
 * @returns nodes (x and h units) and weights that include the Gaussian density.
 * @example
 * const r = gaussianRule({ sd: 2, breakpoints: [0] });
 * let e = 0; for (let i = 0; i < r.x.length; i++) e += r.weights[i] * Math.max(r.x[i], 0) ** 2; // 2
 */
export function gaussianRule(options: GaussianRuleOptions): GaussianRule {
  const mean = options.mean ?? 0;
  const sd = options.sd;
  const breakpoints = options.breakpoints ?? [];
  const features = options.features ?? [...breakpoints, 0];
  const featureScale = options.featureScale ?? 1;
  const ends = panelEnds(mean, sd, breakpoints, features, featureScale);
  const nPanels = ends.length - 1;
  const n = nPanels * PANEL_POINTS;
  const x = new Float64Array(n);
  const h = new Float64Array(n);
  const weights = new Float64Array(n);
  let idx = 0;
  for (let p = 0; p < nPanels; p++) {
    const a = ends[p] as number;
    const b = ends[p + 1] as number;
    const half = 0.5 * (b - a);
    const mid = 0.5 * (a + b);
    for (let i = 0; i < PANEL_POINTS; i++) {
      const t = mid + half * (GL.x[i] as number);
      h[idx] = t;
      x[idx] = mean + sd * t;
      weights[idx] = half * (GL.w[i] as number) * INV_SQRT_2PI * Math.exp(-0.5 * t * t);
      idx++;
    }
  }
  return { x, h, weights };
}

/** Structure of an integrand f(x): its kinks (exact breakpoints); features default to kinks and 0. */
export interface IntegrandShape {
  readonly kinks: readonly number[];
}

/**
 * E[f(sqrt(q) h)], h ~ N(0, 1), for q >= 0. At q = 0 it is the limit q -> 0+, (f(0-) + f(0+))/2
 * (which matters only for an integrand with a jump at 0, e.g. relu'(x)^2).
 * @param f - the integrand in x units.
 * @param q - the variance (>= 0).
 * @param shape - where f has kinks (x units).
 * @example gaussianExpectation((x) => x * x, 3, { kinks: [] }); // 3
 */
export function gaussianExpectation(f: (x: number) => number, q: number, shape: IntegrandShape = { kinks: [] }): number {
  if (q === 0) return 0.5 * (f(-1e-300) + f(1e-300));
  const rule = gaussianRule({ sd: Math.sqrt(q), breakpoints: shape.kinks });
  let s = 0;
  for (let i = 0; i < rule.x.length; i++) s += (rule.weights[i] as number) * f(rule.x[i] as number);
  return s;
}

/** Nodes u and weights w (first n entries) of the inner rule of the iterated 2-D rule; reused across outer nodes. */
interface InnerNodes {
  u: Float64Array;
  w: Float64Array;
  n: number;
}

function newInnerNodes(): InnerNodes {
  return { u: new Float64Array(64 * PANEL_POINTS), w: new Float64Array(64 * PANEL_POINTS), n: 0 };
}

/**
 * The inner rule of the iterated 2-D rule: E_{z2}[f(mean + sd z2)] = sum_j w[j] f(u[j]), with the
 * panels of {@link gaussianRule} (kinks as panel ends, graded around the features), written into
 * `out` (grown when needed: no allocation per outer node in the steady state).
 */
function innerRule(mean: number, sd: number, kinks: readonly number[], features: readonly number[], out: InnerNodes): void {
  const ends = panelEnds(mean, sd, kinks, features, 1);
  const need = (ends.length - 1) * PANEL_POINTS;
  if (out.u.length < need) {
    out.u = new Float64Array(2 * need);
    out.w = new Float64Array(2 * need);
  }
  let n = 0;
  for (let pI = 0; pI + 1 < ends.length; pI++) {
    const a = ends[pI] as number;
    const b = ends[pI + 1] as number;
    const half = 0.5 * (b - a);
    const mid = 0.5 * (a + b);
    for (let k = 0; k < PANEL_POINTS; k++) {
      const t = mid + half * (GL.x[k] as number);
      out.w[n] = half * (GL.w[k] as number) * INV_SQRT_2PI * Math.exp(-0.5 * t * t);
      out.u[n] = mean + sd * t;
      n++;
    }
  }
  out.n = n;
}

/**
 * Bivariate Gaussian expectation E[f1(u1) f2(u2)] with u1 = sqrt(q1) z1,
 * u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2), z1, z2 iid N(0, 1): the integrals of the correlation map
 * (THEORY §2.2). Computed as an iterated rule: outer over z1 (features of f1 and of the inner
 * integral), inner E_{z2}[f2(...)] with the mean-shifted rule of {@link gaussianRule}, so kinks stay
 * panel ends on both levels. Several integrand pairs can share the nodes (returns one sum per pair).
 *
 * Accuracy: the inner integral is smooth in z1 (a Gaussian convolution) except at c = ±1, where it
 * is f2 itself; both rules are the 1-D rule above, so each pair reaches ~1e-13 relative for
 * |c| <= 1 - 1e-12 and at c = ±1 (tested against closed forms for relu, erf and linear, and against
 * the 1-D rule at c = 1).
 */
export function bivariateExpectation(
  pairs: ReadonlyArray<readonly [(x: number) => number, (x: number) => number]>,
  q1: number,
  q2: number,
  c: number,
  shape: IntegrandShape = { kinks: [] },
): number[] {
  if (c === 0) {
    // independent inputs: a product of two 1-D expectations
    return pairs.map(([f1, f2]) => gaussianExpectation(f1, q1, shape) * gaussianExpectation(f2, q2, shape));
  }
  const sums = pairs.map(() => 0);
  const sq1 = Math.sqrt(q1);
  const sq2 = Math.sqrt(q2);
  const s = Math.sqrt(Math.max(0, (1 - c) * (1 + c)));
  const outer = correlationOuterRule(shape.kinks, q1, q2, c);
  const np = pairs.length;
  const inner = new Float64Array(np);
  const f2s = pairs.map((pr) => pr[1]);
  const innerFeatures = [...shape.kinks, 0];
  const nodes = newInnerNodes();
  for (let i = 0; i < outer.x.length; i++) {
    const z1 = outer.x[i] as number;
    const wo = outer.weights[i] as number;
    const u1 = sq1 * z1;
    if (s === 0) {
      const u2 = sq2 * c * z1;
      for (let p = 0; p < np; p++) {
        const pr = pairs[p] as readonly [(x: number) => number, (x: number) => number];
        sums[p] = (sums[p] as number) + wo * pr[0](u1) * pr[1](u2);
      }
      continue;
    }
    innerRule(sq2 * c * z1, sq2 * s, shape.kinks, innerFeatures, nodes);
    inner.fill(0);
    for (let j = 0; j < nodes.n; j++) {
      const wj = nodes.w[j] as number;
      const u2 = nodes.u[j] as number;
      for (let p = 0; p < np; p++) inner[p] = (inner[p] as number) + wj * (f2s[p] as (x: number) => number)(u2);
    }
    for (let p = 0; p < np; p++) {
      const pr = pairs[p] as readonly [(x: number) => number, (x: number) => number];
      sums[p] = (sums[p] as number) + wo * pr[0](u1) * (inner[p] as number);
    }
  }
  return sums;
}

/**
 * The outer rule (over z1, standard units) of the iterated 2-D rule for inputs
 * u1 = sqrt(q1) z1, u2 = sqrt(q2)(c z1 + sqrt(1-c^2) z2): panel ends at the kinks of f1(u1) (and of
 * f2(u2) when c = ±1), graded around the features of f1 and of the inner integral
 * z1 -> E_{z2}[f2(u2)], whose structure near z1 = x/(sqrt(q2) c) has width
 * min(1, sqrt(q2) sqrt(1-c^2))/(sqrt(q2)|c|) when f2 has kinks (a kink smoothed by the inner
 * Gaussian), 1/(sqrt(q2)|c|) when it is smooth.
 */
export function correlationOuterRule(kinks: readonly number[], q1: number, q2: number, c: number): GaussianRule {
  const sq1 = Math.sqrt(q1);
  const sq2 = Math.sqrt(q2);
  const s = Math.sqrt(Math.max(0, (1 - c) * (1 + c)));
  const X = [...kinks, 0];
  const outerBreaks: number[] = kinks.map((k) => k / sq1);
  const features: number[] = X.map((k) => k / sq1);
  let innerScale = Infinity;
  if (c !== 0) {
    for (const k of X) features.push(k / (sq2 * c));
    if (s === 0) for (const k of kinks) outerBreaks.push(k / (sq2 * c));
    // a kink of f2 is smoothed by the inner Gaussian to width sqrt(q2) s (in u2 units); smooth
    // structure of f2 keeps its own width 1
    innerScale = (kinks.length > 0 ? Math.min(1, sq2 * s) : 1) / (sq2 * Math.abs(c));
  }
  // graded around every feature at the smaller of the two scales (z1 units)
  const scale = Math.min(1 / sq1, innerScale > 0 ? innerScale : 1 / sq2);
  return gaussianRule({ sd: 1, breakpoints: outerBreaks, features, featureScale: scale });
}

/**
 * The three integrals of the correlation map at equal variances q, in one pass of the iterated rule:
 * E[phi(u1) phi(u2)], E[phi'(u1) phi'(u2)] and dist = E[(phi(u1) - phi(u2))^2], the last computed
 * from pointwise differences, so it keeps its relative accuracy as c -> 1 (where it is O(1 - c) and
 * 2 E[phi^2] - 2 E[phi(u1) phi(u2)] would cancel).
 */
export function correlationExpectations(
  phi: (x: number) => number,
  dphi: (x: number) => number,
  q: number,
  c: number,
  kinks: readonly number[],
): { phiPhi: number; dphiDphi: number; dist: number } {
  const shape = { kinks };
  if (c === 0) {
    const e1 = gaussianExpectation(phi, q, shape);
    const e2 = gaussianExpectation((x) => phi(x) ** 2, q, shape);
    const d1 = gaussianExpectation(dphi, q, shape);
    return { phiPhi: e1 * e1, dphiDphi: d1 * d1, dist: 2 * (e2 - e1 * e1) };
  }
  const sq = Math.sqrt(q);
  const s = Math.sqrt(Math.max(0, (1 - c) * (1 + c)));
  const outer = correlationOuterRule(kinks, q, q, c);
  const innerFeatures = [...kinks, 0];
  const nodes = newInnerNodes();
  let pp = 0;
  let dd = 0;
  let dist = 0;
  for (let i = 0; i < outer.x.length; i++) {
    const z1 = outer.x[i] as number;
    const wo = outer.weights[i] as number;
    const u1 = sq * z1;
    const p1 = phi(u1);
    const d1 = dphi(u1);
    if (s === 0) {
      const u2 = sq * c * z1;
      const p2 = phi(u2);
      pp += wo * p1 * p2;
      dd += wo * d1 * dphi(u2);
      dist += wo * (p1 - p2) * (p1 - p2);
      continue;
    }
    const mean = sq * c * z1;
    const sd = sq * s;
    let ip = 0;
    let id = 0;
    let idist = 0;
    if (1 / sd >= GH_MIN_SCALE && kinks.every((k) => Math.abs(k - mean) > 2 * H_MAX * sd)) {
      // f2 is smooth on a scale >= 20 sd over the whole inner range: Gauss–Hermite is exact to rounding
      for (let k = 0; k < GH_POINTS; k++) {
        const wj = GH.w[k] as number;
        const p2 = phi(mean + sd * (GH.x[k] as number));
        ip += wj * p2;
        id += wj * dphi(mean + sd * (GH.x[k] as number));
        idist += wj * (p1 - p2) * (p1 - p2);
      }
      pp += wo * p1 * ip;
      dd += wo * d1 * id;
      dist += wo * idist;
      continue;
    }
    innerRule(mean, sd, kinks, innerFeatures, nodes);
    for (let j = 0; j < nodes.n; j++) {
      const wj = nodes.w[j] as number;
      const u2 = nodes.u[j] as number;
      const p2 = phi(u2);
      ip += wj * p2;
      id += wj * dphi(u2);
      idist += wj * (p1 - p2) * (p1 - p2);
    }
    pp += wo * p1 * ip;
    dd += wo * d1 * id;
    dist += wo * idist;
  }
  return { phiPhi: pp, dphiDphi: dd, dist };
}

/** The Gauss–Hermite rule used for smooth inner integrals (for tests). @internal */
export const gaussHermiteRule: { readonly x: Float64Array; readonly w: Float64Array } = GH;
