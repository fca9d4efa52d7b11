/**
 * Headless rendering of the library's charts: a Vega-Lite specification is compiled to Vega, drawn
 * to SVG by Vega's scenegraph renderer (no browser, no canvas), and rasterised to PNG by resvg (a
 * Rust SVG renderer shipped as a prebuilt N-API binary inside its npm package). The three packages
 * are imported lazily, so `import 'dynamical-isometry'` does not pay for them.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';

import type { TopLevelSpec } from 'vega-lite';

import { DynamicalIsometryRangeError, DynamicalIsometryTypeError } from '../errors.js';

/** The file formats {@link writePlot} produces, chosen by the file's extension. */
export type PlotFormat = 'svg' | 'png';

/** The font every chart uses (DejaVu Sans ships with Debian and covers λ, ρ, σ, χ, ²). */
export const PLOT_FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/**
 * The format that a plot file name asks for: `.svg` or `.png` (case-insensitive).
 *
 * @param file - a path ending in `.svg` or `.png`.
 * @returns `'svg'` or `'png'`.
 * @throws {DynamicalIsometryTypeError} when `file` is not a string.
 * @throws {DynamicalIsometryRangeError} for any other extension.
 * @example plotFormat('out/density.png') // 'png'
 */
export function plotFormat(file: unknown, parameter = 'plot'): PlotFormat {
  if (typeof file !== 'string' || file.length === 0) throw new DynamicalIsometryTypeError(parameter, 'a file name ending in .svg or .png', file);
  const ext = extname(file).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  throw new DynamicalIsometryRangeError(parameter, 'a file name ending in .svg or .png', file);
}

/** Advance widths of DejaVu Sans in em, for the characters whose width is far from the average. */
const CHAR_EM: Readonly<Record<string, number>> = (() => {
  const t: Record<string, number> = {};
  const set = (chars: string, w: number) => {
    for (const c of chars) t[c] = w;
  };
  set(' ', 0.318);
  set('0123456789', 0.636);
  set('ijl|', 0.278);
  set('f', 0.352);
  set('t', 0.392);
  set('r', 0.411);
  set('sz', 0.521);
  set('cky', 0.55);
  set('m', 0.974);
  set('w', 0.818);
  set('IJ', 0.295);
  set('MW', 0.9);
  set('.,:;\'', 0.318);
  set('()[]{}', 0.39);
  set('-', 0.361);
  set('=+<>~×', 0.838);
  set('*', 0.5);
  set('/\\', 0.337);
  set('²³ᵀ′', 0.4);
  return t;
})();

/**
 * Text width in pixels for DejaVu Sans. Vega measures text with a canvas when one is installed and
 * otherwise guesses 0.8 em per character, which is far too wide for this font and makes titles and
 * legends reserve empty space; this per-character table is within a few percent.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const c of text) {
    const w = CHAR_EM[c];
    if (w !== undefined) em += w;
    else if (c >= 'A' && c <= 'Z') em += 0.7;
    else em += 0.61;
  }
  return em * fontSize * (bold ? 1.1 : 1);
}

/**
 * Renders a Vega-Lite specification to an SVG document.
 *
 * @param spec - a Vega-Lite top-level specification (the chart builders of this module make them).
 * @returns the SVG text (UTF-8, with a white background).
 * @throws {DynamicalIsometryTypeError} (parameter `spec`) when `spec` is not an object or Vega-Lite /
 *   Vega reject it (their message is included).
 * @example const svg = await renderSvg(densityChart({ curves: [...] }));
 */
/** Largest width or height (px) of a chart or any of its views: beyond it Vega exhausts the heap. */
export const MAX_PLOT_DIMENSION = 20_000;

/** Throws a RangeError naming the first numeric width/height in the spec above MAX_PLOT_DIMENSION. */
function checkDimensions(node: unknown, path: string, depth = 0): void {
  if (node === null || typeof node !== 'object' || depth > 32) return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const where = Array.isArray(node) ? `${path}[${key}]` : `${path}.${key}`;
    if ((key === 'width' || key === 'height') && typeof value === 'number' && !(Math.abs(value) <= MAX_PLOT_DIMENSION)) {
      throw new DynamicalIsometryRangeError(where, `a size of at most ${MAX_PLOT_DIMENSION} px`, value);
    }
    checkDimensions(value, where, depth + 1);
  }
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new DynamicalIsometryTypeError('spec', 'a chart specification (an object)', spec);
  checkDimensions(spec, 'spec');
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  // Vega-Lite's and Vega's loggers write warnings to the console; a library stays quiet.
  const quiet = vega.logger(vega.None);
  // `textMetrics` is exported by vega-scenegraph (re-exported by vega) but missing from vega's typings.
  (vega as unknown as { textMetrics: { width: (item: unknown, text?: unknown) => number } }).textMetrics.width = (item: unknown, text?: unknown) => {
    const it = item as { fontSize?: number; fontWeight?: string | number; limit?: number };
    const str = text == null ? '' : String(text).trim();
    const bold = it.fontWeight === 'bold' || (typeof it.fontWeight === 'number' && it.fontWeight >= 600);
    return textWidth(str, it.fontSize ?? 11, bold);
  };
  // Vega-Lite and Vega throw plain Errors (or TypeErrors from deep inside) on a malformed
  // specification: report them as a typed error naming `spec`.
  let view: InstanceType<typeof vega.View>;
  try {
    const compiled = vegaLite.compile(spec, { logger: quiet }).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.None });
  } catch (e) {
    throw invalidSpec(spec, e);
  }
  try {
    return compactSvg(await view.toSVG());
  } catch (e) {
    throw invalidSpec(spec, e);
  } finally {
    view.finalize();
  }
}

function invalidSpec(spec: unknown, e: unknown): DynamicalIsometryTypeError {
  const why = e instanceof Error ? e.message : String(e);
  return new DynamicalIsometryTypeError('spec', `a valid Vega-Lite specification (Vega-Lite/Vega: ${why.slice(0, 200)})`, spec);
}

/** Largest PNG {@link svgToPng} draws, in pixels (400 MB of RGBA). */
const MAX_PNG_PIXELS = 1e8;

/**
 * Rounds coordinates inside tags to 2 decimals (1/100 px, invisible) and leaves text content alone:
 * Vega writes up to 16 digits per coordinate, which makes heat maps needlessly large.
 */
export function compactSvg(svg: string): string {
  return svg.replace(/<[^>]+>/g, (tag) => tag.replace(/(\d\.\d{2})\d+/g, '$1'));
}

/**
 * Rasterises an SVG document to PNG with resvg.
 *
 * @param svg - SVG text, e.g. from {@link renderSvg}.
 * @param scale - pixels per SVG unit, in [1/64, 64] (2 gives a sharp picture on high-density screens).
 * @returns the PNG file's bytes (text is drawn with the system's DejaVu Sans when installed).
 * @throws {DynamicalIsometryTypeError} (parameter `svg`) for a non-string or text resvg cannot parse;
 *   (parameter `scale`) for a non-number.
 * @throws {DynamicalIsometryRangeError} (parameter `scale`) outside [1/64, 64] or when the image would
 *   have no pixel or more than 1e8 pixels.
 * @example writeFileSync('chart.png', await svgToPng(await renderSvg(spec)));
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  if (typeof svg !== 'string' || svg.length === 0) throw new DynamicalIsometryTypeError('svg', 'SVG text (a non-empty string)', svg);
  if (typeof scale !== 'number') throw new DynamicalIsometryTypeError('scale', 'a number', scale);
  if (!(scale >= 1 / 64 && scale <= 64)) throw new DynamicalIsometryRangeError('scale', 'a number in [1/64, 64]', scale);
  const { Resvg } = await import('@resvg/resvg-js');
  let resvg: InstanceType<typeof Resvg>;
  try {
    resvg = new Resvg(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: scale },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/target size is zero/i.test(why)) throw new DynamicalIsometryRangeError('scale', 'large enough that the image has at least one pixel', scale);
    throw new DynamicalIsometryTypeError('svg', `an SVG document resvg can parse (${why})`, svg.length > 80 ? `${svg.slice(0, 80)}...` : svg);
  }
  // resvg.width/height are the document's size before the zoom; refuse an image too large to allocate.
  const w = Math.ceil(resvg.width * scale);
  const h = Math.ceil(resvg.height * scale);
  if (!(w * h <= MAX_PNG_PIXELS)) {
    throw new DynamicalIsometryRangeError('scale', `small enough that the image has at most ${MAX_PNG_PIXELS} pixels`, scale, undefined, `it would be ${w} x ${h}`);
  }
  return resvg.render().asPng();
}

/**
 * Renders a chart and writes it to `file`, as SVG or PNG according to the extension. Missing parent
 * folders are created.
 *
 * @param spec - a Vega-Lite top-level specification.
 * @param file - the output path, ending in `.svg` or `.png`.
 * @returns the format written and the number of bytes.
 * @throws {DynamicalIsometryTypeError} when `spec` is not an object or `file` not a non-empty string.
 * @throws {DynamicalIsometryRangeError} (parameter `file`) when the extension is neither `.svg` nor `.png`.
 * @example await writePlot(phaseDiagramChart(data), 'phase.png');
 */
export async function writePlot(spec: TopLevelSpec, file: string): Promise<{ format: PlotFormat; bytes: number }> {
  const format = plotFormat(file, 'file');
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new DynamicalIsometryTypeError('spec', 'a chart specification (an object)', spec);
  const svg = await renderSvg(spec);
  const body = format === 'svg' ? svg : await svgToPng(svg);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
  return { format, bytes: Buffer.byteLength(body) };
}
