/**
 * The native addon's surface is declared once, in lib/backend/native-addon.ts (NativeAddon, with
 * ADDON_EXPORTS as its runtime list; tsc checks the two against each other). These tests check the
 * list against the C++: the names the bindings register (read from the sources, so it runs without
 * a build) and the keys of the loaded addon (skipped when the addon is not built).
 */
import { readdirSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../lib/backend/addon.js';
import { ADDON_EXPORTS } from '../../lib/backend/native-addon.js';

const declared = [...ADDON_EXPORTS].sort();

describe('the declared addon surface', () => {
  it('is the list of names the bindings register (native/binding/*.cc)', () => {
    const dir = new URL('../../native/binding/', import.meta.url);
    const registered = readdirSync(dir)
      .filter((f) => f.endsWith('.cc'))
      .flatMap((f) => [...readFileSync(new URL(f, dir), 'utf8').matchAll(/exports\.Set\("(\w+)"/g)].map((m) => m[1] as string));
    expect(registered.sort()).toEqual(declared);
  });

  const addon = loadAddon().addon;
  it.skipIf(addon === null)('is exactly Object.keys of the loaded native addon', () => {
    expect(Object.keys(addon ?? {}).sort()).toEqual(declared);
  });
});
