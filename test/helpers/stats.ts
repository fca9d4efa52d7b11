/**
 * Statistics helpers shared by the statistical tests: the standard normal CDF, the one-sample
 * Kolmogorov-Smirnov statistic and its critical values.
 */
import { erf } from '../../lib/activations/index.js';

/** Standard normal CDF (the library's erf, checked against mpmath to a few ulp in test/mean-field). */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** sup_x |F_n(x) - cdf(x)| of the sample (sorted copy). */
export function ksStatistic(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(sample).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i] as number);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/**
 * Critical value of the one-sample KS statistic for n i.i.d. draws at level alpha (asymptotic
 * Kolmogorov distribution: sqrt(-ln(alpha/2)/2) / sqrt(n)).
 */
export function ksCritical(n: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);
}

/**
 * Critical value of sqrt(n) D for the Kolmogorov distribution at level 1e-3 (P(K > 1.9495) = 0.001;
 * scipy.stats.kstwobign.isf(0.001) = 1.949475, scripts/reference/statistics.py). Asymptotic;
 * conservative for n >= 1000.
 */
export const KS_CRITICAL_1E3 = 1.9495;
