// Benchmark cases of the cli/plot area (format: bench/README.md): how long a picture takes to
// render headless (Vega-Lite -> Vega -> SVG, then resvg -> PNG), for a density with a 1000-point
// curve and a 50-bin histogram, and for a 60 x 60 phase-diagram heat map. The chart specs are built
// once in setup; the run is the rendering alone. 'svg' is the reference; 'png' includes the SVG.
import { densityChart, phaseDiagramChart, renderSvg, svgToPng } from '../../dist/index.js';

function densitySpec() {
  const x = Float64Array.from({ length: 1000 }, (_, i) => (4 * (i + 0.5)) / 1000);
  const density = x.map((l) => Math.sqrt((4 - l) / l) / (2 * Math.PI));
  const edges = Float64Array.from({ length: 51 }, (_, k) => (4 * k) / 50);
  const heights = Float64Array.from({ length: 50 }, (_, k) => Math.sqrt((4 - (edges[k] + 0.04)) / (edges[k] + 0.04)) / (2 * Math.PI));
  return densityChart({ title: 'bench', curves: [{ label: 'theory', x, density }], histograms: [{ label: 'sampled', edges, heights }] });
}

function phaseSpec() {
  const w = Float64Array.from({ length: 60 }, (_, i) => 0.25 + (4 * i) / 59);
  const b = Float64Array.from({ length: 60 }, (_, j) => (1.4 * j) / 59);
  const chi = new Float64Array(3600);
  for (let j = 0; j < 60; j++) for (let i = 0; i < 60; i++) chi[j * 60 + i] = w[i] / (1 + b[j]);
  return phaseDiagramChart({ grid: { weightVariance: w, biasVariance: b, chi }, criticalLine: { label: 'χ = 1', weightVariance: [1, 2.4], biasVariance: [0, 1.4] } });
}

const render = (name, build) => ({
  name: `render/${name}`,
  group: 'render',
  reference: 'svg',
  perRun: 1,
  unit: 'pictures',
  timeMs: 2000,
  iterations: 5,
  variants: {
    svg: { setup: build, run: (spec) => renderSvg(spec) },
    png: { setup: build, run: async (spec) => svgToPng(await renderSvg(spec)) },
  },
});

export default [render('density', densitySpec), render('phase-diagram-60x60', phaseSpec)];
