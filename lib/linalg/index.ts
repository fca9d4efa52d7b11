/**
 * Dense linear algebra on the library's row-major matrices `{ rows, cols, data: Float64Array }`
 * (entry (i, j) at `data[i * cols + j]`): Gaussian and Haar-orthogonal random matrices (the weight
 * ensembles of Pennington, Schoenholz & Ganguli 2017, arXiv:1711.04735 §2.1), singular values and
 * the SVD (the Jacobian spectra of §2: the eigenvalues of J J^T are the squared singular values of
 * J), and the matrix product.
 *
 * Backends: on the native backend (OpenBLAS + LAPACK) each call with more than a few thousand
 * entries runs on the libuv thread pool and the main thread stays free; smaller calls compute
 * synchronously (a pool round trip would cost more) and return a settled Promise. On the JS backend
 * every call computes on the calling thread. All functions return Promises on both backends and
 * report every error, validation included, as a rejection.
 *
 * Threads: each native call uses OpenBLAS with the thread count of `configure({ threads })`
 * (default 1). Concurrent calls run in parallel on the libuv pool (UV_THREADPOOL_SIZE, default 4),
 * each with that many BLAS threads, so on a small machine keep threads at 1 and parallelize across
 * calls, or run one large call at a time with more threads.
 * @module
 */
import { DynamicalIsometryRangeError, ErrorCode } from '../errors.js';
import type { Matrix, Seed } from '../types.js';
import { boolean, checkOptions, formatBytes, integer, matrix, nonNegativeNumber, seed as checkSeed } from '../validate.js';
import { linalgBackend } from './backend.js';
import { allocate, checkEntries } from './memory.js';

/** Options of {@link gaussianMatrix}. */
export interface GaussianMatrixOptions {
  /** Seed: a non-negative safe integer or a bigint in [0, 2^64). Default 0 (as everywhere in the library). */
  seed?: Seed;
  /** Standard deviation of every entry (default 1); for the paper's weights use sigma_w / sqrt(N). */
  std?: number;
  /** Independent substream in [0, 2^64) (default 0). */
  stream?: Seed;
}

/** Options of {@link haarOrthogonal}. */
export interface HaarOrthogonalOptions {
  /** Seed: a non-negative safe integer or a bigint in [0, 2^64). Default 0 (as everywhere in the library). */
  seed?: Seed;
  /** Independent substream in [0, 2^64) (default 0). */
  stream?: Seed;
}

/** Options of {@link svd}. */
export interface SvdOptions {
  /** Compute the singular vectors (default true). */
  vectors?: boolean;
}

/** A thin singular value decomposition a = u diag(s) vt, k = min(rows, cols). */
export interface Svd {
  /** Left singular vectors as columns: rows x k, row-major. */
  u: Matrix;
  /** Singular values, descending, length k. */
  s: Float64Array;
  /** Right singular vectors as rows: k x cols, row-major. */
  vt: Matrix;
}

/** Largest n of {@link haarOrthogonal}: n^2 <= 2^31 - 1. */
const MAX_HAAR_N = 46340;

function streamOption(value: unknown): bigint {
  return value === undefined ? 0n : checkSeed('options.stream', value);
}

/**
 * A rows x cols matrix of independent N(0, std^2) entries (std is a standard deviation), filled
 * row by row from the seeded stream (seed, stream): `data[i]` is `std` times the i-th value of
 * `standardNormal(rows * cols, { seed, stream })`. Bit-identical on both backends.
 *
 * @param rows integer >= 1.
 * @param cols integer >= 1 (rows * cols <= 2^31 - 1).
 * @param options `{ seed = 0, std = 1, stream = 0 }`.
 * @returns a row-major Matrix.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for bad sizes or options (the
 *   message gives the memory an oversized matrix would need); NumericalError (ERR_DI_OUT_OF_MEMORY).
 * @example
 * // A Gaussian weight matrix of width N = 400 with sigma_w = 1.05: W_ij ~ N(0, sigma_w^2 / N).
 * const W = await gaussianMatrix(400, 400, { seed: 1, std: 1.05 / Math.sqrt(400) });
 */
export async function gaussianMatrix(rows: number, cols: number, options: GaussianMatrixOptions = {}): Promise<Matrix> {
  const r = integer('rows', rows, 1);
  const c = integer('cols', cols, 1);
  checkEntries('rows', rows, r * c, `a ${r} x ${c} matrix`);
  const o = checkOptions<GaussianMatrixOptions>('options', options, ['seed', 'std', 'stream']);
  const s = o.seed === undefined ? 0n : checkSeed('options.seed', o.seed);
  const std = o.std === undefined ? 1 : nonNegativeNumber('options.std', o.std);
  const stream = streamOption(o.stream);
  const data = allocate(r * c, `a ${r} x ${c} matrix`, true); // fully written by the fill
  await linalgBackend().gaussianFill(s, stream, std, data);
  return { rows: r, cols: c, data };
}

/**
 * A Haar-distributed (uniform on O(n)) orthogonal n x n matrix, by the QR recipe of Mezzadri (2007)
 * with the sign correction: with G = gaussianMatrix(n, n, { seed, stream }) and its LQ factorization
 * G = L Q0 (equivalently the QR factorization of G^T), the result is O = diag(sign(diag L)) Q0.
 * Without the sign fix the ensemble is not Haar. The paper's orthogonal weights are sigma_w O
 * (arXiv:1711.04735 §2.1, W^T W = sigma_w^2 I). Natively LAPACK dgeqrf + dorgqr; in JS a Householder
 * QR. The two backends start from bit-identical G and agree to rounding (~n eps).
 *
 * @param n integer in [1, 46340] (n^2 <= 2^31 - 1).
 * @param options `{ seed = 0, stream = 0 }`.
 * @returns a row-major n x n Matrix O with O^T O = I.
 * @throws DynamicalIsometryRangeError for a bad n (an absurd n is refused with the memory it would
 *   need); NumericalError for a LAPACK failure (routine named) or when memory runs out.
 * @example
 * const O = await haarOrthogonal(256, { seed: 7 });
 */
export async function haarOrthogonal(n: number, options: HaarOrthogonalOptions = {}): Promise<Matrix> {
  const size = integer('n', n, 1);
  if (size > MAX_HAAR_N) {
    throw new DynamicalIsometryRangeError(
      'n',
      `an integer in [1, ${MAX_HAAR_N}] (an n x n matrix has at most 2^31 - 1 entries)`,
      n,
      ErrorCode.outOfRange,
      `a ${size} x ${size} matrix would need ${formatBytes(size * size * 8)}`,
    );
  }
  const o = checkOptions<HaarOrthogonalOptions>('options', options, ['seed', 'stream']);
  const s = o.seed === undefined ? 0n : checkSeed('options.seed', o.seed);
  const stream = streamOption(o.stream);
  const data = allocate(size * size, `a ${size} x ${size} matrix`, true); // fully written
  await linalgBackend().haarOrthogonal(size, s, stream, data);
  return { rows: size, cols: size, data };
}

/**
 * The singular values of any rows x cols matrix, descending, length min(rows, cols). The spectrum
 * of J J^T in the paper's sense is their squares. Natively LAPACK dgesdd (values only); in JS a
 * Householder bidiagonalization and implicit-shift QR. Accuracy: absolute error ~ eps * sigma_max *
 * min(rows, cols) (tiny singular values are not relatively accurate).
 *
 * @param a a Matrix with finite entries (unchanged).
 * @returns a Float64Array of length min(rows, cols).
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for a malformed matrix or a
 *   non-finite entry; NumericalError (routine "dgesdd") if LAPACK fails to converge.
 * @example
 * const s = await singularValues({ rows: 2, cols: 2, data: Float64Array.of(3, 0, 0, -4) }); // [4, 3]
 */
export async function singularValues(a: Matrix): Promise<Float64Array> {
  const m = matrix('a', a);
  const s = allocate(Math.min(m.rows, m.cols), 'the singular values');
  await linalgBackend().singularValues(m.rows, m.cols, m.data, s);
  return s;
}

/**
 * The thin singular value decomposition a = u diag(s) vt (k = min(rows, cols); u is rows x k with
 * orthonormal columns, vt is k x cols with orthonormal rows; s descending). Natively LAPACK dgesdd
 * (jobz = 'S'); in JS bidiagonalization + implicit-shift QR with accumulated vectors. Singular
 * vectors are unique only up to sign (and rotation within repeated singular values).
 *
 * @param a a Matrix with finite entries (unchanged).
 * @param options `{ vectors? }`: with `vectors: false` only `s` is computed (as {@link singularValues}).
 * @returns `{ u, s, vt }`, or `{ s }` when `vectors` is false.
 * @throws as {@link singularValues}.
 * @example
 * const { u, s, vt } = await svd({ rows: 3, cols: 2, data: Float64Array.of(1, 0, 0, 1, 1, 1) });
 */
export async function svd(a: Matrix, options?: SvdOptions & { vectors?: true }): Promise<Svd>;
export async function svd(a: Matrix, options: { vectors: false }): Promise<{ s: Float64Array }>;
export async function svd(a: Matrix, options?: SvdOptions): Promise<Svd | { s: Float64Array }>;
export async function svd(a: Matrix, options?: SvdOptions): Promise<Svd | { s: Float64Array }> {
  const m = matrix('a', a);
  const o = checkOptions<SvdOptions>('options', options, ['vectors']);
  const vectors = o.vectors === undefined ? true : boolean('options.vectors', o.vectors);
  const k = Math.min(m.rows, m.cols);
  const s = allocate(k, 'the singular values');
  if (!vectors) {
    await linalgBackend().singularValues(m.rows, m.cols, m.data, s);
    return { s };
  }
  const u = allocate(m.rows * k, `a ${m.rows} x ${k} matrix U`);
  const vt = allocate(k * m.cols, `a ${k} x ${m.cols} matrix V^T`);
  await linalgBackend().svd(m.rows, m.cols, m.data, u, s, vt);
  return { u: { rows: m.rows, cols: k, data: u }, s, vt: { rows: k, cols: m.cols, data: vt } };
}

/**
 * The matrix product a b (rows of a x cols of b), e.g. one factor of the input-output Jacobian
 * J = D^L W^L ... D^1 W^1 (arXiv:1711.04735, eq. 2). Natively BLAS dgemm; in JS a cache-blocked
 * kernel. The result is exact up to the usual rounding, |error| <= k eps |a| |b| entrywise.
 *
 * @param a an m x k Matrix with finite entries.
 * @param b a k x n Matrix with finite entries (b.rows must equal a.cols).
 * @returns the m x n row-major product.
 * @throws DynamicalIsometryTypeError / DynamicalIsometryRangeError for malformed or incompatible
 *   matrices or a product with more than 2^31 - 1 entries.
 * @example
 * const a = { rows: 2, cols: 3, data: Float64Array.of(1, 2, 3, 4, 5, 6) };
 * const b = { rows: 3, cols: 1, data: Float64Array.of(1, 0, -1) };
 * const c = await matmul(a, b); // { rows: 2, cols: 1, data: [-2, -2] }
 */
export async function matmul(a: Matrix, b: Matrix): Promise<Matrix> {
  const ma = matrix('a', a);
  const mb = matrix('b', b);
  if (mb.rows !== ma.cols) {
    throw new DynamicalIsometryRangeError('b.rows', `equal to a.cols (${ma.cols})`, mb.rows, ErrorCode.invalidArgument);
  }
  checkEntries('a.rows', ma.rows, ma.rows * mb.cols, `the ${ma.rows} x ${mb.cols} product`);
  const c = allocate(ma.rows * mb.cols, `the ${ma.rows} x ${mb.cols} product`);
  await linalgBackend().matmul(ma.rows, ma.cols, mb.cols, ma.data, mb.data, c);
  return { rows: ma.rows, cols: mb.cols, data: c };
}

