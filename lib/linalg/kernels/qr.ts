/**
 * Householder QR for the pure-JS backend, on a COLUMN-MAJOR n x n buffer (the layout in which
 * columns are contiguous, so every reflector is a contiguous dot product and axpy), in the
 * conventions of LAPACK's dgeqr2 (reflectors H_k = I - tau_k v_k v_k^T, v_k(k) = 1, stored below the
 * diagonal) and dorg2r (explicit Q by backward accumulation, in place).
 * @module
 * @internal
 */

/**
 * Householder vector of x = col[off .. off + len) in place (LAPACK dlarfg): on return col[off] holds
 * beta, col[off + 1 ..] holds v(1..) with v(0) = 1 implied, and the return value is tau, so that
 * (I - tau v v^T) x = beta e_1. tau = 0 when x is already a multiple of e_1.
 */
export function householder(col: Float64Array, off: number, len: number): number {
  const alpha = col[off] as number;
  let ss = 0;
  for (let i = off + 1; i < off + len; i++) {
    const x = col[i] as number;
    ss += x * x;
  }
  if (ss === 0) return 0;
  const norm = Math.sqrt(alpha * alpha + ss);
  const beta = alpha >= 0 ? -norm : norm;
  const scale = 1 / (alpha - beta);
  for (let i = off + 1; i < off + len; i++) col[i] = (col[i] as number) * scale;
  col[off] = beta;
  return (beta - alpha) / beta;
}

/** Panel width of the blocked QR: a 1024 x 32 panel of reflectors (256 KiB) stays in L2. */
const NB = 32;

/**
 * Applies H_k (v in column k below the diagonal, v(k) = 1) to columns j0..j1-1 of the column-major
 * n x n matrix a, rows k..n-1.
 */
function applyReflector(n: number, a: Float64Array, k: number, t: number, j0: number, j1: number): void {
  const ck = k * n;
  for (let j = j0; j < j1; j++) {
    const cj = j * n;
    let w = a[cj + k] as number;
    for (let i = k + 1; i < n; i++) w += (a[ck + i] as number) * (a[cj + i] as number);
    w *= t;
    a[cj + k] = (a[cj + k] as number) - w;
    for (let i = k + 1; i < n; i++) a[cj + i] = (a[cj + i] as number) - w * (a[ck + i] as number);
  }
}

/**
 * The upper-triangular T (kb x kb, column-major) of the compact WY form H_k0 ... H_{k0+kb-1} =
 * I - V T V^T (LAPACK dlarft, forward, columnwise): T_pp = tau_p, T(0:p, p) = -tau_p T(0:p, 0:p) V^T v_p.
 */
function blockT(n: number, a: Float64Array, tau: Float64Array, k0: number, kb: number): Float64Array {
  const T = new Float64Array(kb * kb);
  const z = new Float64Array(kb);
  for (let p = 0; p < kb; p++) {
    const tp = tau[k0 + p] as number;
    const kp = k0 + p;
    const cp = kp * n;
    // z_q = v_q . v_p for q < p (v_p(kp) = 1, zero above kp; v_q(k0+q) = 1).
    for (let q = 0; q < p; q++) {
      const cq = (k0 + q) * n;
      let s = a[cq + kp] as number;
      for (let i = kp + 1; i < n; i++) s += (a[cq + i] as number) * (a[cp + i] as number);
      z[q] = s;
    }
    for (let q = 0; q < p; q++) {
      let s = 0;
      for (let r = q; r < p; r++) s += (T[r * kb + q] as number) * (z[r] as number);
      T[p * kb + q] = -tp * s;
    }
    T[p * kb + p] = tp;
  }
  return T;
}

/**
 * C <- (I - V T V^T)^op C for the columns j0..n-1 of a (rows k0..n-1), with V the reflectors of
 * columns k0..k0+kb-1: op = transpose (Q^T C, factorization) or none (Q C, forming Q). One column of
 * C at a time, so each is read and written once per panel while the panel stays in cache.
 */
function applyBlock(n: number, a: Float64Array, T: Float64Array, k0: number, kb: number, j0: number, transpose: boolean): void {
  const w = new Float64Array(2 * kb);
  const w2 = new Float64Array(2 * kb);
  // Two columns of C per pass: every loaded reflector entry feeds two multiply-adds.
  for (let j = j0; j < n; j += 2) {
    const two = j + 1 < n;
    const c0 = j * n;
    const c1 = two ? c0 + n : c0;
    // w = V^T [c0 c1]
    for (let p = 0; p < kb; p++) {
      const kp = k0 + p;
      const cp = kp * n;
      let s0 = a[c0 + kp] as number;
      let s1 = a[c1 + kp] as number;
      for (let i = kp + 1; i < n; i++) {
        const v = a[cp + i] as number;
        s0 += v * (a[c0 + i] as number);
        s1 += v * (a[c1 + i] as number);
      }
      w[p] = s0;
      w[kb + p] = s1;
    }
    // w2 = T^T w (transpose) or T w, for both columns
    for (let p = 0; p < kb; p++) {
      let s0 = 0;
      let s1 = 0;
      if (transpose) {
        for (let q = 0; q <= p; q++) {
          const t = T[p * kb + q] as number;
          s0 += t * (w[q] as number);
          s1 += t * (w[kb + q] as number);
        }
      } else {
        for (let q = p; q < kb; q++) {
          const t = T[q * kb + p] as number;
          s0 += t * (w[q] as number);
          s1 += t * (w[kb + q] as number);
        }
      }
      w2[p] = s0;
      w2[kb + p] = s1;
    }
    // [c0 c1] -= V w2
    for (let p = 0; p < kb; p++) {
      const kp = k0 + p;
      const cp = kp * n;
      const x0 = w2[p] as number;
      const x1 = two ? (w2[kb + p] as number) : 0;
      a[c0 + kp] = (a[c0 + kp] as number) - x0;
      if (two) {
        a[c1 + kp] = (a[c1 + kp] as number) - x1;
        for (let i = kp + 1; i < n; i++) {
          const v = a[cp + i] as number;
          a[c0 + i] = (a[c0 + i] as number) - x0 * v;
          a[c1 + i] = (a[c1 + i] as number) - x1 * v;
        }
      } else {
        for (let i = kp + 1; i < n; i++) a[c0 + i] = (a[c0 + i] as number) - x0 * (a[cp + i] as number);
      }
    }
  }
}

/**
 * QR factorization of the column-major n x n matrix `a` in place; returns tau. On return the upper
 * triangle holds R and the strict lower triangle the reflectors. Blocked (LAPACK dgeqrf): each panel
 * of NB columns is factored column by column, then applied to the trailing columns as one block
 * reflector.
 */
export function qrFactor(n: number, a: Float64Array): Float64Array {
  const tau = new Float64Array(n);
  for (let k0 = 0; k0 < n; k0 += NB) {
    const kb = Math.min(NB, n - k0);
    // Invariant: columns < k0 hold R and reflectors; columns >= k0 are Q_{<k0}^T times the input.
    for (let k = k0; k < k0 + kb; k++) {
      const t = householder(a, k * n + k, n - k);
      tau[k] = t;
      if (t !== 0) applyReflector(n, a, k, t, k + 1, k0 + kb);
    }
    if (k0 + kb < n) applyBlock(n, a, blockT(n, a, tau, k0, kb), k0, kb, k0 + kb, true);
  }
  return tau;
}

/**
 * Overwrites the output of {@link qrFactor} with the explicit Q (LAPACK dorgqr): Q = H_0 ... H_{n-1},
 * accumulated backward panel by panel, each panel first applied to the columns on its right as a
 * block reflector, then expanded in place (dorg2r).
 */
export function qrFormQ(n: number, a: Float64Array, tau: Float64Array): void {
  const lastK0 = Math.floor((n - 1) / NB) * NB;
  for (let k0 = lastK0; k0 >= 0; k0 -= NB) {
    const kb = Math.min(NB, n - k0);
    // Invariant: columns >= k0 + kb hold rows k0+kb.. of H_{k0+kb} ... H_{n-1} (zeros above).
    if (k0 + kb < n) applyBlock(n, a, blockT(n, a, tau, k0, kb), k0, kb, k0 + kb, false);
    for (let k = k0 + kb - 1; k >= k0; k--) {
      const ck = k * n;
      const t = tau[k] as number;
      if (t !== 0) applyReflector(n, a, k, t, k + 1, k0 + kb);
      // Column k of Q: H_k e_k = e_k - tau v.
      for (let i = k + 1; i < n; i++) a[ck + i] = -t * (a[ck + i] as number);
      a[ck + k] = 1 - t;
      for (let i = 0; i < k; i++) a[ck + i] = 0;
    }
  }
}

/**
 * Haar orthogonal matrix from a Gaussian buffer (Mezzadri 2007), in place: `a` read column-major is
 * G^T; on return it holds Q diag(sign(diag R)) column-major, which read row-major is the library's
 * haarOrthogonal (the same steps as the native dgeqrf + dorgqr path).
 */
export function haarFromGaussian(n: number, a: Float64Array): void {
  const tau = qrFactor(n, a);
  const negative = new Uint8Array(n);
  for (let j = 0; j < n; j++) negative[j] = (a[j * n + j] as number) < 0 ? 1 : 0;
  qrFormQ(n, a, tau);
  for (let j = 0; j < n; j++) {
    if (!negative[j]) continue;
    const cj = j * n;
    for (let i = 0; i < n; i++) a[cj + i] = -(a[cj + i] as number);
  }
}
