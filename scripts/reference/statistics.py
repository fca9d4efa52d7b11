"""Constants of the statistical tests, from scipy (independent of the library):

  python3 scripts/reference/statistics.py

- KS_CRITICAL_1E3 (test/helpers/stats.ts): the 1e-3 upper quantile of the Kolmogorov distribution
  (the limit law of sqrt(n) D_n), scipy.stats.kstwobign.isf(0.001).
- the bias 0.0022 of test/linalg/linalg.test.ts ('has sqrt(n) Q_11 close to N(0, 1) (KS)'):
  sup_t |P(sqrt(n) Q_11 <= t) - Phi(t)| at n = 64, where Q_11 is a coordinate of a uniform point on
  S^(n-1): Q_11^2 ~ Beta(1/2, (n-1)/2) and Q_11 is symmetric. The sup is taken on a grid of 2e5
  points of [-6, 6] refined by a bounded scalar search around the grid maximum.
"""
import numpy as np
from scipy import optimize, stats


def sphere_coordinate_cdf(t, n):
    """P(sqrt(n) Q_11 <= t)."""
    t = np.asarray(t, dtype=float)
    x = np.clip(t * t / n, 0, 1)
    return 0.5 + 0.5 * np.sign(t) * stats.beta.cdf(x, 0.5, (n - 1) / 2)


def main():
    print(f'kstwobign.isf(0.001) = {stats.kstwobign.isf(0.001):.6f}')
    n = 64
    gap = lambda t: abs(sphere_coordinate_cdf(t, n) - stats.norm.cdf(t))
    ts = np.linspace(-6, 6, 200_001)
    g = gap(ts)
    i = int(np.argmax(g))
    r = optimize.minimize_scalar(lambda t: -gap(t), bounds=(ts[max(i - 1, 0)], ts[min(i + 1, len(ts) - 1)]), method='bounded', options={'xatol': 1e-12})
    print(f'n = {n}: sup_t |F(t) - Phi(t)| = {-r.fun:.6f} at t = {r.x:.4f}')


if __name__ == '__main__':
    main()
