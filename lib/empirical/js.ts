/**
 * The pure-JS twin of native/core/jacobian.cc: the same network from the same random stream (see
 * job.ts), multiplied with the linalg engineer's JS kernels (matmulKernel, svdKernel) and haar.ts.
 * Runs built-in and user-defined activations. Yields to the event loop between layers, so that an
 * AbortSignal and progress callbacks are served while it runs.
 * @module
 * @internal
 */
import { ActivationEvaluationError } from '../activations/index.js';
import { AbortError, ErrorCode, NumericalError } from '../errors.js';
import { matmulKernel } from '../linalg/kernels/matmul.js';
import { svdKernel } from '../linalg/kernels/svd.js';
import { Rng } from '../random/rng.js';
import { allocHaarFactors, applyHaarLeft, sampleHaarFactors } from './haar.js';
import type { SampleJob, SampleOutputs, SampleResult } from './job.js';

/** Hooks between layers: `cancelled()` is polled before each layer, `layerDone(l)` after it. */
export interface JsControl {
  cancelled(): boolean;
  layerDone(layers: number): void;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Bytes of scratch the JS pipeline allocates for one sample (for the memory check). */
export function jsScratchBytes(width: number, orthogonal: boolean): number {
  const n = width;
  const m = n + 1;
  // A, the weights or reflectors, the dgemm output (Gaussian), J and the SVD kernel's working copy.
  const doubles = n * m + n * n + (orthogonal ? m : n * m) + 2 * n * n + 10 * n;
  return doubles * 8;
}

/** Samples one network and writes its spectrum; see job.ts for the stream layout. */
export async function sampleJacobianJs(job: SampleJob, out: SampleOutputs, control: JsControl): Promise<SampleResult> {
  const n = job.width;
  const m = n + 1;
  const { activation } = job;
  const rng = new Rng(job.seed, job.stream);
  let a = new Float64Array(n * m);
  let b = job.orthogonal ? null : new Float64Array(n * m);
  const w = job.orthogonal ? null : new Float64Array(n * n);
  const factors = job.orthogonal ? allocHaarFactors(n) : null;
  const scratch = new Float64Array(m);
  const bias = new Float64Array(n);
  const h = new Float64Array(n);

  // A = [I | x^0], x^0 a uniformly random direction with (1/N)|x^0|^2 = (q* - sigma_b^2)/sigma_w^2.
  for (let i = 0; i < n; i++) a[i * m + i] = 1;
  rng.fillNormal(h, 0, n);
  let norm2 = 0;
  for (let i = 0; i < n; i++) norm2 += (h[i] as number) * (h[i] as number);
  const q0 = (job.qStar - job.biasStd * job.biasStd) / (job.weightStd * job.weightStd);
  const inputScale = norm2 > 0 && q0 > 0 ? Math.sqrt((n * q0) / norm2) : 0;
  for (let i = 0; i < n; i++) a[i * m + n] = (h[i] as number) * inputScale;

  const gaussScale = job.weightStd / Math.sqrt(n);
  let maxZeros = 0;
  for (let l = 0; l < job.depth; l++) {
    if (control.cancelled()) throw new AbortError(`sampleJacobianSpectrum was aborted (before layer ${l + 1})`);
    // Invariant: a = [D^l W^l ... D^1 W^1 | x^l] for the l layers done.
    if (factors) {
      sampleHaarFactors(rng, factors);
      rng.fillNormal(bias, 0, n);
      applyHaarLeft(factors, job.weightStd, a, m, scratch);
    } else if (w && b) {
      rng.fillNormal(w, 0, n * n);
      for (let i = 0; i < n * n; i++) w[i] = (w[i] as number) * gaussScale;
      rng.fillNormal(bias, 0, n);
      if (l === 0) {
        // W [I | x^0] = [W | W x^0]
        for (let i = 0; i < n; i++) {
          const wi = i * n;
          const bi = i * m;
          let s = 0;
          for (let j = 0; j < n; j++) {
            const wij = w[wi + j] as number;
            b[bi + j] = wij;
            s += wij * (a[j * m + n] as number);
          }
          b[bi + n] = s;
        }
      } else {
        matmulKernel(n, n, m, w, a, b);
      }
      const t = a;
      a = b;
      b = t;
    }
    let q = 0;
    for (let i = 0; i < n; i++) {
      const hi = (a[i * m + n] as number) + (bias[i] as number) * job.biasStd;
      h[i] = hi;
      q += hi * hi;
    }
    if (!Number.isFinite(q)) {
      throw new NumericalError(ErrorCode.overflow,
        `the forward pass overflowed at layer ${l + 1} (pre-activations are not finite); reduce weightStd, biasStd or depth`,
        { routine: 'sampleJacobianJs', info: l + 1 },
      );
    }
    out.qPerLayer[l] = q / n;
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      const x = h[i] as number;
      let p: number;
      let d: number;
      try {
        p = activation.phi(x);
        d = activation.dphi(x);
      } catch (e) {
        throw new ActivationEvaluationError(activation.name, 'phi', x, undefined, undefined, e);
      }
      if (!Number.isFinite(p)) throw new ActivationEvaluationError(activation.name, 'phi', x, p);
      if (!Number.isFinite(d)) throw new ActivationEvaluationError(activation.name, 'dphi', x, d);
      if (d === 0) zeros++;
      const o = i * m;
      for (let j = 0; j < n; j++) a[o + j] = (a[o + j] as number) * d;
      a[o + n] = p;
    }
    if (zeros > maxZeros) maxZeros = zeros;
    control.layerDone(l + 1);
    await yieldToLoop();
  }

  const jac = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i * m + j] as number;
      if (!Number.isFinite(x)) {
        throw new NumericalError(ErrorCode.overflow, 'the Jacobian overflowed (non-finite entries); reduce weightStd or depth', {
          routine: 'sampleJacobianJs',
        });
      }
      jac[i * n + j] = x;
    }
  }
  if (out.jacobian) out.jacobian.set(jac);
  // One synchronous O(N^3) piece: it blocks the event loop and cannot be aborted (documented on
  // sampleJacobianSpectrum; ~1.4 s at N = 800). Chunking it would need a resumable SVD kernel.
  const { s } = svdKernel(n, n, jac, false);
  if (!Number.isFinite((s[0] as number) * (s[0] as number))) {
    throw new NumericalError(ErrorCode.overflow, `the eigenvalues of J J^T overflow (largest singular value ${s[0]}); reduce weightStd or depth`, {
      routine: 'sampleJacobianJs',
    });
  }
  for (let i = 0; i < n; i++) out.eigenvalues[i] = (s[i] as number) * (s[i] as number);
  // rank J <= min_l #{i : phi'(h^l_i) != 0}: the smallest maxZeros values are round-off of exact zeros.
  for (let i = n - maxZeros; i < n; i++) out.eigenvalues[i] = 0;
  return { structuralZeros: maxZeros };
}
