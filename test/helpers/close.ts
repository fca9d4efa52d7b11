/**
 * Named, derived tolerances: every comparison states rtol/atol and why, and a failure reports the
 * largest absolute and relative errors and how many entries failed.
 */
import { expect } from 'vitest';

export interface Tolerance {
  rtol?: number;
  atol?: number;
  /** Where the error comes from (required: no tolerance without a reason). */
  why: string;
}

/** Machine epsilon for doubles. */
export const EPS = Number.EPSILON;

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  const rtol = tol.rtol ?? 0;
  const atol = tol.atol ?? 0;
  expect(actual.length, 'length').toBe(expected.length);
  let fails = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const abs = Math.abs(a - e);
    const rel = abs / Math.max(Math.abs(e), Number.MIN_VALUE);
    if (!(abs <= atol + rtol * Math.abs(e))) {
      fails++;
      if (worst < 0 || abs > Math.abs((actual[worst] as number) - (expected[worst] as number))) worst = i;
    }
    if (abs > maxAbs || Number.isNaN(abs)) maxAbs = abs;
    if (rel > maxRel || Number.isNaN(rel)) maxRel = rel;
  }
  if (fails > 0) {
    throw new Error(
      `${fails} of ${actual.length} entries outside rtol=${rtol}, atol=${atol} (${tol.why}); ` +
        `max abs error ${maxAbs}, max rel error ${maxRel}; worst at [${worst}]: ${actual[worst]} vs ${expected[worst]}`,
    );
  }
}

export function expectClose(actual: number, expected: number, tol: Tolerance): void {
  expectAllClose([actual], [expected], tol);
}
