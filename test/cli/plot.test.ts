/**
 * Plot files written by the commands: valid SVG (parsed by resvg, a real SVG parser) and PNG (the
 * signature and the IHDR size), with the expected series, axis titles and legend entries; the
 * histogram normalisation; the progress bar only on a TTY; and `reproduce` writing its figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';

import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from '../../lib/errors.js';

import { erf } from '../../lib/activations/index.js';
import { progressBar } from '../../lib/cli/progress.js';
import { histogramBins } from '../../lib/cli/spectrum.js';
import { densityChart, densityHistogram, lineChart, panelGrid, phaseDiagramChart, writePlot } from '../../lib/plot/index.js';
import { expectClose } from '../helpers/close.js';
import { ok } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'di-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SVG parses, and its size. */
function parseSvg(svg: string): { width: number; height: number } {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const r = new Resvg(svg); // throws on malformed SVG
  return { width: r.width, height: r.height };
}

/** Texts of the SVG's <text> elements and of their <tspan> lines (multi-line titles). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<(text|tspan)[^>]*>([^<]*)<\/\1>/g)].map((m) => m[2]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** Number of marks drawn inside the first group whose class starts with `cls`. */
function marksIn(svg: string, cls: string, tag: string): number {
  const start = svg.indexOf(`<g class="${cls}`);
  if (start < 0) return 0;
  // Vega writes each mark group flat: its items are the siblings up to the group's closing tag.
  let depth = 0;
  let count = 0;
  const re = /<(\/?)(g|path|rect|line|text)\b[^>]*?(\/?)>/g;
  re.lastIndex = start;
  for (let m = re.exec(svg); m; m = re.exec(svg)) {
    if (m[2] === 'g') {
      if (m[1] === '/') depth--;
      else if (m[3] !== '/') depth++;
      if (depth === 0) break;
    } else if (m[1] !== '/' && m[2] === tag) count++;
  }
  return count;
}

describe('plots', () => {
  it('density --plot FILE.svg: a valid SVG with the theory curve, labelled axes and the spec', () => {
    const file = join(dir, 'density.svg');
    ok('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '4', '--q-star', '0.25', '--plot', file);
    const svg = readFileSync(file, 'utf8');
    const { width, height } = parseSvg(svg);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(300);
    const t = texts(svg);
    expect(t).toContain('ρ(λ)');
    expect(t).toContain('λ (eigenvalue of J Jᵀ)');
    expect(t).toContain('theory (N → ∞)');
    expect(t.some((x) => x.startsWith('tanh, orthogonal weights, L = 4, q* = 0.25'))).toBe(true);
    expect(marksIn(svg, 'mark-line role-mark', 'path')).toBe(1);
  });

  it('density --plot on a log axis draws λ ρ(λ) and writes the atom at 0 in the subtitle', () => {
    const file = join(dir, 'relu.svg');
    ok('density', '--activation', 'relu', '--weights', 'gaussian', '--depth', '8', '--q-star', '1', '--plot', file);
    const t = texts(readFileSync(file, 'utf8'));
    expect(t).toContain('λ ρ(λ)  (density per unit ln λ)');
    expect(t).toContain('atom at λ = 0 of mass 0.5 (not drawn)');
  });

  it('compare --plot FILE.png: a PNG of the expected size with the histogram and the curve', () => {
    const png = join(dir, 'compare.png');
    const svgFile = join(dir, 'compare.svg');
    const args = ['compare', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '4', '--q-star', '0.0625', '--width', '64', '--samples', '2'];
    ok(...args, '--plot', png);
    ok(...args, '--plot', svgFile);
    const buf = readFileSync(png);
    expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(buf.subarray(12, 16).toString('latin1')).toBe('IHDR');
    const svg = readFileSync(svgFile, 'utf8');
    const { width, height } = parseSvg(svg);
    // PNGs are rendered at 2 pixels per SVG unit.
    expect(buf.readUInt32BE(16)).toBe(Math.round(2 * width));
    expect(buf.readUInt32BE(20)).toBe(Math.round(2 * height));
    const t = texts(svg);
    expect(t.some((x) => /^sampled: 2 x N = 64 \(KS [\d.e-]+, W1 [\d.e-]+\)$/.test(x))).toBe(true);
    expect(marksIn(svg, 'mark-rect role-mark', 'path')).toBe(histogramBins(128)); // 2 x 64 eigenvalues
    expect(marksIn(svg, 'mark-line role-mark', 'path')).toBe(1);
  });

  it('phase-diagram --plot: heat-map cells, the critical line, the q* contours, axes in σ²', () => {
    const file = join(dir, 'phase.svg');
    ok('phase-diagram', '--activation', 'tanh', '--resolution', '12', '--contours', '0.25,1', '--plot', file);
    const svg = readFileSync(file, 'utf8');
    parseSvg(svg);
    const t = texts(svg);
    expect(t).toContain('σ_w²  (weight variance)');
    expect(t).toContain('σ_b²  (bias variance)');
    expect(t).toContain('χ');
    expect(t).toEqual(expect.arrayContaining(['q* = 1/4', 'q* = 1', 'ordered', 'chaotic']));
    expect(marksIn(svg, 'mark-rect role-mark', 'path')).toBe(144);
  });
});

describe('reproduce', () => {
  it('writes SVG, PNG and JSON for a figure', () => {
    const out = join(dir, 'figs');
    const doc = JSON.parse(ok('reproduce', '--figure', 'critical-lines', '--out', out, '--json')) as { figures: { file: string }[] };
    expect(doc.figures.map((f) => f.file.slice(out.length + 1))).toEqual(['critical-lines.svg', 'critical-lines.png', 'critical-lines.json']);
    parseSvg(readFileSync(join(out, 'critical-lines.svg'), 'utf8'));
    const data = JSON.parse(readFileSync(join(out, 'critical-lines.json'), 'utf8')) as { activation: string }[];
    expect(new Set(data.map((d) => d.activation))).toEqual(new Set(['tanh', 'hard-tanh', 'erf']));
  });

  it('figure 2 at a small width: three panels, one curve per depth', () => {
    const out = join(dir, 'fig2');
    ok('reproduce', '--figure', '2', '--out', out, '--width', '40', '--depths', '2,4', '--format', 'svg');
    const svg = readFileSync(join(out, 'spectra.svg'), 'utf8');
    parseSvg(svg);
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['linear, Gaussian weights', 'relu, orthogonal weights', 'hard-tanh, orthogonal weights, q* = 1/4', 'L = 2', 'L = 4']));
    const data = JSON.parse(readFileSync(join(out, 'spectra.json'), 'utf8')) as { width: number; panels: { results: { ks: number }[] }[] };
    expect(data.width).toBe(40);
    expect(data.panels).toHaveLength(3);
    for (const p of data.panels) for (const r of p.results) expect(r.ks).toBeGreaterThanOrEqual(0);
  });
});

describe('reproduce: figure 3 data', () => {
  /**
   * lambda_max of relu / hard-tanh networks at criticality in closed form (THEORY.md §4.3), with p the
   * probability that phi' = 1 and sigma_w^2 = 1/p; in log space (L^L overflows near L = 150).
   * Orthogonal: (1-p)/p L^L/(L-1)^(L-1) when L(1-p) > 1, else the atom p^(-L).
   * Gaussian: ((1+M)/M) ((M+p)/p)^L with M = [-(L-1) + sqrt((L-1)^2 + 4Lp)] / (2L).
   */
  function lambdaMax(p: number, weights: string, L: number): number {
    if (weights === 'orthogonal') {
      if (L * (1 - p) <= 1) return Math.exp(-L * Math.log(p));
      return Math.exp(Math.log((1 - p) / p) + L * Math.log(L) - (L - 1) * Math.log(L - 1));
    }
    const m = (-(L - 1) + Math.sqrt((L - 1) ** 2 + 4 * L * p)) / (2 * L);
    return Math.exp(Math.log((1 + m) / m) + L * Math.log((m + p) / p));
  }

  it('sigma_max against depth matches the closed forms of THEORY §4.3 (and so its table §4.6)', () => {
    const out = join(dir, 'fig3');
    ok('reproduce', '--figure', 'sigma-max', '--out', out, '--format', 'svg');
    const data = JSON.parse(readFileSync(join(out, 'sigma-max.json'), 'utf8')) as {
      versusDepth: { activation: string; weights: string; depth: number; qStar: number; sigmaMax: number }[];
    };
    expect(data.versusDepth.length).toBe(2 * 6 * 11);
    for (const r of data.versusDepth) {
      const p = r.activation === 'relu' ? 0.5 : erf(1 / Math.sqrt(2 * r.qStar));
      const exact = Math.sqrt(lambdaMax(p, r.weights, r.depth));
      // The solver locates lambda_max by its own equation (issue 4 asks 1e-6 relative for edges);
      // 1e-8 on sigma_max leaves room for the log-space closed form's own rounding at L = 1024.
      expect(Math.abs(r.sigmaMax - exact) / exact, `${r.activation} ${r.weights} q*=${r.qStar} L=${r.depth}`).toBeLessThanOrEqual(1e-8);
    }
    // Spot checks against the table printed in THEORY §4.6.
    const at = (a: string, w: string, q: number, L: number) => data.versusDepth.find((r) => r.activation === a && r.weights === w && r.depth === L && Math.abs(r.qStar - q) < 1e-12)!.sigmaMax;
    // The table is printed rounded: half a unit in its last printed digit is the tolerance.
    const printed = 'THEORY §4.6 value rounded to the digits printed: half a unit in the last place';
    expectClose(at('relu', 'gaussian', 1, 512), 52.76, { atol: 0.005, why: printed });
    expectClose(at('relu', 'orthogonal', 1, 8), 4.514, { atol: 0.0005, why: printed });
    expectClose(at('hard-tanh', 'orthogonal', 1 / 16, 512), 1.0163, { atol: 0.00005, why: printed });
    expectClose(at('hard-tanh', 'orthogonal', 1 / 4, 128), 4.0646, { atol: 0.00005, why: printed });
  });
});

describe('plot helpers', () => {
  it('densityHistogram normalises by the total count, zeros included', () => {
    const values = [0, 0, 1, 1.5, 2, 2.5, 3, 10];
    const h = densityHistogram(values, { bins: 4, range: [1, 3] });
    let area = 0;
    for (let k = 0; k < 4; k++) area += h.heights[k]! * (h.edges[k + 1]! - h.edges[k]!);
    // 5 of the 8 values lie in [1, 3]: the bars integrate to 5/8 exactly (up to rounding of the edges).
    expect(h.counted).toBe(5);
    expectClose(area, 5 / 8, { rtol: 8 * Number.EPSILON, why: 'four height*width products summed: one rounding each, plus the divisions in the heights' });
    const lg = densityHistogram([1e-6, 1e-3, 1, 1e3], { bins: 3, scale: 'log' });
    expect(lg.edges[0]).toBe(1e-6);
    expect(lg.edges[3]).toBe(1e3);
    expect(lg.counted).toBe(4);
  });

  it('densityHistogram validates its arguments and names them', () => {
    const param = (parameter: string) => expect.objectContaining({ parameter });
    expect(() => densityHistogram([1, 2, NaN, 3])).toThrow(param('values[2]'));
    expect(() => densityHistogram([1, 2, Infinity])).toThrow(param('values[2]'));
    expect(() => densityHistogram('123' as never)).toThrow(DynamicalIsometryTypeError);
    expect(() => densityHistogram([1, 2], { range: [3, 1] })).toThrow(param('options.range[1]'));
    expect(() => densityHistogram([1, 2], { range: [0, 1], scale: 'log' })).toThrow(param('options.range[0]'));
    expect(() => densityHistogram([1, 2], { scale: 'Log' as never })).toThrow(param('options.scale'));
    expect(() => densityHistogram([1, 2], { bin: 5 } as never)).toThrow(expect.objectContaining({ parameter: 'options.bin', code: ErrorCode.unknownOption }));
    expect(() => densityHistogram([1, 2], { bins: 0 })).toThrow(param('options.bins'));
    expect(() => densityHistogram([1, 2], { bins: 2.5 })).toThrow(DynamicalIsometryRangeError);
  });

  it('the chart builders and writePlot validate their arguments (library errors with a code, not TypeErrors)', async () => {
    const param = (parameter: string) => expect.objectContaining({ parameter });
    const curve = { label: 'a', x: [1, 2], density: [0.5, 0.5] };
    expect(() => densityChart(undefined as never)).toThrow(param('options'));
    expect(() => densityChart({} as never)).toThrow(param('options.curves'));
    expect(() => densityChart({ curves: [{ ...curve, density: [1] }] })).toThrow(param('options.curves[0].density.length'));
    expect(() => densityChart({ curves: [curve], scale: 'Log' as never })).toThrow(param('options.scale'));
    expect(() => densityChart({ curves: [curve], colour: 'red' } as never)).toThrow(expect.objectContaining({ code: ErrorCode.unknownOption }));
    expect(() => densityChart({ curves: [curve], xDomain: [2, 1] })).toThrow(param('options.xDomain[1]'));
    expect(() => densityChart({ curves: [curve], histograms: [{ label: 'h', edges: [0, 1], heights: [1, 2] }] })).toThrow(param('options.histograms[0].edges.length'));
    expect(() => densityChart({ curves: [curve], histograms: [{ label: 'h', ...densityHistogram([1, 2, 3], { bins: 2 }) }] })).not.toThrow();
    expect(() => lineChart({} as never)).toThrow(param('options.xTitle'));
    expect(() => lineChart({ xTitle: 'x', yTitle: 'y', series: [{ label: 's', x: [1], y: [1, 2] }] })).toThrow(param('options.series[0].y.length'));
    expect(() => lineChart({ xTitle: 'x', yTitle: 'y', series: [], xLog: 'yes' as never })).toThrow(param('options.xLog'));
    expect(() => lineChart({ xTitle: 'x', yTitle: 'y', series: [{ label: 's', x: [1, NaN], y: [1, 2] }] })).not.toThrow();
    const grid = { weightVariance: [1, 2], biasVariance: [0, 1], chi: [0.5, 1, 1.5, NaN] };
    const line = { label: 'χ = 1', weightVariance: [1, 2], biasVariance: [0, 1] };
    expect(() => phaseDiagramChart({ grid: { ...grid, chi: [1] }, criticalLine: line })).toThrow(param('options.grid.chi.length'));
    expect(() => phaseDiagramChart({ grid: { ...grid, weightVariance: [2, 1] }, criticalLine: line })).toThrow(param('options.grid.weightVariance[1]'));
    expect(() => phaseDiagramChart({ grid } as never)).toThrow(param('options.criticalLine'));
    expect(() => phaseDiagramChart({ grid, criticalLine: line })).not.toThrow();
    const chart = lineChart({ xTitle: 'x', yTitle: 'y', series: [] });
    expect(() => panelGrid([], 1)).toThrow(param('charts.length'));
    expect(() => panelGrid([chart], 0)).toThrow(param('columns'));
    expect(() => panelGrid([chart, null as never], 1)).toThrow(param('charts[1]'));
    await expect(writePlot(chart, join(dir, 'x.pdf'))).rejects.toThrow(param('file'));
    await expect(writePlot(chart, 42 as never)).rejects.toThrow(param('file'));
    await expect(writePlot(undefined as never, join(dir, 'x.svg'))).rejects.toThrow(param('spec'));
  });

  it('progressBar draws on a TTY and stays silent otherwise', () => {
    const writes: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, columns: 80, write: (s: string) => writes.push(s) }) as unknown as NodeJS.WriteStream;
    const quiet = progressBar(stream(false), 'x');
    quiet.update(0.5);
    quiet.done();
    expect(writes).toEqual([]);
    const bar = progressBar(stream(true), 'sampling');
    bar.update(1, '2/2 samples done');
    bar.done();
    expect(writes[0]).toMatch(/^\rsampling \[#+\] 100% 2\/2 samples done/);
    expect(writes[1]).toBe('\r\x1b[K');
  });
});
