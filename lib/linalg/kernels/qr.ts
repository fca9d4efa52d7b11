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

/**
 * QR factorization of the column-major n x n matrix `a` in place; returns tau. On return the upper
 * triangle holds R and the strict lower triangle the reflectors.
 */
export function qrFactor(n: number, a: Float64Array): Float64Array {
  const tau = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * n;
    const t = householder(a, ck + k, n - k);
    tau[k] = t;
    if (t === 0) continue;
    // Apply H_k to columns j > k. Invariant: columns < j are already reflected.
    for (let j = k + 1; j < n; j++) {
      const cj = j * n;
      let w = a[cj + k] as number;
      for (let i = k + 1; i < n; i++) w += (a[ck + i] as number) * (a[cj + i] as number);
      w *= t;
      a[cj + k] = (a[cj + k] as number) - w;
      for (let i = k + 1; i < n; i++) a[cj + i] = (a[cj + i] as number) - w * (a[ck + i] as number);
    }
  }
  return tau;
}

/**
 * Overwrites the output of {@link qrFactor} with the explicit Q (dorg2r): Q = H_0 H_1 ... H_{n-1},
 * accumulated backward so that step k only touches the trailing (n-k) x (n-k) block.
 */
export function qrFormQ(n: number, a: Float64Array, tau: Float64Array): void {
  for (let k = n - 1; k >= 0; k--) {
    const ck = k * n;
    const t = tau[k] as number;
    // Columns j > k: apply H_k (v is column k below the diagonal, v(k) = 1).
    if (t !== 0) {
      for (let j = k + 1; j < n; j++) {
        const cj = j * n;
        let w = a[cj + k] as number;
        for (let i = k + 1; i < n; i++) w += (a[ck + i] as number) * (a[cj + i] as number);
        w *= t;
        a[cj + k] = (a[cj + k] as number) - w;
        for (let i = k + 1; i < n; i++) a[cj + i] = (a[cj + i] as number) - w * (a[ck + i] as number);
      }
    }
    // Column k of Q: H_k e_k = e_k - tau v.
    for (let i = k + 1; i < n; i++) a[ck + i] = -t * (a[ck + i] as number);
    a[ck + k] = 1 - t;
    for (let i = 0; i < k; i++) a[ck + i] = 0;
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
