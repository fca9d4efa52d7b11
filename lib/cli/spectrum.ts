/**
 * Shared pieces of the spectrum commands (density, sample, compare): the theoretical density and
 * its JSON document, the empirical summary, and their pictures.
 * @module
 */
import { densityChart, densityHistogram, writePlot, type DensityCurve, type DensityHistogram } from '../plot/index.js';
import type { NetworkSpec } from '../spec.js';
import { activationLabel } from './flags.js';
import { loadFree, loadSpec } from './library.js';

/** Number of points of the log-spaced grid drawn on a log λ axis. */
const PLOT_POINTS = 400;

/** The theory's result, as the commands use it. */
export type Density = Awaited<ReturnType<Awaited<ReturnType<typeof loadFree>>['spectralDensity']>>;
/** The resolved network spec (activation, weights, depth, stds, q*, χ, μ1, μ2). */
export type ResolvedSpec = ReturnType<Awaited<ReturnType<typeof loadSpec>>['resolveNetworkSpec']>;

/** Resolves the spec once (validation and mean field), for the `meanField` block and the labels. */
export async function resolveSpec(spec: Record<string, unknown>): Promise<ResolvedSpec> {
  const { resolveNetworkSpec } = await loadSpec();
  return resolveNetworkSpec(spec, 'spec');
}

/** The `meanField` block of the JSON documents. */
export function meanFieldBlock(r: ResolvedSpec): { qStar: number; chi: number; mu1: number; mu2: number; weightStd: number; biasStd: number } {
  return { qStar: r.qStar, chi: r.chi, mu1: r.mu1, mu2: r.mu2, weightStd: r.weightStd, biasStd: r.biasStd };
}

/** The `spec` block: what the user asked for, with the activation named. */
export function specBlock(spec: Record<string, unknown>): Record<string, unknown> {
  return { ...spec };
}

/** A one-line description of a resolved spec for titles. */
export function specTitle(r: ResolvedSpec): string {
  return `${activationLabel(r.activation)}, ${r.weights} weights, L = ${r.depth}, q* = ${fmt(r.qStar)}, σ_w² = ${fmt(r.weightStd ** 2)}, σ_b² = ${fmt(r.biasStd ** 2)}, χ = ${fmt(r.chi)}`;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(v.toPrecision(4)));
}

/**
 * Chooses the λ axis: logarithmic when the continuous part reaches down to 0 and spans decades
 * (Gaussian weights and deep relu/hard-tanh nets pile mass at tiny λ), linear otherwise.
 */
export function autoScale(d: Density): 'linear' | 'log' {
  const { min, max } = d.support;
  if (d.support.empty || !(max > 0)) return 'linear';
  if (min > 0 && max / min < 30) return 'linear';
  // The continuous part below 1e-2 λ_max: if it is a sizeable share, a linear axis hides it.
  const atomsBelow = d.atoms.filter((a) => a.location <= 1e-2 * max).reduce((s, a) => s + a.mass, 0);
  const below = d.cdf(1e-2 * max) - atomsBelow;
  return below > 0.05 ? 'log' : 'linear';
}

/** The axis for a `--scale` choice: the given one, or {@link autoScale}'s. */
export function chooseScale(choice: 'auto' | 'linear' | 'log', d: Density): 'linear' | 'log' {
  return choice === 'auto' ? autoScale(d) : choice;
}

/** Points where to draw the theory on a log axis: log-spaced over [1e-6 λ_max or the lower edge, λ_max]. */
export function logGrid(d: Density, points = PLOT_POINTS): Float64Array {
  const hi = d.support.max;
  const lo = Math.max(d.support.min, hi * 1e-6);
  const out = new Float64Array(points);
  for (let i = 0; i < points; i++) out[i] = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (points - 1)) * (i === points - 1 ? 1 - 1e-9 : 1);
  return out;
}

/** The theory curve to draw, on the axis chosen (a fresh log grid for log axes). */
export async function densityCurve(spec: Record<string, unknown>, d: Density, scale: 'linear' | 'log', label: string): Promise<DensityCurve> {
  if (scale === 'log' && !d.support.empty && d.support.max > 0) {
    const { spectralDensity } = await loadFree();
    const at = logGrid(d);
    const g = await spectralDensity(spec as unknown as NetworkSpec, { at });
    return { label, x: g.lambda, density: g.density, atoms: d.atoms };
  }
  return { label, x: d.lambda, density: d.density, atoms: d.atoms };
}

/** Draws one theory curve, optionally with an empirical histogram over it, to `file`. */
export async function plotSpectrum(opts: {
  file: string;
  spec: Record<string, unknown>;
  resolved: ResolvedSpec;
  density: Density;
  scale: 'linear' | 'log';
  eigenvalues?: Float64Array;
  empiricalLabel?: string;
  subtitle?: string;
}): Promise<void> {
  const { density: d, scale } = opts;
  const theory = 'theory (N → ∞)';
  const curves = [await densityCurve(opts.spec, d, scale, theory)];
  const histograms: DensityHistogram[] = [];
  let xDomain: [number, number] | undefined;
  if (opts.eigenvalues && opts.eigenvalues.length > 0) {
    const ev = opts.eigenvalues;
    let max = 0;
    for (const v of ev) if (v > max) max = v;
    const top = Math.max(max, d.lambdaMax) * 1.02;
    const first = curves[0]!.x[0];
    const lo = scale === 'log' ? Math.max(top * 1e-7, first !== undefined && first > 0 ? first : 0) : 0;
    const h = densityHistogram(ev, { scale, bins: histogramBins(ev.length), range: [scale === 'log' ? lo : 0, top] });
    // Exact zeros are the atom at 0; a linear histogram starting at 0 must not count them as density.
    const heights = Float64Array.from(h.heights);
    if (scale === 'linear') {
      let zeros = 0;
      for (const v of ev) if (v === 0) zeros++;
      heights[0] = Math.max(0, heights[0]! - zeros / (ev.length * (h.edges[1]! - h.edges[0]!)));
    }
    histograms.push({ label: opts.empiricalLabel ?? 'sampled networks', edges: h.edges, heights });
    xDomain = scale === 'log' ? [lo, top] : [0, top];
  }
  await writePlot(
    densityChart({
      title: 'Spectrum of J Jᵀ',
      subtitle: opts.subtitle ?? specTitle(opts.resolved),
      curves,
      histograms,
      scale,
      ...(xDomain ? { xDomain } : {}),
    }),
    opts.file,
  );
}

/**
 * Bins of the empirical histogram for n eigenvalues: 2 n^{1/3} (Rice's rule), kept within [20, 60]
 * so that small samples still show a shape and large ones stay readable.
 */
export function histogramBins(n: number): number {
  return Math.min(60, Math.max(20, Math.round(2 * Math.cbrt(n))));
}

/** Summary statistics of pooled eigenvalues (for tables and JSON); the variance is about the mean with 1/n, like the library's per-sample summaries. */
export function pooledSummary(ev: Float64Array): { count: number; mean: number; variance: number; min: number; median: number; max: number; zeroFraction: number } {
  const n = ev.length;
  let s = 0;
  let zeros = 0;
  for (const v of ev) {
    s += v;
    if (v === 0) zeros++;
  }
  const mean = s / n;
  let ss = 0;
  for (const v of ev) ss += (v - mean) ** 2;
  const sorted = Float64Array.from(ev).sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { count: n, mean, variance: ss / n, min: sorted[0] ?? NaN, median, max: sorted[n - 1] ?? NaN, zeroFraction: zeros / n };
}

/** The empirical quantile inf{x : F_n(x) >= p} of sorted values. */
export function empiricalQuantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  const k = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
  return sorted[k]!;
}
