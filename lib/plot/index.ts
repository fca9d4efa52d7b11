/**
 * Plots of Jacobian spectra and mean-field phase diagrams, rendered headless to SVG or PNG (Vega-Lite
 * → Vega → SVG; resvg → PNG). See the chart builders for what each picture shows.
 * @module
 */
export { densityChart, lineChart, phaseDiagramChart, panelGrid, formatLabelNumber, SERIES_COLORS } from './charts.js';
export type { DensityChartOptions, DensityCurve, DensityHistogram, LineChartOptions, LineSeries, PhaseCurve, PhaseDiagramChartOptions, PhaseGrid, PlotAtom } from './charts.js';
export { densityHistogram } from './histogram.js';
export type { Histogram, HistogramOptions } from './histogram.js';
export { plotFormat, renderSvg, svgToPng, writePlot, PLOT_FONT, MAX_PLOT_DIMENSION } from './render.js';
export type { PlotFormat } from './render.js';
