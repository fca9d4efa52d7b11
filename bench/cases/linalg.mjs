// Benchmark cases of the linalg area (format: bench/README.md). Reference variant: 'native'
// (ratios are time / native time). Inputs are Gaussian matrices from the library's seeded stream
// (numpy draws its own: the cost of these factorizations does not depend on the particular draw).
import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { SVD as svdJs } from 'svd-js';

import { configure, gaussianMatrix, haarOrthogonal, matmul, singularValues, standardNormal, svd } from '../../dist/index.js';
import { linalgBackend } from '../../dist/linalg/backend.js';

const lib = (backend) => () => {
  configure({ backend });
};

async function gaussian(n, seed = 1) {
  configure({ backend: 'js' });
  const g = await gaussianMatrix(n, n, { seed });
  return g;
}

function toRows(m) {
  const rows = [];
  for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return rows;
}

// ---- standard normals -----------------------------------------------------------------------
const NORMALS = 10_000_000;
const normals = {
  name: `normals/${NORMALS / 1e6}M`,
  group: 'normals',
  perRun: NORMALS,
  unit: 'normals',
  timeMs: 2000,
  iterations: 5,
  variants: {
    native: { setup: lib('native'), run: () => standardNormal(NORMALS, { seed: 1 }) },
    'native-fill': {
      setup: () => {
        configure({ backend: 'native' });
        return new Float64Array(NORMALS);
      },
      run: (out) => linalgBackend().fillNormal(1n, 0n, out),
    },
    js: { setup: lib('js'), run: () => standardNormal(NORMALS, { seed: 1 }) },
    'js-fill': {
      setup: () => {
        configure({ backend: 'js' });
        return new Float64Array(NORMALS);
      },
      run: (out) => linalgBackend().fillNormal(1n, 0n, out),
    },
    numpy: { python: { setup: `g = np.random.default_rng(1)`, run: `g.standard_normal(${NORMALS})` } },
    'numpy-out': { python: { setup: `g = np.random.default_rng(1)\nx = np.empty(${NORMALS})`, run: `g.standard_normal(out=x)` } },
  },
};

// ---- singular values ------------------------------------------------------------------------
function svdCase(n, { peers = true, threads = false } = {}) {
  const variants = {
    native: {
      setup: async () => {
        const a = await gaussian(n);
        configure({ backend: 'native', threads: 1 });
        return a;
      },
      run: (a) => singularValues(a),
    },
  };
  if (threads) {
    variants['native-2threads'] = {
      setup: async () => {
        const a = await gaussian(n);
        configure({ backend: 'native', threads: 2 });
        return a;
      },
      run: (a) => singularValues(a),
    };
  }
  if (peers) {
    variants.js = {
      setup: async () => {
        const a = await gaussian(n);
        configure({ backend: 'js' });
        return a;
      },
      run: (a) => singularValues(a),
    };
    variants['ml-matrix'] = {
      setup: async () => new MlMatrix(toRows(await gaussian(n))),
      run: (m) =>
        new SingularValueDecomposition(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true })
          .diagonal,
    };
    variants['svd-js'] = {
      setup: async () => toRows(await gaussian(n)),
      run: (rows) => svdJs(rows, false, false).q,
    };
  }
  variants.numpy = {
    threads: 1,
    python: { setup: `a = np.random.default_rng(1).standard_normal((${n}, ${n}))`, run: `np.linalg.svd(a, compute_uv=False)` },
  };
  if (threads) {
    variants['numpy-2threads'] = {
      threads: 2,
      python: { setup: `a = np.random.default_rng(1).standard_normal((${n}, ${n}))`, run: `np.linalg.svd(a, compute_uv=False)` },
    };
  }
  return {
    name: `svd-values/n=${n}`,
    group: 'svd-values',
    timeMs: n >= 1024 ? 1500 : 2000,
    iterations: n >= 1024 ? 2 : 5,
    quick: n <= 512,
    variants,
  };
}

// ---- Haar sampling (normals + QR + sign fix) --------------------------------------------------
function haarCase(n, { peers = true, threads = false } = {}) {
  const variants = {
    native: { setup: () => configure({ backend: 'native', threads: 1 }), run: () => haarOrthogonal(n, { seed: 1 }) },
  };
  if (threads) {
    variants['native-2threads'] = { setup: () => configure({ backend: 'native', threads: 2 }), run: () => haarOrthogonal(n, { seed: 1 }) };
  }
  if (peers) {
    variants.js = { setup: lib('js'), run: () => haarOrthogonal(n, { seed: 1 }) };
    variants['ml-matrix'] = {
      // Gaussian matrix from the JS stream, QR by ml-matrix, Q diag(sign diag R).
      setup: lib('js'),
      run: async () => {
        const g = await gaussianMatrix(n, n, { seed: 1 });
        const qr = new QrDecomposition(new MlMatrix(toRows(g)));
        const q = qr.orthogonalMatrix;
        const r = qr.upperTriangularMatrix;
        for (let j = 0; j < n; j++) if (r.get(j, j) < 0) for (let i = 0; i < n; i++) q.set(i, j, -q.get(i, j));
        return q;
      },
    };
  }
  const py = {
    setup: `g = np.random.default_rng(1)`,
    run: `q, r = np.linalg.qr(g.standard_normal((${n}, ${n})))\nq *= np.sign(np.diag(r))`,
  };
  variants.numpy = { threads: 1, python: py };
  if (threads) variants['numpy-2threads'] = { threads: 2, python: py };
  return {
    name: `haar/n=${n}`,
    group: 'haar',
    timeMs: n >= 1024 ? 1500 : 2000,
    iterations: n >= 1024 ? 2 : 5,
    quick: n <= 512,
    variants,
  };
}

// ---- matrix product ---------------------------------------------------------------------------
function matmulCase(n) {
  const both = async () => [await gaussian(n, 1), await gaussian(n, 2)];
  return {
    name: `matmul/n=${n}`,
    group: 'matmul',
    variants: {
      native: {
        setup: async () => {
          const ab = await both();
          configure({ backend: 'native', threads: 1 });
          return ab;
        },
        run: ([a, b]) => matmul(a, b),
      },
      js: {
        setup: async () => {
          const ab = await both();
          configure({ backend: 'js' });
          return ab;
        },
        run: ([a, b]) => matmul(a, b),
      },
      'ml-matrix': {
        setup: async () => (await both()).map((m) => new MlMatrix(toRows(m))),
        run: ([a, b]) => a.mmul(b),
      },
      numpy: {
        threads: 1,
        python: { setup: `g = np.random.default_rng(1)\na = g.standard_normal((${n}, ${n}))\nb = g.standard_normal((${n}, ${n}))`, run: `a @ b` },
      },
    },
  };
}

// ---- full SVD (vectors) ---------------------------------------------------------------------
function svdVectorsCase(n) {
  return {
    name: `svd-vectors/n=${n}`,
    group: 'svd-vectors',
    timeMs: 1000,
    iterations: 3,
    quick: n <= 256,
    variants: {
      native: {
        setup: async () => {
          const a = await gaussian(n);
          configure({ backend: 'native', threads: 1 });
          return a;
        },
        run: (a) => svd(a),
      },
      js: {
        setup: async () => {
          const a = await gaussian(n);
          configure({ backend: 'js' });
          return a;
        },
        run: (a) => svd(a),
      },
      'ml-matrix': { setup: async () => new MlMatrix(toRows(await gaussian(n))), run: (m) => new SingularValueDecomposition(m) },
      'svd-js': { setup: async () => toRows(await gaussian(n)), run: (rows) => svdJs(rows, true, true) },
      numpy: {
        threads: 1,
        python: { setup: `a = np.random.default_rng(1).standard_normal((${n}, ${n}))`, run: `np.linalg.svd(a, full_matrices=False)` },
      },
    },
  };
}

export default [
  normals,
  svdCase(256),
  svdCase(512),
  svdCase(1024),
  svdCase(400, { peers: false, threads: true }),
  { ...svdCase(1024, { peers: false, threads: true }), name: 'svd-values/n=1024/threads' },
  haarCase(512),
  haarCase(1024),
  haarCase(400, { peers: false, threads: true }),
  { ...haarCase(1024, { peers: false, threads: true }), name: 'haar/n=1024/threads' },
  svdVectorsCase(256),
  svdVectorsCase(512),
  matmulCase(512),
];
