/**
 * The native and JS random streams are the same stream: the generators agree bit for bit (normals
 * through every ziggurat path, uniforms, consecutive streams), and the ziggurat tables of the two
 * are the same literals. Moved from test/linalg/rng.test.ts.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { nativeAddon } from '../../lib/backend/config.js';
import { Rng } from '../../lib/index.js';
import type { LinalgAddon } from '../../lib/linalg/native.js';
import { ZIG_FI, ZIG_INV_R, ZIG_KI, ZIG_R, ZIG_WI } from '../../lib/random/ziggurat-tables.js';
import { hasNative } from '../helpers/backends.js';
import { jsNormals, sameBits } from '../linalg/helpers.js';

describe('ziggurat tables', () => {
  it('uses the same ziggurat tables as the native core (literal by literal)', () => {
    // Checked from the C++ source, so it also runs where the addon is not built.
    const h = readFileSync(new URL('../../native/core/normal_tables.h', import.meta.url), 'utf8');
    const table = (name: string) => {
      const body = new RegExp(`${name}\\[256\\] = \\{([^}]*)\\}`).exec(h)?.[1] ?? '';
      return body.split(',').map((x) => Number(x.trim())).filter((x) => !Number.isNaN(x));
    };
    expect(table('kKi')).toEqual(Array.from(ZIG_KI));
    expect(table('kWi')).toEqual(Array.from(ZIG_WI));
    expect(table('kFi')).toEqual(Array.from(ZIG_FI));
    expect(Number(/kR = ([0-9.e+-]+);/.exec(h)?.[1])).toBe(ZIG_R);
    expect(Number(/kInvR = ([0-9.e+-]+);/.exec(h)?.[1])).toBe(ZIG_INV_R);
    expect(ZIG_KI.length).toBe(256);
  });
});

describe.skipIf(!hasNative)('native and JS streams are bit-identical', () => {
  const addon = (): LinalgAddon => nativeAddon();
  const pairs: [bigint, bigint][] = [
    [0n, 0n],
    [1n, 2n],
    [42n, 0n],
    [(1n << 64n) - 1n, (1n << 64n) - 1n],
    [0x123456789abcdefn, 77n],
  ];
  it.each(pairs)('normals of (seed %s, stream %s), 400k values (slow wedge/tail paths included)', (seed, stream) => {
    const n = 400_000;
    const nat = new Float64Array(n);
    addon().rngFill(0, seed, stream, nat, true);
    expect(sameBits(nat, jsNormals(seed, stream, n))).toBe(true);
  });

  it('one long run of 4M normals, filled asynchronously', async () => {
    const n = 4_000_000;
    const nat = new Float64Array(n);
    await addon().rngFill(0, 2024n, 5n, nat, false);
    expect(sameBits(nat, jsNormals(2024n, 5n, n))).toBe(true);
  });

  it('uniforms and 200 consecutive streams', () => {
    const u = new Float64Array(100_000);
    addon().rngFill(1, 3n, 1n, u, true);
    const uj = new Float64Array(u.length);
    new Rng(3n, 1n).fillUniform(uj);
    expect(sameBits(u, uj)).toBe(true);
    for (let s = 0n; s < 200n; s++) {
      const a = new Float64Array(256);
      addon().rngFill(0, 11n, s, a, true);
      expect(sameBits(a, jsNormals(11n, s, 256))).toBe(true);
    }
  });
});
