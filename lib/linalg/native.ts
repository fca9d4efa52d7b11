/**
 * The native twin of the linear-algebra backend: typed view of the addon's entry points
 * (native/binding/{random,linalg}_binding.cc) and their Promise wrappers. Outputs are allocated by
 * the caller; `sync` runs small problems on the main thread (see {@link SYNC_LIMITS}).
 * @module
 * @internal
 */
import { nativeAddon } from '../backend/config.js';
import type { NativeAddon } from '../backend/native-addon.js';
import { fromNativeError } from '../errors.js';
import type { LinalgBackend } from './backend.js';

/** The addon functions this module uses (declared in lib/backend/native-addon.ts). */
export type LinalgAddon = Pick<NativeAddon, 'rngFill' | 'gaussianFill' | 'haarOrthogonal' | 'singularValues' | 'svd' | 'matmul'>;

/**
 * Problems at most this large run synchronously on the main thread (a thread-pool round trip costs
 * ~10-50 us, more than the work itself); larger ones run on the libuv pool.
 */
export const SYNC_LIMITS = {
  /** entries of a random fill */
  fillEntries: 1 << 16,
  /** n of haarOrthogonal */
  haarN: 64,
  /** entries of an SVD input */
  svdEntries: 64 * 64,
  /** m k n of a product */
  matmulFlops: 1 << 18,
} as const;

async function call(run: (sync: boolean) => Promise<void> | undefined, sync: boolean): Promise<void> {
  try {
    await run(sync);
  } catch (e) {
    throw fromNativeError(e);
  }
}

const addon = (): LinalgAddon => nativeAddon();

/** The native implementation of {@link LinalgBackend}. */
export const nativeLinalg: LinalgBackend = {
  name: 'native',
  fillNormal: (seed, stream, out) => call((s) => addon().rngFill(0, seed, stream, out, s), out.length <= SYNC_LIMITS.fillEntries),
  fillUniform: (seed, stream, out) => call((s) => addon().rngFill(1, seed, stream, out, s), out.length <= SYNC_LIMITS.fillEntries),
  gaussianFill: (seed, stream, std, out) =>
    call((s) => addon().gaussianFill(seed, stream, std, out, s), out.length <= SYNC_LIMITS.fillEntries),
  haarOrthogonal: (n, seed, stream, out) => call((s) => addon().haarOrthogonal(n, seed, stream, out, s), n <= SYNC_LIMITS.haarN),
  singularValues: (rows, cols, a, s) =>
    call((sync) => addon().singularValues(rows, cols, a, s, sync), rows * cols <= SYNC_LIMITS.svdEntries),
  svd: (rows, cols, a, u, s, vt) => call((sync) => addon().svd(rows, cols, a, u, s, vt, sync), rows * cols <= SYNC_LIMITS.svdEntries),
  matmul: (m, k, n, a, b, c) => call((sync) => addon().matmul(m, k, n, a, b, c, sync), m * k * n <= SYNC_LIMITS.matmulFlops),
};
