"""Reference values of test/mean-field/mean-field.test.ts, by an implementation independent of the
library: mpmath quadrature of the Gaussian expectations and mpmath root finding, at 40 digits.

  python3 scripts/reference/mean_field.py

Prints one line per reference value (test name, value to 20 digits, and how far two quadrature
methods, tanh-sinh and Gauss-Legendre, are apart on it: the values are good to about that).

Conventions (THEORY section 2): h ~ N(0, 1); the length map is F(q) = w^2 E[phi(sqrt(q) h)^2] + b^2
(w = weightStd, b = biasStd); q* is a root of F(q) = q with chi_q = F'(q*) < 1; on the critical
line (chi = w^2 E[phi'(sqrt(q*) h)^2] = 1) the bias variance is b^2 = q* - E[phi^2] / E[phi'^2].
"""
import mpmath as mp

mp.mp.dps = 40

# Breakpoints of the h-line: the integrands are smooth (or have kinks at |x| = 1 for hard-tanh,
# where the split sits exactly on the kink); splitting where the Gaussian weight changes scale
# keeps both quadrature methods at full precision.
H_SPLIT = [-mp.inf, -6, -3, -1.5, 0, 1.5, 3, 6, mp.inf]


def gauss(f, split=H_SPLIT, method='tanh-sinh'):
    """E[f(h)], h ~ N(0, 1)."""
    dens = lambda h: mp.exp(-h * h / 2) / mp.sqrt(2 * mp.pi)
    return mp.quad(lambda h: f(h) * dens(h), split, method=method)


def Phi(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2


def sigmoid(x):
    return 1 / (1 + mp.exp(-x))


PHI = {
    'gelu': lambda x: x * Phi(x),
    'silu': lambda x: x * sigmoid(x),
    'sigmoid': sigmoid,
}
DPHI = {
    'sigmoid': lambda x: sigmoid(x) * (1 - sigmoid(x)),
}


def length_map(act, w, b, method='tanh-sinh'):
    phi = PHI[act]
    return lambda q: w * w * gauss(lambda h: phi(mp.sqrt(q) * h) ** 2, method=method) + b * b


def fixed_point(act, w, b, lo, hi, method='tanh-sinh'):
    """The root of F(q) - q bracketed by [lo, hi] (Illinois, a bracketing secant method)."""
    F = length_map(act, w, b, method)
    return mp.findroot(lambda q: F(q) - q, (mp.mpf(lo), mp.mpf(hi)), solver='illinois', tol=mp.mpf(10) ** -35)


def both(f):
    """f(method) by tanh-sinh and by Gauss-Legendre: the value and the difference between them."""
    a = f('tanh-sinh')
    g = f('gauss-legendre')
    return a, abs(a - g) / abs(a)


def report(name, value, spread):
    print(f'{name:<58} {mp.nstr(value, 20, min_fixed=-30, max_fixed=30):>28}   methods agree to {mp.nstr(spread, 2)} (relative)')


def main():
    # exact doubles, as the test passes them
    f64 = lambda x: mp.mpf(float(x))

    # 'gelu and silu at weightStd^2 > 2 have a small stable q* (the first crossing from q = 0)':
    # the smallest fixed point, bracketed by [0.01, 0.1]; b = 0.1.
    for act, w in [('gelu', 1.6), ('gelu', 1.7), ('silu', 1.6), ('silu', 1.7)]:
        q, s = both(lambda m: fixed_point(act, f64(w), f64(0.1), 0.01, 0.1, m))
        F = length_map(act, f64(w), f64(0.1))
        slope = mp.diff(F, q)
        assert slope < 1, 'the fixed point must be stable'
        report(f'q* {act} weightStd={w} biasStd=0.1 (chi_q = {mp.nstr(slope, 3)})', q, s)

    # 'finds a stable q* whose unstable partner lies within the factor-2 scan step (silu)':
    # stable root in [0.15, 0.2] (the unstable one is at 0.27296).
    w, b = f64(1.7820512820512822), f64(0.14102564102564102)
    q, s = both(lambda m: fixed_point('silu', w, b, 0.15, 0.2, m))
    slope = mp.diff(length_map('silu', w, b), q)
    assert slope < 1
    report(f'q* silu weightStd=1.78205... biasStd=0.14102... (chi_q = {mp.nstr(slope, 3)})', q, s)
    qu = fixed_point('silu', w, b, 0.25, 0.3)
    report('  (its unstable partner)', qu, mp.mpf(0))

    # 'hard-tanh at small q*: sigma_b^2 from the Mills-ratio form keeps its digits':
    # phi' = 1 on |x| < 1, so E[phi'^2] = p = erf(1/sqrt(2 q)), and
    # b^2 = q - E[phi^2]/p = [sqrt(2q/pi) e^{-1/(2q)} - erfc(1/sqrt(2q))] / p (closed form), checked
    # against quadrature of q - E[min(1, |x|)^2] / p with the kinks at x = +-1 as breakpoints.
    # (the test's 1.2785453890850397e-11 is the value at the decimal 0.0259, printed last; at the double
    # 0.0259 that the test passes it is 4.5e-16 lower, well inside the test's rtol = 1e-11)
    for qs in [mp.mpf(1) / 64, f64(0.0259), mp.mpf('0.0259')]:
        with mp.workdps(60):
            p = mp.erf(1 / mp.sqrt(2 * qs))
            closed = (mp.sqrt(2 * qs / mp.pi) * mp.exp(-1 / (2 * qs)) - mp.erfc(1 / mp.sqrt(2 * qs))) / p
            a = 1 / mp.sqrt(qs)
            split = [-mp.inf, -a, -1.5, 0, 1.5, a, mp.inf]
            ephi2 = gauss(lambda h: min(1, (mp.sqrt(qs) * h) ** 2), split=split)
            quad = qs - ephi2 / p
        label = 'decimal 0.0259' if qs == mp.mpf('0.0259') else mp.nstr(qs, 6)
        report(f'biasStd^2 hard-tanh critical point q*={label}', closed, abs(quad - closed) / closed)

    # criticalLine 'reference sigma_b2 for sigmoid at 1/16': b^2 = q* - E[sigmoid^2] / E[sigmoid'^2].
    qs = mp.mpf(1) / 16

    def sig_b2(m):
        e2 = gauss(lambda h: PHI['sigmoid'](mp.sqrt(qs) * h) ** 2, method=m)
        mu1 = gauss(lambda h: DPHI['sigmoid'](mp.sqrt(qs) * h) ** 2, method=m)
        return qs - e2 / mu1

    v, s = both(sig_b2)
    report('biasVariance sigmoid critical line q*=1/16', v, s)


if __name__ == '__main__':
    main()
