/**
 * Backend selection: `configure()`, `backendInfo()` and the active backend that every domain module
 * asks for. Two backends implement the same operations: `native` (C++17 over OpenBLAS/LAPACK, heavy
 * work off the main thread) and `js` (pure TypeScript, slower, always available).
 *
 * Threads: OpenBLAS runs with 1 thread by default. On small shared machines a multi-threaded BLAS
 * can be pathologically slow (OpenBLAS issues #731, #5517), and the library's own parallelism is
 * across independent jobs: concurrent async calls run at the same time on libuv's thread pool
 * (UV_THREADPOOL_SIZE, default 4), each with single-threaded BLAS. `configure({ threads })` raises
 * the BLAS thread count for the whole process (for one large job at a time); the setting is global to
 * OpenBLAS, so it applies to every call in flight.
 * @module
 */
import { createRequire } from 'node:module';
import os from 'node:os';

import { BackendUnavailableError } from '../errors.js';
import { checkOptions, integer, oneOf, positiveNumber } from '../validate.js';
import { loadAddon } from './addon.js';
import type { NativeAddon } from './native-addon.js';

export type BackendName = 'native' | 'js';
export type BackendChoice = 'auto' | BackendName;

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** The library's version (from package.json). */
export const version: string = pkg.version;

interface State {
  choice: BackendChoice;
  active: BackendName;
  reason: string;
  threads: number;
}

let state: State | undefined;
let warned = false;

const ENV_BACKEND = 'DYNAMICAL_ISOMETRY_BACKEND';
const ENV_THREADS = 'DYNAMICAL_ISOMETRY_THREADS';

function resolve(choice: BackendChoice, threads: number): State {
  const load = loadAddon();
  if (choice === 'js') return { choice, active: 'js', reason: 'backend "js" was requested', threads };
  if (load.addon) {
    load.addon.setBlasThreads(threads);
    return { choice, active: 'native', reason: choice === 'native' ? 'backend "native" was requested' : 'the native addon loaded', threads };
  }
  if (choice === 'native') {
    throw new BackendUnavailableError(
      `backend "native" was requested but the native addon is not available: ${load.error}. ` +
        'Build it with: apt-get install -y cmake g++ libopenblas-dev liblapacke-dev && npm rebuild dynamical-isometry ' +
        `(or run "npm run build:native" in a checkout), or use configure({ backend: 'js' }).`,
    );
  }
  if (!warned) {
    warned = true;
    process.emitWarning(`native addon unavailable, using the pure-JS backend (${load.error})`, {
      code: 'DYNAMICAL_ISOMETRY_JS_FALLBACK',
    });
  }
  return { choice, active: 'js', reason: `the native addon is unavailable (${load.error})`, threads };
}

function current(): State {
  if (!state) {
    const envChoice = process.env[ENV_BACKEND];
    const choice = envChoice ? oneOf(ENV_BACKEND, envChoice, ['auto', 'native', 'js'] as const) : 'auto';
    const envThreads = process.env[ENV_THREADS];
    const threads = envThreads ? integer(ENV_THREADS, Number(envThreads), 1, 1024) : 1;
    state = resolve(choice, threads);
  }
  return state;
}

/** Options of {@link configure}. */
export interface ConfigureOptions {
  /** `'auto'` (native when the addon loads, else JS with one warning), `'native'` (throws if unavailable) or `'js'`. */
  backend?: BackendChoice;
  /** OpenBLAS threads (integer >= 1; default 1, or the env var DYNAMICAL_ISOMETRY_THREADS). */
  threads?: number;
  /**
   * Largest memory one request may allocate, in bytes (a number > 0); requests above it are refused
   * up front (RangeError, code ERR_DI_OUT_OF_MEMORY, with the amount needed). `null` restores the
   * default: {@link DEFAULT_MEMORY_FRACTION} of `os.freemem()` at the time of each request.
   */
  memoryLimitBytes?: number | null;
}

/** Default memory cap of one request, as a fraction of the free memory (os.freemem()) at call time. */
export const DEFAULT_MEMORY_FRACTION = 0.75;

let memoryLimit: number | null = null;

/**
 * The memory cap of one request in bytes: `configure({ memoryLimitBytes })`, or by default
 * {@link DEFAULT_MEMORY_FRACTION} of the memory free now (os.freemem()).
 */
export function memoryLimitBytes(): number {
  return memoryLimit ?? Math.floor(DEFAULT_MEMORY_FRACTION * os.freemem());
}

/**
 * Chooses the backend, the OpenBLAS thread count and the memory cap of one request
 * (`memoryLimitBytes`; see {@link memoryLimitBytes}), at any time. The environment variables
 * `DYNAMICAL_ISOMETRY_BACKEND` and `DYNAMICAL_ISOMETRY_THREADS` give the initial values.
 * @throws BackendUnavailableError when `backend: 'native'` is asked for and the addon cannot load;
 *   DynamicalIsometryTypeError / DynamicalIsometryRangeError for a bad or unknown option.
 * @example configure({ backend: 'js' });
 * @example configure({ memoryLimitBytes: 2 ** 30 }); // refuse requests above 1 GiB
 */
export function configure(options: ConfigureOptions): BackendInfo {
  const o = checkOptions<ConfigureOptions>('options', options, ['backend', 'threads', 'memoryLimitBytes']);
  const limit = o.memoryLimitBytes === undefined || o.memoryLimitBytes === null ? o.memoryLimitBytes : positiveNumber('options.memoryLimitBytes', o.memoryLimitBytes);
  const prev = current();
  const choice = o.backend === undefined ? prev.choice : oneOf('options.backend', o.backend, ['auto', 'native', 'js'] as const);
  const threads = o.threads === undefined ? prev.threads : integer('options.threads', o.threads, 1, 1024);
  state = resolve(choice, threads);
  if (limit !== undefined) memoryLimit = limit;
  return backendInfo();
}

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /** The backend in use now. */
  backend: BackendName;
  /** What was asked for. */
  requested: BackendChoice;
  /** Why this backend is active. */
  reason: string;
  /** Path of the loaded addon, or null. */
  addonPath: string | null;
  /** Why the addon did not load, or null. */
  addonError: string | null;
  /** OpenBLAS build and thread information (null without the addon). */
  openblas: { config: string; coreName: string; threads: number; processors: number; parallelMode: number } | null;
  /** Node-API version the addon was built for (null without the addon). */
  napiVersion: number | null;
  /** Library version. */
  version: string;
  /** Node.js version. */
  node: string;
  /** Threads OpenBLAS is asked to use. */
  threads: number;
  /** The memory cap of one request now, in bytes (see `configure({ memoryLimitBytes })`). */
  memoryLimitBytes: number;
}

/** The active backend, why, the addon path and OpenBLAS details. */
export function backendInfo(): BackendInfo {
  const s = current();
  const load = loadAddon();
  const blas = load.addon ? load.addon.blasInfo() : null;
  return {
    backend: s.active,
    requested: s.choice,
    reason: s.reason,
    addonPath: load.path,
    addonError: load.error,
    openblas: blas ? { config: blas.config, coreName: blas.coreName, threads: blas.threads, processors: blas.processors, parallelMode: blas.parallelMode } : null,
    napiVersion: blas ? blas.napiVersion : null,
    version,
    node: process.version,
    threads: s.threads,
    memoryLimitBytes: memoryLimitBytes(),
  };
}

/** Name of the backend every computation should use now. */
export function activeBackend(): BackendName {
  return current().active;
}

/**
 * The loaded addon (its whole surface is declared in ./native-addon.ts). Only call when
 * `activeBackend()` is 'native'.
 * @throws BackendUnavailableError when the addon cannot load.
 * @internal
 */
export function nativeAddon(): NativeAddon {
  const load = loadAddon();
  if (!load.addon) throw new BackendUnavailableError(`native addon unavailable: ${load.error}`);
  return load.addon;
}

/** Whether the native addon can be loaded (regardless of the active backend). */
export function nativeAvailable(): boolean {
  return loadAddon().addon !== null;
}
