// Benchmark cases of the empirical area (format: bench/README.md): sampled-network Jacobian spectra.
//
// 1. One sample, width 512 and 1024, depth 32, tanh on its critical line at q* = 1/2, orthogonal and
//    Gaussian weights, against the same pipeline in numpy (QR per layer with the sign fix, products,
//    SVD values only), in the same run. Reference: numpy with 1 thread, so each ratio is time / numpy.
//    Targets (issue 5): orthogonal native <= 0.4x numpy, Gaussian <= 0.9x.
//    Variants: native = default schedule (BLAS 1 thread, next layer's random numbers drawn on a helper
//    thread); native-2threads = configure({ threads: 2 }) (OpenBLAS 2 threads, no helper); numpy,
//    numpy-2threads.
// 2. Throughput, 4 samples at width 512: samples in parallel on the libuv pool with single-threaded
//    BLAS (the default) against one sample at a time with 2 BLAS threads.
// 3. The JS backend against the same pipeline written with ml-matrix (QR + sign fix, mmul, SVD),
//    width 256, depth 32. Target: JS >= 2x faster (ratio ml-matrix / js >= 2).
import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';

import { configure, sampleJacobianSpectrum } from '../../dist/index.js';
import { nativeAddon } from '../../dist/backend/config.js';
import { Rng } from '../../dist/random/rng.js';

const SW2 = 1.6879751205775353; // tanh critical line at q* = 1/2 (reference cases.json)
const SB2 = 0.03804120111126847;
const QSTAR = 0.5;
const DEPTH = 32;

const spec = (weights) => ({ activation: 'tanh', weights, depth: DEPTH, weightStd: Math.sqrt(SW2), biasStd: Math.sqrt(SB2) });

const numpyPipeline = `
def pipeline(n, L, orth, seed=1, qstar=${QSTAR}, sw=${Math.sqrt(SW2)}, sb=${Math.sqrt(SB2)}):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    x *= np.sqrt(n * (qstar - sb ** 2) / sw ** 2) / np.linalg.norm(x)
    J = np.eye(n)
    for l in range(L):
        if orth:
            Q, R = np.linalg.qr(rng.standard_normal((n, n)))
            W = sw * (Q * np.sign(np.diag(R)))
        else:
            W = rng.standard_normal((n, n)) * (sw / np.sqrt(n))
        h = W @ x + sb * rng.standard_normal(n)
        x = np.tanh(h)
        d = 1.0 - x * x
        J = d[:, None] * (W @ J)
    return np.linalg.svd(J, compute_uv=False) ** 2
`;

function nativeVariant(weights, width, samples, threads) {
  return {
    env: { DYNAMICAL_ISOMETRY_THREADS: String(threads) },
    setup: () => {
      configure({ backend: 'native', threads });
      return spec(weights);
    },
    run: (s) => sampleJacobianSpectrum(s, { width, samples, seed: 1 }),
  };
}

function vsNumpy(weights, width) {
  const py = { setup: numpyPipeline, run: `pipeline(${width}, ${DEPTH}, ${weights === 'orthogonal' ? 'True' : 'False'})` };
  return {
    name: `jacobian-spectrum/${weights}/n=${width}/L=${DEPTH}`,
    group: 'jacobian-spectrum',
    reference: 'numpy',
    timeMs: 1,
    iterations: width >= 1024 ? 3 : 5,
    quick: width < 1024,
    variants: {
      native: nativeVariant(weights, width, 1, 1),
      'native-2threads': nativeVariant(weights, width, 1, 2),
      numpy: { threads: 1, python: py },
      'numpy-2threads': { threads: 2, python: py },
    },
  };
}

function throughput(weights, width, samples) {
  return {
    name: `jacobian-spectrum-throughput/${weights}/n=${width}/L=${DEPTH}/samples=${samples}`,
    group: 'jacobian-spectrum-throughput',
    reference: 'samples-parallel',
    timeMs: 1,
    iterations: 3,
    quick: false,
    variants: {
      // BLAS 1 thread: floor(cores / 1) samples at once on the libuv pool.
      'samples-parallel': nativeVariant(weights, width, samples, 1),
      // BLAS 2 threads: floor(cores / 2) = 1 sample at a time.
      'blas-2threads': nativeVariant(weights, width, samples, 2),
    },
  };
}

// The same pipeline with ml-matrix: the weights come from the library's JS stream (the draw does
// not change the cost), Haar by QR with Q diag(sign diag R).
function mlMatrixPipeline(n, L, orth) {
  const rng = new Rng(1n, 0n);
  const sw = Math.sqrt(SW2);
  const sb = Math.sqrt(SB2);
  const buf = new Float64Array(n * n);
  const x0 = new Float64Array(n);
  rng.fillNormal(x0);
  let norm = 0;
  for (const v of x0) norm += v * v;
  const scale = Math.sqrt((n * (QSTAR - SB2)) / SW2 / norm);
  let x = MlMatrix.columnVector(Array.from(x0, (v) => v * scale));
  let J = MlMatrix.eye(n, n);
  for (let l = 0; l < L; l++) {
    rng.fillNormal(buf);
    let W = MlMatrix.from1DArray(n, n, buf);
    if (orth) {
      const qr = new QrDecomposition(W);
      const Q = qr.orthogonalMatrix;
      const R = qr.upperTriangularMatrix;
      for (let j = 0; j < n; j++) if (R.get(j, j) < 0) Q.mulColumn(j, -1);
      W = Q.mul(sw);
    } else {
      W = W.mul(sw / Math.sqrt(n));
    }
    const h = W.mmul(x);
    const next = new MlMatrix(n, 1);
    J = W.mmul(J);
    for (let i = 0; i < n; i++) {
      const t = Math.tanh(h.get(i, 0) + sb * rng.nextNormal());
      next.set(i, 0, t);
      J.mulRow(i, 1 - t * t);
    }
    x = next;
  }
  const svd = new SingularValueDecomposition(J, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return svd.diagonal.map((s) => s * s);
}

function jsVsMlMatrix(weights, width) {
  return {
    name: `jacobian-spectrum-js/${weights}/n=${width}/L=${DEPTH}`,
    group: 'jacobian-spectrum-js',
    reference: 'js',
    timeMs: 1,
    iterations: 3,
    quick: true,
    variants: {
      js: {
        setup: () => {
          configure({ backend: 'js' });
          return spec(weights);
        },
        run: (s) => sampleJacobianSpectrum(s, { width, samples: 1, seed: 1 }),
      },
      'ml-matrix': { run: () => mlMatrixPipeline(width, DEPTH, weights === 'orthogonal') },
    },
  };
}

// 4. One orthogonal layer applied to an N x (N+1) matrix: Stewart reflectors applied in compact-WY
//    blocks of 64 (the library's choice), the same reflectors through LAPACK dormqr (blocks of 32),
//    and numpy's way (QR of a Gaussian matrix, sign fix, Q @ A).
function haarLayer(n) {
  const apply = (ormqr) => ({
    env: { DYNAMICAL_ISOMETRY_THREADS: '1' },
    setup: () => {
      configure({ backend: 'native', threads: 1 });
      return new Float64Array(n * (n + 1)).fill(1);
    },
    run: (a) => nativeAddon().empiricalHaarApply(n, 1n, 0n, a, n + 1, 64, ormqr),
  });
  return {
    name: `haar-layer/n=${n}`,
    group: 'haar-layer',
    reference: 'numpy-qr',
    timeMs: 1500,
    iterations: 5,
    quick: true,
    variants: {
      'stewart-wy64': apply(false),
      'stewart-dormqr': apply(true),
      'numpy-qr': {
        threads: 1,
        python: {
          setup: `g = np.random.default_rng(1)\na = np.ones((${n}, ${n + 1}))`,
          run: `q, r = np.linalg.qr(g.standard_normal((${n}, ${n})))\nq = q * np.sign(np.diag(r))\nb = q @ a`,
        },
      },
    },
  };
}

export default [
  haarLayer(1024),
  vsNumpy('orthogonal', 512),
  vsNumpy('gaussian', 512),
  vsNumpy('orthogonal', 1024),
  vsNumpy('gaussian', 1024),
  throughput('orthogonal', 512, 4),
  throughput('gaussian', 512, 4),
  jsVsMlMatrix('orthogonal', 256),
  jsVsMlMatrix('gaussian', 256),
];
