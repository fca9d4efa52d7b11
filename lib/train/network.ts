/**
 * The trained network's layout and its initialization (Pennington, Schoenholz & Ganguli 2017,
 * Sections 2 and 3; THEORY.md sections 1.3, 1.4 and 6).
 *
 * Layers (0-based): layer 0 maps the input (inputSize) to the width N; layers 1..depth are the
 * `depth` hidden N x N layers whose input-output Jacobian the theory describes (paper eq. 2); layer
 * depth + 1 is the linear readout N -> classes. Layers 0..depth apply the activation. Parameters
 * live in one Float64Array, layer by layer: W_l (out x in, row-major) then b_l (out).
 *
 * Initialization, all drawn in TypeScript from the library's seeded stream (so both backends start
 * from the same bits): layer l uses substream l (weights first, then biases).
 * - hidden layers: orthogonal W = weightStd * O, O Haar on O(N) (QR of a Gaussian with the sign
 *   fix); Gaussian W_ij ~ N(0, weightStd^2 / N);
 * - input layer: orthogonal = weightStd * (orthonormal rows, uniform on the Stiefel manifold) when
 *   N <= inputSize, and weightStd * sqrt(N / inputSize) * (orthonormal columns) otherwise; Gaussian
 *   W_ij ~ N(0, weightStd^2 / inputSize). Either way (1/N)||W x||^2 ~ weightStd^2 ||x||^2 / inputSize,
 *   so q^1 = weightStd^2 q^0 + biasStd^2 (THEORY section 6 design);
 * - biases of layers 0..depth: N(0, biasStd^2);
 * - readout: W_ij ~ N(0, 1 / N), bias 0 (not part of the theory's Jacobian).
 * @module
 * @internal
 */
import { householder, haarFromGaussian } from '../linalg/kernels/qr.js';
import { Rng } from '../random/rng.js';
import type { WeightEnsemble } from '../spec.js';

/** Shapes and parameter offsets of the network. */
export interface NetworkLayout {
  /** Layer widths [inputSize, N (depth + 1 times), classes]; layer l maps sizes[l] -> sizes[l + 1]. */
  readonly sizes: readonly number[];
  /** Offset of W_l in the parameter vector. */
  readonly weightOffsets: readonly number[];
  /** Offset of b_l in the parameter vector. */
  readonly biasOffsets: readonly number[];
  /** Total number of parameters. */
  readonly parameterCount: number;
  /** Number of layers (depth + 2). */
  readonly layers: number;
}

export function networkLayout(inputSize: number, width: number, depth: number, classes: number): NetworkLayout {
  const sizes = [inputSize, ...Array.from({ length: depth + 1 }, () => width), classes];
  const weightOffsets: number[] = [];
  const biasOffsets: number[] = [];
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l] as number;
    const nOut = sizes[l + 1] as number;
    weightOffsets.push(off);
    off += nIn * nOut;
    biasOffsets.push(off);
    off += nOut;
  }
  return Object.freeze({ sizes: Object.freeze(sizes), weightOffsets: Object.freeze(weightOffsets), biasOffsets: Object.freeze(biasOffsets), parameterCount: off, layers: sizes.length - 1 });
}

/** What the initializer needs from a resolved spec. */
export interface InitSpec {
  readonly weights: WeightEnsemble;
  readonly weightStd: number;
  readonly biasStd: number;
}

/** Substream of layer l's weights and biases. */
const layerStream = (l: number): bigint => BigInt(l);

/** Draws the initial parameters (see the module header). */
export function initializeParameters(layout: NetworkLayout, spec: InitSpec, seed: bigint): Float64Array {
  const params = new Float64Array(layout.parameterCount);
  const last = layout.layers - 1;
  for (let l = 0; l < layout.layers; l++) {
    const nIn = layout.sizes[l] as number;
    const nOut = layout.sizes[l + 1] as number;
    const rng = new Rng(seed, layerStream(l));
    const w = params.subarray(layout.weightOffsets[l] as number, (layout.weightOffsets[l] as number) + nIn * nOut);
    if (l === last) {
      rng.fillNormal(w);
      scale(w, 1 / Math.sqrt(nIn));
      continue;
    }
    if (spec.weights === 'gaussian') {
      rng.fillNormal(w);
      scale(w, spec.weightStd / Math.sqrt(nIn));
    } else if (nIn === nOut) {
      rng.fillNormal(w);
      haarFromGaussian(nOut, w);
      scale(w, spec.weightStd);
    } else {
      orthonormalRowsOrColumns(nOut, nIn, rng, w);
      scale(w, spec.weightStd * Math.sqrt(Math.max(1, nOut / nIn)));
    }
    const b = params.subarray(layout.biasOffsets[l] as number, (layout.biasOffsets[l] as number) + nOut);
    rng.fillNormal(b);
    scale(b, spec.biasStd);
  }
  return params;
}

function scale(a: Float64Array, s: number): void {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) * s;
}

/**
 * A rows x cols matrix (row-major, into `out`) with orthonormal rows (rows <= cols) or orthonormal
 * columns (rows > cols), Haar-distributed on the Stiefel manifold: the thin Q of a tall Gaussian
 * matrix with the sign fix Q diag(sign(diag R)) (Mezzadri 2007).
 */
export function orthonormalRowsOrColumns(rows: number, cols: number, rng: Rng, out: Float64Array): void {
  const m = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const a = new Float64Array(m * k); // column-major m x k
  rng.fillNormal(a);
  thinQ(m, k, a);
  if (rows <= cols) {
    // Column-major m x k (Q) read row-major is k x m = Q^T: orthonormal rows.
    out.set(a);
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[i * k + j] = a[j * m + i] as number;
  }
}

/**
 * Columns j = c+1 .. k-1 of the column-major m x k array `a` <- H_c a_j, where H_c = I - t v v^T and
 * v = (1, a[c+1..m-1] of column c) is the reflector stored below the diagonal of column c.
 */
function applyReflectorToLaterColumns(a: Float64Array, m: number, k: number, c: number, t: number): void {
  const cc = c * m;
  // Invariant: columns < j already carry H_c.
  for (let j = c + 1; j < k; j++) {
    const cj = j * m;
    let w = a[cj + c] as number;
    for (let i = c + 1; i < m; i++) w += (a[cc + i] as number) * (a[cj + i] as number);
    w *= t;
    a[cj + c] = (a[cj + c] as number) - w;
    for (let i = c + 1; i < m; i++) a[cj + i] = (a[cj + i] as number) - w * (a[cc + i] as number);
  }
}

/** In place: column-major m x k (m >= k) Gaussian -> thin Q diag(sign(diag R)) by Householder QR. */
function thinQ(m: number, k: number, a: Float64Array): void {
  const tau = new Float64Array(k);
  const negative = new Uint8Array(k);
  for (let c = 0; c < k; c++) {
    const cc = c * m;
    const t = householder(a, cc + c, m - c);
    tau[c] = t;
    negative[c] = (a[cc + c] as number) < 0 ? 1 : 0;
    if (t === 0) continue;
    applyReflectorToLaterColumns(a, m, k, c, t);
  }
  // Backward accumulation of Q = H_0 ... H_{k-1} applied to the first k columns of I (dorg2r).
  for (let c = k - 1; c >= 0; c--) {
    const cc = c * m;
    const t = tau[c] as number;
    if (t !== 0) applyReflectorToLaterColumns(a, m, k, c, t);
    for (let i = c + 1; i < m; i++) a[cc + i] = -t * (a[cc + i] as number);
    a[cc + c] = 1 - t;
    for (let i = 0; i < c; i++) a[cc + i] = 0;
  }
  for (let c = 0; c < k; c++) {
    if (!negative[c]) continue;
    for (let i = 0; i < m; i++) a[c * m + i] = -(a[c * m + i] as number);
  }
}
