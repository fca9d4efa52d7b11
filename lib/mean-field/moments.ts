/**
 * One-input Gaussian moments of an activation at pre-activation variance q (THEORY §2.1–2.4):
 * E[phi(sqrt(q) h)^2] (the length map, paper eq. 4), mu_k(q) = E[phi'(sqrt(q) h)^{2k}] (the moments
 * of D^2; chi = sigma_w^2 mu_1 is paper eq. 5), the slope d/dq E[phi^2] of the length map, and the
 * two-input integrals of the correlation map. Closed forms where they exist (linear, relu,
 * leaky-relu, hard-tanh, erf), the graded composite Gauss–Legendre rule of lib/quadrature otherwise.
 * @module
 */
import { type Activation, ActivationEvaluationError, erf, erfc } from '../activations/index.js';
import { correlationExpectations, correlationOuterRule, gaussianExpectation, gaussianRule } from '../quadrature/index.js';

const SQRT_2_OVER_PI = 0.7978845608028654;
const TWO_OVER_PI = 0.6366197723675814;
const FOUR_OVER_PI = 1.2732395447351628;

/** Runs a quadrature, attaching q to an error raised by a user-defined activation. */
function withQ<T>(q: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ActivationEvaluationError && e.q === undefined) throw e.withQ(q);
    throw e;
  }
}

/** E[phi(h)^2]/q for the positively homogeneous built-ins (linear, relu, leaky-relu), else null. */
export function homogeneousConstant(a: Activation): number | null {
  if (!a.builtin) return null;
  switch (a.name) {
    case 'linear':
      return 1;
    case 'relu':
      return 0.5;
    case 'leaky-relu': {
      const s = a.params.slope as number;
      return 0.5 * (1 + s * s);
    }
    default:
      return null;
  }
}

/** p = P(|sqrt(q) h| < 1) = erf(1/sqrt(2q)) for hard-tanh, and 1 - p. */
function hardTanhP(q: number): { p: number; r: number } {
  if (q === 0) return { p: 1, r: 0 };
  const x = 1 / Math.sqrt(2 * q);
  return { p: erf(x), r: erfc(x) };
}

/** E[phi(sqrt(q) h)^2], q >= 0 (raw; arguments already validated). */
export function ePhi2(a: Activation, q: number): number {
  const k = homogeneousConstant(a);
  if (k !== null) return k * q;
  if (a.builtin && a.name === 'hard-tanh') {
    if (q === 0) return 0;
    const { p, r } = hardTanhP(q);
    // q p - sqrt(2q/pi) e^{-1/(2q)} + (1 - p)   (THEORY §2.4)
    return q * p - Math.sqrt(q) * SQRT_2_OVER_PI * Math.exp(-0.5 / q) + r;
  }
  if (a.builtin && a.name === 'erf') {
    // (2/pi) asin(2q/(1+2q)) = (2/pi) atan(2q/sqrt(1+4q)): no loss of accuracy near asin(1)
    return TWO_OVER_PI * Math.atan((2 * q) / Math.sqrt(1 + 4 * q));
  }
  const phi = a.phi;
  return withQ(q, () =>
    gaussianExpectation((x) => {
      const v = phi(x);
      return v * v;
    }, q, a),
  );
}

/** mu_k(q) = E[phi'(sqrt(q) h)^{2k}], q >= 0, k > 0 (raw). */
export function muK(a: Activation, q: number, k: number): number {
  if (a.builtin) {
    switch (a.name) {
      case 'linear':
        return 1;
      case 'relu':
        return 0.5;
      case 'leaky-relu': {
        const s = Math.abs(a.params.slope as number);
        return 0.5 * (1 + Math.pow(s, 2 * k));
      }
      case 'hard-tanh':
        return hardTanhP(q).p;
      case 'erf':
        // (4/pi)^k (1 + 4 k q)^{-1/2}
        return Math.pow(FOUR_OVER_PI, k) / Math.sqrt(1 + 4 * k * q);
      default:
        break;
    }
  }
  const dphi = a.dphi;
  const twoK = 2 * k;
  if (k === 1)
    return withQ(q, () =>
      gaussianExpectation((x) => {
        const d = dphi(x);
        return d * d;
      }, q, a),
    );
  if (k === 2)
    return withQ(q, () =>
      gaussianExpectation((x) => {
        const d = dphi(x);
        const d2 = d * d;
        return d2 * d2;
      }, q, a),
    );
  return withQ(q, () => gaussianExpectation((x) => Math.pow(Math.abs(dphi(x)), twoK), q, a));
}

/**
 * d/dq E[phi(sqrt(q) h)^2] = E[phi(x) phi'(x) h]/sqrt(q), x = sqrt(q) h (Stein's lemma applied to
 * d/dq E[phi^2] = E[(phi^2)'(x) h]/(2 sqrt q); equal to E[phi'^2 + phi phi''] with no phi'' needed;
 * phi continuous). phi(0) phi'(0) is subtracted first (its integral against h is 0), so the result
 * keeps ~1e-12 relative accuracy down to q = 1e-8. At q = 0 it is
 * the limit phi'(0)^2, valid when phi(0) = 0 (the only case in which q* = 0 can occur).
 */
export function lengthSlope(a: Activation, q: number): number {
  const k = homogeneousConstant(a);
  if (k !== null) return k;
  if (a.builtin && a.name === 'hard-tanh') {
    if (q === 0) return 1;
    // p - 2 N(1; 0, q) = p - sqrt(2/(pi q)) e^{-1/(2q)}. With x = 1/sqrt(2q) and
    // erf x = (2/sqrt pi) e^{-x^2} sum_n 2^n x^{2n+1}/(2n+1)!!, the subtracted term is the series'
    // first term: dropping it avoids the cancellation at large q.
    const x = 1 / Math.sqrt(2 * q);
    if (x >= 1) return hardTanhP(q).p - (SQRT_2_OVER_PI / Math.sqrt(q)) * Math.exp(-0.5 / q);
    const x2 = 2 * x * x;
    let term = x;
    let sum = 0;
    for (let n = 1; n < 100; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1.1283791670955126 * Math.exp(-x * x) * sum;
  }
  if (a.builtin && a.name === 'erf') return FOUR_OVER_PI / ((1 + 2 * q) * Math.sqrt(1 + 4 * q));
  if (q === 0) {
    const dl = a.dphi(-1e-300);
    const dr = a.dphi(1e-300);
    return 0.5 * (dl * dl + dr * dr);
  }
  return lengthMapAndSlope(a, q).slope;
}

/** phi(0) phi'(0), the value at 0 of (phi^2)'/2, subtracted in the slope (its integral against h is 0). */
function slopeOffset(a: Activation): number {
  const p0 = a.phi(0);
  if (p0 === 0) return 0;
  const d0 = a.kinks.includes(0) ? 0.5 * (a.dphi(-1e-300) + a.dphi(1e-300)) : a.dphi(0);
  return p0 * d0;
}

/**
 * E[phi^2] and its q-derivative E[phi phi' h]/sqrt(q) in one pass over shared nodes (raw, q >= 0):
 * what the Newton iteration for q* needs at every step.
 */
export function lengthMapAndSlope(a: Activation, q: number): { e: number; slope: number } {
  const k = homogeneousConstant(a);
  if (k !== null || (a.builtin && (a.name === 'hard-tanh' || a.name === 'erf')) || q === 0) {
    return { e: ePhi2(a, q), slope: lengthSlope(a, q) };
  }
  const phi = a.phi;
  const dphi = a.dphi;
  return withQ(q, () => {
    const c = slopeOffset(a);
    const sq = Math.sqrt(q);
    const rule = gaussianRule({ sd: sq, breakpoints: a.kinks });
    let e = 0;
    let sl = 0;
    for (let i = 0; i < rule.x.length; i++) {
      const x = rule.x[i] as number;
      const v = phi(x);
      const w = rule.weights[i] as number;
      e += w * v * v;
      sl += w * (v * dphi(x) - c) * (rule.h[i] as number);
    }
    return { e, slope: sl / sq };
  });
}

/**
 * The correlation-map integrals at equal variances q: E[phi(u1) phi(u2)], E[phi'(u1) phi'(u2)] and
 * dist = E[(phi(u1) - phi(u2))^2], with u1 = sqrt(q) z1, u2 = sqrt(q)(c z1 + sqrt(1-c^2) z2). dist
 * keeps its relative accuracy as c -> 1 (the c-map is solved through it). Closed forms for erf,
 * linear, relu and leaky-relu (arcsine and arc-cosine kernels), a closed-form inner integral for
 * hard-tanh, the iterated 2-D rule of lib/quadrature otherwise.
 */
export function correlationIntegrals(a: Activation, q: number, c: number): { phiPhi: number; dphiDphi: number; dist: number } {
  if (a.builtin) {
    switch (a.name) {
      case 'linear':
        return { phiPhi: c * q, dphiDphi: 1, dist: 2 * q * (1 - c) };
      case 'erf': {
        const den = Math.sqrt((1 + 2 * q - 2 * c * q) * (1 + 2 * q + 2 * c * q));
        const x = (2 * q) / (1 + 2 * q);
        let dist: number;
        if (c >= 0) {
          // asin x - asin(c x) = asin(x (1 - c^2) / (sqrt(1 - c^2 x^2) + c sqrt(1 - x^2))): no cancellation as c -> 1
          const oneMinusC2 = (1 - c) * (1 + c);
          const sqx = Math.sqrt((1 - x) * (1 + x));
          dist = 2 * TWO_OVER_PI * Math.asin((x * oneMinusC2) / (Math.sqrt(1 - c * c * x * x) + c * sqx));
        } else dist = 2 * TWO_OVER_PI * (Math.asin(x) - Math.asin(c * x));
        return { phiPhi: TWO_OVER_PI * Math.asin(c * x), dphiDphi: FOUR_OVER_PI / den, dist };
      }
      case 'relu':
      case 'leaky-relu': {
        // arc-cosine kernels: theta = acos c; E[relu relu] = q/(2 pi) (sin th + (pi - th) c), E[relu' relu'] = (pi - th)/(2 pi)
        const s = a.name === 'relu' ? 0 : (a.params.slope as number);
        const th = Math.acos(Math.max(-1, Math.min(1, c)));
        const sn = Math.sqrt(Math.max(0, (1 - c) * (1 + c)));
        const kpp = (q / (2 * Math.PI)) * (sn + (Math.PI - th) * c); // E[x+ y+]
        const kpm = (q / (2 * Math.PI)) * (th * c - sn); // E[x+ y-] with y- = min(y, 0)
        // phi = x+ + s x-, so E[phi phi] = E[x+y+] + 2 s E[x+y-] + s^2 E[x-y-], and E[x-y-] = E[x+y+] by symmetry
        const phiPhi = kpp * (1 + s * s) + 2 * s * kpm;
        const app = (Math.PI - th) / (2 * Math.PI);
        const apm = th / (2 * Math.PI);
        return { phiPhi, dphiDphi: app * (1 + s * s) + 2 * s * apm, dist: 2 * (homogeneousConstant(a) as number) * q - 2 * phiPhi };
      }
      case 'hard-tanh':
        if (c !== 0 && c * c < 1) return hardTanhCorrelation(q, c);
        break;
      default:
        break;
    }
  }
  const phi = a.phi;
  const dphi = a.dphi;
  return withQ(q, () => correlationExpectations(phi, dphi, q, c, a.kinks));
}

const INV_SQRT_2PI = 0.3989422804014327;
/** Phi(x) and 1 - Phi(x) of the standard normal, each with full relative accuracy in its tail. */
const normCdf = (x: number) => 0.5 * erfc(-x * Math.SQRT1_2);
const normSf = (x: number) => 0.5 * erfc(x * Math.SQRT1_2);
const normPdf = (x: number) => INV_SQRT_2PI * Math.exp(-0.5 * x * x);

/**
 * hard-tanh correlation integrals with the inner Gaussian integral in closed form: for
 * u2 = m + sigma z2 with m = sqrt(q) c z1, sigma = sqrt(q (1 - c^2)), a = (-1-m)/sigma, b = (1-m)/sigma,
 * E[clip(u2)] = -Phi(a) + (1 - Phi(b)) + m (Phi(b) - Phi(a)) + sigma (N(a) - N(b)) and
 * E[1{|u2|<1}] = Phi(b) - Phi(a); only the outer integral over z1 is numerical (1-D cost).
 */
function hardTanhCorrelation(q: number, c: number): { phiPhi: number; dphiDphi: number; dist: number } {
  const sq = Math.sqrt(q);
  const sigma = sq * Math.sqrt((1 - c) * (1 + c));
  const rule = correlationOuterRule([-1, 1], q, q, c);
  let pp = 0;
  let dd = 0;
  let dist = 0;
  for (let i = 0; i < rule.x.length; i++) {
    const z1 = rule.x[i] as number;
    const u1 = sq * z1;
    const w = rule.weights[i] as number;
    const m = sq * c * z1;
    const a = (-1 - m) / sigma;
    const b = (1 - m) / sigma;
    const below = normCdf(a);
    const above = normSf(b);
    const inside = a >= 0 ? normSf(a) - normSf(b) : b <= 0 ? normCdf(b) - normCdf(a) : 1 - below - above;
    const na = normPdf(a);
    const nb = normPdf(b);
    const innerPhi = -below + above + m * inside + sigma * (na - nb);
    const phi1 = u1 > 1 ? 1 : u1 < -1 ? -1 : u1;
    pp += w * phi1 * innerPhi;
    if (u1 > -1 && u1 < 1) dd += w * inside;
    // E[(phi1 - clip(m + sigma z))^2]: (phi1+1)^2 P(z<a) + (phi1-1)^2 P(z>b) + int_a^b (d - sigma z)^2 N(z) dz,
    // d = phi1 - m; every part is non-negative, so the sum keeps its relative accuracy as c -> 1
    const d = phi1 - m;
    const midPart = d * d * inside - 2 * d * sigma * (na - nb) + sigma * sigma * (inside + a * na - b * nb);
    dist += w * ((phi1 + 1) * (phi1 + 1) * below + (phi1 - 1) * (phi1 - 1) * above + Math.max(0, midPart));
  }
  return { phiPhi: pp, dphiDphi: dd, dist };
}
