/**
 * Loading the native addon. The addon is optional: when it is missing or fails to load, the reason
 * is kept so that `backendInfo()` and `configure({ backend: 'native' })` can say what went wrong.
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NativeAddon } from './native-addon.js';

/** The package root (this file lives at lib/backend/ in the sources and dist/backend/ when built). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const require = createRequire(import.meta.url);

export interface AddonLoad {
  addon: NativeAddon | null;
  path: string | null;
  error: string | null;
}

let cached: AddonLoad | undefined;

/** Candidate addon paths, most specific first. */
function candidates(): string[] {
  const out: string[] = [];
  // An explicit path is the only candidate: a user (or a test) who names an addon gets that one or none.
  const explicit = process.env.DYNAMICAL_ISOMETRY_ADDON;
  if (explicit) return [path.resolve(explicit)];
  // A named build folder is likewise the only candidate (no silent fallback to build/ when it is missing).
  const buildDir = process.env.DYNAMICAL_ISOMETRY_BUILD_DIR;
  if (buildDir) return [path.resolve(packageRoot, buildDir, 'Release', 'dynamical_isometry.node')];
  out.push(path.join(packageRoot, 'build', 'Release', 'dynamical_isometry.node'));
  return out;
}

/** Loads the addon once; never throws. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const tried: string[] = [];
  for (const p of candidates()) {
    if (!existsSync(p)) {
      tried.push(`${p} (not found)`);
      continue;
    }
    try {
      // The one place the addon gets its type: NativeAddon declares every export, and
      // test/unit/addon-surface.test.ts checks that this build exports exactly those names.
      const addon = require(p) as NativeAddon;
      cached = { addon, path: p, error: null };
      return cached;
    } catch (e) {
      tried.push(`${p} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }
  cached = { addon: null, path: null, error: `no loadable native addon: tried ${tried.join('; ')}` };
  return cached;
}
