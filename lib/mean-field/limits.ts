/**
 * The range of q (the pre-activation variance) that the library accepts, in one place: the fixed
 * point search, the critical line, network specs and the law of D^2 all apply it.
 * @module
 */
import { DynamicalIsometryRangeError } from '../errors.js';
import { nonNegativeNumber, positiveNumber } from '../validate.js';

/** The fixed point of the length map is searched in [0, MAX_Q_STAR]; beyond, "no finite fixed point". */
export const MAX_Q_STAR = 1e16;

/** A q* given by the caller: finite, > 0 and <= {@link MAX_Q_STAR}; `name` names it in the error. */
export function qStarValue(name: string, value: unknown): number {
  const v = positiveNumber(name, value);
  if (!(v <= MAX_Q_STAR)) throw new DynamicalIsometryRangeError(name, `a number in (0, ${MAX_Q_STAR.toExponential()}] (MAX_Q_STAR)`, value);
  return v;
}

/** A variance q given by the caller: finite, >= 0 and <= {@link MAX_Q_STAR} (q = 0 is the limit q -> 0+). */
export function qValue(name: string, value: unknown): number {
  const v = nonNegativeNumber(name, value);
  if (!(v <= MAX_Q_STAR)) throw new DynamicalIsometryRangeError(name, `a number in [0, ${MAX_Q_STAR.toExponential()}] (MAX_Q_STAR)`, value);
  return v;
}
