"""Reference values of test/free/d2-law.test.ts ('integrates d^3 and the Cauchy transform off the
support (mpmath references)'), independent of the library: mpmath quadrature on the real h-line.

  python3 scripts/reference/d2_law.py

D^2 = d = phi'(sqrt(q*) h)^2 with h ~ N(0, 1). For each case it prints E[d^3] and
M(w) = E[d / (w - d)] (THEORY section 3.4) at w = 0.3 + 0.2i, to 18 digits, and how far tanh-sinh
and Gauss-Legendre are apart (the values are good to about that). w is 0.2 away from the real axis
and d is real, so the integrands are smooth and bounded (|w - d| >= 0.2).
"""
import mpmath as mp

mp.mp.dps = 30

# split at 0, +-1.5, +-3 (and +-6 for the far tails)
H_SPLIT = [-mp.inf, -6, -3, -1.5, 0, 1.5, 3, 6, mp.inf]


def sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def Phi(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2


DPHI = {
    'gelu': lambda x: Phi(x) + x * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi),
    'silu': lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    'softplus': sigmoid,
    'sigmoid': lambda x: sigmoid(x) * (1 - sigmoid(x)),
}

CASES = [('gelu', 1), ('gelu', 0.25), ('silu', 1), ('silu', 0.25), ('softplus', 1), ('sigmoid', 0.25)]
W = mp.mpc(0.3, 0.2)


def gauss(f, method):
    dens = lambda h: mp.exp(-h * h / 2) / mp.sqrt(2 * mp.pi)
    return mp.quad(lambda h: f(h) * dens(h), H_SPLIT, method=method)


def values(name, q, method):
    s = mp.sqrt(mp.mpf(q))
    d = lambda h: DPHI[name](s * h) ** 2
    m3 = gauss(lambda h: d(h) ** 3, method)
    m = gauss(lambda h: d(h) / (W - d(h)), method)
    return m3, m


def main():
    print(f'{"case":<16} {"E[d^3]":>26} {"Re M(0.3+0.2i)":>26} {"Im M(0.3+0.2i)":>26}   methods apart')
    for name, q in CASES:
        m3, m = values(name, q, 'tanh-sinh')
        g3, gm = values(name, q, 'gauss-legendre')
        spread = max(abs(m3 - g3) / abs(m3), abs(m - gm))
        f = lambda v: mp.nstr(v, 18, min_fixed=-30, max_fixed=30)
        print(f'{name + " q*=" + str(q):<16} {f(m3):>26} {f(m.real):>26} {f(m.imag):>26}   {mp.nstr(spread, 2)}')


if __name__ == '__main__':
    main()
