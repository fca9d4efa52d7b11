/**
 * Allocation of result buffers with a clear error instead of a crash: sizes above LAPACK's 32-bit
 * limit are refused up front with the memory they would need, and a failed allocation becomes a
 * NumericalError (ERR_DI_OUT_OF_MEMORY) naming what was being allocated.
 * @module
 * @internal
 */
import { constants as bufferConstants } from 'node:buffer';

import { memoryLimitBytes } from '../backend/config.js';
import { DynamicalIsometryRangeError, ErrorCode, NumericalError } from '../errors.js';
import { MAX_MATRIX_ENTRIES, formatBytes } from '../validate.js';

/**
 * Refuses up front (RangeError on `parameter`, code ERR_DI_OUT_OF_MEMORY) a request that would need
 * more than the memory cap of `configure({ memoryLimitBytes })` (default: a fraction of the free
 * memory), saying how much it would need.
 */
export function checkMemoryLimit(parameter: string, received: unknown, bytes: number, what: string): void {
  const limit = memoryLimitBytes();
  if (bytes > limit) {
    throw new DynamicalIsometryRangeError(
      parameter,
      `small enough that ${what} fits the memory limit (${formatBytes(limit)}; configure({ memoryLimitBytes }) sets it)`,
      received,
      ErrorCode.outOfMemory,
      `it would need ${formatBytes(bytes)}`,
    );
  }
}

/** Throws a RangeError on `parameter` unless `entries` doubles fit one LAPACK-addressable buffer. */
export function checkEntries(parameter: string, received: unknown, entries: number, what: string): void {
  if (entries > MAX_MATRIX_ENTRIES) {
    throw new DynamicalIsometryRangeError(
      parameter,
      `small enough that ${what} has at most 2^31 - 1 entries`,
      received,
      ErrorCode.outOfRange,
      `${entries.toExponential(3)} entries would need ${formatBytes(entries * 8)}`,
    );
  }
  checkMemoryLimit(parameter, received, entries * 8, what);
}

/**
 * A Float64Array of `entries`, or a NumericalError (out of memory) naming `what`. Zeroed unless
 * `overwritten` is true: then its memory is left uninitialized (no zero-fill pass on the main thread,
 * as numpy.empty), and the caller MUST write every entry before the array is returned to anyone.
 */
export function allocate(entries: number, what: string, overwritten = false): Float64Array {
  try {
    if (overwritten && entries > 0 && entries * 8 <= bufferConstants.MAX_LENGTH) {
      // allocUnsafeSlow: a dedicated, unpooled ArrayBuffer (byteOffset 0, so 8-byte aligned).
      const b = Buffer.allocUnsafeSlow(entries * 8);
      return new Float64Array(b.buffer, b.byteOffset, entries);
    }
    return new Float64Array(entries);
  } catch (e) {
    throw new NumericalError(ErrorCode.outOfMemory, `cannot allocate ${what} (${formatBytes(entries * 8)}): ${e instanceof Error ? e.message : String(e)}`, {
      details: { entries, bytes: entries * 8 },
    });
  }
}
