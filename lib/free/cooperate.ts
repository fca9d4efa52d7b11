/**
 * Cooperative scheduling for the TypeScript parts of a spectral computation: long loops are written
 * once, as generators that `yield` after every unit of work (a grid point, a w sample, a verified
 * solution), and run either to completion synchronously ({@link runSync}: cdf(x), quantile(p)) or
 * in time slices ({@link Cooperation.drive}: spectralDensity), which return to the event loop with
 * setImmediate whenever a slice has used {@link SLICE_MS} and check the AbortSignal there. So the
 * event loop is never blocked for more than one slice plus one unit of work, and an abort stops the
 * work within one slice.
 * @module
 * @internal
 */
import { performance } from 'node:perf_hooks';

import { AbortError } from '../errors.js';

/**
 * Length of a time slice (ms) between returns to the event loop. Short enough that timers and I/O
 * of the host stay responsive (the event loop is blocked at most ~SLICE_MS plus one unit of work),
 * long enough that the cost of a setImmediate round trip (~5-50 us) stays below 0.5 %.
 */
export const SLICE_MS = 10;

/** Runs a work generator to completion without yielding to the event loop. */
export function runSync<T>(gen: Generator<unknown, T, void>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

/** The AbortSignal and time slicing of one call. */
export class Cooperation {
  private deadline: number;

  /**
   * @param signal - aborts the call (checked at every slice boundary).
   * @param what - the operation, for the AbortError message ("spectralDensity").
   */
  constructor(
    readonly signal: AbortSignal | undefined,
    readonly what: string,
  ) {
    this.deadline = performance.now() + SLICE_MS;
  }

  /** Throws AbortError (code ERR_DI_ABORTED) when the signal has fired; `detail` says how far it got. */
  throwIfAborted(detail?: () => string): void {
    if (this.signal?.aborted) throw new AbortError(`${this.what} was aborted${detail ? ` ${detail()}` : ''}`);
  }

  /** Returns to the event loop (setImmediate) and starts a new slice; throws if aborted meanwhile. */
  async pause(detail?: () => string): Promise<void> {
    this.throwIfAborted(detail);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.throwIfAborted(detail);
    this.deadline = performance.now() + SLICE_MS;
  }

  /**
   * Runs `gen` in slices: after each of its yields, if the slice is used up, calls `onPause`
   * (progress), then pauses. `detail` describes how far it got, for the AbortError. The generator
   * is closed when it is abandoned (abort or error).
   */
  async drive<T>(gen: Generator<void, T, void>, onPause?: () => void, detail?: () => string): Promise<T> {
    try {
      for (;;) {
        const r = gen.next();
        if (r.done) return r.value;
        if (performance.now() >= this.deadline) {
          onPause?.();
          await this.pause(detail);
        }
      }
    } finally {
      gen.return(undefined as never);
    }
  }
}
