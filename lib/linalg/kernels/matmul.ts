/**
 * Dense matrix product for the pure-JS backend: C = A B for row-major A (m x k), B (k x n).
 * Cache blocking over the shared dimension and the columns of B (a KB x NB panel of B, 256 KiB,
 * stays in L2 while four rows of A stream past it), and four rows of C per sweep, so each loaded
 * entry of B feeds four multiply-adds.
 * @module
 * @internal
 */

const KB = 128;
const NB = 256;

/** c = a b (c is overwritten; it must not alias a or b). */
export function matmulKernel(m: number, k: number, n: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  c.fill(0, 0, m * n);
  for (let p0 = 0; p0 < k; p0 += KB) {
    const p1 = Math.min(p0 + KB, k);
    for (let j0 = 0; j0 < n; j0 += NB) {
      const j1 = Math.min(j0 + NB, n);
      let i = 0;
      // Invariant: after the p-loop, rows i..i+3 of C hold sum_{p < p1} A[i][p] B[p][j] on [j0, j1).
      for (; i + 3 < m; i += 4) {
        const c0 = i * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        const a0 = i * k;
        const a1 = a0 + k;
        const a2 = a1 + k;
        const a3 = a2 + k;
        for (let p = p0; p < p1; p++) {
          const x0 = a[a0 + p] as number;
          const x1 = a[a1 + p] as number;
          const x2 = a[a2 + p] as number;
          const x3 = a[a3 + p] as number;
          const bo = p * n;
          for (let j = j0; j < j1; j++) {
            const bj = b[bo + j] as number;
            c[c0 + j] = (c[c0 + j] as number) + x0 * bj;
            c[c1 + j] = (c[c1 + j] as number) + x1 * bj;
            c[c2 + j] = (c[c2 + j] as number) + x2 * bj;
            c[c3 + j] = (c[c3 + j] as number) + x3 * bj;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = i * n;
        const a0 = i * k;
        for (let p = p0; p < p1; p++) {
          const x0 = a[a0 + p] as number;
          const bo = p * n;
          for (let j = j0; j < j1; j++) c[c0 + j] = (c[c0 + j] as number) + x0 * (b[bo + j] as number);
        }
      }
    }
  }
}
