/**
 * No leaks (light version of scripts/reliability/leaks.mjs, which does 10,000 calls per entry point):
 * 1000 calls of every native entry point (200 for a density solve and a training run) in a fresh
 * node with --expose-gc; after a full GC, external memory must be within 64 KiB of its value after
 * the warm-up (a leaked output buffer of >= 128 bytes per call would exceed it) and RSS within 16 MiB.
 * "Every" is checked against the addon itself: the exports the script counted calls of must be the
 * exports of the addon that lib/backend/addon.ts loads here, and each must have been called.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { afterAll, expect, it } from 'vitest';

import { loadAddon } from '../../lib/backend/addon.js';
import { ROOT } from '../cli/run-cli.js';
import { hasNative } from '../helpers/backends.js';
import { recordFigure } from './harness.js';

const SCRIPT = `${ROOT}scripts/reliability/leaks.mjs`;
let total = 0;

(hasNative ? it : it.skip)('1000 calls of each native entry point leave memory flat', () => {
  if (!existsSync(`${ROOT}dist/index.js`)) throw new Error('dist/ is missing: run "npx tsc -p tsconfig.build.json" (npm test does it in pretest)');
  const r = spawnSync(process.execPath, ['--expose-gc', SCRIPT, '--calls', '1000', '--quick', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) throw new Error(`the leak script printed no summary (exit ${r.status}): ${r.stderr}`);
  const summary = JSON.parse(last) as {
    ok: boolean;
    totalCalls: number;
    addonExports: string[];
    results: { name: string; ok: boolean; exercises: string[]; externalDelta: number; rssDelta: number }[];
  };
  for (const e of summary.results) expect(e.ok, `${e.name}: external ${e.externalDelta} B, RSS ${e.rssDelta} B`).toBe(true);
  const addon: object = loadAddon().addon ?? {};
  const exported = Object.entries(addon)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k);
  expect([...summary.addonExports].sort()).toEqual([...exported].sort());
  const called = new Set(summary.results.flatMap((e) => e.exercises));
  expect(exported.filter((k) => !called.has(k)), 'addon exports no case calls').toEqual([]);
  expect(r.status, r.stderr).toBe(0);
  total = summary.totalCalls;
});

afterAll(() => recordFigure('leak-test calls (quick)', total));
