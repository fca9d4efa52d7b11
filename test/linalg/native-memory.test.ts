/**
 * The memory rule of async native jobs (native/binding/napi_util.h): a job never reads or writes
 * caller-owned memory after the call returns. Each case runs test/linalg/fixtures/detach-child.mjs
 * in a child process (it needs --expose-gc and a one-thread libuv pool, and a violation may crash
 * the process): the job is queued behind a blocker, the caller then overwrites ("mutate") or
 * detaches and frees ("detach") its input, and the output must be bit-identical to a synchronous
 * call on a private copy (trainEvaluate: the same loss and count on the original labels, which
 * a Dataset exposes to the user). Before the rule, mutate gave wrong results and detach a segfault.
 * Also: a DYNAMICAL_ISOMETRY_BUILD_DIR that holds no addon is not silently replaced by build/.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it, vi } from 'vitest';

import { loadAddon } from '../../lib/backend/addon.js';
import { hasNative } from '../helpers/backends.js';

const child = path.join(import.meta.dirname, 'fixtures', 'detach-child.mjs');

function runChild(op: string, mode: 'mutate' | 'detach', n: number): { op: string; differing: number; total: number; error?: string } {
  const addonPath = loadAddon().path as string;
  const r = spawnSync(process.execPath, ['--expose-gc', child, addonPath, op, String(n), mode], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.signal, `child killed by ${r.signal} (a native job touched freed memory?) ${r.stderr}`).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

(hasNative ? describe : describe.skip)('async native jobs own their inputs [native]', () => {
  // n = 300: a few ms of work per job; the blocker (8M normals) keeps the job queued meanwhile.
  for (const op of ['matmul', 'singularValues', 'svd', 'haarApply', 'trainEvaluate'] as const) {
    for (const mode of ['mutate', 'detach'] as const) {
      it(`${op}: the caller ${mode === 'mutate' ? 'overwrites' : 'detaches'} the input while the job is queued`, () => {
        const r = runChild(op, mode, 300);
        expect(r.total).toBeGreaterThan(0);
        expect(r.differing, JSON.stringify(r)).toBe(0);
        // an in-place array that is gone cannot take the result: a rejection, never a crash
        if (op === 'haarApply' && mode === 'detach') expect(r.error).toBe('ERR_DI_INVALID_ARGUMENT');
      });
    }
  }
});

describe('addon loading', () => {
  it('a DYNAMICAL_ISOMETRY_BUILD_DIR without an addon is the only candidate (no fallback to build/)', async () => {
    const saved = { dir: process.env.DYNAMICAL_ISOMETRY_BUILD_DIR, addon: process.env.DYNAMICAL_ISOMETRY_ADDON };
    try {
      process.env.DYNAMICAL_ISOMETRY_BUILD_DIR = 'build-no-such-dir';
      delete process.env.DYNAMICAL_ISOMETRY_ADDON;
      vi.resetModules();
      const fresh = (await import('../../lib/backend/addon.js')) as typeof import('../../lib/backend/addon.js');
      const r = fresh.loadAddon();
      expect(r.addon).toBeNull();
      expect(r.error).toContain(path.join('build-no-such-dir', 'Release', 'dynamical_isometry.node'));
      expect(r.error).not.toContain(path.join(path.sep + 'build', 'Release'));
    } finally {
      if (saved.dir === undefined) delete process.env.DYNAMICAL_ISOMETRY_BUILD_DIR;
      else process.env.DYNAMICAL_ISOMETRY_BUILD_DIR = saved.dir;
      if (saved.addon !== undefined) process.env.DYNAMICAL_ISOMETRY_ADDON = saved.addon;
      vi.resetModules();
    }
  });
});
