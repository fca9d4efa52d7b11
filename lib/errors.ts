/**
 * Error classes of dynamical-isometry. Every error carries a stable `code`; argument errors also
 * name the parameter, the value received and what was expected. The codes mirror the native status
 * table in `native/core/status.h` (checked by a test).
 * @module
 */

/** Stable error codes, shared with the native core (`native/core/status.h`). */
export const ErrorCode = {
  invalidArgument: 'ERR_DI_INVALID_ARGUMENT',
  invalidType: 'ERR_DI_INVALID_TYPE',
  outOfRange: 'ERR_DI_OUT_OF_RANGE',
  unknownOption: 'ERR_DI_UNKNOWN_OPTION',
  outOfMemory: 'ERR_DI_OUT_OF_MEMORY',
  lapack: 'ERR_DI_LAPACK',
  noConvergence: 'ERR_DI_NO_CONVERGENCE',
  aborted: 'ERR_DI_ABORTED',
  internal: 'ERR_DI_INTERNAL',
  overflow: 'ERR_DI_OVERFLOW',
  backendUnavailable: 'ERR_DI_BACKEND_UNAVAILABLE',
  noFixedPoint: 'ERR_DI_NO_FIXED_POINT',
  noCriticalPoint: 'ERR_DI_NO_CRITICAL_POINT',
  activation: 'ERR_DI_ACTIVATION',
  selfCheck: 'ERR_DI_SELF_CHECK',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Native status codes by number, as returned by the core (`di::StatusCode`). */
export const NativeStatus: Readonly<Record<number, ErrorCodeValue | 'OK'>> = {
  0: 'OK',
  1: ErrorCode.invalidArgument,
  2: ErrorCode.outOfMemory,
  3: ErrorCode.lapack,
  4: ErrorCode.noConvergence,
  5: ErrorCode.aborted,
  6: ErrorCode.internal,
  7: ErrorCode.overflow,
};

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A value of the wrong type: `depth must be an integer; received "3"`. */
export class DynamicalIsometryTypeError extends TypeError {
  readonly code: ErrorCodeValue;
  readonly parameter: string;
  constructor(parameter: string, expected: string, received: unknown, code: ErrorCodeValue = ErrorCode.invalidType) {
    super(`${parameter} must be ${expected}; received ${describe(received)}`);
    this.name = 'DynamicalIsometryTypeError';
    this.code = code;
    this.parameter = parameter;
  }
}

/** A value of the right type outside its allowed range: `depth must be an integer >= 1; received 0`. */
export class DynamicalIsometryRangeError extends RangeError {
  readonly code: ErrorCodeValue;
  readonly parameter: string;
  constructor(parameter: string, expected: string, received: unknown, code: ErrorCodeValue = ErrorCode.outOfRange, detail?: string) {
    super(`${parameter} must be ${expected}; received ${describe(received)}${detail ? ` (${detail})` : ''}`);
    this.name = 'DynamicalIsometryRangeError';
    this.code = code;
    this.parameter = parameter;
  }
}

/** A numerical failure: LAPACK info != 0, a solver that did not converge, memory. */
export class NumericalError extends Error {
  readonly code: ErrorCodeValue;
  readonly routine: string | undefined;
  readonly info: number | undefined;
  readonly details: Readonly<Record<string, number | string>>;
  constructor(code: ErrorCodeValue, message: string, opts: { routine?: string; info?: number; details?: Record<string, number | string> } = {}) {
    super(message);
    this.name = 'NumericalError';
    this.code = code;
    this.routine = opts.routine;
    this.info = opts.info;
    this.details = Object.freeze({ ...(opts.details ?? {}) });
  }
}

/** The requested backend cannot be used (e.g. `backend: 'native'` without a built addon). */
export class BackendUnavailableError extends Error {
  readonly code = ErrorCode.backendUnavailable;
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** Work stopped because an `AbortSignal` fired. */
export class AbortError extends Error {
  readonly code = ErrorCode.aborted;
  constructor(message = 'the operation was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Turns an error thrown by the native addon (with `code`, `routine`, `info`) into a library error. */
export function fromNativeError(e: unknown): Error {
  if (!(e instanceof Error)) return new NumericalError(ErrorCode.internal, `native error: ${describe(e)}`);
  const { code, routine, info } = e as Error & { code?: string; routine?: string; info?: number };
  switch (code) {
    case ErrorCode.aborted:
      return new AbortError(e.message);
    case ErrorCode.lapack:
    case ErrorCode.noConvergence:
    case ErrorCode.outOfMemory:
    case ErrorCode.internal:
    case ErrorCode.overflow:
      return new NumericalError(code, e.message, { ...(routine ? { routine } : {}), ...(info !== undefined ? { info } : {}) });
    case ErrorCode.invalidArgument:
      return new NumericalError(ErrorCode.internal, `native argument check failed after validation (a bug): ${e.message}`);
    default:
      return e;
  }
}
