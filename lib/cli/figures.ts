/**
 * The paper's figures that concern spectra, regenerated from the library alone (Pennington,
 * Schoenholz & Ganguli 2017; parameter choices from THEORY.md §5):
 *
 * - `phase-diagram` (Fig. 1): χ over (σ_w², σ_b²) for tanh, the critical line χ = 1 and q* contours;
 * - `spectra` (Fig. 2): theory vs sampled densities of J J^T at criticality for linear/Gaussian,
 *   relu/orthogonal and hard-tanh/orthogonal networks at several depths;
 * - `sigma-max` (Fig. 3): σ_max = sqrt(λ_max) against depth and against q*, Gaussian vs orthogonal,
 *   relu vs hard-tanh;
 * - `critical-lines`: the critical lines of tanh, hard-tanh and erf with q* marked along them;
 * - `tanh-spectra`: tanh at small q*, Gaussian vs orthogonal weights (only orthogonal is isometric).
 *
 * Each figure returns its chart and the data behind it (written next to the picture as JSON).
 * @module
 */
import type { TopLevelSpec } from 'vega-lite';

import { densityChart, densityHistogram, lineChart, panelGrid, phaseDiagramChart, type DensityCurve, type DensityHistogram, type LineSeries } from '../plot/index.js';
import type { NetworkSpec } from '../spec.js';
import { loadEmpirical, loadFree, loadMeanField } from './library.js';
import { fmtQ, phaseData, phasePlotInputs } from './phase.js';

/** Sampling settings of Fig. 2. */
export interface SamplingSettings {
  readonly width: number;
  readonly samples: number;
  readonly seed: number;
  readonly depths: readonly number[];
  /** Called after each sampled network (for a progress bar). */
  readonly onStep?: (done: number, total: number, label: string) => void;
}

/** A generated figure: the chart and the numbers it shows. */
export interface Figure {
  readonly name: string;
  readonly description: string;
  readonly chart: TopLevelSpec;
  readonly data: unknown;
}

/** The names `reproduce --figure` accepts, with aliases. */
export const FIGURE_NAMES: Readonly<Record<string, string>> = {
  '1': 'phase-diagram',
  'phase-diagram': 'phase-diagram',
  '2': 'spectra',
  spectra: 'spectra',
  '3': 'sigma-max',
  'sigma-max': 'sigma-max',
  'critical-lines': 'critical-lines',
  'qstar-contours': 'critical-lines',
  'tanh-spectra': 'tanh-spectra',
  '4': 'learning-speed',
  '5': 'learning-speed',
  'learning-speed': 'learning-speed',
};

/** Fig. 1: the tanh phase diagram. */
export async function figurePhaseDiagram(): Promise<Figure> {
  const contours = [1 / 16, 1 / 4, 1, 2, 4];
  const p = await phaseData('tanh', [0.5, 2.1], [0, 1.2], 60, contours);
  const { criticalPoint } = await loadMeanField();
  // The two initialisations of the paper's training experiments (σ_w² = 1.05 and 2 on the tanh line).
  const marks = [0.025921, 0.821354].map((q) => {
    const c = criticalPoint({ activation: 'tanh', qStar: q });
    // Unlabelled dots (the subtitle names them): text there would cross the critical line.
    return { weightVariance: c.weightStd ** 2, biasVariance: c.biasStd ** 2, label: '' };
  });
  const chart = phaseDiagramChart({
    title: 'Order-to-chaos phase diagram of tanh networks (Fig. 1)',
    subtitle: ['colour: χ = σ_w² E[φ′(√q* h)²]: blue ordered (χ < 1, gradients vanish), red chaotic (χ > 1, gradients explode)', 'black: the critical line χ = 1, q* growing along it from (1, 0); dashed: q* contours', 'dots: the training initialisations σ_w² = 1.05 (q* = 0.026) and σ_w² = 2 (q* = 0.82)'],
    ...phasePlotInputs(p),
    marks,
  });
  return {
    name: 'phase-diagram',
    description: 'χ over (σ_w², σ_b²) for tanh: ordered (χ < 1) and chaotic (χ > 1) phases, the critical line χ = 1 starting at (1, 0) with q* increasing along it, and straight q* contours.',
    chart,
    data: { activation: 'tanh', criticalLine: p.criticalLine, contours: p.contours, marks },
  };
}

interface PanelSpec {
  readonly title: string;
  readonly activation: string;
  readonly weights: 'gaussian' | 'orthogonal';
  readonly qStar: number;
  /** λ axis: 'log' (default; spectra spanning decades) or 'linear' (spectra concentrated near 1). */
  readonly scale?: 'linear' | 'log';
}

/** The three panels of Fig. 2 (hard-tanh at q* = 1/4, where L(1 − p) crosses 1 between L = 8 and 32). */
export const SPECTRA_PANELS: readonly PanelSpec[] = [
  { title: 'linear, Gaussian weights', activation: 'linear', weights: 'gaussian', qStar: 0.5 },
  { title: 'relu, orthogonal weights', activation: 'relu', weights: 'orthogonal', qStar: 0.5 },
  { title: 'hard-tanh, orthogonal weights, q* = 1/4', activation: 'hard-tanh', weights: 'orthogonal', qStar: 0.25 },
];

/** tanh at small q*: Gaussian weights spread like the linear network, orthogonal ones stay near 1. */
export const TANH_PANELS: readonly PanelSpec[] = [
  { title: 'tanh, Gaussian weights, q* = 1/64', activation: 'tanh', weights: 'gaussian', qStar: 1 / 64 },
  { title: 'tanh, orthogonal weights, q* = 1/64', activation: 'tanh', weights: 'orthogonal', qStar: 1 / 64, scale: 'linear' },
];

/** Smallest λ shown on the log axes of Fig. 2, relative to the largest λ_max of the panel. */
const FIG2_LAMBDA_FLOOR = 1e-7;

/** Points of each theory curve. */
const CURVE_POINTS = 300;

/** Panels of theory vs sampled spectra at criticality, one curve and one histogram per depth. */
async function spectraPanels(panels: readonly PanelSpec[], s: SamplingSettings): Promise<{ charts: TopLevelSpec[]; data: unknown[] }> {
  const { spectralDensity } = await loadFree();
  const { sampleJacobianSpectrum, jacobianSpectrumDistance } = await loadEmpirical();
  const charts: TopLevelSpec[] = [];
  const data: unknown[] = [];
  const total = panels.length * s.depths.length;
  let done = 0;
  for (const panel of panels) {
    const scale = panel.scale ?? 'log';
    const curves: DensityCurve[] = [];
    const histograms: DensityHistogram[] = [];
    const results: { depth: number; lambdaMax: number; atoms: unknown; ks: number; w1: number }[] = [];
    let top = 0;
    let bottom = Infinity;
    const perDepth: { label: string; d: Awaited<ReturnType<typeof spectralDensity>>; ev: Float64Array; spec: NetworkSpec }[] = [];
    for (const depth of s.depths) {
      const spec = { activation: panel.activation, weights: panel.weights, depth, qStar: panel.qStar } as NetworkSpec;
      const d = await spectralDensity(spec);
      s.onStep?.(done, total, `${panel.activation} ${panel.weights} L = ${depth}`);
      const r = await sampleJacobianSpectrum(spec, { width: s.width, samples: s.samples, seed: s.seed });
      done++;
      const dist = jacobianSpectrumDistance(r, d);
      top = Math.max(top, d.lambdaMax);
      if (!d.support.empty) bottom = Math.min(bottom, d.support.min);
      perDepth.push({ label: `L = ${depth}`, d, ev: r.eigenvalues, spec });
      results.push({ depth, lambdaMax: d.lambdaMax, atoms: d.atoms, ks: dist.ks, w1: dist.w1 });
    }
    const lo = scale === 'log' ? top * FIG2_LAMBDA_FLOOR : Math.max(0, bottom);
    const hi = scale === 'log' ? top * 1.05 : top + 0.04 * (top - lo);
    for (const { label, d, ev, spec } of perDepth) {
      if (!d.support.empty && d.support.max > 0) {
        const a = Math.max(lo, d.support.min);
        const b = d.support.max * (1 - 1e-9);
        const at = Float64Array.from({ length: CURVE_POINTS }, (_, i) =>
          scale === 'log' ? Math.exp(Math.log(a) + ((Math.log(b) - Math.log(a)) * i) / (CURVE_POINTS - 1)) : a + ((b - a) * i) / (CURVE_POINTS - 1),
        );
        const g = await spectralDensity(spec, { at });
        curves.push({ label, x: g.lambda, density: g.density, atoms: d.atoms });
      } else curves.push({ label, x: [], density: [], atoms: d.atoms });
      const h = densityHistogram(ev, { scale, bins: scale === 'log' ? 40 : 60, range: [scale === 'log' ? lo : Math.max(lo, 1e-300), hi] });
      histograms.push({ label, edges: h.edges, heights: h.heights });
    }
    charts.push(densityChart({ title: panel.title, curves, histograms, scale, histogramStyle: 'steps', xDomain: [lo, hi], width: 430, height: 300 }));
    data.push({ ...panel, results });
  }
  return { charts, data };
}

/** Fig. 2: theory vs sampled spectra at criticality, at several depths. */
export async function figureSpectra(s: SamplingSettings): Promise<Figure> {
  const { charts, data } = await spectraPanels(SPECTRA_PANELS, s);
  const chart = panelGrid(
    charts,
    3,
    'Spectra of J Jᵀ at criticality: theory (solid) vs sampled networks (dashed histograms) (Fig. 2)',
    `sampled: ${s.samples} network(s) of width N = ${s.width} per depth, seed ${s.seed}; x: λ on a log axis, y: λ ρ(λ); atoms as diamonds with their mass`,
  );
  return {
    name: 'spectra',
    description: 'Theory vs sampled spectra at criticality: linear/Gaussian and relu/orthogonal spread out with depth, orthogonal hard-tanh at small q* stays concentrated near 1 (with an atom at σ_w^{2L}).',
    chart,
    data: { width: s.width, samples: s.samples, seed: s.seed, depths: s.depths, panels: data },
  };
}

/** tanh at q* = 1/64: only orthogonal weights give dynamical isometry (paper §2.5, THEORY §4.5). */
export async function figureTanhSpectra(s: SamplingSettings): Promise<Figure> {
  const { charts, data } = await spectraPanels(TANH_PANELS, s);
  const chart = panelGrid(
    charts,
    2,
    'tanh networks at criticality (q* = 1/64): Gaussian vs orthogonal weights',
    [
      `theory (solid) vs ${s.samples} sampled network(s) of width N = ${s.width} per depth (dashed), seed ${s.seed}`,
      'left: λ on a log axis, y = λ ρ(λ); right: λ on a linear axis, y = ρ(λ)',
    ],
  );
  return {
    name: 'tanh-spectra',
    description: 'tanh networks at q* = 1/64: with Gaussian weights the spectrum spreads over decades as depth grows (variance ≥ L), with orthogonal weights it stays concentrated around λ = 1 (dynamical isometry).',
    chart,
    data: { width: s.width, samples: s.samples, seed: s.seed, depths: s.depths, panels: data },
  };
}

/** Depths and q* of Fig. 3 (THEORY.md §5: L in 1..1024, q* in {1/64, 1/16, 1/4, 1, 4}). */
export const SIGMA_MAX_DEPTHS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
export const SIGMA_MAX_Q = [1 / 64, 1 / 16, 1 / 4, 1, 4];
const SIGMA_MAX_L_PANEL = [2, 8, 32, 128, 512];

/** Fig. 3: σ_max against depth and against q*. */
export async function figureSigmaMax(onStep?: (done: number, total: number, label: string) => void): Promise<Figure> {
  const { spectralDensity } = await loadFree();
  const sigmaMax = async (activation: string, weights: string, depth: number, qStar: number) => {
    // Few grid points: only λ_max (located by its own equation, not from the grid) is used.
    const d = await spectralDensity({ activation, weights, depth, qStar } as NetworkSpec, { points: 16 });
    return Math.sqrt(d.lambdaMax);
  };
  const rows: { activation: string; weights: string; depth: number; qStar: number; sigmaMax: number }[] = [];
  const total = 2 * (SIGMA_MAX_Q.length + 1) * SIGMA_MAX_DEPTHS.length;
  let done = 0;
  for (const weights of ['gaussian', 'orthogonal']) {
    for (const qStar of [...SIGMA_MAX_Q, NaN]) {
      const activation = Number.isNaN(qStar) ? 'relu' : 'hard-tanh';
      const q = Number.isNaN(qStar) ? 1 : qStar;
      for (const depth of SIGMA_MAX_DEPTHS) {
        onStep?.(done++, total, `${activation} ${weights} q* = ${fmtQ(q)} L = ${depth}`);
        rows.push({ activation, weights, depth, qStar: q, sigmaMax: await sigmaMax(activation, weights, depth, q) });
      }
    }
  }
  // Panels (c, d) against q*: a finer q* grid for the depths shown there.
  const qGrid = Array.from({ length: 25 }, (_, k) => 10 ** (-2 + (k * Math.log10(400)) / 24));
  const qRows: typeof rows = [];
  for (const weights of ['gaussian', 'orthogonal']) {
    for (const depth of SIGMA_MAX_L_PANEL) {
      for (const q of qGrid) qRows.push({ activation: 'hard-tanh', weights, depth, qStar: q, sigmaMax: await sigmaMax('hard-tanh', weights, depth, q) });
      const relu = rows.find((r) => r.activation === 'relu' && r.weights === weights && r.depth === depth);
      const reluValue = relu ? relu.sigmaMax : await sigmaMax('relu', weights, depth, 1);
      for (const q of [qGrid[0]!, qGrid[qGrid.length - 1]!]) qRows.push({ activation: 'relu', weights, depth, qStar: q, sigmaMax: reluValue });
    }
  }
  const versusL = (weights: string, tag: string): TopLevelSpec => {
    const series: LineSeries[] = [];
    for (const q of SIGMA_MAX_Q) {
      const r = rows.filter((x) => x.activation === 'hard-tanh' && x.weights === weights && x.qStar === q);
      series.push({ label: `hard-tanh, q* = ${fmtQ(q)}`, style: 'hard-tanh', x: r.map((x) => x.depth), y: r.map((x) => x.sigmaMax) });
    }
    const r = rows.filter((x) => x.activation === 'relu' && x.weights === weights);
    series.push({ label: 'relu (any q*)', style: 'relu', x: r.map((x) => x.depth), y: r.map((x) => x.sigmaMax) });
    return lineChart({ title: `(${tag}) ${weights} weights: σ_max vs depth`, xTitle: 'depth L', yTitle: 'σ_max = √λ_max', xLog: true, yLog: true, series, colorTitle: 'network', styleTitle: 'nonlinearity', width: 380, height: 280 });
  };
  const versusQ = (weights: string, tag: string): TopLevelSpec => {
    const series: LineSeries[] = [];
    for (const depth of SIGMA_MAX_L_PANEL) {
      const h = qRows.filter((x) => x.activation === 'hard-tanh' && x.weights === weights && x.depth === depth);
      series.push({ label: `L = ${depth}`, style: 'hard-tanh', x: h.map((x) => x.qStar), y: h.map((x) => x.sigmaMax) });
      const r = qRows.filter((x) => x.activation === 'relu' && x.weights === weights && x.depth === depth);
      series.push({ label: `L = ${depth}`, style: 'relu', x: r.map((x) => x.qStar), y: r.map((x) => x.sigmaMax) });
    }
    return lineChart({ title: `(${tag}) ${weights} weights: σ_max vs q*`, xTitle: 'q*', yTitle: 'σ_max = √λ_max', xLog: true, yLog: true, series, colorTitle: 'depth', styleTitle: 'nonlinearity', points: false, width: 380, height: 280 });
  };
  const chart = panelGrid(
    [versusL('gaussian', 'a'), versusL('orthogonal', 'b'), versusQ('gaussian', 'c'), versusQ('orthogonal', 'd')],
    2,
    'Largest singular value of J at criticality (Fig. 3)',
    'relu dashed, hard-tanh solid; theory (N → ∞): σ_max² = λ_max, the top of the support or of the highest atom',
  );
  return {
    name: 'sigma-max',
    description: 'σ_max of J grows with depth for Gaussian weights (both nonlinearities) and for orthogonal relu (≈ √(eL)), but stays near 1 for orthogonal hard-tanh at small q*, growing with q*.',
    chart,
    data: { versusDepth: rows, versusQStar: qRows },
  };
}

/** The critical lines of tanh, hard-tanh and erf in the (σ_w², σ_b²) plane, with q* marked. */
export async function figureCriticalLines(): Promise<Figure> {
  const { criticalPoint } = await loadMeanField();
  const series: LineSeries[] = [];
  const marks: LineSeries[] = [];
  const data: { activation: string; qStar: number; weightStd: number; biasStd: number }[] = [];
  const qs = Array.from({ length: 97 }, (_, k) => 10 ** (-3 + (k * Math.log10(4000)) / 96));
  const labelled = [1 / 16, 1 / 4, 1, 4];
  for (const activation of ['tanh', 'hard-tanh', 'erf']) {
    const pts = qs.map((q) => {
      const c = criticalPoint({ activation, qStar: q });
      data.push({ activation, qStar: q, weightStd: c.weightStd, biasStd: c.biasStd });
      return c;
    });
    series.push({ label: activation, x: pts.map((c) => c.weightStd ** 2), y: pts.map((c) => c.biasStd ** 2) });
    const m = labelled.map((q) => criticalPoint({ activation, qStar: q }));
    marks.push({ label: activation, style: 'q* = 1/16, 1/4, 1, 4', x: m.map((c) => c.weightStd ** 2), y: m.map((c) => c.biasStd ** 2) });
  }
  const chart = lineChart({
    title: 'Critical lines χ = 1 parametrised by q*',
    subtitle: 'each line starts at (σ_w², σ_b²) = (1, 0) as q* → 0 (erf: (π/4, 0), plain erf); dots at q* = 1/16, 1/4, 1, 4',
    xTitle: 'σ_w²  (weight variance)',
    yTitle: 'σ_b²  (bias variance)',
    series,
    colorTitle: 'φ',
    points: false,
    width: 520,
    height: 360,
  });
  // Dots only at the marked q*: a second layer of points.
  const spec = chart as unknown as { layer: Record<string, unknown>[] };
  const markRows = marks.flatMap((m) => Array.from(m.x as number[], (x, i) => ({ series: m.label, x, y: (m.y as number[])[i], text: `q* = ${fmtQ(labelled[i]!)}` })));
  spec.layer.push({
    data: { values: markRows },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
      color: { field: 'series', type: 'nominal', legend: null },
    },
  });
  // q* beside the dots of q* >= 1 (the smaller ones crowd near (1, 0)).
  spec.layer.push({
    data: { values: markRows.filter((r) => !r.text.includes('/')) },
    mark: { type: 'text', align: 'right', dx: -8, dy: -6, fontSize: 11 },
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
      text: { field: 'text' },
      color: { field: 'series', type: 'nominal', legend: null },
    },
  });
  return {
    name: 'critical-lines',
    description: 'The critical lines χ = 1 of tanh, hard-tanh and erf in the (σ_w², σ_b²) plane, parametrised by q*, which increases monotonically along each line.',
    chart,
    data,
  };
}
