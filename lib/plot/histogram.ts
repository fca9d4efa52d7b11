/**
 * Histograms of empirical spectra, normalised as densities so that they sit on the same axis as the
 * theoretical ρ(λ): height = count / (total · bin width), where `total` counts every eigenvalue,
 * including those outside the bins (exact zeros of relu/hard-tanh networks belong to the atom at 0).
 * The bars then integrate to the fraction of the spectrum in the binned range, which is what the
 * continuous part of the theoretical law integrates to over the same range.
 * @module
 */
import { DynamicalIsometryRangeError } from '../errors.js';
import { checkOptions, finiteNumberList, integer, oneOf } from '../validate.js';

/** Options of {@link densityHistogram}. */
export interface HistogramOptions {
  /** Number of bins (integer >= 1). Default: the Freedman–Diaconis-like `ceil(2 n^{1/3})`, at most 120. */
  readonly bins?: number;
  /** `'log'`: bins equally spaced in ln λ over the positive values (for spectra spanning decades). */
  readonly scale?: 'linear' | 'log';
  /** Binned range; values outside still count in the total. Default: [min, max] of the (positive) values. */
  readonly range?: readonly [number, number];
}

/** A histogram normalised as a density: heights per unit of the value, edges.length = heights.length + 1. */
export interface Histogram {
  readonly edges: Float64Array;
  readonly heights: Float64Array;
  /** Number of values counted in the bins. */
  readonly counted: number;
  /** Number of values in the normalisation (all of them). */
  readonly total: number;
}

/**
 * Bins values (e.g. the eigenvalues of J J^T pooled over samples) into a density histogram.
 *
 * @param sample - the values (an array or typed array of finite numbers; named `values` in errors).
 * @param opts - `{ bins?, scale?, range? }`; unknown keys are errors (named `options.*` in errors).
 * @returns edges and heights (per unit of value), normalised by the total number of values.
 * @throws {DynamicalIsometryTypeError} for a non-array sample, non-number entries or options of the wrong type.
 * @throws {DynamicalIsometryRangeError} for non-finite values, a reversed range, an unknown scale or option,
 *   bins not an integer >= 1, or a log histogram without positive values.
 * @example densityHistogram(result.eigenvalues, { bins: 60 })
 */
export function densityHistogram(sample: ArrayLike<number>, opts: HistogramOptions = {}): Histogram {
  const values = finiteNumberList('values', sample);
  const options = checkOptions<HistogramOptions>('options', opts, ['bins', 'scale', 'range']);
  if (options.scale !== undefined) oneOf('options.scale', options.scale, ['linear', 'log'] as const);
  if (options.range !== undefined) {
    const r = finiteNumberList('options.range', options.range, 2);
    if (r.length !== 2) throw new DynamicalIsometryRangeError('options.range.length', '2 ([min, max])', r.length);
    if (!(r[1]! >= r[0]!)) throw new DynamicalIsometryRangeError('options.range[1]', `>= options.range[0] (${r[0]})`, r[1]);
    if (options.scale === 'log' && !(r[0]! > 0)) throw new DynamicalIsometryRangeError('options.range[0]', 'a positive number on a log scale', r[0]);
  }
  const total = values.length;
  const log = options.scale === 'log';
  let lo = Infinity;
  let hi = -Infinity;
  let usable = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (log && !(v > 0)) continue;
    usable++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (options.range) [lo, hi] = options.range;
  if (usable === 0 || !(hi >= lo) || (log && !(lo > 0))) {
    throw new DynamicalIsometryRangeError('values', log ? 'a sample with positive values to bin on a log scale' : 'a non-empty sample', `${usable} usable values`);
  }
  if (hi === lo) {
    // a relative widening, but at least 1e-290 so tiny (subnormal) samples keep a finite, non-zero bin width
    hi = lo === 0 ? 1e-12 : lo + Math.max(Math.abs(lo) * 1e-9, 1e-290);
  }
  const bins = options.bins === undefined ? Math.min(120, Math.max(1, Math.ceil(2 * Math.cbrt(usable)))) : integer('options.bins', options.bins, 1, 100_000);
  const edges = new Float64Array(bins + 1);
  for (let k = 0; k <= bins; k++) edges[k] = log ? Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * k) / bins) : lo + ((hi - lo) * k) / bins;
  edges[0] = lo;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  let counted = 0;
  const a = log ? Math.log(lo) : lo;
  const span = (log ? Math.log(hi) : hi) - a;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo || v > hi || (log && !(v > 0))) continue;
    const t = ((log ? Math.log(v) : v) - a) / span;
    const k = Math.min(bins - 1, Math.max(0, Math.floor(t * bins)));
    counts[k]! += 1;
    counted++;
  }
  const heights = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    heights[k] = counts[k]! / (total * (edges[k + 1]! - edges[k]!));
    // subnormal samples can make a bin narrower than 1/MAX_VALUE: its density is not representable
    if (!Number.isFinite(heights[k]!)) {
      throw new DynamicalIsometryRangeError('values', 'a sample whose bins have representable densities (a bin is narrower than 1/Number.MAX_VALUE)', `bin [${edges[k]}, ${edges[k + 1]}] with ${counts[k]} values`);
    }
  }
  return { edges, heights, counted, total };
}
