/**
 * The learning-speed experiment: the paper's Figures 4 and 5 at laptop scale (Pennington, Schoenholz
 * & Ganguli 2017, Section 3; THEORY.md sections 5 and 6). Deep tanh networks on the critical line
 * with orthogonal weights at small q* (near-isometric: small variance of the J J^T spectrum) should
 * reach a fixed test accuracy in fewer SGD steps than the same networks at large q*, than Gaussian
 * weights (variance >= depth), and than orthogonal ReLU (variance = depth).
 *
 * Protocol: for every configuration, a learning-rate grid is run with the first seed (largest rate
 * first; a rate that has not reached the target by the best tau so far is stopped there, since it
 * cannot win); the rate with the smallest tau (steps to the target test accuracy; ties and misses
 * broken by the best accuracy reached) is kept and the remaining seeds are run at it. tau is evaluated on a
 * log-spaced schedule of steps (resolution ~25%); a run that misses the target within `steps` is
 * censored (tau = null, shown as "> steps"). Beside each configuration: the theory's variance of
 * J J^T and lambda_max for its hidden layers (lib/free spectralDensity: moments.variance and
 * lambdaMax).
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { AbortError, DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';
import { loadMnist, resolveDataset, type Dataset, type DatasetSpec } from '../datasets/index.js';
import { spectralDensity } from '../free/index.js';
import { lineChart, writePlot } from '../plot/index.js';
import { resolveNetworkSpec, type NetworkSpec, type NetworkSpecByQStar, type NetworkSpecByStds } from '../spec.js';
import { abortSignal, boolean, callback, checkOptions, finiteNumberList, integer, oneOf, positiveNumber } from '../validate.js';
import { optimizerNames, type OptimizerName } from './engine.js';
import { train, type CurvePoint, type TrainResult } from './trainer.js';

/** One configuration of the experiment. */
export interface LearningSpeedConfig {
  /** Legend label (default: built from the spec). */
  label?: string;
  /** The network (its depth is overridden by the experiment's `depth` unless the spec gives one and `depth` is omitted). */
  spec: (Omit<NetworkSpecByStds, 'depth'> | Omit<NetworkSpecByQStar, 'depth'>) & { depth?: number };
  /** Group for the tau-vs-q* plot (e.g. "orthogonal tanh"); default `${weights} ${activation}`. */
  group?: string;
}

/** Options of {@link learningSpeed}. */
export interface LearningSpeedOptions {
  /** Configurations (default: {@link defaultLearningSpeedConfigs}). */
  configs?: LearningSpeedConfig[];
  /** Hidden layers L (default 50). */
  depth?: number;
  /** Width N (default 128). */
  width?: number;
  /** Dataset (default MNIST with 10% held out: 9,000 train, 1,000 test examples). */
  dataset?: DatasetSpec;
  /** Optimizer (default 'sgd', as in the paper's Figure 5). */
  optimizer?: OptimizerName;
  /** Learning-rate grid searched per configuration (default [0.01, 0.03, 0.1]: factors of ~sqrt(10)). */
  learningRates?: number[];
  /** Minibatch size (default 64). */
  batchSize?: number;
  /** Largest number of steps per run (default 500). */
  steps?: number;
  /** Seeds per configuration (default 2; the first also runs the learning-rate grid). */
  seeds?: number;
  /** Test accuracy that defines tau (default 0.8). */
  targetAccuracy?: number;
  /** Stop each run when it reaches the target (default true; false records full curves). */
  stopAtTarget?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: LearningSpeedProgress) => void;
}

/** Progress of {@link learningSpeed}: one message per finished run. */
export interface LearningSpeedProgress {
  readonly run: number;
  readonly runs: number;
  readonly label: string;
  readonly learningRate: number;
  readonly seed: number;
  readonly tau: number | null;
  readonly finalTestAccuracy: number;
  readonly seconds: number;
}

/** One configuration's result. */
export interface LearningSpeedEntry {
  readonly label: string;
  readonly group: string;
  readonly spec: TrainResult['spec'];
  /** Theory for the hidden layers' J J^T: variance sigma^2 and lambda_max (null if the solver failed, with the reason). */
  readonly theory: { variance: number; lambdaMax: number } | { error: string };
  /**
   * Every learning rate of the grid (first seed), in grid order: tau (null: missed, or stopped at
   * `stepsRun` because a larger rate had already reached the target sooner), the best accuracy seen.
   */
  readonly grid: { learningRate: number; tau: number | null; bestTestAccuracy: number; stepsRun: number }[];
  readonly bestLearningRate: number;
  /** tau of every seed at the best learning rate (null: target not reached within `steps`). */
  readonly taus: (number | null)[];
  /** Median tau over seeds (censored runs count as infinite; null if the median is censored). */
  readonly medianTau: number | null;
  /** Learning curve of the first seed at the best learning rate. */
  readonly curve: CurvePoint[];
  readonly stepsPerSecond: number;
}

/** What {@link learningSpeed} returns. */
export interface LearningSpeedResult {
  readonly entries: LearningSpeedEntry[];
  readonly settings: {
    depth: number;
    width: number;
    dataset: string;
    trainCount: number;
    testCount: number;
    optimizer: OptimizerName;
    learningRates: number[];
    batchSize: number;
    steps: number;
    seeds: number;
    targetAccuracy: number;
    stopAtTarget: boolean;
    evalSteps: number[];
    backend: 'native' | 'js';
  };
  /** Plain-language verdicts on the paper's orderings at this scale, with the numbers. */
  readonly findings: string[];
  readonly seconds: number;
}

/** q* of tanh on the critical line at weightStd^2 = 1.05 (THEORY.md section 2.5 check value; biasStd^2 = 2.0105e-5). */
export const TANH_Q_STAR_1_05 = 0.025921;
/** q* of tanh on the critical line at weightStd^2 = 2 (THEORY.md section 2.5 check value; biasStd^2 = 0.10378). */
export const TANH_Q_STAR_2 = 0.821354;

/**
 * The default configurations: tanh on the critical line with orthogonal and Gaussian weights at
 * q* = 0.025921 (weightStd^2 = 1.05), 0.1 and 0.821354 (weightStd^2 = 2), and orthogonal ReLU
 * at weightStd^2 = 2, biasStd = 0 (the paper's Figure 4 trio plus the Figure 5 sweep in q*).
 */
export function defaultLearningSpeedConfigs(qStars: readonly number[] = [TANH_Q_STAR_1_05, 0.1, TANH_Q_STAR_2]): LearningSpeedConfig[] {
  const out: LearningSpeedConfig[] = [];
  for (const weights of ['orthogonal', 'gaussian'] as const) {
    for (const q of qStars) out.push({ spec: { activation: 'tanh', weights, qStar: q }, group: `${weights} tanh` });
  }
  out.push({ label: 'orthogonal relu σw²=2', spec: { activation: 'relu', weights: 'orthogonal', weightStd: Math.SQRT2, biasStd: 0 }, group: 'orthogonal relu' });
  return out;
}

/** Evaluation steps: 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, ... (~25% apart) up to `steps`. */
export function logEvalSteps(stepCount: number): number[] {
  const steps = integer('steps', stepCount, 1);
  const mantissas = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
  const out: number[] = [];
  for (let decade = 10; decade <= steps; decade *= 10) {
    for (const m of mantissas) {
      const k = Math.round(m * decade);
      if (k < steps) out.push(k);
    }
  }
  return out;
}

const KEYS = ['configs', 'depth', 'width', 'dataset', 'optimizer', 'learningRates', 'batchSize', 'steps', 'seeds', 'targetAccuracy', 'stopAtTarget', 'signal', 'onProgress'] as const;

function labelOf(c: LearningSpeedConfig, weightStd: number, qStar: number): string {
  if (c.label) return c.label;
  const a = typeof c.spec.activation === 'string' ? c.spec.activation : ((c.spec.activation as { name?: string }).name ?? 'custom');
  return `${c.spec.weights} ${a} σw²=${(weightStd ** 2).toPrecision(3)} q*=${qStar.toPrecision(3)}`;
}

function median(taus: (number | null)[]): number | null {
  const v = taus.map((t) => (t === null ? Infinity : t)).sort((a, b) => a - b);
  const n = v.length;
  const m = n % 2 ? (v[(n - 1) / 2] as number) : ((v[n / 2 - 1] as number) + (v[n / 2] as number)) / 2;
  return Number.isFinite(m) ? m : null;
}

/**
 * Runs the learning-speed experiment (the paper's Figures 4-5 at small scale): for each
 * configuration, a learning-rate grid with the first seed, then the other seeds at the best rate;
 * tau = steps to reach `targetAccuracy` on the test set; and the theory's spectrum statistics
 * (variance of J J^T and lambda_max, lib/free) for the same hidden layers.
 *
 * @param options - see {@link LearningSpeedOptions}; defaults take ~10 minutes on 2 cores (native).
 * @returns a {@link LearningSpeedResult}: per-configuration taus, best learning rates, curves,
 *   theory, and `findings` that state whether the paper's orderings appear, with the numbers.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad options; the errors of
 *   {@link train} (a diverging learning rate of the grid is recorded as a miss, not thrown); an
 *   AbortError when `signal` fires.
 * @example
 * const r = await learningSpeed({ depth: 20, width: 64, steps: 300, seeds: 1 });
 * r.findings.forEach((f) => console.log(f));
 */
export async function learningSpeed(options: LearningSpeedOptions = {}): Promise<LearningSpeedResult> {
  const t0 = performance.now();
  const o = checkOptions<LearningSpeedOptions>('options', options, KEYS);
  const depth = o.depth === undefined ? 50 : integer('options.depth', o.depth, 1, 100_000);
  const width = o.width === undefined ? 128 : integer('options.width', o.width, 1, 1 << 16);
  const optimizer = o.optimizer === undefined ? 'sgd' : oneOf('options.optimizer', o.optimizer, optimizerNames);
  const learningRates = o.learningRates === undefined ? [0.01, 0.03, 0.1] : Array.from(finiteNumberList('options.learningRates', o.learningRates, 1));
  learningRates.forEach((lr, i) => positiveNumber(`options.learningRates[${i}]`, lr));
  const batchSize = o.batchSize === undefined ? 64 : integer('options.batchSize', o.batchSize, 1);
  const steps = o.steps === undefined ? 500 : integer('options.steps', o.steps, 1);
  const seeds = o.seeds === undefined ? 2 : integer('options.seeds', o.seeds, 1, 1000);
  const targetAccuracy = o.targetAccuracy === undefined ? 0.8 : positiveNumber('options.targetAccuracy', o.targetAccuracy);
  if (targetAccuracy > 1) throw new DynamicalIsometryRangeError('options.targetAccuracy', 'a fraction in (0, 1]', targetAccuracy);
  const stopAtTarget = o.stopAtTarget === undefined ? true : boolean('options.stopAtTarget', o.stopAtTarget);
  const signal = abortSignal('options.signal', o.signal);
  const onProgress = callback<(p: LearningSpeedProgress) => void>('options.onProgress', o.onProgress);
  if (o.configs !== undefined && (!Array.isArray(o.configs) || o.configs.length === 0)) {
    throw new DynamicalIsometryTypeError('options.configs', 'a non-empty array of { spec, label?, group? }', o.configs);
  }
  const configs = (o.configs ?? defaultLearningSpeedConfigs()).map((c, i) => {
    checkOptions(`options.configs[${i}]`, c, ['spec', 'label', 'group']);
    const spec = { ...c.spec, depth: c.spec.depth ?? depth } as NetworkSpec;
    if (o.depth !== undefined) (spec as { depth: number }).depth = depth;
    const r = resolveNetworkSpec(spec, `options.configs[${i}].spec`);
    const qStar = Number.isNaN(r.qStar) ? 1 : r.qStar;
    return { spec, label: labelOf(c, r.weightStd, qStar), group: c.group ?? `${r.weights} ${r.activation.name}` };
  });
  const dataset: Dataset = o.dataset === undefined ? loadMnist({ testFraction: 0.1 }) : resolveDataset(o.dataset, 'options.dataset');
  const evalSteps = logEvalSteps(steps);
  if (signal?.aborted) throw new AbortError('learningSpeed was aborted before it started');
  const runs = configs.length * (learningRates.length + seeds - 1);
  let runIndex = 0;
  let backend: 'native' | 'js' = 'js';

  const one = async (spec: NetworkSpec, label: string, learningRate: number, seed: number, budget = steps): Promise<TrainResult | null> => {
    let r: TrainResult | null = null;
    let tau: number | null = null;
    let acc = NaN;
    const t = performance.now();
    try {
      r = await train(spec, {
        dataset,
        width,
        optimizer,
        learningRate,
        batchSize,
        steps: budget,
        evalSteps: evalSteps.filter((k) => k < budget),
        seed,
        ...(stopAtTarget ? { targetAccuracy } : {}),
        ...(signal ? { signal } : {}),
      });
      backend = r.backend;
      tau = stopAtTarget ? r.tau : (r.curve.find((p) => p.testAccuracy >= targetAccuracy)?.step ?? null);
      acc = r.finalTestAccuracy;
    } catch (e) {
      // A learning rate of the grid that diverges is a miss for that rate, not a failed experiment.
      if ((e as Error).name !== 'TrainingDivergedError') throw e;
    }
    runIndex++;
    onProgress?.({ run: runIndex, runs, label, learningRate, seed, tau, finalTestAccuracy: acc, seconds: (performance.now() - t) / 1000 });
    return r;
  };
  const tauOf = (r: TrainResult | null): number | null => {
    if (!r) return null;
    return stopAtTarget ? r.tau : (r.curve.find((p) => p.testAccuracy >= targetAccuracy)?.step ?? null);
  };

  const entries: LearningSpeedEntry[] = [];
  for (const c of configs) {
    const grid: LearningSpeedEntry['grid'] = [];
    const results: (TrainResult | null)[] = [];
    // Largest rate first: it usually reaches the target soonest, and a later rate that has not
    // reached it by the best tau so far cannot win, so it is stopped there (pruned; its tau is
    // recorded as a miss). This does not change which rate has the smallest tau.
    const order = learningRates.map((lr, i) => [lr, i] as const).sort((a, b) => b[0] - a[0]);
    const slots: { r: TrainResult | null; g: LearningSpeedEntry['grid'][number] }[] = new Array(learningRates.length);
    let bound = steps;
    for (const [lr, i] of order) {
      const r = await one(c.spec, c.label, lr, 0, stopAtTarget ? bound : steps);
      const tau = tauOf(r);
      if (tau !== null) bound = Math.min(bound, tau);
      slots[i] = { r, g: { learningRate: lr, tau, bestTestAccuracy: r ? r.bestTestAccuracy : NaN, stepsRun: r ? r.steps : 0 } };
    }
    for (const slot of slots) {
      results.push(slot.r);
      grid.push(slot.g);
    }
    // Best rate: smallest tau; among misses, the best accuracy reached.
    let best = 0;
    grid.forEach((g, i) => {
      const b = grid[best] as (typeof grid)[number];
      const key = (x: typeof g) => [x.tau ?? Infinity, -(Number.isNaN(x.bestTestAccuracy) ? -1 : x.bestTestAccuracy)] as const;
      const [t1, a1] = key(g);
      const [t2, a2] = key(b);
      if (t1 < t2 || (t1 === t2 && a1 < a2)) best = i;
    });
    const bestLr = learningRates[best] as number;
    const first = results[best] ?? null;
    const taus: (number | null)[] = [tauOf(first)];
    for (let s = 1; s < seeds; s++) taus.push(tauOf(await one(c.spec, c.label, bestLr, s)));
    let theory: LearningSpeedEntry['theory'];
    try {
      const th = await spectralDensity(c.spec, { points: 4 });
      theory = { variance: th.moments.variance, lambdaMax: th.lambdaMax };
    } catch (e) {
      theory = { error: (e as Error).message };
    }
    const rs = resolveNetworkSpec(c.spec);
    entries.push({
      label: c.label,
      group: c.group,
      spec: first?.spec ?? { activation: rs.activation.name, weights: rs.weights, depth: rs.depth, weightStd: rs.weightStd, biasStd: rs.biasStd, qStar: rs.qStar, chi: rs.chi },
      theory,
      grid,
      bestLearningRate: bestLr,
      taus,
      medianTau: median(taus),
      curve: first?.curve ?? [],
      stepsPerSecond: first?.stepsPerSecond ?? 0,
    });
  }
  const settings = {
    depth,
    width,
    dataset: dataset.name,
    trainCount: dataset.train.count,
    testCount: dataset.test.count,
    optimizer,
    learningRates,
    batchSize,
    steps,
    seeds,
    targetAccuracy,
    stopAtTarget,
    evalSteps,
    backend,
  };
  return { entries, settings, findings: findings(entries, steps), seconds: (performance.now() - t0) / 1000 };
}

function fmtTau(t: number | null, steps: number): string {
  return t === null ? `> ${steps}` : String(t);
}

/** The paper's orderings, checked on the measured median taus (censored = larger than any measured). */
function findings(entries: LearningSpeedEntry[], steps: number): string[] {
  const out: string[] = [];
  const key = (t: number | null) => (t === null ? Infinity : t);
  const find = (weights: string, activation: string, pick: 'min' | 'max') => {
    const c = entries.filter((e) => e.spec.weights === weights && e.spec.activation === activation);
    if (c.length === 0) return undefined;
    return c.reduce((a, b) => ((pick === 'min' ? b.spec.qStar < a.spec.qStar : b.spec.qStar > a.spec.qStar) ? b : a));
  };
  const compare = (claim: string, fast: LearningSpeedEntry | undefined, slow: LearningSpeedEntry | undefined) => {
    if (!fast || !slow || fast === slow) return;
    const a = key(fast.medianTau);
    const b = key(slow.medianTau);
    const verdict = a < b ? 'holds' : a === b ? 'is not resolved (equal tau)' : 'does NOT hold';
    const ratio = Number.isFinite(a) && Number.isFinite(b) && a > 0 ? ` (ratio ${(b / a).toFixed(2)})` : '';
    out.push(`${claim} ${verdict} at this scale: tau ${fmtTau(fast.medianTau, steps)} (${fast.label}) vs ${fmtTau(slow.medianTau, steps)} (${slow.label})${ratio}.`);
  };
  const orthSmall = find('orthogonal', 'tanh', 'min');
  compare('Orthogonal tanh at small q* learns faster than at large q*:', orthSmall, find('orthogonal', 'tanh', 'max'));
  compare('Orthogonal tanh at small q* learns faster than orthogonal ReLU:', orthSmall, find('orthogonal', 'relu', 'min'));
  compare('Orthogonal tanh at small q* learns faster than Gaussian tanh at the same q*:', orthSmall, entries.find((e) => e.spec.weights === 'gaussian' && e.spec.activation === 'tanh' && orthSmall && Math.abs(e.spec.qStar - orthSmall.spec.qStar) < 1e-9 * Math.max(1, orthSmall.spec.qStar)));
  // Monotonic trend of tau in q* within each tanh group.
  for (const weights of ['orthogonal', 'gaussian']) {
    const g = entries.filter((e) => e.spec.weights === weights && e.spec.activation === 'tanh').sort((a, b) => a.spec.qStar - b.spec.qStar);
    if (g.length < 3) continue;
    const taus = g.map((e) => key(e.medianTau));
    const increasing = taus.every((t, i) => i === 0 || t >= (taus[i - 1] as number));
    out.push(
      `${weights} tanh, tau against q* (${g.map((e) => e.spec.qStar.toPrecision(3)).join(', ')}): ${g.map((e) => fmtTau(e.medianTau, steps)).join(', ')}` +
        ` — ${increasing ? 'non-decreasing in q*' : 'not monotonic in q*'}${weights === 'orthogonal' ? ' (the paper: increasing)' : ' (the paper: little q* dependence)'}.`,
    );
  }
  return out;
}

/** Options of {@link reproduceLearningSpeed}. */
export interface ReproduceLearningSpeedOptions {
  /** Folder for the figures and the JSON/Markdown results (created if missing). */
  outDir: string;
  /** A ~1-minute version (depth 20, width 64, the five Figure-4/5 configurations, one seed, 300 steps). */
  quick?: boolean;
  /** Overrides of the experiment's options (merged over the defaults or the quick settings). */
  experiment?: Omit<LearningSpeedOptions, 'signal' | 'onProgress'>;
  signal?: AbortSignal;
  onProgress?: (p: LearningSpeedProgress) => void;
}

/** What {@link reproduceLearningSpeed} returns. */
export interface ReproduceLearningSpeedResult extends LearningSpeedResult {
  /** Files written: curves (SVG, PNG), tau vs q* (SVG, PNG), results JSON and a Markdown table. */
  readonly files: string[];
}

/** The quick experiment's settings. */
export const QUICK_LEARNING_SPEED: Readonly<LearningSpeedOptions> = Object.freeze({
  depth: 20,
  width: 64,
  steps: 300,
  seeds: 1,
  learningRates: [0.03, 0.1],
  configs: defaultLearningSpeedConfigs([TANH_Q_STAR_1_05, TANH_Q_STAR_2]),
});

/**
 * Runs {@link learningSpeed} and writes the figures, each as SVG and PNG: `learning-speed-curves`
 * (test accuracy vs step, log axis, one line per configuration at its best learning rate: the
 * paper's Figure 4 at small scale), `learning-speed-tau` (tau vs q* for orthogonal and Gaussian tanh: Figure 5),
 * `learning-speed.json` (all numbers) and `learning-speed.md` (the table with the theory's variance
 * and lambda_max beside each configuration, and the findings). This is what
 * `dynamical-isometry reproduce --figure learning-speed` runs.
 *
 * @param options - `{ outDir, quick?, experiment?, signal?, onProgress? }`.
 * @returns the experiment's result and the list of files written.
 * @throws DynamicalIsometryTypeError for a missing outDir; the errors of {@link learningSpeed}.
 * @example
 * const r = await reproduceLearningSpeed({ outDir: 'figures', quick: true });
 * r.files; // ['figures/learning-speed-curves.svg', 'figures/learning-speed-curves.png', ...]
 */
export async function reproduceLearningSpeed(options: ReproduceLearningSpeedOptions): Promise<ReproduceLearningSpeedResult> {
  const o = checkOptions<ReproduceLearningSpeedOptions>('options', options, ['outDir', 'quick', 'experiment', 'signal', 'onProgress']);
  if (typeof o.outDir !== 'string' || o.outDir.length === 0) throw new DynamicalIsometryTypeError('options.outDir', 'a folder path', o.outDir);
  const quick = o.quick === undefined ? false : boolean('options.quick', o.quick);
  const experiment = checkOptions<LearningSpeedOptions>('options.experiment', o.experiment, KEYS.filter((k) => k !== 'signal' && k !== 'onProgress'));
  // Checked here: a falsy wrong value (null, 0, NaN, '') must not be dropped silently.
  const signal = abortSignal('options.signal', o.signal);
  const onProgress = callback<(p: LearningSpeedProgress) => void>('options.onProgress', o.onProgress);
  const r = await learningSpeed({
    ...(quick ? QUICK_LEARNING_SPEED : {}),
    ...experiment,
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  await mkdir(o.outDir, { recursive: true });
  const files: string[] = [];
  const s = r.settings;
  const subtitle = `${s.dataset}, depth ${s.depth}, width ${s.width}, ${s.optimizer}, batch ${s.batchSize}, best learning rate of ${s.learningRates.join('/')} per configuration, ${s.backend} backend`;
  const curves = lineChart({
    title: 'Learning curves at the best learning rate (first seed)',
    subtitle,
    xTitle: 'training step',
    yTitle: 'test accuracy',
    xLog: true,
    series: r.entries.map((e) => ({
      label: `${e.label} (lr ${e.bestLearningRate})`,
      x: e.curve.filter((p) => p.step > 0).map((p) => p.step),
      y: e.curve.filter((p) => p.step > 0).map((p) => p.testAccuracy),
      style: e.spec.weights,
    })),
    styleTitle: 'weights',
    width: 560,
    height: 340,
  });
  for (const ext of ['svg', 'png']) {
    const file = path.join(o.outDir, `learning-speed-curves.${ext}`);
    await writePlot(curves, file);
    files.push(file);
  }

  const tanh = r.entries.filter((e) => e.spec.activation === 'tanh');
  const groups = [...new Set(tanh.map((e) => e.spec.weights))];
  const tauSeries = groups.map((w) => {
    const g = tanh.filter((e) => e.spec.weights === w).sort((a, b) => a.spec.qStar - b.spec.qStar);
    // Censored runs are drawn at the step budget (the plot's subtitle says so).
    return { label: `${w} tanh`, x: g.map((e) => e.spec.qStar), y: g.map((e) => e.medianTau ?? s.steps) };
  });
  const tauChart = lineChart({
    title: `Steps to ${Math.round(s.targetAccuracy * 100)}% test accuracy against q*`,
    subtitle: `${subtitle}; median over ${s.seeds} seed(s); runs that miss the target are drawn at ${s.steps}`,
    xTitle: 'q* (fixed point of the length map)',
    yTitle: 'tau (steps)',
    xLog: true,
    yLog: true,
    series: tauSeries,
    width: 480,
    height: 320,
  });
  for (const ext of ['svg', 'png']) {
    const file = path.join(o.outDir, `learning-speed-tau.${ext}`);
    await writePlot(tauChart, file);
    files.push(file);
  }

  const jsonFile = path.join(o.outDir, 'learning-speed.json');
  await writeFile(jsonFile, JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  files.push(jsonFile);
  const mdFile = path.join(o.outDir, 'learning-speed.md');
  await writeFile(mdFile, learningSpeedMarkdown(r));
  files.push(mdFile);
  return { ...r, files };
}

/**
 * The results as a Markdown table (one row per configuration) followed by the findings.
 *
 * @param r - a result of {@link learningSpeed} (or {@link reproduceLearningSpeed}).
 * @returns Markdown text.
 * @throws DynamicalIsometryTypeError (parameter `r...`) when `r` does not have the fields this
 *   table prints (e.g. it is not a learningSpeed result).
 */
export function learningSpeedMarkdown(r: LearningSpeedResult): string {
  checkSpeedResult(r);
  const s = r.settings;
  const lines = [
    `Learning speed: ${s.dataset} (${s.trainCount} train / ${s.testCount} test), depth ${s.depth}, width ${s.width}, ${s.optimizer}, batch ${s.batchSize}, ` +
      `learning-rate grid ${s.learningRates.join(', ')}, ${s.seeds} seed(s), tau = steps to ${s.targetAccuracy} test accuracy (evaluated at ${s.evalSteps.slice(0, 6).join(', ')}, ...; budget ${s.steps} steps), ${s.backend} backend, ${r.seconds.toFixed(0)} s.`,
    '',
    '| configuration | σw² | σb² | q* | theory var(JJᵀ) | theory λmax | best lr | tau per seed | median tau | best test acc. (grid) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const e of r.entries) {
    const th = 'error' in e.theory ? ['n/a', 'n/a'] : [e.theory.variance.toPrecision(3), e.theory.lambdaMax.toPrecision(3)];
    const bestAcc = Math.max(...e.grid.map((g) => (Number.isNaN(g.bestTestAccuracy) ? 0 : g.bestTestAccuracy)));
    lines.push(
      `| ${e.label} | ${(e.spec.weightStd ** 2).toPrecision(4)} | ${(e.spec.biasStd ** 2).toPrecision(3)} | ${e.spec.qStar.toPrecision(3)} | ${th[0]} | ${th[1]} | ${e.bestLearningRate} | ` +
        `${e.taus.map((t) => fmtTau(t, s.steps)).join(', ')} | ${fmtTau(e.medianTau, s.steps)} | ${bestAcc.toFixed(3)} |`,
    );
  }
  lines.push('', ...r.findings.map((f) => `- ${f}`), '');
  return lines.join('\n');
}

/** Checks the fields learningSpeedMarkdown reads (a result built by hand or parsed from JSON may lack them). */
function checkSpeedResult(r: unknown): asserts r is LearningSpeedResult {
  const object = (name: string, v: unknown): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new DynamicalIsometryTypeError(name, 'an object (a learningSpeed result)', v);
    return v as Record<string, unknown>;
  };
  const array = (name: string, v: unknown): unknown[] => {
    if (!Array.isArray(v)) throw new DynamicalIsometryTypeError(name, 'an array (a learningSpeed result)', v);
    return v;
  };
  const num = (name: string, v: unknown, nullable = false): void => {
    if (!(typeof v === 'number' || (nullable && v === null))) throw new DynamicalIsometryTypeError(name, nullable ? 'a number or null' : 'a number', v);
  };
  const o = object('r', r);
  const s = object('r.settings', o.settings);
  for (const k of ['trainCount', 'testCount', 'depth', 'width', 'batchSize', 'seeds', 'steps', 'targetAccuracy']) num(`r.settings.${k}`, s[k]);
  array('r.settings.learningRates', s.learningRates);
  array('r.settings.evalSteps', s.evalSteps);
  num('r.seconds', o.seconds);
  array('r.findings', o.findings);
  array('r.entries', o.entries).forEach((v, i) => {
    const e = object(`r.entries[${i}]`, v);
    const spec = object(`r.entries[${i}].spec`, e.spec);
    for (const k of ['weightStd', 'biasStd', 'qStar']) num(`r.entries[${i}].spec.${k}`, spec[k]);
    const th = object(`r.entries[${i}].theory`, e.theory);
    if (!('error' in th)) for (const k of ['variance', 'lambdaMax']) num(`r.entries[${i}].theory.${k}`, th[k]);
    array(`r.entries[${i}].taus`, e.taus).forEach((t, j) => num(`r.entries[${i}].taus[${j}]`, t, true));
    num(`r.entries[${i}].medianTau`, e.medianTau, true);
    array(`r.entries[${i}].grid`, e.grid).forEach((g, j) => num(`r.entries[${i}].grid[${j}].bestTestAccuracy`, object(`r.entries[${i}].grid[${j}]`, g).bestTestAccuracy));
  });
}
