/**
 * The error function in double precision (Math has none), its complement, and the complex
 * helpers the analytic continuations of phi' need.
 *
 * Accuracy (checked against mpmath at 40 digits in test/mean-field/erf.test.ts):
 * - `erf(x)`: a few ulps (relative) for every finite x.
 * - `erfc(x)`: a few ulps (relative) wherever erfc(x) is a normal double (x below ~26.2; subnormal
 *   results beyond carry fewer bits, and it is 0 past x = 27.3).
 *
 * Method, by range of |x|:
 * - |x| < 0.5 (erf) : the everywhere-positive series erf x = (2/sqrt(pi)) e^{-x^2} sum_n 2^n x^{2n+1}/(2n+1)!!
 *   (no cancellation; the exponent x^2 is split so that e^{-x^2} keeps full relative accuracy).
 * - 0.5 <= |x| < 6.375 : erfc by a Taylor expansion about the nearest multiple x0 of 1/8, whose
 *   derivatives are Hermite polynomials: erfc^{(n)}(x0) = -(2/sqrt(pi)) (-1)^{n-1} H_{n-1}(x0) e^{-x0^2};
 *   erfc(x0) is tabulated (mpmath, 40 digits); |d| <= 1/16, so |2 x0 d| <= 0.8
 *   and the correction never cancels more than a few bits of erfc(x0).
 * - |x| >= 6.375 : erfc by its continued fraction (modified Lentz), erf = 1 - erfc.
 * @module
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/sqrt(pi)
const INV_SQRT_PI = 0.5641895835477563; // 1/sqrt(pi)

/** erfc(k/8) for k = 4..51 (mpmath, 40 digits, rounded once). */
const ERFC_TABLE = [
  0.4795001221869535, 0.376759117811582, 0.28884436634648486, 0.21592493894014034,
  0.15729920705028513, 0.11161176829829224, 0.07709987174354177, 0.051829927217909674,
  0.033894853524689274, 0.021556266760016336, 0.013328328780817557, 0.00800994232988003,
  0.004677734981047266, 0.0026540293594823415, 0.0014627165866811518, 0.0007829382178911192,
  0.0004069520174449589, 0.00020537573614121745, 0.00010062192211963683, 4.785483974377341e-05,
  2.209049699858544e-05, 9.89673462524562e-06, 4.302779463675122e-06, 1.8152814274403558e-06,
  7.430983723414128e-07, 2.951401925115699e-07, 1.1372725656979665e-07, 4.2513944082491124e-08,
  1.541725790028002e-08, 5.423400799565066e-09, 1.8505741373867425e-09, 6.12483295356936e-10,
  1.9661604415428876e-10, 6.121610513034226e-11, 1.8485047721485312e-11, 5.413406466297941e-12,
  1.537459794428035e-12, 4.234563376336224e-13, 1.1310313266887154e-13, 2.9294885544871546e-14,
  7.357847917974398e-15, 1.7920200056510066e-15, 4.232136617425738e-16, 9.691555645277176e-17,
  2.1519736712498913e-17, 4.6332221552992656e-18, 9.672204131876253e-19, 1.9577523042806317e-19,
];

/**
 * e^{-x^2} with full relative accuracy: x = hi + lo with hi carrying 26 bits, so hi*hi is exact and
 * x^2 - hi^2 = lo*(x + hi) is small.
 */
export function expMinusSquare(x: number): number {
  const ax = Math.abs(x);
  if (ax > 27.3) return 0;
  const split = 134217729 * ax; // 2^27 + 1 (Veltkamp)
  const hi = split - (split - ax);
  const lo = ax - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (ax + hi));
}

function erfSeries(ax: number): number {
  // invariant: term = 2^n ax^{2n+1} / (2n+1)!!, sum = partial sum through n
  const x2 = 2 * ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * expMinusSquare(ax) * sum;
}

function erfcTaylor(ax: number): number {
  const k = Math.round(ax * 8);
  const x0 = k / 8;
  const d = ax - x0;
  const base = ERFC_TABLE[k - 4] as number;
  // S = sum_{n>=1} (-1)^{n-1} H_{n-1}(x0) d^n / n!, Hermite recurrence H_{m+1} = 2 x0 H_m - 2 m H_{m-1}
  let hPrev = 0;
  let h = 1; // H_0
  let pow = d; // d^n / n!
  let s = 0;
  for (let n = 1; n < 60; n++) {
    const t = (n % 2 === 1 ? 1 : -1) * h * pow;
    s += t;
    if (Math.abs(t) < 1e-18 * Math.abs(s) || t === 0) break;
    const hNext = 2 * x0 * h - 2 * (n - 1) * hPrev;
    hPrev = h;
    h = hNext;
    pow *= d / (n + 1);
  }
  return base - TWO_OVER_SQRT_PI * Math.exp(-x0 * x0) * s;
}

function erfcContinuedFraction(ax: number): number {
  // erfc x = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = ax + a * d;
    if (d === 0) d = tiny;
    c = ax + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (INV_SQRT_PI * expMinusSquare(ax)) / f;
}

/** erfc(|x|) for |x| >= 0.5. */
function erfcPositive(ax: number): number {
  if (ax < 6.375) return erfcTaylor(ax);
  if (ax > 27.3) return 0;
  return erfcContinuedFraction(ax);
}

/**
 * The error function erf(x) = (2/sqrt(pi)) ∫_0^x e^{-t^2} dt, to a few ulps (the `erf` activation
 * is phi = erf, plain: slope 2/sqrt(pi) at 0).
 * @param x - any number (NaN gives NaN).
 * @returns erf(x) in [-1, 1].
 * @example erf(1); // 0.8427007929497149
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) r = erfSeries(ax);
  else if (ax >= 6) r = 1;
  else r = 1 - erfcPositive(ax);
  return x < 0 ? -r : r;
}

/**
 * The complementary error function erfc(x) = 1 - erf(x), with full relative accuracy for x > 0
 * (a few ulps while the result is a normal double).
 * @param x - any number (NaN gives NaN).
 * @returns erfc(x) in [0, 2].
 * @example erfc(5); // 1.537459794428035e-12
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) return 1 - (x < 0 ? -erfSeries(ax) : erfSeries(ax));
  const r = erfcPositive(ax);
  return x < 0 ? 2 - r : r;
}

// ---- complex helpers (pairs [re, im]) ---------------------------------------------------------

export type Complex = [number, number];

export function cexp(re: number, im: number): Complex {
  const e = Math.exp(re);
  return [e * Math.cos(im), e * Math.sin(im)];
}

export function cmul(a: Complex, b: Complex): Complex {
  return [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
}

export function cdiv(a: Complex, b: Complex): Complex {
  // Smith's algorithm (no overflow for moderate inputs)
  if (Math.abs(b[0]) >= Math.abs(b[1])) {
    const r = b[1] / b[0];
    const den = b[0] + b[1] * r;
    return [(a[0] + a[1] * r) / den, (a[1] - a[0] * r) / den];
  }
  const r = b[0] / b[1];
  const den = b[0] * r + b[1];
  return [(a[0] * r + a[1]) / den, (a[1] * r - a[0]) / den];
}

/**
 * Complex erf(z). |z| < 4.5: the series (2/sqrt(pi)) e^{-z^2} sum_n (2z^2)^n z/(2n+1)!!, whose terms
 * cancel by at most e^{2 (Im z)^2} (so ~1e-15 relative for |Im z| <= 1, degrading beyond);
 * |z| >= 4.5 with Re z != 0: the erfc continued fraction in complex arithmetic (Re z > 0, reflected).
 */
export function cerf(re: number, im: number): Complex {
  if (re < 0) {
    const r = cerf(-re, -im);
    return [-r[0], -r[1]];
  }
  const z2: Complex = [re * re - im * im, 2 * re * im];
  if (re * re + im * im < 20.25 || re < 1) {
    const two_z2: Complex = [2 * z2[0], 2 * z2[1]];
    let term: Complex = [re, im];
    let sum: Complex = [re, im];
    for (let n = 1; n < 400; n++) {
      const t = cmul(term, two_z2);
      term = [t[0] / (2 * n + 1), t[1] / (2 * n + 1)];
      sum = [sum[0] + term[0], sum[1] + term[1]];
      if (Math.hypot(term[0], term[1]) < 1e-17 * Math.hypot(sum[0], sum[1])) break;
    }
    const e = cexp(-z2[0], -z2[1]);
    const r = cmul(e, sum);
    return [TWO_OVER_SQRT_PI * r[0], TWO_OVER_SQRT_PI * r[1]];
  }
  // erfc z = e^{-z^2}/sqrt(pi) / (z + (1/2)/(z + 1/(z + ...))), modified Lentz in complex arithmetic
  const z: Complex = [re, im];
  let f: Complex = [re, im];
  let c: Complex = [re, im];
  let d: Complex = [0, 0];
  for (let n = 1; n < 2000; n++) {
    const a = n / 2;
    d = [re + a * d[0], im + a * d[1]];
    if (d[0] === 0 && d[1] === 0) d = [1e-300, 0];
    const ac = cdiv([a, 0], c);
    c = [z[0] + ac[0], z[1] + ac[1]];
    if (c[0] === 0 && c[1] === 0) c = [1e-300, 0];
    d = cdiv([1, 0], d);
    const delta = cmul(c, d);
    f = cmul(f, delta);
    if (Math.hypot(delta[0] - 1, delta[1]) < 1e-16) break;
  }
  const e = cexp(-z2[0], -z2[1]);
  const ec = cdiv(e, f);
  return [1 - INV_SQRT_PI * ec[0], -INV_SQRT_PI * ec[1]];
}
