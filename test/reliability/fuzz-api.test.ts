/**
 * Property-based fuzzing of every public function of lib/index.ts: valid arguments with up to two
 * adversarial edits (wrong types, NaN, +-Infinity, -0, extremes, non-integers, empty and oversized
 * arrays, unknown option keys, custom activations that throw or return NaN). Every call must end in
 * a result whose numbers are all finite (except NaN or Infinity fields documented by name) with no
 * negative density, or in a typed error (library class, known code, the parameter named); a call
 * with the unedited valid arguments must return a result (or the one rejection its case documents).
 * A hang fails through the test timeout.
 * Seeds are pinned (FC_SEED); numRuns are bounded so the folder stays well under a minute.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import * as di from '../../lib/index.js';
import { hasNative } from '../helpers/backends.js';
import { FC_SEED, adversarialNumber, contract, mutated, recordFigure, show } from './harness.js';

const activationArb = fc.constantFrom<unknown>('tanh', 'relu', 'hard-tanh', 'erf', 'linear', 'sigmoid', { name: 'leaky-relu', slope: 0.1 }, {
  phi: Math.tanh,
  dphi: (x: number) => 1 - Math.tanh(x) ** 2,
  name: 'custom-tanh',
});
/**
 * Largest weightStd with a finite fixed point of the length map: linear needs weightStd^2 < 1,
 * relu-like ones weightStd^2 < 2 / (1 + slope^2) (beyond, ERR_DI_NO_FIXED_POINT is the documented
 * outcome, not a valid call); 1% inside the boundary. Bounded activations take the whole range.
 */
function maxWeightStd(activation: unknown): number {
  if (activation === 'linear') return 0.99;
  if (activation === 'relu') return 0.99 * Math.SQRT2;
  if (activation && typeof activation === 'object' && (activation as { name?: string }).name === 'leaky-relu') return 0.99 * Math.sqrt(2 / (1 + 0.1 ** 2));
  return 3;
}
/** sigmoid has no critical point at any q* (E[phi^2] >= 1/4 is too large: ERR_DI_NO_CRITICAL_POINT), so it is not a valid criticalPoint activation. */
const criticalActivationArb = activationArb.filter((a) => a !== 'sigmoid');
const smoothBuiltin = fc.constantFrom('tanh', 'erf', 'hard-tanh', 'relu', 'linear');
const std = fc.double({ min: 0.05, max: 3, noNaN: true });
const qStar = fc.double({ min: 1e-3, max: 4, noNaN: true });
const spec = fc.record({
  activation: smoothBuiltin,
  weights: fc.constantFrom('gaussian', 'orthogonal'),
  depth: fc.integer({ min: 1, max: 12 }),
  qStar,
});
const smallMatrix = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 1, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.float64Array({ minLength: rows * cols, maxLength: rows * cols, noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }).map((data) => ({ rows, cols, data })),
  );

interface Case {
  name: string;
  valid: fc.Arbitrary<unknown[]>;
  call: (args: unknown[]) => unknown;
  runs: number;
  /** Adversarial values to use (default: any value; scalar math helpers take any number). */
  values?: fc.Arbitrary<unknown>;
  /** Result paths where NaN is documented (e.g. biasStd NaN where no critical point exists). */
  nanAllowed?: RegExp;
  /** Result paths where +-Infinity is documented (every other number must be finite). */
  infinityAllowed?: RegExp;
  /**
   * The one rejection that valid base arguments may end in, with the reason; without it a valid
   * call must return a result.
   */
  validMayReject?: { is: (e: unknown) => boolean; why: string };
}

const anyFn = (f: unknown) => f as (...a: unknown[]) => unknown;
// d2Moment / d2Cauchy take a law made by d2Law and trust its fields: only their scalar arguments are fuzzed
const tanhLaw = di.d2Law({ activation: 'tanh', qStar: 0.5 });
const tinyDataset = di.splitDataset({ inputs: Float64Array.from({ length: 16 * 4 }, (_, i) => Math.sin(i)), labels: Int32Array.from({ length: 16 }, (_, i) => i % 2), inputSize: 4, classes: 2 });
/** Adds a 1-second AbortSignal to an options object (fuzzed sizes can make a valid run long). */
const withTimeout = (o: unknown) => {
  if (o === undefined) return { signal: AbortSignal.timeout(1000) }; // the defaults train on MNIST for 1000 steps
  return o && typeof o === 'object' && !Array.isArray(o) && !('signal' in o) ? { ...o, signal: AbortSignal.timeout(1000) } : o;
};
/** What withTimeout adds to the outcomes of a valid call. */
const cutByTimeout: Case['validMayReject'] = { is: (e) => e instanceof di.AbortError, why: 'the 1 s timeout signal may cut a valid run on a loaded machine' };

const lineSpec = di.lineChart({ xTitle: 'x', yTitle: 'y', series: [{ label: 'a', x: [1, 2, 3], y: [1, 4, 9] }] });
const tinySvg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="#4c78a8"/></svg>';
const plotDir = mkdtempSync(join(tmpdir(), 'di-fuzz-plot-'));
const reproduceDir = join(plotDir, 'reproduce-must-not-exist');
/** A CIFAR-10 folder in the binary layout, two records per file (the missing-file error is test/train/datasets.test.ts). */
const cifarDir = join(plotDir, 'cifar-10-batches-bin');
mkdirSync(cifarDir);
for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
  const records = Buffer.alloc(2 * 3073, 128);
  records[0] = 3;
  records[3073] = 9;
  writeFileSync(join(cifarDir, `${f}.bin`), records);
}
/** A LearningSpeedResult as learningSpeed returns it (what learningSpeedMarkdown formats), without running one. */
const speedResult = {
  settings: { dataset: 'tiny', trainCount: 13, testCount: 3, depth: 2, width: 4, optimizer: 'sgd', batchSize: 2, learningRates: [0.01, 0.1], seeds: 1, steps: 2, evalSteps: [1, 2], targetAccuracy: 0.8, backend: 'js' },
  entries: [
    { label: 'tanh', spec: { activation: 'tanh', weights: 'orthogonal', depth: 2, weightStd: 1.05, biasStd: 0.1, qStar: 0.5 }, theory: { variance: 0.1, lambdaMax: 1.2 }, bestLearningRate: 0.1, taus: [null], medianTau: null, grid: [{ learningRate: 0.1, bestTestAccuracy: 0.5 }], curve: [] },
    { label: 'relu', spec: { activation: 'relu', weights: 'gaussian', depth: 2, weightStd: 1.41, biasStd: 0, qStar: 1 }, theory: { error: 'n/a' }, bestLearningRate: 0.01, taus: [2], medianTau: 2, grid: [{ learningRate: 0.01, bestTestAccuracy: NaN }], curve: [] },
  ],
  findings: ['none'],
  seconds: 1.5,
};
let reproduceStarted = 0;
/**
 * reproduceLearningSpeed with an already-aborted signal (unless the fuzzer put another value there)
 * and a progress callback that counts runs: argument errors must come first, a fully valid call ends
 * in an AbortError, and nothing may train, write the output folder or resolve.
 */
async function reproduceOnlyValidates(args: unknown[]): Promise<unknown> {
  const a = args.slice();
  const o = a[0];
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    const opts = { ...(o as Record<string, unknown>) };
    if (opts.signal === undefined) opts.signal = AbortSignal.abort();
    if (opts.onProgress === undefined) opts.onProgress = () => reproduceStarted++;
    a[0] = opts;
  }
  const before = reproduceStarted;
  try {
    await anyFn(di.reproduceLearningSpeed)(...a);
  } finally {
    if (reproduceStarted !== before) throw new Error('reproduceLearningSpeed started training');
    if (existsSync(reproduceDir)) throw new Error('reproduceLearningSpeed wrote its output folder');
  }
  throw new Error('reproduceLearningSpeed resolved: it ran an experiment');
}

const cases: Case[] = [
  {
    name: 'meanField',
    valid: fc.tuple(
      activationArb.chain((activation) =>
        fc.record({ activation: fc.constant(activation), weightStd: fc.double({ min: 0.05, max: maxWeightStd(activation), noNaN: true }), biasStd: fc.double({ min: 0, max: 1, noNaN: true }) }),
      ),
    ),
    call: (a) => anyFn(di.meanField)(...a),
    runs: 150,
    nanAllowed: /\.(qStar|ePhi2|cStar|chiC)$/,
    // MeanFieldResult documents xi = -1/ln(slope) as Infinity at slope 1: xiQ at a marginal
    // (identity) length map, xiC on the critical line. Every other field must be finite.
    infinityAllowed: /^result\.(xiQ|xiC)$/,
  },
  { name: 'criticalPoint', valid: fc.tuple(fc.record({ activation: criticalActivationArb, qStar })), call: (a) => anyFn(di.criticalPoint)(...a), runs: 150, nanAllowed: /\.qStar$/ },
  { name: 'criticalLine', valid: fc.tuple(fc.record({ activation: activationArb, qStar: fc.constant([0.01, 2]), points: fc.integer({ min: 2, max: 8 }) })), call: (a) => anyFn(di.criticalLine)(...a), runs: 60, nanAllowed: /\.biasStd\[\d+\]$/ },
  {
    name: 'phaseDiagram',
    valid: fc.tuple(fc.record({ activation: smoothBuiltin, weightStd: fc.constant([0.5, 2]), biasStd: fc.constant([0, 0.5]), resolution: fc.integer({ min: 2, max: 4 }) })),
    call: (a) => anyFn(di.phaseDiagram)(...a),
    runs: 40,
    nanAllowed: /\.(qStar|chi|phase)\[\d+\]$/,
  },
  { name: 'dphiMoment', valid: fc.tuple(activationArb, qStar, fc.integer({ min: 1, max: 4 })), call: (a) => anyFn(di.dphiMoment)(...a), runs: 150 },
  { name: 'phiSquaredMoment', valid: fc.tuple(activationArb, qStar), call: (a) => anyFn(di.phiSquaredMoment)(...a), runs: 150 },
  { name: 'resolveActivation', valid: fc.tuple(activationArb), call: (a) => anyFn(di.resolveActivation)(...a), runs: 150 },
  { name: 'evaluateActivation', valid: fc.tuple(activationArb, fc.float64Array({ maxLength: 20, noNaN: true, noDefaultInfinity: true })), call: (a) => anyFn(di.evaluateActivation)(...a), runs: 150 },
  { name: 'resolveNetworkSpec', valid: fc.tuple(spec), call: (a) => anyFn(di.resolveNetworkSpec)(...a), runs: 150, nanAllowed: /\.qStar$/ },
  { name: 'd2Law', valid: fc.tuple(fc.record({ activation: smoothBuiltin, qStar })), call: (a) => anyFn(di.d2Law)(...a), runs: 100 },
  {
    name: 'd2Moment',
    valid: fc.tuple(fc.integer({ min: 1, max: 5 })),
    call: (a) => anyFn(di.d2Moment)(tanhLaw, ...a),
    runs: 100,
  },
  {
    name: 'd2Cauchy',
    valid: fc.tuple(fc.double({ min: -2, max: 3, noNaN: true }), fc.double({ min: 1e-3, max: 2, noNaN: true })),
    call: (a) => anyFn(di.d2Cauchy)(tanhLaw, ...a),
    runs: 100,
  },
  { name: 'spectralDensity', valid: fc.tuple(spec, fc.record({ points: fc.integer({ min: 2, max: 24 }), cdf: fc.boolean() })), call: (a) => anyFn(di.spectralDensity)(...a), runs: 60 },
  {
    name: 'sampleJacobianSpectrum',
    valid: fc.tuple(spec, fc.record({ width: fc.integer({ min: 1, max: 12 }), samples: fc.integer({ min: 1, max: 3 }), seed: fc.nat() })),
    call: (a) => anyFn(di.sampleJacobianSpectrum)(...a),
    runs: 60,
  },
  {
    name: 'jacobianSpectrumDistance',
    valid: fc.tuple(fc.float64Array({ minLength: 1, maxLength: 30, min: 0, max: 3, noNaN: true }), fc.constant({ cdf: (x: number) => Math.min(1, Math.max(0, x / 3)) }), fc.constant({})),
    call: (a) => anyFn(di.jacobianSpectrumDistance)(...a),
    runs: 150,
  },
  { name: 'standardNormal', valid: fc.tuple(fc.integer({ min: 0, max: 50 }), fc.record({ seed: fc.nat(), stream: fc.nat() })), call: (a) => anyFn(di.standardNormal)(...a), runs: 150 },
  { name: 'Rng', valid: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 100n })), call: (a) => new (di.Rng as unknown as new (...x: unknown[]) => di.Rng)(...a).nextNormal(), runs: 150 },
  { name: 'gaussianMatrix', valid: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.record({ seed: fc.nat(), std: std })), call: (a) => anyFn(di.gaussianMatrix)(...a), runs: 150 },
  { name: 'haarOrthogonal', valid: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.record({ seed: fc.nat() })), call: (a) => anyFn(di.haarOrthogonal)(...a), runs: 150 },
  { name: 'singularValues', valid: fc.tuple(smallMatrix), call: (a) => anyFn(di.singularValues)(...a), runs: 150 },
  { name: 'svd', valid: fc.tuple(smallMatrix, fc.record({ vectors: fc.boolean() })), call: (a) => anyFn(di.svd)(...a), runs: 150 },
  { name: 'matmul', valid: fc.tuple(smallMatrix).chain(([m]) => fc.tuple(fc.constant(m), fc.constant({ rows: m.cols, cols: 2, data: new Float64Array(m.cols * 2).fill(0.5) }))), call: (a) => anyFn(di.matmul)(...a), runs: 150 },
  { name: 'erf', valid: fc.tuple(fc.double({ noNaN: true })), call: (a) => anyFn(di.erf)(...a), runs: 100, values: adversarialNumber, nanAllowed: /^result$/ },
  { name: 'erfc', valid: fc.tuple(fc.double({ noNaN: true })), call: (a) => anyFn(di.erfc)(...a), runs: 100, values: adversarialNumber, nanAllowed: /^result$/ },
  { name: 'densityHistogram', valid: fc.tuple(fc.float64Array({ minLength: 1, maxLength: 40, min: 0, max: 5, noNaN: true }), fc.record({ bins: fc.integer({ min: 1, max: 10 }), scale: fc.constantFrom('linear', 'log') })), call: (a) => anyFn(di.densityHistogram)(...a), runs: 150 },
  { name: 'formatLabelNumber', valid: fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true })), call: (a) => anyFn(di.formatLabelNumber)(...a), runs: 100, values: adversarialNumber },
  { name: 'plotFormat', valid: fc.tuple(fc.constantFrom('a.svg', 'b.png', 'C.PNG')), call: (a) => anyFn(di.plotFormat)(...a), runs: 60 },
  {
    name: 'splitDataset',
    valid: fc.tuple(
      fc.record({ inputs: fc.constant(new Float64Array(40).fill(0.25)), labels: fc.constant(Int32Array.from({ length: 10 }, (_, i) => i % 2)), inputSize: fc.constant(4), classes: fc.constant(2) }),
      fc.record({ testFraction: fc.constant(0.2) }),
    ),
    call: (a) => anyFn(di.splitDataset)(...a),
    runs: 100,
  },
  {
    // a long (valid) run is cut by a 1 s signal: an AbortError is a documented outcome
    name: 'train',
    valid: fc.tuple(spec.map((x) => ({ ...x, depth: Math.min(x.depth, 3) })), fc.record({ dataset: fc.constant(tinyDataset), width: fc.integer({ min: 1, max: 8 }), steps: fc.integer({ min: 1, max: 4 }), batchSize: fc.integer({ min: 1, max: 4 }), seed: fc.nat() })),
    call: (a) => anyFn(di.train)(a[0], withTimeout(a[1])),
    runs: 25,
    validMayReject: cutByTimeout,
  },
  {
    name: 'learningSpeed',
    valid: fc.tuple(fc.record({ dataset: fc.constant(tinyDataset), depth: fc.constant(2), width: fc.constant(4), steps: fc.constant(2), seeds: fc.constant(1), learningRates: fc.constant([0.01]), batchSize: fc.constant(2), configs: fc.constant([{ spec: { activation: 'tanh', weights: 'orthogonal', qStar: 0.5 } }]) })),
    call: (a) => anyFn(di.learningSpeed)(withTimeout(a[0])),
    runs: 30,
    validMayReject: cutByTimeout,
    nanAllowed: /\.(tau|median\w*|best\w*)$/,
  },
  { name: 'resolveDataset', valid: fc.tuple(fc.constant({ inputs: new Float64Array(40).fill(0.25), labels: Int32Array.from({ length: 10 }, (_, i) => i % 2), inputSize: 4, classes: 2 })), call: (a) => anyFn(di.resolveDataset)(...a), runs: 60 },
  { name: 'loadCifar10', valid: fc.tuple(fc.constant(cifarDir), fc.record({ trainBatches: fc.integer({ min: 1, max: 5 }) })), call: (a) => anyFn(di.loadCifar10)(...a), runs: 40 },
  {
    name: 'densityChart',
    valid: fc.tuple(fc.record({ curves: fc.constant([{ label: 'theory', x: Float64Array.of(0.1, 0.5, 1), density: Float64Array.of(0.2, 1, 0.3) }]), scale: fc.constantFrom('linear', 'log') })),
    call: (a) => anyFn(di.densityChart)(...a),
    runs: 60,
  },
  {
    name: 'lineChart',
    valid: fc.tuple(fc.record({ xTitle: fc.constant('x'), yTitle: fc.constant('y'), series: fc.constant([{ label: 'a', x: [1, 2, 3], y: [1, 4, 9] }]), xLog: fc.boolean() })),
    call: (a) => anyFn(di.lineChart)(...a),
    runs: 60,
  },
  { name: 'logEvalSteps', valid: fc.tuple(fc.integer({ min: 1, max: 5000 })), call: (a) => anyFn(di.logEvalSteps)(...a), runs: 100 },
  {
    name: 'phaseDiagramChart',
    valid: fc.tuple(
      fc.record({
        grid: fc.constant({ weightVariance: [0.5, 1, 2], biasVariance: [0, 0.1], chi: Float64Array.of(0.5, 1, 2, 0.6, 1.1, 2.2) }),
        criticalLine: fc.constant({ label: 'χ = 1', weightVariance: [1, 1.2], biasVariance: [0, 0.1] }),
        title: fc.constant('phase'),
      }),
    ),
    call: (a) => anyFn(di.phaseDiagramChart)(...a),
    runs: 100,
  },
  {
    name: 'panelGrid',
    valid: fc.tuple(fc.constant([lineSpec, lineSpec]), fc.integer({ min: 1, max: 3 }), fc.constant('two panels'), fc.constantFrom<unknown>('sub', ['a', 'b'], undefined)),
    call: (a) => anyFn(di.panelGrid)(...a),
    runs: 100,
  },
  // rendering costs ~0.1 s per chart: fewer runs
  { name: 'renderSvg', valid: fc.tuple(fc.constant(lineSpec)), call: (a) => anyFn(di.renderSvg)(...a), runs: 30 },
  { name: 'svgToPng', valid: fc.tuple(fc.constant(tinySvg), fc.constantFrom(0.5, 1, 2)), call: (a) => anyFn(di.svgToPng)(...a), runs: 60 },
  {
    name: 'writePlot',
    valid: fc.tuple(fc.constant(lineSpec), fc.constantFrom('a.svg', 'b.png').map((f) => join(plotDir, f))),
    call: (a) => anyFn(di.writePlot)(...a),
    runs: 30,
  },
  // reads the mnist package's files once (cached); a valid call still splits 10,000 digits (~0.5 s)
  { name: 'loadMnist', valid: fc.tuple(fc.record({ testFraction: fc.constantFrom(0.1, 0.5), seed: fc.nat() })), call: (a) => anyFn(di.loadMnist)(...a), runs: 12 },
  { name: 'learningSpeedMarkdown', valid: fc.tuple(fc.constant(speedResult)), call: (a) => anyFn(di.learningSpeedMarkdown)(...a), runs: 150 },
  {
    // validation only: the call never trains (see reproduceOnlyValidates) and must always reject
    name: 'reproduceLearningSpeed',
    valid: fc.tuple(
      fc.record({
        outDir: fc.constant(reproduceDir),
        quick: fc.boolean(),
        experiment: fc.record({ dataset: fc.constant(tinyDataset), depth: fc.constant(2), width: fc.constant(4), steps: fc.constant(2), seeds: fc.constant(1), learningRates: fc.constant([0.01]), batchSize: fc.constant(2) }),
        signal: fc.constant(AbortSignal.abort()),
      }),
    ),
    call: (a) => reproduceOnlyValidates(a),
    runs: 100,
    // the signal is aborted before the call, so a valid call must end in exactly this error
    validMayReject: { is: (e) => e instanceof di.AbortError, why: 'the already-aborted signal is the valid outcome' },
  },
];

let total = 0;

describe('every public function keeps its contract under fuzzed arguments', () => {
  for (const c of cases) {
    it(`${c.name}`, async () => {
      let runs = 0;
      let validRuns = 0;
      await fc.assert(
        fc.asyncProperty(mutated(c.valid, c.values), async ({ args, edits }) => {
          runs++;
          if (process.env.DI_FUZZ_TRACE) appendFileSync(process.env.DI_FUZZ_TRACE, `${c.name} ${edits.join('; ')} | ${args.map(show).join(', ')}\n`);
          const valid = edits.length === 0;
          if (valid) validRuns++;
          const r = await contract(() => c.call(args), { nan: c.nanAllowed, infinity: c.infinityAllowed, valid, validMayReject: c.validMayReject?.is });
          if (r.problem) throw new Error(`${c.name}: ${r.problem}; edits: ${edits.join('; ') || 'none'}; args: ${args.map(show).join(', ')}`);
        }),
        { seed: FC_SEED, numRuns: c.runs, endOnFailure: true },
      );
      // the valid-arguments-succeed half of the contract was exercised, not only the mutated half
      expect(validRuns, 'calls with unedited valid arguments').toBeGreaterThan(0);
      total += runs;
    });
  }

  it('configure/backendInfo reject bad options with typed errors and stay usable', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(mutated(fc.tuple(fc.record({ threads: fc.integer({ min: 1, max: 2 }) }))), async ({ args, edits }) => {
        runs++;
        const r = await contract(() => anyFn(di.configure)(...args), { valid: edits.length === 0 });
        if (r.problem) throw new Error(`configure: ${r.problem}; edits: ${edits.join('; ')}`);
        expect(di.backendInfo().threads).toBeGreaterThanOrEqual(1);
      }),
      { seed: FC_SEED, numRuns: 100 },
    );
    di.configure({ threads: 1, backend: hasNative ? 'native' : 'js', memoryLimitBytes: null });
    total += runs;
  });
});

/**
 * Public values that are not fuzzed, with the reason. Every other runtime export must have a case
 * above, so that a new public function cannot be forgotten.
 */
const notFuzzed: Record<string, string> = {
  configure: 'fuzzed by its own property below (it changes global state and is reset after it)',
  backendInfo: 'no arguments; called after every configure case above',
  memoryLimitBytes: 'no arguments; reads configure() state (test/reliability/limits.test.ts)',
  defaultLearningSpeedConfigs: 'takes a list of q* values and only builds { spec, label } objects, which learningSpeed validates (fuzzed)',
  AbortError: 'error class',
  ActivationEvaluationError: 'error class',
  BackendUnavailableError: 'error class',
  DynamicalIsometryRangeError: 'error class',
  DynamicalIsometryTypeError: 'error class',
  NumericalError: 'error class',
  TrainingAbortedError: 'error class',
  TrainingDivergedError: 'error class',
};

describe('the contract harness fails what it must', () => {
  const typed = () => {
    throw new di.DynamicalIsometryRangeError('options.depth', 'an integer >= 1', 0);
  };
  it('non-finite numbers in a result fail unless the path is exempted by name', async () => {
    expect((await contract(() => ({ a: [1, Infinity] }))).problem).toBe('Infinity at result.a[1]');
    expect((await contract(() => ({ a: -Infinity }))).problem).toBe('-Infinity at result.a');
    expect((await contract(() => ({ a: NaN }))).problem).toBe('NaN at result.a');
    expect((await contract(() => ({ xiC: Infinity, b: 1 }), { infinity: /^result\.xiC$/ })).problem).toBeNull();
    expect((await contract(() => ({ xiC: Infinity, b: Infinity }), { infinity: /^result\.xiC$/ })).problem).toBe('Infinity at result.b');
  });
  it('valid arguments must return a result: a function that always rejects fails', async () => {
    expect((await contract(typed)).problem).toBeNull(); // a mutated call may end in a typed error
    expect((await contract(typed, { valid: true })).problem).toMatch(/^valid arguments rejected: DynamicalIsometryRangeError: options\.depth/);
    expect((await contract(() => 1, { valid: true })).problem).toBeNull();
    expect((await contract(typed, { valid: true, validMayReject: (e) => e instanceof di.AbortError })).problem).toMatch(/^valid arguments rejected/);
    const aborts = () => Promise.reject(new di.AbortError());
    expect((await contract(aborts, { valid: true, validMayReject: (e) => e instanceof di.AbortError })).problem).toBeNull();
  });
});

describe('the fuzz table covers the public API', () => {
  it('every exported function has a fuzz case or a justified exclusion', () => {
    const fuzzed = new Set([...cases.map((c) => c.name)]);
    const functions = Object.entries(di)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    const missing = functions.filter((k) => !fuzzed.has(k) && !(k in notFuzzed));
    expect(missing).toEqual([]);
    // and no stale entries
    expect([...fuzzed, ...Object.keys(notFuzzed)].filter((k) => !(k in di))).toEqual([]);
  });
});

afterAll(() => {
  rmSync(plotDir, { recursive: true, force: true });
  recordFigure('fuzz-api cases', total);
  recordFigure('fuzz-api functions', cases.length + 1);
});
