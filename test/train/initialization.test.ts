/**
 * The trained network starts where the theory says: weight ensembles and scales, inputs at q^0, and
 * the input-output Jacobian of its hidden layers with the spectrum the theory predicts.
 */
import { describe, expect, it } from 'vitest';

import { spectralDensity } from '../../lib/free/index.js';
import { loadMnist } from '../../lib/datasets/index.js';
import { matmul, singularValues } from '../../lib/linalg/index.js';
import { prepareRun } from '../../lib/train/trainer.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { blobs } from './helpers.js';

/** W W^T (rows x rows) for a row-major rows x cols block. */
function gram(w: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += (w[i * cols + k] as number) * (w[j * cols + k] as number);
      g[i * rows + j] = s;
    }
  }
  return g;
}

function identity(n: number, scale: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = scale;
  return a;
}

describe('initialization', () => {
  const data = blobs(60, 30, 3, 2n);

  it('orthogonal: hidden W W^T = weightStd^2 I; input layer has orthonormal rows times weightStd (width <= inputSize)', () => {
    const { run, opts } = prepareRun({ activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 }, { dataset: data, width: 20 });
    const { layout } = run.problem;
    const s2 = opts.spec.weightStd ** 2;
    const why = 'Householder QR: orthogonality to a few n u (n <= 30)';
    const w0 = run.state.params.subarray(layout.weightOffsets[0], (layout.weightOffsets[0] as number) + 20 * 30);
    expectAllClose(gram(w0, 20, 30), identity(20, s2), { atol: 30 * 30 * EPS * s2, why });
    const w1 = run.state.params.subarray(layout.weightOffsets[1], (layout.weightOffsets[1] as number) + 400);
    expectAllClose(gram(w1, 20, 20), identity(20, s2), { atol: 30 * 20 * EPS * s2, why });
  });

  it('orthogonal input layer wider than the input: orthonormal columns scaled so (1/N)||Wx||^2 = weightStd^2 ||x||^2 / inputSize', () => {
    const { run, opts } = prepareRun({ activation: 'tanh', weights: 'orthogonal', depth: 1, qStar: 0.5 }, { dataset: data, width: 45 });
    const w0 = run.state.params.subarray(0, 45 * 30);
    // W^T W (30 x 30) = weightStd^2 (45 / 30) I.
    const wt = new Float64Array(30 * 45);
    for (let i = 0; i < 45; i++) for (let j = 0; j < 30; j++) wt[j * 45 + i] = w0[i * 30 + j] as number;
    const s2 = (opts.spec.weightStd ** 2 * 45) / 30;
    expectAllClose(gram(wt, 30, 45), identity(30, s2), { atol: 45 * 45 * EPS * s2, why: 'Householder QR: orthogonality to a few n u' });
  });

  it('gaussian: sample variances of weights and biases within 5 standard errors', () => {
    const { run, opts } = prepareRun({ activation: 'tanh', weights: 'gaussian', depth: 3, qStar: 0.8 }, { dataset: data, width: 64 });
    const { layout } = run.problem;
    const { weightStd, biasStd } = opts.spec;
    // Hidden layers 1..3: 3 * 64^2 entries of variance weightStd^2 / 64; se of a sample variance of n
    // normals with variance v is v sqrt(2 / n).
    const w: number[] = [];
    const b: number[] = [];
    for (let l = 1; l <= 3; l++) {
      const off = layout.weightOffsets[l] as number;
      for (let i = 0; i < 64 * 64; i++) w.push(run.state.params[off + i] as number);
      const boff = layout.biasOffsets[l] as number;
      for (let i = 0; i < 64; i++) b.push(run.state.params[boff + i] as number);
    }
    const ms = (a: number[]) => a.reduce((s, x) => s + x * x, 0) / a.length;
    const vw = weightStd ** 2 / 64;
    expect(Math.abs(ms(w) - vw)).toBeLessThan(5 * vw * Math.sqrt(2 / w.length));
    const vb = biasStd ** 2;
    expect(Math.abs(ms(b) - vb)).toBeLessThan(5 * vb * Math.sqrt(2 / b.length));
  });

  it('inputs are centred and every example has mean squared entry q^0 = (q* - biasStd^2) / weightStd^2', () => {
    const { run, opts } = prepareRun({ activation: 'tanh', weights: 'orthogonal', depth: 1, qStar: 0.0259 }, { dataset: data, width: 8 });
    const { weightStd, biasStd, qStar } = opts.spec;
    const q0 = (qStar - biasStd ** 2) / weightStd ** 2;
    expect(run.q0).toBe(q0);
    const n0 = 30;
    const count = run.problem.trainInputs.length / n0;
    const ms = Array.from({ length: count }, (_, r) => run.problem.trainInputs.subarray(r * n0, (r + 1) * n0).reduce((s, x) => s + x * x, 0) / n0);
    expectAllClose(ms, new Array(count).fill(q0), { rtol: 4 * n0 * EPS, why: 'a sum of 30 squares and one square root' });
    const mean = new Float64Array(n0);
    for (let r = 0; r < count; r++) for (let j = 0; j < n0; j++) mean[j] = (mean[j] as number) + (run.problem.trainInputs[r * n0 + j] as number) / count;
    // Centred before rescaling, so the mean is not exactly 0, but far below the entries' rms.
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(0.5 * Math.sqrt(q0));
  });
});

describe("the initialized network's Jacobian vs the theory", () => {
  // The hidden layers' Jacobian J = D_L W_L ... D_1 W_1 at a real (preprocessed) MNIST input, as the
  // theory defines it (paper eq. 2), for the network train() would start from.
  const L = 16;
  const N = 200;

  async function jacobianEigenvalues(weights: 'orthogonal' | 'gaussian'): Promise<{ mean: number; variance: number }> {
    const spec = { activation: 'tanh', weights, depth: L, qStar: 0.1 } as const;
    const { run } = prepareRun(spec, { dataset: loadMnist(), width: N, seed: 12 });
    const { layout, activation } = run.problem;
    const p = run.state.params;
    const n0 = 784;
    let x = new Float64Array(N);
    const input = run.testInputs.subarray(0, n0);
    for (let i = 0; i < N; i++) {
      let h = p[(layout.biasOffsets[0] as number) + i] as number;
      for (let k = 0; k < n0; k++) h += (p[(layout.weightOffsets[0] as number) + i * n0 + k] as number) * (input[k] as number);
      x[i] = activation.phi(h);
    }
    let J = { rows: N, cols: N, data: identity(N, 1) };
    for (let l = 1; l <= L; l++) {
      const wOff = layout.weightOffsets[l] as number;
      const W = { rows: N, cols: N, data: p.slice(wOff, wOff + N * N) };
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let h = p[(layout.biasOffsets[l] as number) + i] as number;
        for (let k = 0; k < N; k++) h += (W.data[i * N + k] as number) * (x[k] as number);
        next[i] = activation.phi(h);
        const d = activation.dphi(h);
        for (let k = 0; k < N; k++) W.data[i * N + k] = (W.data[i * N + k] as number) * d;
      }
      x = next;
      J = await matmul(W, J);
    }
    const s = await singularValues(J);
    const lam = Array.from(s, (v) => v * v);
    const mean = lam.reduce((a, v) => a + v, 0) / N;
    const variance = lam.reduce((a, v) => a + (v - mean) ** 2, 0) / N;
    return { mean, variance };
  }

  it('orthogonal tanh, q* = 0.1, L = 16, N = 200: mean and variance of the J J^T spectrum', async () => {
    const theory = await spectralDensity({ activation: 'tanh', weights: 'orthogonal', depth: L, qStar: 0.1 }, { points: 8 });
    const emp = await jacobianEigenvalues('orthogonal');
    expect(theory.moments.mean).toBeCloseTo(1, 8);
    // m1 = chi^L = 1 at criticality. Finite N: each layer's mean of d = phi'(h)^2 over N units has
    // relative sd sqrt((mu2/mu1^2 - 1) / N) = sqrt(0.0397 / 200) = 0.014, independent across layers,
    // so log m1 has sd 0.014 sqrt(16) = 0.056; q^1 of one input is off by ~sqrt(2 / N) = 0.1
    // relative and relaxes to q* within a few layers (adds ~0.06). Bound: 5 sd of the sum ~ 0.4.
    expect(Math.abs(Math.log(emp.mean))).toBeLessThan(0.4);
    // sigma^2 = L (mu2/mu1^2 - 1) = 0.635 (THEORY 4.1, s1 = 0). With the same fluctuations per
    // layer entering m2 twice, allow a factor exp(+-0.8) = [0.45, 2.2] around the theory.
    expect(emp.variance / theory.moments.variance).toBeGreaterThan(0.45);
    expect(emp.variance / theory.moments.variance).toBeLessThan(2.2);
  });

  it('gaussian tanh, same q*: the variance is L mu2/mu1^2 >= L, ~26x the orthogonal one', async () => {
    const theory = await spectralDensity({ activation: 'tanh', weights: 'gaussian', depth: L, qStar: 0.1 }, { points: 8 });
    const emp = await jacobianEigenvalues('gaussian');
    expect(theory.moments.variance).toBeGreaterThan(L);
    // Per-sample spectra of Gaussian networks fluctuate strongly (THEORY 8.2: per-sample m1 0.78-1.26
    // at N = 400-1200, L = 16); the bounds below still separate it from the orthogonal value 0.635.
    expect(Math.abs(Math.log(emp.mean))).toBeLessThan(0.6);
    expect(emp.variance / theory.moments.variance).toBeGreaterThan(0.25);
    expect(emp.variance / theory.moments.variance).toBeLessThan(4);
  });
});
