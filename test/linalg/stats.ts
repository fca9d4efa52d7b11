/**
 * Small statistics helpers for the linalg tests: the standard normal CDF and the one-sample
 * Kolmogorov-Smirnov statistic.
 */

/**
 * Standard normal CDF via the Chebyshev-fitted erfc of Numerical Recipes (erfcc): fractional error
 * < 1.2e-7 everywhere, negligible next to any KS bound used here (>= 1e-3).
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
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
 * Critical value of sqrt(n) D for the Kolmogorov distribution at level 1e-3 (P(K > 1.9495) = 0.001;
 * scipy.stats.kstwobign.isf(0.001)). Asymptotic; conservative for n >= 1000.
 */
export const KS_CRITICAL_1E3 = 1.9495;
