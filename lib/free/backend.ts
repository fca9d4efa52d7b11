/**
 * The free-probability grid solver behind one interface, on the native core (C++17,
 * native/core/free_solver.cc, off the main thread for large grids) or in TypeScript
 * (lib/free/solver-js.ts). Both run the same algorithm on the same flat problem.
 * @module
 */
import { activeBackend, nativeAddon } from '../backend/config.js';
import type { NativeAddonBase } from '../backend/addon.js';
import { fromNativeError } from '../errors.js';
import { type FreeProblem, type GridOutput, solveGrid } from './solver-js.js';

/** The addon's free-probability entry points (native/binding/free_binding.cc). */
interface FreeAddon extends NativeAddonBase {
  /**
   * params = [depth, logScale, gaussian, p0, logMu1]; nodes = dRe | dIm | cRe | cIm (4n);
   * out = density | cdf | wRe | wIm (4 lam.length); stats = [iterations, maxResidual, failures].
   */
  freeSolveGrid(params: Float64Array, nodes: Float64Array, lam: Float64Array, seg: Int32Array, wantCdf: boolean, out: Float64Array, status: Uint8Array, stats: Float64Array): Promise<void>;
  freeSolveGridSync(params: Float64Array, nodes: Float64Array, lam: Float64Array, seg: Int32Array, wantCdf: boolean, out: Float64Array, status: Uint8Array, stats: Float64Array): void;
}

/** Grid sizes below this run synchronously on the native backend (a thread hop costs more). */
const ASYNC_MIN_POINTS = 64;

function hasFree(addon: NativeAddonBase): addon is FreeAddon {
  return typeof (addon as Partial<FreeAddon>).freeSolveGrid === 'function';
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
  const p = { params: Float64Array.of(P.depth, P.logScale, P.gaussian ? 1 : 0, P.p0, P.logMu1), nodes };
  packedCache.set(P, p);
  return p;
}

function unpack(n: number, out: Float64Array, status: Uint8Array, stats: Float64Array, wantCdf: boolean): GridOutput {
  return {
    density: out.subarray(0, n),
    cdf: wantCdf ? out.subarray(n, 2 * n) : null,
    wRe: out.subarray(2 * n, 3 * n),
    wIm: out.subarray(3 * n, 4 * n),
    status,
    iterations: stats[0] as number,
    maxResidual: stats[1] as number,
    failures: stats[2] as number,
  };
}

/** Which backend the grid solver will use now ('native' needs an addon built with the free core). */
export function freeBackendName(): 'native' | 'js' {
  if (activeBackend() !== 'native') return 'js';
  return hasFree(nativeAddon<NativeAddonBase>()) ? 'native' : 'js';
}

/** Solves at ascending points on the active backend (see solver-js.ts `solveGrid`). */
export async function solveGridBackend(P: FreeProblem, lam: Float64Array, seg: Int32Array, wantCdf: boolean): Promise<GridOutput> {
  if (freeBackendName() === 'js') return solveGrid(P, lam, seg, wantCdf);
  const addon = nativeAddon<FreeAddon>();
  const { params, nodes } = pack(P);
  const n = lam.length;
  const out = new Float64Array(4 * n);
  const status = new Uint8Array(n);
  const stats = new Float64Array(3);
  try {
    if (n < ASYNC_MIN_POINTS) addon.freeSolveGridSync(params, nodes, lam, seg, wantCdf, out, status, stats);
    else await addon.freeSolveGrid(params, nodes, lam, seg, wantCdf, out, status, stats);
  } catch (e) {
    throw fromNativeError(e);
  }
  return unpack(n, out, status, stats, wantCdf);
}

/** Synchronous variant (cdf(x), quantile(p) on a result). */
export function solveGridBackendSync(P: FreeProblem, lam: Float64Array, seg: Int32Array, wantCdf: boolean): GridOutput {
  if (freeBackendName() === 'js') return solveGrid(P, lam, seg, wantCdf);
  const addon = nativeAddon<FreeAddon>();
  const { params, nodes } = pack(P);
  const n = lam.length;
  const out = new Float64Array(4 * n);
  const status = new Uint8Array(n);
  const stats = new Float64Array(3);
  try {
    addon.freeSolveGridSync(params, nodes, lam, seg, wantCdf, out, status, stats);
  } catch (e) {
    throw fromNativeError(e);
  }
  return unpack(n, out, status, stats, wantCdf);
}
