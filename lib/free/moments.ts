/**
 * Moments of the law of J J^T from the S-transform series (THEORY §3.1-§3.2, §4.1):
 * S_{JJ^T} = S_{D^2}^L S_{W^TW}^L (paper eq. 12). With psi_X(u) = sum_k m_k u^k, the compositional
 * inverse chi_X = psi_X^{-1} and S_X(z) = chi_X(z) (1 + z)/z, truncated power series carry the
 * moments mu_1..mu_4 of D^2 to m_1..m_4 of J J^T (Lagrange inversion, order 4). S_D^L is taken as
 * exp(L log S_D) so any depth costs the same. The mean and variance use the closed forms
 * m1 = chi^L and Var = m1^2 L (mu2/mu1^2 - 1 - s1) (s1 = -1 Gaussian, 0 orthogonal).
 * @module
 */

const ORDER = 5; // coefficients of z^0..z^4

type Series = number[]; // c[0..ORDER-1]

function mul(a: Series, b: Series): Series {
  const c = new Array<number>(ORDER).fill(0);
  for (let i = 0; i < ORDER; i++) for (let j = 0; i + j < ORDER; j++) c[i + j] = (c[i + j] as number) + (a[i] as number) * (b[j] as number);
  return c;
}

/** log(1 + y) for y with y[0] = 0. */
function log1pSeries(y: Series): Series {
  const out = new Array<number>(ORDER).fill(0);
  let p: Series = y.slice();
  for (let k = 1; k < ORDER; k++) {
    for (let i = 0; i < ORDER; i++) out[i] = (out[i] as number) + ((k % 2 === 1 ? 1 : -1) * (p[i] as number)) / k;
    p = mul(p, y);
  }
  return out;
}

/** exp(y) for y with y[0] = 0. */
function expSeries(y: Series): Series {
  const out = new Array<number>(ORDER).fill(0);
  out[0] = 1;
  let p: Series = out.slice();
  let fact = 1;
  for (let k = 1; k < ORDER; k++) {
    p = mul(p, y);
    fact *= k;
    for (let i = 0; i < ORDER; i++) out[i] = (out[i] as number) + (p[i] as number) / fact;
  }
  return out;
}

/**
 * Compositional inverse of f(u) = sum_{k>=1} a_k u^k (a[0] = 0, a[1] != 0): g with f(g(z)) = z,
 * coefficient by coefficient.
 */
function inverse(a: Series): Series {
  const g = new Array<number>(ORDER).fill(0);
  g[1] = 1 / (a[1] as number);
  for (let n = 2; n < ORDER; n++) {
    // coefficient n of f(g) with g_n = 0; f(g) = sum_k a_k g^k
    let coef = 0;
    let p: Series = g.slice();
    for (let k = 1; k < ORDER; k++) {
      coef += (a[k] as number) * (p[n] as number);
      p = mul(p, g);
    }
    g[n] = -coef / (a[1] as number);
  }
  return g;
}

/** Moments of the whole law of J J^T. */
export interface SpectralMoments {
  /** m1 = chi^L. */
  readonly mean: number;
  /** m2 - m1^2 = m1^2 L (mu2/mu1^2 - 1 - s1). */
  readonly variance: number;
  readonly m2: number;
  readonly m3: number;
  readonly m4: number;
}

/**
 * Moments m1..m4 of J J^T for depth L, D^2 moments mu1..mu4 and chi = weightStd^2 mu1.
 * @param mu - [mu1, mu2, mu3, mu4]
 * @param varD - Var(D^2) = mu2 - mu1^2 computed without cancellation (optional)
 */
export function spectralMoments(depth: number, gaussian: boolean, chi: number, mu: readonly [number, number, number, number], varD?: number): SpectralMoments {
  const [mu1, mu2, mu3, mu4] = mu;
  // mu2/mu1^2 - 1, from the central second moment when given (no cancellation)
  const spread = varD === undefined ? mu2 / (mu1 * mu1) - 1 : varD / (mu1 * mu1);
  const L = depth;
  // normalized D^2: moments mu_k / mu1^k, so that S_D(0) = 1; likewise W normalized by weightStd^2
  const psiD: Series = [0, 1, 1 + spread, mu3 / mu1 ** 3, mu4 / mu1 ** 4];
  const chiD = inverse(psiD);
  // S_D(z) = chi_D(z) (1 + z)/z: shift chi_D down by one power, times (1 + z)
  const chiOverZ: Series = [chiD[1] as number, chiD[2] as number, chiD[3] as number, chiD[4] as number, 0];
  const sD = mul(chiOverZ, [1, 1, 0, 0, 0]);
  let logS = log1pSeries([0, ...sD.slice(1)]).map((c) => c * L);
  if (gaussian) {
    // S_W = 1/(1 + z): log S_W = -log(1 + z)
    const lw = log1pSeries([0, 1, 0, 0, 0]);
    logS = logS.map((c, i) => c - L * (lw[i] as number));
  }
  const sJ = expSeries(logS);
  // chi_J(z) = z S_J(z)/(1 + z)
  const inv1pz: Series = [1, -1, 1, -1, 1];
  const t = mul(sJ, inv1pz);
  const chiJ: Series = [0, t[0] as number, t[1] as number, t[2] as number, t[3] as number];
  const psiJ = inverse(chiJ);
  const m1 = chi ** L;
  const variance = m1 * m1 * L * (spread + (gaussian ? 1 : 0));
  return {
    mean: m1,
    variance,
    m2: m1 * m1 + variance,
    m3: (psiJ[3] as number) * m1 ** 3,
    m4: (psiJ[4] as number) * m1 ** 4,
  };
}
