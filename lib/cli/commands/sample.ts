/** `dynamical-isometry sample`: the empirical spectrum of J J^T over sampled networks. */
import { OUTPUT_HELP, SPEC_HELP, numberFlag, outputMode, outputOptions, plotFlag, requiredNumber, scaleFlag, specFromFlags, specOptions } from '../flags.js';
import type { NetworkSpec } from '../../spec.js';
import { columnTable, csv, formatNumber, keyValueTable, toJson } from '../format.js';
import { loadEmpirical, loadFree } from '../library.js';
import { progressBar } from '../progress.js';
import { UsageError, type Command, type Flags } from '../run.js';
import { chooseScale, plotSpectrum, pooledSummary, resolveSpec, specBlock, type Density, type ResolvedSpec } from '../spectrum.js';

/** Flags shared by `sample` and `compare`. */
export const sampleOptions = {
  width: { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
} as const;

export const SAMPLE_HELP = `Sampling:
  --width N              width of every layer (integer >= 1)
  --samples K            independent networks (default 1); eigenvalues are pooled
  --seed S               seed (non-negative integer, default 0); same seed, same spectrum`;

/** What the sampler returns, as the commands use it. */
export type Sampled = Awaited<ReturnType<Awaited<ReturnType<typeof loadEmpirical>>['sampleJacobianSpectrum']>>;

/** Reads --width, --samples and --seed (ranges are checked by the library). */
export function samplingFlags(flags: Flags): { width: number; samples: number; seed: number | bigint } {
  const width = requiredNumber(flags, 'width');
  const samples = numberFlag(flags, 'samples') ?? 1;
  const seedText = typeof flags.seed === 'string' ? flags.seed.trim() : '0';
  if (!/^\d+$/.test(seedText)) throw new UsageError(`--seed must be a non-negative integer; received ${JSON.stringify(flags.seed)}`);
  const big = BigInt(seedText);
  const seed = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  return { width, samples, seed };
}

/** The flags of `sample` and `compare`, all read (and checked) before any work. */
export interface SampleFlags {
  readonly mode: 'table' | 'json' | 'csv';
  readonly plot: string | undefined;
  readonly scaleChoice: 'auto' | 'linear' | 'log';
  readonly spec: Record<string, unknown>;
  readonly s: { width: number; samples: number; seed: number | bigint };
}

/** Reads the output, plot, spec and sampling flags shared by `sample` and `compare`. */
export function readSampleFlags(flags: Flags): SampleFlags {
  const mode = outputMode(flags);
  const plot = plotFlag(flags);
  const scaleChoice = scaleFlag(flags);
  const spec = specFromFlags(flags);
  const s = samplingFlags(flags);
  return { mode, plot, scaleChoice, spec, s };
}

/** The activation as the tables print it: its name, or the JSON of an object spec. */
export function activationLabel(spec: Record<string, unknown>): string {
  return typeof spec.activation === 'string' ? spec.activation : JSON.stringify(spec.activation);
}

/** Draws the sampled eigenvalues over the theory's density into `f.plot` (when given). */
export async function plotSampled(f: SampleFlags, resolved: ResolvedSpec, d: Density, r: Sampled, empiricalLabel: string): Promise<void> {
  if (!f.plot) return;
  const scale = chooseScale(f.scaleChoice, d);
  await plotSpectrum({ file: f.plot, spec: f.spec, resolved, density: d, scale, eigenvalues: r.eigenvalues, empiricalLabel });
}

/** Runs the sampler with a progress bar on a TTY and Ctrl-C mapped to the AbortSignal. */
export async function runSampler(spec: Record<string, unknown>, s: { width: number; samples: number; seed: number | bigint }, depth: number): Promise<Sampled> {
  const { sampleJacobianSpectrum } = await loadEmpirical();
  const bar = progressBar(process.stderr, `sampling ${s.samples} x (N = ${s.width}, L = ${depth})`);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await sampleJacobianSpectrum(spec as unknown as NetworkSpec, {
      width: s.width,
      samples: s.samples,
      seed: s.seed,
      signal: controller.signal,
      onProgress: (p) => {
        const f = progressFraction(p);
        bar.update(f.fraction, f.label);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.done();
  }
}

/** The fraction done and a label from the sampler's progress report. */
export function progressFraction(p: { layersDone: number; layersTotal: number; samplesDone: number; samplesTotal: number }): { fraction: number; label: string } {
  const fraction = p.layersTotal > 0 ? p.layersDone / p.layersTotal : 0;
  return { fraction, label: `${p.samplesDone}/${p.samplesTotal} samples done` };
}

/** The `summary` block of `sample --json`. */
export function sampleSummary(r: Sampled, resolved: ResolvedSpec): Record<string, unknown> {
  const pooled = pooledSummary(r.eigenvalues);
  return {
    ...pooled,
    theoryMean: resolved.chi ** resolved.depth,
    qStar: resolved.qStar,
    qMeanPerLayer: r.qMeanPerLayer,
    perSample: r.perSample,
  };
}

/** The JSON document of `sample --json` (stable field names, see the README). */
export function sampleDocument(spec: Record<string, unknown>, s: { width: number; samples: number; seed: number | bigint }, r: Sampled, resolved: ResolvedSpec): Record<string, unknown> {
  return { spec: specBlock(spec), width: s.width, samples: s.samples, seed: s.seed, eigenvalues: r.eigenvalues, summary: sampleSummary(r, resolved) };
}

/** The table lines of the empirical part (shared with compare). */
export function sampleTable(r: Sampled, resolved: ResolvedSpec): string {
  const p = pooledSummary(r.eigenvalues);
  const rows: [string, unknown][] = [
    ['eigenvalues (pooled)', p.count],
    ['mean', p.mean],
    ['theory mean chi^L', resolved.chi ** resolved.depth],
    ['variance', p.variance],
    ['min', p.min],
    ['median', p.median],
    ['max', p.max],
    ['exact zeros', p.zeroFraction],
  ];
  const lines = [keyValueTable(rows)];
  if (r.perSample.length > 1) {
    lines.push('', columnTable(['sample', 'mean', 'variance', 'min', 'max', 'structural zeros'], r.perSample.map((x, i) => [i, x.mean, x.variance, x.min, x.max, x.structuralZeros])));
  }
  const q = r.qMeanPerLayer;
  if (q.length > 0) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of q) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    lines.push('', keyValueTable([['empirical q^l over layers', `[${formatNumber(lo)}, ${formatNumber(hi)}] (q* = ${formatNumber(resolved.qStar)})`]]));
  }
  return lines.join('\n');
}

export const sampleCommand: Command = {
  summary: 'the empirical spectrum of J J^T over sampled finite networks',
  usage: `Usage: dynamical-isometry sample --activation A --weights gaussian|orthogonal --depth L
         (--weight-std S --bias-std S | --q-star Q) --width N [--samples K] [--seed S]
         [--json | --csv] [--plot FILE.svg|FILE.png] [--scale auto|linear|log]

Samples K networks of width N and depth L (inputs at the fixed point q*), forms the input-output
Jacobian J = D_L W_L ... D_1 W_1 (Pennington et al. 2017, eq. 2) and takes the squared singular values
of J, i.e. the eigenvalues of J J^T. A progress bar is drawn on stderr when it is a terminal; Ctrl-C
stops between layers.

${SPEC_HELP}

${SAMPLE_HELP}
  --scale S              plot axis: auto (default), linear, or log

${OUTPUT_HELP}
  (--csv prints sample,index,eigenvalue; --plot draws the histogram over the theory's density)

Example: dynamical-isometry sample --activation relu --weights orthogonal --depth 8 --q-star 1 --width 400 --samples 2`,
  options: { ...specOptions, ...sampleOptions, scale: { type: 'string' }, ...outputOptions },
  async run(flags, { out }) {
    const f = readSampleFlags(flags);
    const { mode, plot, spec, s } = f;
    const resolved = await resolveSpec(spec);
    const r = await runSampler(spec, s, resolved.depth);
    if (plot) {
      const { spectralDensity } = await loadFree();
      const d = await spectralDensity(spec as unknown as NetworkSpec);
      await plotSampled(f, resolved, d, r, `sampled: ${s.samples} x N = ${s.width}`);
    }
    if (mode === 'json') {
      out.write(`${toJson(sampleDocument(spec, s, r, resolved))}\n`);
      return;
    }
    if (mode === 'csv') {
      const n = s.width;
      out.write(`${csv(['sample', 'index', 'eigenvalue'], Array.from(r.eigenvalues, (v, k) => [Math.floor(k / n), k % n, v]))}\n`);
      return;
    }
    const head = keyValueTable([
      ['network', `${activationLabel(spec)}, ${resolved.weights}, L = ${resolved.depth}`],
      ['weightStd, biasStd', `${resolved.weightStd}, ${resolved.biasStd}`],
      ['q*, chi', `${resolved.qStar}, ${resolved.chi}`],
      ['width N, samples, seed', `${s.width}, ${s.samples}, ${s.seed}`],
    ]);
    out.write(`${head}\n\n${sampleTable(r, resolved)}\n${plot ? `\nplot written to ${plot}\n` : ''}`);
  },
};
