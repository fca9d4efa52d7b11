/**
 * The pure-TypeScript training backend: minibatch forward and backward passes of the deep fully
 * connected network with softmax cross-entropy, and the four optimizers, on Float64Arrays. The
 * native twin (native/core/train_core.cc) performs the same operations in the same order with
 * cblas_dgemm for the three products per layer, so the two differ only by the rounding of the dot
 * products (summation order).
 *
 * Per layer l (row-major, batch B): H_l = A_{l-1} W_l^T + 1 b_l^T, A_l = phi(H_l) (layers 0..depth),
 * logits = H_{depth+1}. Backward: dZ = (softmax(logits) - onehot) / B; dW_l = dH_l^T A_{l-1};
 * db_l = column sums of dH_l; dA_{l-1} = dH_l W_l; dH_{l-1} = dA_{l-1} * phi'(H_{l-1}).
 * @module
 * @internal
 */
import { matmulKernel } from '../linalg/kernels/matmul.js';
import { OPTIMIZER_CONSTANTS, type TrainEngine, type TrainProblem, type TrainState } from './engine.js';
import type { NetworkLayout } from './network.js';

/** C (m x n) = A (m x k) B^T (B is n x k), plus the bias row added to every row of C. */
function forwardKernel(m: number, k: number, n: number, a: Float64Array, w: Float64Array, wOff: number, bias: Float64Array, bOff: number, c: Float64Array): void {
  let i = 0;
  // Invariant: rows < i of C are final. Four rows of A share each loaded row of W.
  for (; i + 3 < m; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n; j++) {
      const wj = wOff + j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = w[wj + p] as number;
        s0 += (a[a0 + p] as number) * x;
        s1 += (a[a1 + p] as number) * x;
        s2 += (a[a2 + p] as number) * x;
        s3 += (a[a3 + p] as number) * x;
      }
      const b = bias[bOff + j] as number;
      c[i * n + j] = s0 + b;
      c[(i + 1) * n + j] = s1 + b;
      c[(i + 2) * n + j] = s2 + b;
      c[(i + 3) * n + j] = s3 + b;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const wj = wOff + j * k;
      let s0 = 0;
      for (let p = 0; p < k; p++) s0 += (a[a0 + p] as number) * (w[wj + p] as number);
      c[i * n + j] = s0 + (bias[bOff + j] as number);
    }
  }
}

/** G (n x k) = D^T A for D (m x n), A (m x k); also the column sums of D into gb (n). */
function weightGradKernel(m: number, k: number, n: number, d: Float64Array, a: Float64Array, g: Float64Array, gOff: number, gb: Float64Array, gbOff: number): void {
  g.fill(0, gOff, gOff + n * k);
  let j = 0;
  // Invariant: rows < j of G are final. Four rows of G (8 KiB at k = 256) stay in L1 while A streams.
  for (; j + 3 < n; j += 4) {
    const g0 = gOff + j * k;
    const g1 = g0 + k;
    const g2 = g1 + k;
    const g3 = g2 + k;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let r = 0; r < m; r++) {
      const dr = r * n + j;
      const x0 = d[dr] as number;
      const x1 = d[dr + 1] as number;
      const x2 = d[dr + 2] as number;
      const x3 = d[dr + 3] as number;
      b0 += x0;
      b1 += x1;
      b2 += x2;
      b3 += x3;
      const ar = r * k;
      for (let p = 0; p < k; p++) {
        const y = a[ar + p] as number;
        g[g0 + p] = (g[g0 + p] as number) + x0 * y;
        g[g1 + p] = (g[g1 + p] as number) + x1 * y;
        g[g2 + p] = (g[g2 + p] as number) + x2 * y;
        g[g3 + p] = (g[g3 + p] as number) + x3 * y;
      }
    }
    gb[gbOff + j] = b0;
    gb[gbOff + j + 1] = b1;
    gb[gbOff + j + 2] = b2;
    gb[gbOff + j + 3] = b3;
  }
  for (; j < n; j++) {
    const g0 = gOff + j * k;
    let b0 = 0;
    for (let r = 0; r < m; r++) {
      const x0 = d[r * n + j] as number;
      b0 += x0;
      const ar = r * k;
      for (let p = 0; p < k; p++) g[g0 + p] = (g[g0 + p] as number) + x0 * (a[ar + p] as number);
    }
    gb[gbOff + j] = b0;
  }
}

/** Workspace for one batch size. */
interface Workspace {
  batch: number;
  /** Activations A_l (A_0 = the input batch), l = 0..layers-1 (A_{layers-1} feeds the readout). */
  acts: Float64Array[];
  /** phi'(H_l) for the activated layers. */
  dphis: Float64Array[];
  logits: Float64Array;
  /** Two B x maxWidth buffers for back-propagated deltas. */
  deltaA: Float64Array;
  deltaB: Float64Array;
}

const workspaces = new WeakMap<NetworkLayout, Map<number, Workspace>>();

function workspace(layout: NetworkLayout, batch: number): Workspace {
  let byBatch = workspaces.get(layout);
  if (!byBatch) workspaces.set(layout, (byBatch = new Map()));
  let ws = byBatch.get(batch);
  if (!ws) {
    const acts: Float64Array[] = [];
    const dphis: Float64Array[] = [];
    for (let l = 0; l < layout.layers; l++) acts.push(new Float64Array(batch * (layout.sizes[l] as number)));
    for (let l = 0; l + 1 < layout.layers; l++) dphis.push(new Float64Array(batch * (layout.sizes[l + 1] as number)));
    const maxWidth = Math.max(...layout.sizes);
    ws = {
      batch,
      acts,
      dphis,
      logits: new Float64Array(batch * (layout.sizes[layout.layers] as number)),
      deltaA: new Float64Array(batch * maxWidth),
      deltaB: new Float64Array(batch * maxWidth),
    };
    byBatch.set(batch, ws);
  }
  return ws;
}

/** Forward pass of `batch` rows already in ws.acts[0]; fills the activations, phi' and logits. */
function forward(problem: TrainProblem, params: Float64Array, ws: Workspace, keepDerivatives: boolean): void {
  const { layout, activation } = problem;
  const B = ws.batch;
  for (let l = 0; l < layout.layers; l++) {
    const nIn = layout.sizes[l] as number;
    const nOut = layout.sizes[l + 1] as number;
    const out = l + 1 < layout.layers ? (ws.acts[l + 1] as Float64Array) : ws.logits;
    forwardKernel(B, nIn, nOut, ws.acts[l] as Float64Array, params, layout.weightOffsets[l] as number, params, layout.biasOffsets[l] as number, out);
    if (l + 1 < layout.layers) {
      const dphi = ws.dphis[l] as Float64Array;
      const len = B * nOut;
      if (keepDerivatives && activation.builtin && activation.name === 'tanh') {
        // Training fast path (as in native/core/train_core.cc): phi' = 1 - tanh^2 from the one tanh.
        for (let i = 0; i < len; i++) {
          const t = Math.tanh(out[i] as number);
          out[i] = t;
          dphi[i] = 1 - t * t;
        }
        continue;
      }
      // H is overwritten by phi(H); phi'(H) is kept for the backward pass.
      for (let i = 0; i < len; i++) {
        const h = out[i] as number;
        if (keepDerivatives) dphi[i] = activation.dphi(h);
        out[i] = activation.phi(h);
      }
    }
  }
}

/**
 * Softmax cross-entropy of the logits: returns the summed loss over the batch and, when `delta` is
 * given, writes (softmax - onehot) * scale into it. Per row: m = max z, s = sum exp(z - m),
 * log p_y = z_y - m - log s.
 */
function softmaxCrossEntropy(logits: Float64Array, labels: Int32Array, labelOff: number, batch: number, classes: number, delta: Float64Array | null, scale: number): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * classes;
    let m = logits[o] as number;
    let arg = 0;
    for (let c = 1; c < classes; c++) {
      const z = logits[o + c] as number;
      if (z > m) {
        m = z;
        arg = c;
      }
    }
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp((logits[o + c] as number) - m);
    const y = labels[labelOff + r] as number;
    loss += m + Math.log(s) - (logits[o + y] as number);
    if (arg === y) correct++;
    if (delta) {
      for (let c = 0; c < classes; c++) delta[o + c] = (Math.exp((logits[o + c] as number) - m) / s) * scale;
      delta[o + y] = (delta[o + y] as number) - scale;
    }
  }
  return { loss, correct };
}

/** Loss (mean over the batch in ws.acts[0]) and gradient into grad. */
function lossAndGradientInto(problem: TrainProblem, params: Float64Array, labels: Int32Array, labelOff: number, ws: Workspace, grad: Float64Array): number {
  const { layout } = problem;
  const B = ws.batch;
  forward(problem, params, ws, true);
  const classes = layout.sizes[layout.layers] as number;
  let delta = ws.deltaA;
  let other = ws.deltaB;
  const { loss } = softmaxCrossEntropy(ws.logits, labels, labelOff, B, classes, delta, 1 / B);
  // Invariant at the top of iteration l: delta holds dLoss/dH_l (B x sizes[l+1]).
  for (let l = layout.layers - 1; l >= 0; l--) {
    const nIn = layout.sizes[l] as number;
    const nOut = layout.sizes[l + 1] as number;
    weightGradKernel(B, nIn, nOut, delta, ws.acts[l] as Float64Array, grad, layout.weightOffsets[l] as number, grad, layout.biasOffsets[l] as number);
    if (l === 0) break;
    const wOff = layout.weightOffsets[l] as number;
    matmulKernel(B, nOut, nIn, delta, params.subarray(wOff, wOff + nOut * nIn), other);
    const dphi = ws.dphis[l - 1] as Float64Array;
    const len = B * nIn;
    for (let i = 0; i < len; i++) other[i] = (other[i] as number) * (dphi[i] as number);
    const t = delta;
    delta = other;
    other = t;
  }
  return loss / B;
}

/** Applies one optimizer update (elementwise; the same expressions as the native core). */
export function applyUpdate(problem: TrainProblem, state: TrainState, grad: Float64Array): void {
  const { params, moment1, moment2 } = state;
  const lr = problem.learningRate;
  const n = params.length;
  const K = OPTIMIZER_CONSTANTS;
  state.step += 1;
  switch (problem.optimizer) {
    case 'sgd':
      for (let i = 0; i < n; i++) params[i] = (params[i] as number) - lr * (grad[i] as number);
      break;
    case 'momentum':
      for (let i = 0; i < n; i++) {
        const v = K.momentum * (moment1[i] as number) + (grad[i] as number);
        moment1[i] = v;
        params[i] = (params[i] as number) - lr * v;
      }
      break;
    case 'rmsprop':
      for (let i = 0; i < n; i++) {
        const g = grad[i] as number;
        const s = K.rmsDecay * (moment2[i] as number) + (1 - K.rmsDecay) * g * g;
        moment2[i] = s;
        params[i] = (params[i] as number) - (lr * g) / (Math.sqrt(s) + K.epsilon);
      }
      break;
    case 'adam': {
      // beta^t by repeated multiplication (bit-identical to the native loop; no pow()).
      let p1 = 1;
      let p2 = 1;
      for (let t = 0; t < state.step; t++) {
        p1 *= K.beta1;
        p2 *= K.beta2;
      }
      const c1 = 1 - p1;
      const c2 = 1 - p2;
      for (let i = 0; i < n; i++) {
        const g = grad[i] as number;
        const m = K.beta1 * (moment1[i] as number) + (1 - K.beta1) * g;
        const v = K.beta2 * (moment2[i] as number) + (1 - K.beta2) * g * g;
        moment1[i] = m;
        moment2[i] = v;
        params[i] = (params[i] as number) - (lr * (m / c1)) / (Math.sqrt(v / c2) + K.epsilon);
      }
      break;
    }
  }
}

function gatherRows(src: Float64Array, rowLength: number, indices: Int32Array, from: number, count: number, dst: Float64Array, labelsSrc: Int32Array, labelsDst: Int32Array): void {
  for (let r = 0; r < count; r++) {
    const i = indices[from + r] as number;
    dst.set(src.subarray(i * rowLength, (i + 1) * rowLength), r * rowLength);
    labelsDst[r] = labelsSrc[i] as number;
  }
}

const gradBuffers = new WeakMap<NetworkLayout, Float64Array>();

/** Rows per evaluation batch (bounds the workspace; the result does not depend on it). */
export const EVAL_BATCH = 250;

/** The pure-JS engine. */
export const jsEngine: TrainEngine = {
  backend: 'js',
  async steps(problem, state, batchIndices, count, losses) {
    const { layout, batchSize: B } = problem;
    const ws = workspace(layout, B);
    let grad = gradBuffers.get(layout);
    if (!grad) gradBuffers.set(layout, (grad = new Float64Array(layout.parameterCount)));
    const labels = new Int32Array(B);
    const n0 = layout.sizes[0] as number;
    for (let s = 0; s < count; s++) {
      gatherRows(problem.trainInputs, n0, batchIndices, s * B, B, ws.acts[0] as Float64Array, problem.trainLabels, labels);
      const loss = lossAndGradientInto(problem, state.params, labels, 0, ws, grad);
      losses[s] = loss;
      if (!Number.isFinite(loss)) return s;
      applyUpdate(problem, state, grad);
    }
    return count;
  },
  async evaluate(problem, params, inputs, labels) {
    const { layout } = problem;
    const n0 = layout.sizes[0] as number;
    const classes = layout.sizes[layout.layers] as number;
    const total = labels.length;
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < total; start += EVAL_BATCH) {
      const b = Math.min(EVAL_BATCH, total - start);
      const ws = workspace(layout, b);
      (ws.acts[0] as Float64Array).set(inputs.subarray(start * n0, (start + b) * n0));
      forward(problem, params, ws, false);
      const r = softmaxCrossEntropy(ws.logits, labels, start, b, classes, null, 0);
      loss += r.loss;
      correct += r.correct;
    }
    return { loss: loss / total, correct };
  },
  async lossAndGradient(problem, params, inputs, labels, grad) {
    const ws = workspace(problem.layout, labels.length);
    (ws.acts[0] as Float64Array).set(inputs);
    return lossAndGradientInto(problem, params, labels, 0, ws, grad);
  },
};
