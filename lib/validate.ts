/**
 * The one validation module: every public function checks its arguments here, once, before any
 * work (and before anything reaches the native core). Messages name the parameter, the value and
 * what was expected.
 * @module
 */
import { DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode } from './errors.js';
import type { Matrix } from './types.js';

/** Largest number of entries a single matrix may have (2^31 - 1: LAPACK's 32-bit integer sizes). */
export const MAX_MATRIX_ENTRIES = 2 ** 31 - 1;

/** Throws unless `value` is a plain object (or undefined, which yields {}); unknown keys are errors. */
export function checkOptions<T extends object>(name: string, value: unknown, allowed: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DynamicalIsometryTypeError(name, 'an object', value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new DynamicalIsometryTypeError(
        `${name}.${key}`,
        `one of the known options (${allowed.join(', ')})`,
        (value as Record<string, unknown>)[key],
        ErrorCode.unknownOption,
      );
    }
  }
  return value as Partial<T>;
}

/** A finite number. */
export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new DynamicalIsometryTypeError(name, 'a finite number', value);
  if (!Number.isFinite(value)) throw new DynamicalIsometryRangeError(name, 'a finite number', value);
  return value;
}

/** A finite number >= 0 (a standard deviation, a variance). -0 is accepted as 0. */
export function nonNegativeNumber(name: string, value: unknown): number {
  const v = finiteNumber(name, value);
  if (v < 0) throw new DynamicalIsometryRangeError(name, 'a finite number >= 0', value);
  return v === 0 ? 0 : v;
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown): number {
  const v = finiteNumber(name, value);
  if (!(v > 0)) throw new DynamicalIsometryRangeError(name, 'a finite number > 0', value);
  return v;
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  if (typeof value !== 'number') throw new DynamicalIsometryTypeError(name, expected, value);
  if (!Number.isInteger(value) || value < min || value > max) throw new DynamicalIsometryRangeError(name, expected, value);
  return value === 0 ? 0 : value;
}

/** A boolean. */
export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new DynamicalIsometryTypeError(name, 'a boolean', value);
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new DynamicalIsometryTypeError(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

const U64 = (1n << 64n) - 1n;

/**
 * A seed: a non-negative safe integer or a bigint in [0, 2^64). Returned as a bigint. Library
 * convention: every public `seed` option is optional with the documented default 0 (callers pass
 * `o.seed === undefined ? 0n : seed(...)`); results are reproducible either way.
 */
export function seed(name: string, value: unknown): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64) throw new DynamicalIsometryRangeError(name, 'a bigint in [0, 2^64)', value);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new DynamicalIsometryRangeError(name, 'a non-negative safe integer or a bigint in [0, 2^64)', value);
    }
    return BigInt(value);
  }
  throw new DynamicalIsometryTypeError(name, 'a non-negative integer or a bigint', value);
}

/** A Float64Array of finite entries (any length unless `length` is given). */
export function finiteFloat64Array(name: string, value: unknown, length?: number): Float64Array {
  if (!(value instanceof Float64Array)) throw new DynamicalIsometryTypeError(name, 'a Float64Array', value);
  if (length !== undefined && value.length !== length) {
    throw new DynamicalIsometryRangeError(`${name}.length`, `${length}`, value.length);
  }
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i])) throw new DynamicalIsometryRangeError(`${name}[${i}]`, 'finite', value[i]);
  }
  return value;
}

/** A list of finite numbers given as an array or a Float64Array; returned as a new Float64Array. */
export function finiteNumberList(name: string, value: unknown, minLength = 0): Float64Array {
  let out: Float64Array;
  if (value instanceof Float64Array) out = Float64Array.from(value);
  else if (Array.isArray(value)) {
    out = new Float64Array(value.length);
    value.forEach((v, i) => {
      if (typeof v !== 'number') throw new DynamicalIsometryTypeError(`${name}[${i}]`, 'a finite number', v);
      out[i] = v;
    });
  } else throw new DynamicalIsometryTypeError(name, 'an array of finite numbers or a Float64Array', value);
  if (out.length < minLength) throw new DynamicalIsometryRangeError(`${name}.length`, `>= ${minLength}`, out.length);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new DynamicalIsometryRangeError(`${name}[${i}]`, 'a finite number', out[i]);
  }
  return out;
}

/** Matrix dimensions: integers >= 1 whose product fits a LAPACK 32-bit size. */
export function matrixShape(name: string, rows: unknown, cols: unknown): { rows: number; cols: number } {
  const r = integer(`${name}.rows`, rows, 1);
  const c = integer(`${name}.cols`, cols, 1);
  if (r * c > MAX_MATRIX_ENTRIES) {
    throw new DynamicalIsometryRangeError(
      name,
      `at most ${MAX_MATRIX_ENTRIES} entries`,
      `${r} x ${c}`,
      ErrorCode.outOfRange,
      `it would need ${formatBytes(r * c * 8)}`,
    );
  }
  return { rows: r, cols: c };
}

/** A public matrix `{ rows, cols, data }` (row-major Float64Array of finite entries). */
export function matrix(name: string, value: unknown): Matrix {
  if (value === null || typeof value !== 'object') throw new DynamicalIsometryTypeError(name, 'a matrix { rows, cols, data: Float64Array }', value);
  const m = value as Partial<Matrix>;
  const { rows, cols } = matrixShape(name, m.rows, m.cols);
  const data = finiteFloat64Array(`${name}.data`, m.data, rows * cols);
  return { rows, cols, data };
}

/** An optional AbortSignal. */
export function abortSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw new DynamicalIsometryTypeError(name, 'an AbortSignal', value);
  return value;
}

/** An optional callback. */
export function callback<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new DynamicalIsometryTypeError(name, 'a function', value);
  return value as F;
}

/** "1.5 GiB" style size for messages about memory. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}
