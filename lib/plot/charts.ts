/**
 * Chart builders: plain data in, a Vega-Lite specification out (render it with `writePlot`). They
 * know the paper's pictures: spectral densities of J J^T with empirical histograms over them and
 * their atoms as annotated markers (Pennington, Schoenholz & Ganguli 2017, Fig. 2), lines such as
 * σ_max against depth on log axes (Fig. 3), and the order/chaos phase diagram in the (σ_w², σ_b²)
 * plane with the critical line χ = 1 and q* contours (Fig. 1; Poole et al. 2016, Schoenholz et al. 2017).
 *
 * Conventions: λ is an eigenvalue of J J^T (a squared singular value of J), ρ(λ) the density of the
 * continuous part of its law. On a logarithmic λ axis the curves show λ ρ(λ), the density per unit of
 * ln λ, so that areas under the curve stay probabilities; the axis title says so.
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';

import { DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';
import { boolean, checkOptions, integer, oneOf, positiveNumber } from '../validate.js';
import { PLOT_FONT } from './render.js';

/** A point mass of a spectral law. */
export interface PlotAtom {
  readonly location: number;
  readonly mass: number;
}

/** One theoretical density curve (the continuous part) with the atoms of the same law. */
export interface DensityCurve {
  /** Legend label, e.g. `L = 8`. */
  readonly label: string;
  /** Abscissae (eigenvalues λ of J J^T, or singular values σ when `variable` is `'singular-value'`). */
  readonly x: ArrayLike<number>;
  /** Density of the continuous part at each abscissa (per unit of x). */
  readonly density: ArrayLike<number>;
  /** Point masses; drawn as markers with their mass written beside them (mass at 0 goes in the legend). */
  readonly atoms?: readonly PlotAtom[];
}

/** An empirical histogram, normalised as a density: Σ height·width = fraction of samples in the bins. */
export interface DensityHistogram {
  /** Legend label; a histogram with the same label as a curve takes its colour. */
  readonly label: string;
  /** Bin edges, increasing, length = heights.length + 1. */
  readonly edges: ArrayLike<number>;
  /** Density per unit of x in each bin. */
  readonly heights: ArrayLike<number>;
}

/** Options of {@link densityChart}. */
export interface DensityChartOptions {
  readonly title?: string;
  readonly subtitle?: string | readonly string[];
  readonly curves: readonly DensityCurve[];
  readonly histograms?: readonly DensityHistogram[];
  /** `'log'` plots x on a log axis and x·density on y (density per unit ln x). Default `'linear'`. */
  readonly scale?: 'linear' | 'log';
  /** What x is: the eigenvalue λ of J J^T (default) or the singular value σ of J. */
  readonly variable?: 'eigenvalue' | 'singular-value';
  /** `'bars'` (default, one translucent histogram) or `'steps'` (dashed outlines, for several). */
  readonly histogramStyle?: 'bars' | 'steps';
  /** Visible x range; default: the range of the curves and histograms (positive part on log axes). */
  readonly xDomain?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** One series of a {@link lineChart}. */
export interface LineSeries {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Line style group, shown as solid/dashed with its own legend (e.g. the nonlinearity). */
  readonly style?: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly title?: string;
  readonly subtitle?: string | readonly string[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly series: readonly LineSeries[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Title of the colour legend (default: none). */
  readonly colorTitle?: string;
  /** Title of the line-style legend. */
  readonly styleTitle?: string;
  /** Draw a marker at every point (default true). */
  readonly points?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** A cell grid over (σ_w², σ_b²) for {@link phaseDiagramChart}. */
export interface PhaseGrid {
  /** Cell centres on the σ_w² axis (weight variance), increasing (cells extend halfway to their neighbours). */
  readonly weightVariance: ArrayLike<number>;
  /** Cell centres on the σ_b² axis (bias variance), increasing. */
  readonly biasVariance: ArrayLike<number>;
  /** χ at (weightVariance[i], biasVariance[j]) stored at [j * nw + i]; NaN where undefined. */
  readonly chi: ArrayLike<number>;
}

/** A curve in the (σ_w², σ_b²) plane, e.g. the critical line or a q* contour. */
export interface PhaseCurve {
  readonly label: string;
  readonly weightVariance: ArrayLike<number>;
  readonly biasVariance: ArrayLike<number>;
}

/** Options of {@link phaseDiagramChart}. */
export interface PhaseDiagramChartOptions {
  readonly title?: string;
  readonly subtitle?: string | readonly string[];
  readonly grid: PhaseGrid;
  /** The critical line χ = 1 (drawn thick and black). */
  readonly criticalLine: PhaseCurve;
  /** q* contours (thin, labelled at their upper end). */
  readonly contours?: readonly PhaseCurve[];
  /** Points to mark with a dot and, when `label` is not empty, a text beside it. */
  readonly marks?: readonly { weightVariance: number; biasVariance: number; label: string }[];
  readonly width?: number;
  readonly height?: number;
}

/** Colours for series, in legend order (Tableau 10, readable on white and for most colour-blind readers). */
export const SERIES_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

const BASE_CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  padding: 12,
  view: { stroke: '#888' },
  axis: { labelFontSize: 12, titleFontSize: 14, titleFontWeight: 'normal', grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', labelLimit: 320 },
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 10 },
} as const;

/** Round a number for a label: 3 significant digits, no trailing zeros (`formatLabelNumber(0.63599) === '0.636'`). */
export function formatLabelNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(3)));
}

/**
 * Tick values for a log axis over [lo, hi]: 1-2-5 per decade, thinned to decades when there are many,
 * refined to 1..9 when the range is under a decade (Vega's own log ticks drop labels on short ranges).
 * @example logTicks(0.5, 30) // [0.5, 1, 2, 5, 10, 20]
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const pick = (mantissas: number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of mantissas) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
    return out;
  };
  let t = pick([1, 2, 5]);
  if (t.length > 12) t = pick([1]);
  if (t.length > 12) t = t.filter((_, i) => i % Math.ceil(t.length / 10) === 0);
  if (t.length < 3) t = pick([1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (t.length > 12) t = pick([1, 2, 3, 5]);
  return t;
}

function titleBlock(title?: string, subtitle?: string | readonly string[]): Record<string, unknown> {
  if (title === undefined) return {};
  return { title: subtitle === undefined ? { text: title } : { text: title, subtitle } };
}

function finite(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

/** The value below which `q` of the finite values lie (for a y range that ignores edge singularities). */
function quantileOf(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))] ?? NaN;
}

/**
 * A spectral-density chart: theory curves (solid), empirical histograms under them, atoms as
 * diamonds with their mass written beside them.
 *
 * The y range is set from the bulk of the curves (the 99.5th percentile of the plotted values, with
 * 15% headroom, and at least the tallest histogram bar below that), so that an integrable edge
 * singularity (e.g. the arcsine edge of orthogonal ReLU at L = 2, or λ^{-L/(L+1)} at 0 for Gaussian
 * weights) does not flatten the picture; curves are clipped at the top.
 *
 * @param options - see {@link DensityChartOptions}.
 * @returns a Vega-Lite specification for `writePlot`/`renderSvg`.
 * @example
 * const d = await spectralDensity({ activation: 'relu', weights: 'orthogonal', depth: 8, qStar: 1 });
 * await writePlot(densityChart({ curves: [{ label: 'L = 8', x: d.lambda, density: d.density, atoms: d.atoms }] }), 'relu.svg');
 */
export function densityChart(options: DensityChartOptions): TopLevelSpec {
  validateDensityChart(options);
  const log = options.scale === 'log';
  const sigma = options.variable === 'singular-value';
  const v = sigma ? 'σ' : 'λ';
  const xTitle = sigma ? 'σ (singular value of J)' : 'λ (eigenvalue of J Jᵀ)';
  const yTitle = log ? `${v} ρ(${v})  (density per unit ln ${v})` : `ρ(${v})`;
  const labels: string[] = [];
  const legendLabel = new Map<string, string>();
  const zeroMasses = options.curves.map((c) => (c.atoms ?? []).filter((a) => a.mass > 0 && a.location <= 0).reduce((s, a) => s + a.mass, 0));
  // Atoms at 0 cannot be drawn (and not at all on a log axis): their mass goes in the subtitle when
  // every curve has the same one (relu: 1/2 at every depth), else in each legend entry.
  const sharedZero = zeroMasses.length > 0 && zeroMasses.every((m) => Math.abs(m - zeroMasses[0]!) <= 1e-12 * Math.max(1, m)) ? zeroMasses[0]! : undefined;
  options.curves.forEach((c, k) => {
    if (!labels.includes(c.label)) labels.push(c.label);
    const m = zeroMasses[k]!;
    legendLabel.set(c.label, m > 0 && sharedZero === undefined ? `${c.label} (+ atom at 0, mass ${formatLabelNumber(m)})` : c.label);
  });
  const zeroNote = sharedZero !== undefined && sharedZero > 0 ? `atom at ${sigma ? 'σ' : 'λ'} = 0 of mass ${formatLabelNumber(sharedZero)} (not drawn)` : undefined;
  const atomsOnly = options.curves.length > 0 && options.curves.every((c) => c.x.length === 0) ? 'no continuous part: the law is made of atoms only' : undefined;
  const notes = [zeroNote, atomsOnly].filter((n): n is string => n !== undefined);
  const given = options.subtitle === undefined ? [] : typeof options.subtitle === 'string' ? [options.subtitle] : [...options.subtitle];
  const subtitle = notes.length === 0 ? options.subtitle : [...given, ...notes];
  for (const h of options.histograms ?? []) if (!labels.includes(h.label)) labels.push(h.label);

  const curveRows: { series: string; x: number; y: number }[] = [];
  for (const c of options.curves) {
    for (let i = 0; i < c.x.length; i++) {
      const x = c.x[i];
      const d = c.density[i];
      if (!finite(x) || !finite(d)) continue;
      if (log && !(x > 0)) continue;
      curveRows.push({ series: c.label, x, y: log ? x * d : d });
    }
  }
  const barRows: { series: string; x: number; x2: number; y: number }[] = [];
  for (const h of options.histograms ?? []) {
    for (let i = 0; i < h.heights.length; i++) {
      const a = h.edges[i];
      const b = h.edges[i + 1];
      const y = h.heights[i];
      if (!finite(a) || !finite(b) || !finite(y)) continue;
      if (log && !(a > 0)) continue;
      // On a log axis the histogram is per unit ln x too: height * width / ln(b / a).
      barRows.push({ series: h.label, x: a, x2: b, y: log ? (y * (b - a)) / Math.log(b / a) : y });
    }
  }

  let xDomain = options.xDomain;
  if (!xDomain) {
    const xs = [...curveRows.map((r) => r.x), ...barRows.flatMap((r) => [r.x, r.x2])];
    for (const c of options.curves) for (const a of c.atoms ?? []) if (a.location > 0) xs.push(a.location);
    let lo = Math.min(...xs);
    let hi = Math.max(...xs);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = log ? [1e-3, 10] : [0, 1];
    if (!log) lo = Math.min(0, lo);
    if (hi <= lo) hi = log ? lo * 10 : lo + 1;
    // Room on the right so that an atom at the top of the spectrum (e.g. σ_w^{2L}) is not on the frame.
    hi = log ? hi * 1.3 : hi + 0.04 * (hi - lo);
    xDomain = [lo, hi];
  }
  // Each curve's own bulk (99th percentile of its values in view) counts, so that a tall narrow
  // curve is not clipped because the others are flat; an edge singularity still is.
  let yMax = 0;
  for (const c of options.curves) {
    const ys = curveRows.filter((r) => r.series === c.label && r.x >= xDomain[0] && r.x <= xDomain[1]).map((r) => r.y);
    if (ys.length > 0) yMax = Math.max(yMax, quantileOf(ys, 0.99) * 1.15);
  }
  const barY = barRows.map((r) => r.y);
  if (!(yMax > 0)) yMax = Math.max(...barY, 1) * 1.1;
  const tallBar = Math.max(0, ...barY.filter((y) => y <= 2 * yMax));
  yMax = Math.max(yMax, tallBar * 1.05);

  const atomRows: { series: string; x: number; y: number; text: string }[] = [];
  options.curves.forEach((c, k) => {
    for (const a of c.atoms ?? []) {
      if (!(a.location > 0) || !(a.mass > 0)) continue;
      if (a.location < xDomain[0] || a.location > xDomain[1]) continue;
      // Atoms have no height; stack their markers near the top so several depths stay legible.
      atomRows.push({ series: c.label, x: a.location, y: yMax * (0.93 - 0.07 * k), text: `atom ${formatLabelNumber(a.mass)} at ${v} = ${formatLabelNumber(a.location)}` });
    }
  });

  const colorDomain = labels;
  const colorScale = { domain: colorDomain, range: SERIES_COLORS.slice(0, Math.max(1, colorDomain.length)) };
  const legendExpr = `{${[...legendLabel].map(([k, l]) => `${JSON.stringify(k)}: ${JSON.stringify(l)}`).join(', ')}}[datum.label] || datum.label`;
  const xScale = log ? { type: 'log', domain: xDomain, nice: false } : { type: 'linear', domain: xDomain, nice: false, zero: false };
  const x = { field: 'x', type: 'quantitative', title: xTitle, scale: xScale, axis: log ? { format: '~g', values: logTicks(xDomain[0], xDomain[1]) } : { tickCount: 8 } };
  const y = { field: 'y', type: 'quantitative', title: yTitle, scale: { domain: [0, yMax], nice: false } };
  const color = { field: 'series', type: 'nominal', title: null, scale: colorScale, legend: { labelExpr: legendExpr, orient: 'top', direction: 'horizontal', columns: 4, symbolType: 'stroke', symbolStrokeWidth: 3 } };

  const layers: Record<string, unknown>[] = [];
  if (barRows.length > 0) {
    if (options.histogramStyle === 'steps') {
      // Outlines only, as dashed step lines: several histograms stay readable on top of each other.
      const stepRows: { series: string; x: number; y: number }[] = [];
      for (const h of options.histograms ?? []) {
        const rows = barRows.filter((r) => r.series === h.label);
        rows.forEach((r, i) => {
          if (i === 0) stepRows.push({ series: r.series, x: r.x, y: 0 });
          stepRows.push({ series: r.series, x: r.x, y: r.y });
          if (i === rows.length - 1) stepRows.push({ series: r.series, x: r.x2, y: r.y }, { series: r.series, x: r.x2, y: 0 });
        });
      }
      layers.push({
        data: { values: stepRows },
        mark: { type: 'line', interpolate: 'step-after', clip: true, strokeWidth: 1.3, strokeDash: [4, 3] },
        encoding: { x, y, color, detail: { field: 'series' } },
      });
    } else {
      // The bars share the curves' colour legend (one entry per label, curves and histograms alike).
      layers.push({
        data: { values: barRows },
        mark: { type: 'rect', clip: true, fillOpacity: 0.3 },
        encoding: { x, x2: { field: 'x2' }, y, y2: { datum: 0 }, color },
      });
    }
  }
  layers.push({
    data: { values: curveRows },
    mark: { type: 'line', clip: true, strokeWidth: 2.2, interpolate: 'linear' },
    encoding: { x, y, color, detail: { field: 'series' } },
  });
  if (atomRows.length > 0) {
    layers.push({
      data: { values: atomRows },
      mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1.5, clip: true },
      encoding: { x, y, y2: { datum: 0 }, color: { ...color, legend: null } },
    });
    layers.push({
      data: { values: atomRows },
      mark: { type: 'point', shape: 'diamond', filled: true, size: 110, clip: true },
      encoding: { x, y, color: { ...color, legend: null } },
    });
    layers.push({
      data: { values: atomRows },
      mark: { type: 'text', align: 'right', dx: -9, dy: -2, fontSize: 11, baseline: 'middle' },
      encoding: { x, y, text: { field: 'text' }, color: { ...color, legend: null } },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...titleBlock(options.title, subtitle),
    width: options.width ?? 620,
    height: options.height ?? 380,
    config: BASE_CONFIG,
    layer: layers,
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
}

/**
 * A line chart of several series, optionally on log axes, with a colour legend (series) and a
 * dash legend (style groups), e.g. σ_max against depth L for several q* and two nonlinearities.
 *
 * @param options - see {@link LineChartOptions}.
 * @returns a Vega-Lite specification.
 * @example
 * lineChart({ xTitle: 'L', yTitle: 'σ_max', xLog: true, yLog: true,
 *   series: [{ label: 'q* = 1/4', x: [2, 8, 32], y: [1.05, 1.2, 2.0], style: 'hard-tanh' }] });
 */
export function lineChart(options: LineChartOptions): TopLevelSpec {
  validateLineChart(options);
  const rows: { series: string; style: string; x: number; y: number }[] = [];
  const labels: string[] = [];
  const styles: string[] = [];
  for (const s of options.series) {
    if (!labels.includes(s.label)) labels.push(s.label);
    const style = s.style ?? '';
    if (!styles.includes(style)) styles.push(style);
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!finite(x) || !finite(y)) continue;
      if ((options.xLog && !(x > 0)) || (options.yLog && !(y > 0))) continue;
      rows.push({ series: s.label, style, x, y });
    }
  }
  const dashes = [[1, 0], [7, 4], [2, 3], [10, 3, 2, 3]];
  const useStyle = styles.length > 1 || (styles[0] ?? '') !== '';
  const xs = rows.map((r) => r.x);
  const ys = rows.map((r) => r.y);
  const axisFor = (isLog: boolean | undefined, v: number[]) => {
    if (!isLog || v.length === 0) return { format: '~g' };
    return { format: '~g', values: logTicks(Math.min(...v), Math.max(...v)) };
  };
  const encoding: Record<string, unknown> = {
    x: { field: 'x', type: 'quantitative', title: options.xTitle, scale: options.xLog ? { type: 'log', nice: false } : { zero: false }, axis: axisFor(options.xLog, xs) },
    y: { field: 'y', type: 'quantitative', title: options.yTitle, scale: options.yLog ? { type: 'log', nice: false } : { zero: false }, axis: axisFor(options.yLog, ys) },
    color: { field: 'series', type: 'nominal', title: options.colorTitle ?? null, scale: { domain: labels, range: SERIES_COLORS.slice(0, Math.max(1, labels.length)) }, sort: labels, legend: { symbolType: 'stroke', symbolStrokeWidth: 3 } },
    detail: { field: 'style' },
  };
  if (useStyle) {
    encoding.strokeDash = { field: 'style', type: 'nominal', title: options.styleTitle ?? null, scale: { domain: styles, range: dashes.slice(0, styles.length) }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, symbolStrokeColor: '#333' } };
  }
  const layers: Record<string, unknown>[] = [{ mark: { type: 'line', strokeWidth: 2 }, encoding }];
  if (options.points !== false) {
    const pointEncoding: Record<string, unknown> = { ...encoding, color: { ...(encoding.color as object), legend: null } };
    delete pointEncoding.strokeDash;
    layers.push({ mark: { type: 'point', filled: true, size: 36 }, encoding: pointEncoding });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...titleBlock(options.title, options.subtitle),
    width: options.width ?? 420,
    height: options.height ?? 300,
    config: BASE_CONFIG,
    data: { values: rows },
    layer: layers,
  } as unknown as TopLevelSpec;
}

/**
 * The order/chaos phase diagram: a heat map of χ over (σ_w², σ_b²) on a log colour scale diverging
 * at χ = 1 (blue: ordered, gradients vanish; red: chaotic, gradients explode), the critical line
 * χ = 1 in black, and q* contours (the set of (σ_w², σ_b²) whose length map has fixed point q*).
 *
 * @param options - see {@link PhaseDiagramChartOptions}; variances (σ², not σ) on both axes.
 * @returns a Vega-Lite specification.
 * @example
 * const pd = phaseDiagram({ activation: 'tanh', weightStd: [0.5, 2], biasStd: [0, 1], resolution: 40 });
 * const line = criticalLine({ activation: 'tanh', qStar: [1e-3, 4], points: 60 });
 * await writePlot(phaseDiagramChart({
 *   grid: { weightVariance: pd.weightStd.map((w) => w * w), biasVariance: pd.biasStd.map((b) => b * b), chi: pd.chi },
 *   criticalLine: { label: 'χ = 1', weightVariance: line.weightStd.map((w) => w * w), biasVariance: line.biasVariance },
 * }), 'phase.png');
 */
export function phaseDiagramChart(options: PhaseDiagramChartOptions): TopLevelSpec {
  validatePhaseDiagramChart(options);
  const { grid } = options;
  const nw = grid.weightVariance.length;
  const nb = grid.biasVariance.length;
  const ew = cellEdges(grid.weightVariance);
  const eb = cellEdges(grid.biasVariance);
  const cells: { w: number; w2: number; b: number; b2: number; chi: number }[] = [];
  let chiMin = Infinity;
  let chiMax = -Infinity;
  for (let j = 0; j < nb; j++) {
    for (let i = 0; i < nw; i++) {
      const chi = grid.chi[j * nw + i];
      if (!finite(chi) || !(chi > 0)) continue;
      // Cells overlap by 2% of their size so that anti-aliasing leaves no hairlines between them.
      const ow = 0.01 * (ew[i + 1]! - ew[i]!);
      const ob = 0.01 * (eb[j + 1]! - eb[j]!);
      cells.push({ w: ew[i]! - ow, w2: ew[i + 1]! + ow, b: eb[j]! - ob, b2: eb[j + 1]! + ob, chi });
      chiMin = Math.min(chiMin, chi);
      chiMax = Math.max(chiMax, chi);
    }
  }
  const wLo = ew[0]!;
  const wHi = ew[nw]!;
  const bLo = eb[0]!;
  const bHi = eb[nb]!;
  // A symmetric log range around χ = 1 so that equal colour distances mean equal factors.
  const span = Math.max(Math.abs(Math.log10(chiMin)), Math.abs(Math.log10(chiMax)), 0.05);
  const x = { field: 'w', type: 'quantitative', title: 'σ_w²  (weight variance)', scale: { domain: [wLo, wHi], nice: false, zero: false } };
  const y = { field: 'b', type: 'quantitative', title: 'σ_b²  (bias variance)', scale: { domain: [bLo, bHi], nice: false, zero: false } };
  const clipped = { clip: true };
  const curveRows = (c: PhaseCurve, kind: string) => {
    const out: { w: number; b: number; i: number; series: string; kind: string }[] = [];
    for (let i = 0; i < c.weightVariance.length; i++) {
      const w = c.weightVariance[i];
      const b = c.biasVariance[i];
      if (!finite(w) || !finite(b)) continue;
      if (w < wLo || w > wHi || b < bLo || b > bHi) continue;
      out.push({ w, b, i, series: c.label, kind });
    }
    return out;
  };
  const critical = curveRows(options.criticalLine, 'critical');
  const contourRows = (options.contours ?? []).flatMap((c) => curveRows(c, 'contour'));
  const contourLabels = (options.contours ?? []).flatMap((c) => {
    // Label at the upper-left end: there the lines are furthest apart (they fan out from σ_b² = q*).
    const rows = curveRows(c, 'contour');
    const first = rows[0];
    return first ? [{ w: first.w, b: first.b, text: c.label }] : [];
  });
  const layers: Record<string, unknown>[] = [
    {
      data: { values: cells },
      mark: { type: 'rect', aria: false, ...clipped }, // no per-cell aria-label: thousands of cells
      encoding: {
        x,
        x2: { field: 'w2' },
        y,
        y2: { field: 'b2' },
        fill: {
          field: 'chi',
          type: 'quantitative',
          title: 'χ',
          scale: { type: 'log', scheme: 'redblue', reverse: true, domain: [10 ** -span, 10 ** span], domainMid: 1, clamp: true },
          legend: { format: '~g', gradientLength: 220, orient: 'right' },
        },
      },
    },
  ];
  if (contourRows.length > 0) {
    layers.push({
      data: { values: contourRows },
      mark: { type: 'line', color: '#333', strokeWidth: 1, strokeDash: [4, 3], clip: true },
      encoding: { x, y, detail: { field: 'series' }, order: { field: 'i' } },
    });
    layers.push({
      data: { values: contourLabels },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 5, dy: 3, fontSize: 11, color: '#222' },
      encoding: { x, y, text: { field: 'text' } },
    });
  }
  layers.push({
    data: { values: critical },
    mark: { type: 'line', color: 'black', strokeWidth: 3, clip: true },
    encoding: { x, y, order: { field: 'i' } },
  });
  if (options.marks && options.marks.length > 0) {
    const marks = options.marks.filter((m) => m.weightVariance >= wLo && m.weightVariance <= wHi && m.biasVariance >= bLo && m.biasVariance <= bHi).map((m) => ({ w: m.weightVariance, b: m.biasVariance, text: m.label }));
    layers.push({ data: { values: marks }, mark: { type: 'point', filled: true, color: 'black', size: 50 }, encoding: { x, y } });
    layers.push({
      data: { values: marks.filter((m) => m.text !== '') },
      mark: { type: 'text', align: 'left', dx: 7, dy: 8, fontSize: 11, color: 'black' },
      encoding: { x, y, text: { field: 'text' } },
    });
  }
  // Region names, short (the legend and subtitle explain them), where each phase is unambiguous:
  // low σ_w² (ordered) and high σ_w², low σ_b² (chaotic).
  layers.push({
    data: { values: [{ w: wLo + 0.03 * (wHi - wLo), b: bLo + 0.3 * (bHi - bLo), text: 'ordered' }] },
    mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 14, fontWeight: 'bold', color: '#0b2a55' },
    encoding: { x, y, text: { field: 'text' } },
  });
  layers.push({
    data: { values: [{ w: wHi - 0.03 * (wHi - wLo), b: bLo + 0.02 * (bHi - bLo), text: 'chaotic' }] },
    mark: { type: 'text', align: 'right', baseline: 'bottom', fontSize: 14, fontWeight: 'bold', color: '#5a0d0d' },
    encoding: { x, y, text: { field: 'text' } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...titleBlock(options.title, options.subtitle),
    width: options.width ?? 560,
    height: options.height ?? 400,
    config: BASE_CONFIG,
    layer: layers,
  } as unknown as TopLevelSpec;
}

/** Cell edges around increasing centres: midpoints inside, half a spacing outside, never below 0. */
function cellEdges(c: ArrayLike<number>): number[] {
  const n = c.length;
  if (n === 1) return [Math.max(0, c[0]! - 0.5), c[0]! + 0.5];
  const e: number[] = [Math.max(0, c[0]! - (c[1]! - c[0]!) / 2)];
  for (let i = 0; i + 1 < n; i++) e.push((c[i]! + c[i + 1]!) / 2);
  e.push(c[n - 1]! + (c[n - 1]! - c[n - 2]!) / 2);
  return e;
}

/**
 * Puts several charts side by side in a grid of `columns`, each keeping its own scales and legends.
 *
 * @param charts - specifications from the builders above.
 * @param columns - panels per row.
 * @param title - overall title.
 * @param subtitle - one line or several.
 * @returns a Vega-Lite specification.
 * @example await writePlot(panelGrid([densityChart(a), densityChart(b)], 2, 'Gaussian vs orthogonal'), 'both.svg');
 */
export function panelGrid(charts: readonly TopLevelSpec[], columns: number, title?: string, subtitle?: string | readonly string[]): TopLevelSpec {
  const list = checkList('charts', charts, false);
  if (list.length === 0) throw new DynamicalIsometryRangeError('charts.length', '>= 1', 0);
  list.forEach((c, i) => {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new DynamicalIsometryTypeError(`charts[${i}]`, 'a chart specification (an object)', c);
  });
  integer('columns', columns, 1);
  checkText('title', title, true);
  checkSubtitle('subtitle', subtitle);
  const panels = charts.map((c) => {
    const { $schema: _s, config: _c, ...rest } = c as unknown as Record<string, unknown>;
    return rest;
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...titleBlock(title, subtitle),
    config: BASE_CONFIG,
    columns,
    concat: panels,
    spacing: 36,
    resolve: { scale: { color: 'independent', strokeDash: 'independent', fill: 'independent', stroke: 'independent', x: 'independent', y: 'independent', shape: 'independent' }, legend: { color: 'independent', strokeDash: 'independent', fill: 'independent' } },
  } as unknown as TopLevelSpec;
}

// ---- argument checks (the builders take plain data; NaN entries are allowed and skipped) ----------

function checkText(name: string, v: unknown, optional: boolean): void {
  if (v === undefined && optional) return;
  if (typeof v !== 'string') throw new DynamicalIsometryTypeError(name, optional ? 'a string or undefined' : 'a string', v);
}

function checkSubtitle(name: string, v: unknown): void {
  if (v === undefined || typeof v === 'string') return;
  if (!Array.isArray(v)) throw new DynamicalIsometryTypeError(name, 'a string or an array of strings', v);
  v.forEach((s, i) => checkText(`${name}[${i}]`, s, false));
}

/** An array or typed array of numbers (NaN allowed: such points are not drawn); returns its length. */
function checkNumbers(name: string, v: unknown): number {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as unknown as ArrayLike<number>).length;
  if (!Array.isArray(v)) throw new DynamicalIsometryTypeError(name, 'an array of numbers or a typed array', v);
  v.forEach((x, i) => {
    if (typeof x !== 'number') throw new DynamicalIsometryTypeError(`${name}[${i}]`, 'a number', x);
  });
  return v.length;
}

function checkList(name: string, v: unknown, optional: boolean): readonly unknown[] {
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) throw new DynamicalIsometryTypeError(name, 'an array', v);
  return v;
}

function checkObject<T extends object>(name: string, v: unknown, keys: readonly string[]): Partial<T> {
  if (v === undefined) throw new DynamicalIsometryTypeError(name, 'an object', v);
  return checkOptions<T>(name, v, keys);
}

function checkSize(o: { width?: unknown; height?: unknown }): void {
  if (o.width !== undefined) positiveNumber('options.width', o.width);
  if (o.height !== undefined) positiveNumber('options.height', o.height);
}

function checkBoolean(name: string, v: unknown): void {
  if (v !== undefined) boolean(name, v);
}

function checkPhaseCurve(name: string, v: unknown): void {
  const c = checkObject<PhaseCurve>(name, v, ['label', 'weightVariance', 'biasVariance']);
  checkText(`${name}.label`, c.label, false);
  const n = checkNumbers(`${name}.weightVariance`, c.weightVariance);
  const m = checkNumbers(`${name}.biasVariance`, c.biasVariance);
  if (m !== n) throw new DynamicalIsometryRangeError(`${name}.biasVariance.length`, `${name}.weightVariance.length (${n})`, m);
}

function validateDensityChart(options: unknown): void {
  const o = checkObject<DensityChartOptions>('options', options, ['title', 'subtitle', 'curves', 'histograms', 'scale', 'variable', 'histogramStyle', 'xDomain', 'width', 'height']);
  checkText('options.title', o.title, true);
  checkSubtitle('options.subtitle', o.subtitle);
  checkList('options.curves', o.curves, false).forEach((c, i) => {
    const name = `options.curves[${i}]`;
    const cc = checkObject<DensityCurve>(name, c, ['label', 'x', 'density', 'atoms']);
    checkText(`${name}.label`, cc.label, false);
    const n = checkNumbers(`${name}.x`, cc.x);
    const m = checkNumbers(`${name}.density`, cc.density);
    if (m !== n) throw new DynamicalIsometryRangeError(`${name}.density.length`, `${name}.x.length (${n})`, m);
    checkList(`${name}.atoms`, cc.atoms, true).forEach((a, k) => {
      const aa = checkObject<PlotAtom>(`${name}.atoms[${k}]`, a, ['location', 'mass']);
      if (typeof aa.location !== 'number') throw new DynamicalIsometryTypeError(`${name}.atoms[${k}].location`, 'a number', aa.location);
      if (typeof aa.mass !== 'number') throw new DynamicalIsometryTypeError(`${name}.atoms[${k}].mass`, 'a number', aa.mass);
    });
  });
  checkList('options.histograms', o.histograms, true).forEach((h, i) => {
    const name = `options.histograms[${i}]`;
    const hh = checkObject<DensityHistogram>(name, h, ['label', 'edges', 'heights', 'counted', 'total']);
    checkText(`${name}.label`, hh.label, false);
    const n = checkNumbers(`${name}.heights`, hh.heights);
    const m = checkNumbers(`${name}.edges`, hh.edges);
    if (m !== n + 1) throw new DynamicalIsometryRangeError(`${name}.edges.length`, `${name}.heights.length + 1 (${n + 1})`, m);
  });
  if (o.scale !== undefined) oneOf('options.scale', o.scale, ['linear', 'log'] as const);
  if (o.variable !== undefined) oneOf('options.variable', o.variable, ['eigenvalue', 'singular-value'] as const);
  if (o.histogramStyle !== undefined) oneOf('options.histogramStyle', o.histogramStyle, ['bars', 'steps'] as const);
  if (o.xDomain !== undefined) {
    const d = checkList('options.xDomain', o.xDomain, false);
    if (d.length !== 2) throw new DynamicalIsometryRangeError('options.xDomain.length', '2 ([min, max])', d.length);
    if (typeof d[0] !== 'number' || !Number.isFinite(d[0])) throw new DynamicalIsometryRangeError('options.xDomain[0]', 'a finite number', d[0]);
    if (typeof d[1] !== 'number' || !(d[1] > d[0])) throw new DynamicalIsometryRangeError('options.xDomain[1]', `a finite number > options.xDomain[0] (${d[0]})`, d[1]);
    if (!Number.isFinite(d[1])) throw new DynamicalIsometryRangeError('options.xDomain[1]', 'a finite number', d[1]);
    if (o.scale === 'log' && !(d[0] > 0)) throw new DynamicalIsometryRangeError('options.xDomain[0]', 'a positive number on a log axis', d[0]);
  }
  checkSize(o);
}

function validateLineChart(options: unknown): void {
  const o = checkObject<LineChartOptions>('options', options, ['title', 'subtitle', 'xTitle', 'yTitle', 'series', 'xLog', 'yLog', 'colorTitle', 'styleTitle', 'points', 'width', 'height']);
  checkText('options.title', o.title, true);
  checkSubtitle('options.subtitle', o.subtitle);
  checkText('options.xTitle', o.xTitle, false);
  checkText('options.yTitle', o.yTitle, false);
  checkText('options.colorTitle', o.colorTitle, true);
  checkText('options.styleTitle', o.styleTitle, true);
  checkBoolean('options.xLog', o.xLog);
  checkBoolean('options.yLog', o.yLog);
  checkBoolean('options.points', o.points);
  checkList('options.series', o.series, false).forEach((s, i) => {
    const name = `options.series[${i}]`;
    const ss = checkObject<LineSeries>(name, s, ['label', 'x', 'y', 'style']);
    checkText(`${name}.label`, ss.label, false);
    checkText(`${name}.style`, ss.style, true);
    const n = checkNumbers(`${name}.x`, ss.x);
    const m = checkNumbers(`${name}.y`, ss.y);
    if (m !== n) throw new DynamicalIsometryRangeError(`${name}.y.length`, `${name}.x.length (${n})`, m);
  });
  checkSize(o);
}

function validatePhaseDiagramChart(options: unknown): void {
  const o = checkObject<PhaseDiagramChartOptions>('options', options, ['title', 'subtitle', 'grid', 'criticalLine', 'contours', 'marks', 'width', 'height']);
  checkText('options.title', o.title, true);
  checkSubtitle('options.subtitle', o.subtitle);
  const g = checkObject<PhaseGrid>('options.grid', o.grid, ['weightVariance', 'biasVariance', 'chi']);
  const nw = checkNumbers('options.grid.weightVariance', g.weightVariance);
  const nb = checkNumbers('options.grid.biasVariance', g.biasVariance);
  if (nw < 1) throw new DynamicalIsometryRangeError('options.grid.weightVariance.length', '>= 1', nw);
  if (nb < 1) throw new DynamicalIsometryRangeError('options.grid.biasVariance.length', '>= 1', nb);
  const nc = checkNumbers('options.grid.chi', g.chi);
  if (nc !== nw * nb) throw new DynamicalIsometryRangeError('options.grid.chi.length', `weightVariance.length * biasVariance.length (${nw * nb})`, nc);
  for (const [axis, v] of [['weightVariance', g.weightVariance], ['biasVariance', g.biasVariance]] as const) {
    const a = v as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i]) || (i > 0 && !(a[i]! > a[i - 1]!))) throw new DynamicalIsometryRangeError(`options.grid.${axis}[${i}]`, 'finite and increasing', a[i]);
    }
  }
  checkPhaseCurve('options.criticalLine', o.criticalLine);
  checkList('options.contours', o.contours, true).forEach((c, i) => checkPhaseCurve(`options.contours[${i}]`, c));
  checkList('options.marks', o.marks, true).forEach((m, i) => {
    const name = `options.marks[${i}]`;
    const mm = checkObject<{ weightVariance: number; biasVariance: number; label: string }>(name, m, ['weightVariance', 'biasVariance', 'label']);
    if (typeof mm.weightVariance !== 'number') throw new DynamicalIsometryTypeError(`${name}.weightVariance`, 'a number', mm.weightVariance);
    if (typeof mm.biasVariance !== 'number') throw new DynamicalIsometryTypeError(`${name}.biasVariance`, 'a number', mm.biasVariance);
    checkText(`${name}.label`, mm.label, false);
  });
  checkSize(o);
}
