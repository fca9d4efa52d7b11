/**
 * Seeded standard normals, reproducible across runs, platforms and backends: the native and JS
 * backends run the same generator (xoshiro128** + a 256-layer ziggurat, see ./rng.ts) and produce
 * bit-identical streams for the same (seed, stream).
 * @module
 */
import type { Seed } from '../types.js';
import { checkOptions, integer, seed as checkSeed } from '../validate.js';
import { linalgBackend } from '../linalg/backend.js';
import { allocate, checkEntries } from '../linalg/memory.js';

export { Rng } from './rng.js';

/** Options of {@link standardNormal}. */
export interface StandardNormalOptions {
  /** Seed: a non-negative safe integer or a bigint in [0, 2^64). Default 0 (as everywhere in the library: results are reproducible either way). */
  seed?: Seed;
  /** Independent substream index in [0, 2^64) (default 0); sample s of a batch uses stream s. */
  stream?: Seed;
}

/**
 * `count` independent standard normals N(0, 1) (mean 0, standard deviation 1) from the seeded
 * stream (seed, stream). The same arguments give the same doubles on every platform and on both
 * backends; `new Rng(seed, stream).nextNormal()` continues the same sequence one value at a time.
 * The weight matrices of the paper's networks (W_ij ~ N(0, sigma_w^2 / N), arXiv:1711.04735 §2.1)
 * are scaled draws of this stream.
 *
 * Runs on the libuv thread pool for large counts on the native backend (above 65536 values),
 * synchronously otherwise; the result is always delivered through the Promise.
 *
 * @param count number of values, an integer in [0, 2^31 - 1].
 * @param options `{ seed = 0, stream = 0 }`.
 * @returns a Float64Array of length `count`.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError (rejections) for a bad count,
 *   seed, stream or unknown option; NumericalError (ERR_DI_OUT_OF_MEMORY) if the array cannot be allocated.
 * @example
 * const z = await standardNormal(1000, { seed: 42 });
 */
export async function standardNormal(count: number, options: StandardNormalOptions = {}): Promise<Float64Array> {
  const n = integer('count', count, 0);
  checkEntries('count', count, n, 'the result');
  const o = checkOptions<StandardNormalOptions>('options', options, ['seed', 'stream']);
  const s = o.seed === undefined ? 0n : checkSeed('options.seed', o.seed);
  const stream = o.stream === undefined ? 0n : checkSeed('options.stream', o.stream);
  const out = allocate(n, 'the normals', true); // every entry is written below
  if (n > 0) await linalgBackend().fillNormal(s, stream, out);
  return out;
}
