/**
 * Public data types shared across the library.
 * @module
 */

/**
 * A dense real matrix, **row-major**: entry (i, j) is `data[i * cols + j]`. (A row-major buffer is
 * the column-major transpose, which is how the native core hands it to LAPACK without a copy.)
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A seed for the library's random streams: a non-negative integer or a bigint below 2^64. */
export type Seed = number | bigint;
