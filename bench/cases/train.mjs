// Benchmark cases of the train area (format: bench/README.md). One SGD step of a depth-50, width-256
// tanh network (input 784 -> 256, 50 hidden 256 x 256 layers, readout 256 -> 10) on a batch of 128,
// against its floating-point work at the machine's dgemm rate measured in the same run:
//
//   dgemm-bound   the step's matrix products alone, as plain dgemm calls of the same shapes and
//                 total flops (3 per layer: forward, weight gradient, input gradient; none for the
//                 input gradient of layer 0): the time a step would take at dgemm speed. Reference.
//   native        one training step (forward, backward, update) on the native backend.
//   js            the same step on the pure-JS backend.
//
// time / dgemm-bound is the inverse of the efficiency: <= 2 means >= 50% of the dgemm bound (the
// target of issue 7). The rate column is flop/s (perRun = the step's flops). Because the variants
// run in separate processes on a shared machine, the native and js variants also report (info) an
// interleaved measurement in one process: median step time, median bound time, efficiency = their ratio.
import { configure } from '../../dist/index.js';
import { linalgBackend } from '../../dist/linalg/backend.js';
import { flopsPerStep, prepareRun } from '../../dist/train/trainer.js';

const DEPTH = 50;
const WIDTH = 256;
const BATCH = 128;
const INPUT = 784;
const CLASSES = 10;
const EXAMPLES = 1024;

function synthetic() {
  // Deterministic inputs (the cost of a step does not depend on the values).
  const inputs = new Float64Array(EXAMPLES * INPUT);
  for (let i = 0; i < inputs.length; i++) inputs[i] = Math.sin(i * 0.7) + 0.3 * Math.cos(i * 1.3);
  const labels = Array.from({ length: EXAMPLES }, (_, i) => i % CLASSES);
  return { inputs, labels, inputSize: INPUT, classes: CLASSES };
}

function trainer(backend) {
  return () => {
    configure({ backend, threads: 1 });
    const { run } = prepareRun(
      { activation: 'tanh', weights: 'orthogonal', depth: DEPTH, qStar: 0.025921 },
      { dataset: synthetic(), width: WIDTH, batchSize: BATCH, learningRate: 1e-3, seed: 1 },
    );
    const indices = new Int32Array(BATCH);
    for (let i = 0; i < BATCH; i++) indices[i] = (i * 7) % run.problem.trainLabels.length;
    return { run, indices, losses: new Float64Array(1) };
  };
}

const step = ({ run, indices, losses }) => run.engine.steps(run.problem, run.state, indices, 1, losses);

// Shapes (m, k, n) of the step's products, c (m x n) = a (m x k) b (k x n).
function shapes() {
  const sizes = [INPUT, ...Array.from({ length: DEPTH + 1 }, () => WIDTH), CLASSES];
  const out = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    out.push([BATCH, nIn, nOut]); // forward
    out.push([nOut, BATCH, nIn]); // weight gradient
    if (l > 0) out.push([BATCH, nOut, nIn]); // input gradient
  }
  return out;
}

function boundSetup() {
  const be = linalgBackend();
  const calls = shapes().map(([m, k, n]) => ({
    m,
    k,
    n,
    a: new Float64Array(m * k).fill(0.5),
    b: new Float64Array(k * n).fill(0.25),
    c: new Float64Array(m * n),
  }));
  return { be, calls };
}

async function boundRun({ be, calls }) {
  for (const c of calls) await be.matmul(c.m, c.k, c.n, c.a, c.b, c.c);
}

const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

// The machine is shared: besides tinybench's numbers (separate processes, maybe different load),
// measure step and dgemm bound interleaved in this process, and report their ratio.
async function interleaved(state, reps) {
  configure({ backend: 'native', threads: 1 });
  const bound = boundSetup();
  configure({ backend: state.run.engine.backend, threads: 1 });
  const stepMs = [];
  const boundMs = [];
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    await step(state);
    stepMs.push(performance.now() - t);
    t = performance.now();
    await boundRun(bound);
    boundMs.push(performance.now() - t);
  }
  const s = median(stepMs);
  const b = median(boundMs);
  return { backend: state.run.engine.backend, interleavedStepMs: s, interleavedBoundMs: b, efficiency: b / s };
}

const sizesForFlops = { sizes: [INPUT, ...Array.from({ length: DEPTH + 1 }, () => WIDTH), CLASSES], layers: DEPTH + 2 };
const FLOPS = flopsPerStep(sizesForFlops, BATCH);

export default [
  {
    name: `train-step/depth=${DEPTH}/width=${WIDTH}/batch=${BATCH}`,
    group: 'train-step',
    reference: 'dgemm-bound',
    perRun: FLOPS,
    unit: 'flop',
    timeMs: 1500,
    iterations: 3,
    variants: {
      'dgemm-bound': {
        setup: () => {
          configure({ backend: 'native', threads: 1 });
          return boundSetup();
        },
        run: boundRun,
        info: () => ({ flopsPerStep: FLOPS, products: shapes().length }),
      },
      native: { setup: trainer('native'), run: step, info: (state) => interleaved(state, 7) },
      js: { setup: trainer('js'), run: step, info: (state) => interleaved(state, 3) },
    },
  },
];
