/**
 * Singular value decomposition for the pure-JS backend: Householder bidiagonalization
 * (Golub & Kahan 1965) followed by implicit-shift QR sweeps on the bidiagonal (Golub & Reinsch 1970,
 * in the formulation of JAMA's SingularValueDecomposition, public domain). All heavy loops run along
 * contiguous rows of row-major buffers: left reflectors as a row-wise accumulation w = v^T A and a
 * rank-one update, right reflectors as row dot products, the singular vectors stored transposed so
 * that Givens rotations combine two contiguous rows.
 * @module
 * @internal
 */
import { ErrorCode, NumericalError } from '../../errors.js';
import { householder } from './qr.js';

/** Result of {@link svdKernel}: k = min(rows, cols); u is rows x k, vt is k x cols (row-major). */
export interface SvdKernelResult {
  s: Float64Array;
  u: Float64Array | null;
  vt: Float64Array | null;
}

function transpose(rows: number, cols: number, a: Float64Array): Float64Array {
  const t = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(j0 + B, cols);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j] as number;
    }
  }
  return t;
}

function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/** Rotates rows i and j of the row-major matrix x (row length len): [ri; rj] <- [c s; -s c][ri; rj]. */
function rotRows(x: Float64Array, len: number, i: number, j: number, c: number, s: number): void {
  const oi = i * len;
  const oj = j * len;
  for (let t = 0; t < len; t++) {
    const a = x[oi + t] as number;
    const b = x[oj + t] as number;
    x[oi + t] = c * a + s * b;
    x[oj + t] = c * b - s * a;
  }
}

function swapRows(x: Float64Array, len: number, i: number, j: number): void {
  const oi = i * len;
  const oj = j * len;
  for (let t = 0; t < len; t++) {
    const a = x[oi + t] as number;
    x[oi + t] = x[oj + t] as number;
    x[oj + t] = a;
  }
}

/**
 * Singular values (descending) of the row-major rows x cols matrix `a` (unchanged), and the thin
 * singular vectors when `wantVectors`.
 * @throws NumericalError (ERR_DI_NO_CONVERGENCE) if the QR sweeps exceed 75 min(rows, cols) + 100 steps.
 */
export function svdKernel(rows: number, cols: number, a: Float64Array, wantVectors: boolean): SvdKernelResult {
  const transposed = rows < cols;
  // W (m x n, m >= n, row-major) is A or A^T; it is destroyed.
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const W = transposed ? transpose(rows, cols, a) : Float64Array.from(a);
  // Scale by a power of two (exact) when the largest entry is so large or small that squares in the
  // Householder norms would overflow or underflow (LAPACK's dgesdd does the same with dlascl).
  let amax = 0;
  for (let i = 0; i < W.length; i++) amax = Math.max(amax, Math.abs(W[i] as number));
  let scale = 1;
  if (amax > 2 ** 500 || (amax > 0 && amax < 2 ** -500)) {
    scale = 2 ** -Math.round(Math.log2(amax));
    for (let i = 0; i < W.length; i++) W[i] = (W[i] as number) * scale;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tauL = new Float64Array(n);
  const tauR = new Float64Array(n);
  const col = new Float64Array(m);
  const w = new Float64Array(Math.max(m, n));

  // ---- Bidiagonalization: W = U_B [B; 0] V_B^T with B upper bidiagonal (d on, e above the diagonal).
  // One sweep over the trailing rows per step k, each row hot in L1 while it receives the left
  // reflector of column k, the right reflector of row k, and contributes to the accumulation
  // S = x^T W[k+2:, k+2:] that the next step's left reflector needs (x = column k+1 before scaling).
  let S = new Float64Array(n);
  let Snext = new Float64Array(n);
  // S for step 0: sum over rows i >= 1 of W[i][0] * W[i][j], j >= 1.
  for (let i = 1; i < m; i++) {
    const ro = i * n;
    const x = W[ro] as number;
    if (x === 0) continue;
    for (let j = 1; j < n; j++) S[j] = (S[j] as number) + x * (W[ro + j] as number);
  }
  for (let k = 0; k < n; k++) {
    // Left reflector from column k, rows k..m-1 (gathered, scaled, stored back below the diagonal).
    const len = m - k;
    for (let i = 0; i < len; i++) col[i] = W[(k + i) * n + k] as number;
    const alpha = col[0] as number;
    const tl = householder(col, 0, len);
    tauL[k] = tl;
    d[k] = col[0] as number;
    for (let i = 0; i < len; i++) W[(k + i) * n + k] = col[i] as number;
    // w = v^T W[k:, k+1:] = W[k][j] + S_j / (alpha - beta) (v(0) = 1, v(i) = x_i / (alpha - beta)).
    const j0 = k + 1;
    const rk = k * n;
    if (tl !== 0) {
      const scale = 1 / (alpha - (col[0] as number));
      for (let j = j0; j < n; j++) w[j] = (W[rk + j] as number) + scale * (S[j] as number);
      for (let j = j0; j < n; j++) W[rk + j] = (W[rk + j] as number) - tl * (w[j] as number);
    }
    const right = k < n - 2;
    let tr = 0;
    if (right) {
      // Right reflector from row k, columns k+1..n-1 (in place; u(0) = 1 at column k+1).
      tr = householder(W, rk + k + 1, n - k - 1);
      tauR[k] = tr;
      e[k] = W[rk + k + 1] as number;
    } else if (k === n - 2) {
      e[k] = W[rk + k + 1] as number;
    }
    Snext.fill(0);
    // Invariant: rows k+1..i-1 hold their step-k values and have been added into Snext.
    for (let i = k + 1; i < m; i++) {
      const ro = i * n;
      const c = tl * (col[i - k] as number);
      let y = 0;
      if (c !== 0) {
        W[ro + j0] = (W[ro + j0] as number) - c * (w[j0] as number);
        y = W[ro + j0] as number;
        for (let j = j0 + 1; j < n; j++) {
          const val = (W[ro + j] as number) - c * (w[j] as number);
          W[ro + j] = val;
          y += val * (W[rk + j] as number);
        }
      } else if (right) {
        y = W[ro + j0] as number;
        for (let j = j0 + 1; j < n; j++) y += (W[ro + j] as number) * (W[rk + j] as number);
      }
      if (right && tr !== 0) {
        y *= tr;
        const x = (W[ro + j0] as number) - y;
        W[ro + j0] = x;
        if (i > k + 1 && x !== 0) {
          for (let j = j0 + 1; j < n; j++) {
            const val = (W[ro + j] as number) - y * (W[rk + j] as number);
            W[ro + j] = val;
            Snext[j] = (Snext[j] as number) + x * val;
          }
        } else {
          for (let j = j0 + 1; j < n; j++) W[ro + j] = (W[ro + j] as number) - y * (W[rk + j] as number);
        }
      } else if (i > k + 1) {
        const x = W[ro + j0] as number;
        if (x !== 0) for (let j = j0 + 1; j < n; j++) Snext[j] = (Snext[j] as number) + x * (W[ro + j] as number);
      }
    }
    const tmp = S;
    S = Snext;
    Snext = tmp;
  }
  e[n - 1] = 0;

  // ---- Explicit factors, stored transposed: UT (n x m) rows are U's columns, VT (n x n).
  let UT: Float64Array | null = null;
  let VT: Float64Array | null = null;
  if (wantVectors) {
    // U = H_0 ... H_{n-1} [I; 0] (m x n, row-major), backward; step k touches rows >= k, cols >= k.
    const U = new Float64Array(m * n);
    for (let i = 0; i < n; i++) U[i * n + i] = 1;
    for (let k = n - 1; k >= 0; k--) {
      const t = tauL[k] as number;
      if (t === 0) continue;
      for (let j = k; j < n; j++) w[j] = U[k * n + j] as number;
      for (let i = k + 1; i < m; i++) {
        const vi = W[i * n + k] as number;
        if (vi === 0) continue;
        const ro = i * n;
        for (let j = k; j < n; j++) w[j] = (w[j] as number) + vi * (U[ro + j] as number);
      }
      for (let j = k; j < n; j++) U[k * n + j] = (U[k * n + j] as number) - t * (w[j] as number);
      for (let i = k + 1; i < m; i++) {
        const c = t * (W[i * n + k] as number);
        if (c === 0) continue;
        const ro = i * n;
        for (let j = k; j < n; j++) U[ro + j] = (U[ro + j] as number) - c * (w[j] as number);
      }
    }
    // V = G_0 ... G_{n-3} (n x n), G_k acting on indices k+1..n-1 with u stored in row k of W.
    const V = new Float64Array(n * n);
    for (let i = 0; i < n; i++) V[i * n + i] = 1;
    for (let k = n - 3; k >= 0; k--) {
      const t = tauR[k] as number;
      if (t === 0) continue;
      const rk = k * n;
      const j0 = k + 1;
      for (let j = j0; j < n; j++) w[j] = V[(k + 1) * n + j] as number;
      for (let i = k + 2; i < n; i++) {
        const ui = W[rk + i] as number;
        if (ui === 0) continue;
        const ro = i * n;
        for (let j = j0; j < n; j++) w[j] = (w[j] as number) + ui * (V[ro + j] as number);
      }
      for (let j = j0; j < n; j++) V[(k + 1) * n + j] = (V[(k + 1) * n + j] as number) - t * (w[j] as number);
      for (let i = k + 2; i < n; i++) {
        const c = t * (W[rk + i] as number);
        if (c === 0) continue;
        const ro = i * n;
        for (let j = j0; j < n; j++) V[ro + j] = (V[ro + j] as number) - c * (w[j] as number);
      }
    }
    UT = transpose(m, n, U);
    VT = transpose(n, n, V);
  }

  // ---- Implicit-shift QR on the bidiagonal (d, e) until e vanishes; rotations update UT/VT rows.
  const s = d;
  const eps = 2 ** -52;
  const tiny = 2 ** -966;
  let p = n;
  const pp = p - 1;
  let iterations = 0;
  const maxIterations = 75 * n + 100;
  while (p > 0) {
    let k: number;
    let kase: number;
    // Invariant: e[p-1] = 0 (the trailing block beyond p has converged).
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break;
      if (Math.abs(e[k] as number) <= tiny + eps * (Math.abs(s[k] as number) + Math.abs(s[k + 1] as number))) {
        e[k] = 0;
        break;
      }
    }
    if (k === p - 2) {
      kase = 4;
    } else {
      let ks: number;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break;
        const t = (ks !== p ? Math.abs(e[ks] as number) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1] as number) : 0);
        if (Math.abs(s[ks] as number) <= tiny + eps * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks === k) kase = 3;
      else if (ks === p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }
    k++;
    if (kase === 1) {
      // Deflate a negligible s[p-1].
      let f = e[p - 2] as number;
      e[p - 2] = 0;
      for (let j = p - 2; j >= k; j--) {
        const t = hypot(s[j] as number, f);
        const cs = (s[j] as number) / t;
        const sn = f / t;
        s[j] = t;
        if (j !== k) {
          f = -sn * (e[j - 1] as number);
          e[j - 1] = cs * (e[j - 1] as number);
        }
        if (VT) rotRows(VT, n, j, p - 1, cs, sn);
      }
    } else if (kase === 2) {
      // Split at a negligible s[k-1].
      let f = e[k - 1] as number;
      e[k - 1] = 0;
      for (let j = k; j < p; j++) {
        const t = hypot(s[j] as number, f);
        const cs = (s[j] as number) / t;
        const sn = f / t;
        s[j] = t;
        f = -sn * (e[j] as number);
        e[j] = cs * (e[j] as number);
        if (UT) rotRows(UT, m, j, k - 1, cs, sn);
      }
    } else if (kase === 3) {
      // One implicit-shift QR step on the block k..p-1 (Wilkinson-type shift from its trailing 2x2).
      if (++iterations > maxIterations) {
        throw new NumericalError(ErrorCode.noConvergence, `SVD: the bidiagonal QR iteration did not converge in ${maxIterations} steps`, {
          routine: 'svd-js-bidiagonal-qr',
          details: { iterations, n },
        });
      }
      const scale = Math.max(
        Math.abs(s[p - 1] as number),
        Math.abs(s[p - 2] as number),
        Math.abs(e[p - 2] as number),
        Math.abs(s[k] as number),
        Math.abs(e[k] as number),
      );
      const sp = (s[p - 1] as number) / scale;
      const spm1 = (s[p - 2] as number) / scale;
      const epm1 = (e[p - 2] as number) / scale;
      const sk = (s[k] as number) / scale;
      const ek = (e[k] as number) / scale;
      const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
      const c = sp * epm1 * (sp * epm1);
      let shift = 0;
      if (b !== 0 || c !== 0) {
        shift = Math.sqrt(b * b + c);
        if (b < 0) shift = -shift;
        shift = c / (b + shift);
      }
      let f = (sk + sp) * (sk - sp) + shift;
      let g = sk * ek;
      for (let j = k; j < p - 1; j++) {
        let t = hypot(f, g);
        let cs = f / t;
        let sn = g / t;
        if (j !== k) e[j - 1] = t;
        f = cs * (s[j] as number) + sn * (e[j] as number);
        e[j] = cs * (e[j] as number) - sn * (s[j] as number);
        g = sn * (s[j + 1] as number);
        s[j + 1] = cs * (s[j + 1] as number);
        if (VT) rotRows(VT, n, j, j + 1, cs, sn);
        t = hypot(f, g);
        cs = f / t;
        sn = g / t;
        s[j] = t;
        f = cs * (e[j] as number) + sn * (s[j + 1] as number);
        s[j + 1] = -sn * (e[j] as number) + cs * (s[j + 1] as number);
        g = sn * (e[j + 1] as number);
        e[j + 1] = cs * (e[j + 1] as number);
        if (UT && j < m - 1) rotRows(UT, m, j, j + 1, cs, sn);
      }
      e[p - 2] = f;
    } else {
      // Converged s[k]: make it non-negative and move it into place (descending order).
      if ((s[k] as number) <= 0) {
        s[k] = (s[k] as number) < 0 ? -(s[k] as number) : 0;
        if (VT) {
          const o = k * n;
          for (let t = 0; t < n; t++) VT[o + t] = -(VT[o + t] as number);
        }
      }
      while (k < pp) {
        if ((s[k] as number) >= (s[k + 1] as number)) break;
        const t = s[k] as number;
        s[k] = s[k + 1] as number;
        s[k + 1] = t;
        if (VT) swapRows(VT, n, k, k + 1);
        if (UT) swapRows(UT, m, k, k + 1);
        k++;
      }
      p--;
    }
  }

  if (scale !== 1) for (let i = 0; i < n; i++) s[i] = (s[i] as number) / scale;
  if (!wantVectors || !UT || !VT) return { s, u: null, vt: null };
  // W = U S V^T. Not transposed: A = W, u = U (m x n), vt = V^T. Transposed: A = W^T = V S U^T.
  if (!transposed) return { s, u: transpose(n, m, UT), vt: VT };
  return { s, u: transpose(n, n, VT), vt: UT };
}
