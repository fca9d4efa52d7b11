/**
 * The free-probability grid solver behind one interface, on the native core (C++17,
 * native/core/free_solver.cc, off the main thread for large grids) or in TypeScript
 * (lib/free/solver-js.ts). Both run the same algorithm on the same flat problem.
 * @module
 */
import { activeBackend, nativeAddon } from '../backend/config.js';
import { JOB_CONTROL_CANCEL, JOB_CONTROL_PROGRESS, type NativeAddon } from '../backend/native-addon.js';
import { fromNativeError } from '../errors.js';
import type { Cooperation } from './cooperate.js';
import { type FreeProblem, type GridOutput, gridSteps, solveGrid } from './solver-js.js';

/** The addon's free-probability entry points (native/binding/free_binding.cc; declared in lib/backend/native-addon.ts). */
type FreeAddon = Pick<NativeAddon, 'freeSolveGrid' | 'freeSolveGridSync'>;

/** Milliseconds between polls of the native worker's progress counter (for onProgress). */
const PROGRESS_POLL_MS = 50;

/** Grid sizes below this run synchronously on the native backend (a thread hop costs more). */
const ASYNC_MIN_POINTS = 64;

/** Whether the addon has the free-probability core (an addon built before it existed falls back to JS). */
function hasFree(addon: Partial<FreeAddon>): boolean {
  return typeof addon.freeSolveGrid === 'function';
}

interface Packed {
  params: Float64Array;
  nodes: Float64Array;
}

const packedCache = new WeakMap<FreeProblem, Packed>();

function pack(P: FreeProblem): Packed {
  const hit = packedCache.get(P);
  if (hit) return hit;
  const n = P.dRe.length;
  const nodes = new Float64Array(4 * n);
  nodes.set(P.dRe, 0);
  nodes.set(P.dIm, n);
  nodes.set(P.cRe, 2 * n);
  nodes.set(P.cIm, 3 * n);
  const p = { params: Float64Array.from([P.depth, P.logScale, P.gaussian ? 1 : 0, P.p0, P.logMu1, P.endD.length, ...Array.from(P.endD, (d, k) => [d, P.endMass[k] as number]).flat()]), nodes };
  packedCache.set(P, p);
  return p;
}

/** The flat arguments and outputs of one native call. */
interface NativeCall {
  args: [Float64Array, Float64Array, Float64Array, Int32Array, boolean, Float64Array, Uint8Array, Float64Array];
  output: () => GridOutput;
}

function nativeCall(P: FreeProblem, lam: Float64Array, seg: Int32Array, wantCdf: boolean): NativeCall {
  const { params, nodes } = pack(P);
  const n = lam.length;
  const out = new Float64Array(4 * n);
  const status = new Uint8Array(n);
  const stats = new Float64Array(3);
  return {
    args: [params, nodes, lam, seg, wantCdf, out, status, stats],
    output: () => ({
      density: out.subarray(0, n),
      cdf: wantCdf ? out.subarray(n, 2 * n) : null,
      wRe: out.subarray(2 * n, 3 * n),
      wIm: out.subarray(3 * n, 4 * n),
      status,
      iterations: stats[0] as number,
      maxResidual: stats[1] as number,
      failures: stats[2] as number,
    }),
  };
}

/** Which backend the grid solver will use now ('native' needs an addon built with the free core). */
export function freeBackendName(): 'native' | 'js' {
  if (activeBackend() !== 'native') return 'js';
  return hasFree(nativeAddon()) ? 'native' : 'js';
}

/**
 * Solves at ascending points on the active backend (see solver-js.ts `solveGrid`), cancellable
 * through `coop.signal` and reporting the number of points done to `onPoints`: the native worker
 * checks a shared cancel flag before every point and publishes its count (polled every
 * PROGRESS_POLL_MS); the JS solver runs in time slices (lib/free/cooperate.ts). Rejects with
 * AbortError (ERR_DI_ABORTED) when aborted.
 */
export async function solveGridBackend(
  P: FreeProblem,
  lam: Float64Array,
  seg: Int32Array,
  wantCdf: boolean,
  coop: Cooperation,
  onPoints?: (done: number) => void,
): Promise<GridOutput> {
  const n = lam.length;
  const detail = (done: number): string => `after ${done} of ${n} grid points`;
  coop.throwIfAborted(() => detail(0));
  if (freeBackendName() === 'js') {
    const progress = { done: 0 };
    return coop.drive(gridSteps(P, lam, seg, wantCdf, progress), onPoints && (() => onPoints(progress.done)), () => detail(progress.done));
  }
  if (n < ASYNC_MIN_POINTS) return solveGridBackendSync(P, lam, seg, wantCdf);
  const addon: FreeAddon = nativeAddon();
  const call = nativeCall(P, lam, seg, wantCdf);
  const control = new Int32Array(2);
  const cancel = (): void => {
    control[JOB_CONTROL_CANCEL] = 1;
  };
  // a throwing onPoints must not become an uncaught exception in a timer: keep it, stop the worker
  let callbackError: { error: unknown } | null = null;
  let reported = 0;
  const poll = (): void => {
    const done = control[JOB_CONTROL_PROGRESS] as number;
    if (!onPoints || done === reported) return;
    reported = done;
    try {
      onPoints(done);
    } catch (error) {
      callbackError ??= { error };
      cancel();
    }
  };
  coop.signal?.addEventListener('abort', cancel, { once: true });
  const timer = onPoints ? setInterval(poll, PROGRESS_POLL_MS) : undefined;
  try {
    await addon.freeSolveGrid(...call.args, control);
  } catch (e) {
    if (callbackError) throw (callbackError as { error: unknown }).error;
    throw fromNativeError(e);
  } finally {
    if (timer) clearInterval(timer);
    coop.signal?.removeEventListener('abort', cancel);
  }
  // the worker may have finished just as the signal fired: an aborted call never resolves
  coop.throwIfAborted(() => detail(n));
  return call.output();
}

/** Synchronous variant (cdf(x), quantile(p) on a result, and small grids). */
export function solveGridBackendSync(P: FreeProblem, lam: Float64Array, seg: Int32Array, wantCdf: boolean): GridOutput {
  if (freeBackendName() === 'js') return solveGrid(P, lam, seg, wantCdf);
  const call = nativeCall(P, lam, seg, wantCdf);
  try {
    nativeAddon().freeSolveGridSync(...call.args);
  } catch (e) {
    throw fromNativeError(e);
  }
  return call.output();
}
