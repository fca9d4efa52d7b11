/**
 * The built-in nonlinearities: phi, phi', their kinks and, for the smooth ones, the analytic
 * continuation of phi' to complex arguments. This table is the single source of truth for the list
 * of names, their parameters and their native ids (the C++ twin is native/core/activations.cc, whose
 * enum `di::ActivationId` uses the same numbers; test/mean-field/activations-parity.test.ts checks
 * that both evaluate the same functions).
 *
 * Conventions at kinks (a measure-zero choice that only matters to sampled networks):
 * relu'(0) = 0, leaky-relu'(0) = slope, hard-tanh'(+-1) = 0, elu'(0) = selu'(0)/lambda = alpha.
 * @module
 */
import { cdiv, cerf, cexp, cmul, type Complex, erf, erfc } from './erf.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/sqrt(2 pi)

/** SELU constants (Klambauer et al. 2017). */
export const SELU_LAMBDA = 1.0507009873554804934193349852946;
export const SELU_ALPHA = 1.6732632423543772848170429916717;

/** One parameter of a parametrized activation. */
export interface ActivationParamSpec {
  readonly name: string;
  readonly default: number;
  /** Human-readable allowed range, also used in error messages. */
  readonly expected: string;
  readonly valid: (v: number) => boolean;
}

/** A row of the built-in table. `p` is the value of the (single) parameter, or 0. */
export interface BuiltinDefinition {
  readonly name: string;
  readonly nativeId: number;
  readonly param: ActivationParamSpec | null;
  readonly phi: (x: number, p: number) => number;
  readonly dphi: (x: number, p: number) => number;
  readonly kinks: (p: number) => number[];
  readonly piecewiseConstantDerivative: boolean;
  readonly dphiComplex?: (re: number, im: number, p: number) => Complex;
  /**
   * The largest q* at which spectralDensity is verified by the domain sweep, for activations whose
   * spectra are known to go wrong above it without an internal check noticing (absent: no limit
   * besides the general ones). Above it spectralDensity refuses with ERR_DI_OUT_OF_RANGE.
   */
  readonly spectralQStarMax?: { readonly value: number; readonly why: string };
  readonly description: string;
}

/** logistic sigma(x) = 1/(1+e^{-x}), without overflow. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** sigma(u) for complex u, evaluated with the exponential that cannot overflow. */
/** c e^(re + i im). */
function cexpScaled(c: number, re: number, im: number): Complex {
  const [er, ei] = cexp(re, im);
  return [c * er, c * ei];
}

function csigmoid(re: number, im: number): Complex {
  if (re >= 0) {
    const e = cexp(-re, -im);
    return cdiv([1, 0], [1 + e[0], e[1]]);
  }
  const e = cexp(re, im);
  return cdiv(e, [1 + e[0], e[1]]);
}

/** sech^2(u) = 4 e^{-2u}/(1 + e^{-2u})^2 for Re u >= 0 (sech^2 is even). */
function csech2(re: number, im: number): Complex {
  if (re < 0) {
    re = -re;
    im = -im;
  }
  const e = cexp(-2 * re, -2 * im);
  const den: Complex = [1 + e[0], e[1]];
  const q = cdiv([4 * e[0], 4 * e[1]], cmul(den, den));
  return q;
}

/** The built-ins, in native-id order. */
export const BUILTINS: readonly BuiltinDefinition[] = [
  {
    name: 'linear',
    nativeId: 0,
    param: null,
    phi: (x) => x,
    dphi: () => 1,
    kinks: () => [],
    piecewiseConstantDerivative: true,
    description: 'phi(x) = x',
  },
  {
    name: 'relu',
    nativeId: 1,
    param: null,
    phi: (x) => (x > 0 ? x : 0),
    dphi: (x) => (x > 0 ? 1 : 0),
    kinks: () => [0],
    piecewiseConstantDerivative: true,
    description: 'phi(x) = max(x, 0)',
  },
  {
    name: 'leaky-relu',
    nativeId: 2,
    param: { name: 'slope', default: 0.01, expected: 'a finite number', valid: (v) => Number.isFinite(v) },
    phi: (x, a) => (x > 0 ? x : a * x),
    dphi: (x, a) => (x > 0 ? 1 : a),
    kinks: () => [0],
    piecewiseConstantDerivative: true,
    description: 'phi(x) = x for x > 0, slope * x otherwise',
  },
  {
    name: 'hard-tanh',
    nativeId: 3,
    param: null,
    phi: (x) => (x > 1 ? 1 : x < -1 ? -1 : x),
    dphi: (x) => (x > -1 && x < 1 ? 1 : 0),
    kinks: () => [-1, 1],
    piecewiseConstantDerivative: true,
    description: 'phi(x) = clip(x, -1, 1)',
  },
  {
    name: 'tanh',
    nativeId: 4,
    param: null,
    phi: (x) => Math.tanh(x),
    dphi: (x) => {
      const c = Math.cosh(x);
      return 1 / (c * c); // sech^2: no cancellation, unlike 1 - tanh^2
    },
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => csech2(re, im),
    description: 'phi(x) = tanh(x)',
  },
  {
    name: 'erf',
    nativeId: 5,
    param: null,
    phi: (x) => erf(x),
    dphi: (x) => 1.1283791670955126 * Math.exp(-x * x),
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => {
      const e = cexp(-(re * re - im * im), -2 * re * im);
      return [1.1283791670955126 * e[0], 1.1283791670955126 * e[1]];
    },
    description: 'phi(x) = erf(x) (plain erf: slope 2/sqrt(pi) at 0)',
  },
  {
    name: 'sigmoid',
    nativeId: 6,
    param: null,
    phi: (x) => sigmoid(x),
    dphi: (x) => {
      const c = Math.cosh(x / 2);
      return 0.25 / (c * c);
    },
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => {
      const s = csech2(re / 2, im / 2);
      return [0.25 * s[0], 0.25 * s[1]];
    },
    description: 'phi(x) = 1/(1 + e^{-x}) (logistic)',
  },
  {
    name: 'softplus',
    nativeId: 7,
    param: null,
    phi: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
    dphi: (x) => sigmoid(x),
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => csigmoid(re, im),
    description: 'phi(x) = log(1 + e^x)',
  },
  {
    name: 'elu',
    nativeId: 8,
    param: { name: 'alpha', default: 1, expected: 'a finite number >= 0', valid: (v) => Number.isFinite(v) && v >= 0 },
    phi: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
    dphi: (x, a) => (x > 0 ? 1 : a * Math.exp(x)),
    kinks: () => [0],
    piecewiseConstantDerivative: false,
    // each piece's continuation (the contour of a piece stays on its side of the kink: theory §3.4)
    dphiComplex: (re, im, a) => (re > 0 ? [1, 0] : cexpScaled(a, re, im)),
    description: 'phi(x) = x for x > 0, alpha (e^x - 1) otherwise',
  },
  {
    name: 'selu',
    nativeId: 9,
    param: null,
    phi: (x) => (x > 0 ? SELU_LAMBDA * x : SELU_LAMBDA * SELU_ALPHA * Math.expm1(x)),
    dphi: (x) => (x > 0 ? SELU_LAMBDA : SELU_LAMBDA * SELU_ALPHA * Math.exp(x)),
    kinks: () => [0],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => (re > 0 ? [SELU_LAMBDA, 0] : cexpScaled(SELU_LAMBDA * SELU_ALPHA, re, im)),
    description: 'phi(x) = lambda x for x > 0, lambda alpha (e^x - 1) otherwise (lambda ~ 1.0507, alpha ~ 1.6733)',
  },
  {
    name: 'gelu',
    nativeId: 10,
    param: null,
    // x Phi(x) with Phi(x) = erfc(-x/sqrt 2)/2: no cancellation for x << 0
    phi: (x) => 0.5 * x * erfc(-x * SQRT1_2),
    dphi: (x) => 0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => {
      const e = cerf(re * SQRT1_2, im * SQRT1_2);
      const g = cexp(-0.5 * (re * re - im * im), -re * im);
      const ug = cmul([re, im], g);
      return [0.5 * (1 + e[0]) + INV_SQRT_2PI * ug[0], 0.5 * e[1] + INV_SQRT_2PI * ug[1]];
    },
    // measured: at q* = 300 and 1e3 (L = 2 to 32) F carries an offset of 1e-6 to 5e-5 against the
    // density's integral near 0; at q* = 10 the self-check catches it where it appears (L = 1 Gaussian,
    // L = 2 orthogonal); 30 and 100 are not resolved below ~1e-70 lambda_max
    spectralQStarMax: { value: 10, why: 'above it the closed-form CDF of gelu networks carries offsets of up to 5e-5 near 0 (found by the domain sweep at q* = 300 and 1e3)' },
    description: 'phi(x) = x Phi(x), Phi the standard normal CDF (exact GELU, with erf)',
  },
  {
    name: 'silu',
    nativeId: 11,
    param: null,
    phi: (x) => x * sigmoid(x),
    dphi: (x) => {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    },
    kinks: () => [],
    piecewiseConstantDerivative: false,
    dphiComplex: (re, im) => {
      const s = csigmoid(re, im);
      const oneMinus: Complex = [1 - s[0], -s[1]];
      const t = cmul([re, im], oneMinus);
      return cmul(s, [1 + t[0], t[1]]);
    },
    // measured: verified to q* = 1e3; at q* = 4.4e4 (L = 299) F is off by 7e-8 near 0
    spectralQStarMax: { value: 1e3, why: 'above it the closed-form CDF of silu networks was measured off by 7e-8 near 0 (q* = 4.4e4, L = 299)' },
    description: 'phi(x) = x / (1 + e^{-x}) (swish)',
  },
];
