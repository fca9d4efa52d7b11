/**
 * Gauss–Legendre nodes and weights on [-1, 1], computed once per order by Newton's method on the
 * Legendre polynomial (Golub–Welsch would give the same to ~1 ulp). Used by the D^2 law's panel
 * rules (lib/free/d2-law.ts).
 * @module
 */

const cache = new Map<number, { x: Float64Array; w: Float64Array }>();

/** The n-point Gauss–Legendre rule on [-1, 1] (nodes ascending). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const hit = cache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      // invariant: p1 = P_j(z), p2 = P_{j-1}(z) after the inner loop
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      dp = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) {
        // one more evaluation of the derivative at the converged node
        let q1 = 1;
        let q2 = 0;
        for (let j = 1; j <= n; j++) {
          const q3 = q2;
          q2 = q1;
          q1 = ((2 * j - 1) * z * q2 - (j - 1) * q3) / j;
        }
        dp = (n * (z * q1 - q2)) / (z * z - 1);
        break;
      }
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
    w[n - 1 - i] = w[i] as number;
  }
  const rule = { x, w };
  cache.set(n, rule);
  return rule;
}
