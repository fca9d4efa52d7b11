/**
 * The free solver's numerical constants have one source, the table in
 * scripts/gen-free-solver-constants.mjs, which generates lib/free/solver-constants.ts and
 * native/core/free_solver_constants.h (as scripts/gen-ziggurat-tables.py does for the ziggurat).
 * These tests fail when either generated file was edited by hand or not regenerated, and when a
 * twin stops using a constant of the table (a number written inline again would drift).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import * as TS_CONSTANTS from '../../lib/free/solver-constants.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const cppName = (name: string): string => 'k' + name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

describe('free-solver constants (scripts/gen-free-solver-constants.mjs)', () => {
  it('the generated files are what the table generates', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-free-solver-constants.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the C++ header holds the same literals as the TypeScript module', () => {
    const header = read('native/core/free_solver_constants.h');
    const cpp = new Map([...header.matchAll(/constexpr (?:int|double) (k\w+) = ([^;]+);/g)].map((m) => [m[1] as string, Number(m[2])]));
    const names = Object.keys(TS_CONSTANTS);
    expect(cpp.size).toBe(names.length);
    for (const name of names) expect(cpp.get(cppName(name)), name).toBe((TS_CONSTANTS as Record<string, number>)[name]);
  });

  it('both twins use every constant of the table and define none of their own', () => {
    const js = read('lib/free/solver-js.ts');
    const cc = read('native/core/free_solver.cc');
    for (const name of Object.keys(TS_CONSTANTS)) {
      expect(new RegExp(`[^\\w]${name}[^\\w]`).test(js.replace(/import \{[^}]*\} from '\.\/solver-constants\.js';/, '')), `${name} in solver-js.ts`).toBe(true);
      expect(new RegExp(`[^\\w]${cppName(name)}[^\\w]`).test(cc), `${cppName(name)} in free_solver.cc`).toBe(true);
      expect(js).not.toMatch(new RegExp(`const ${name} =`));
      expect(cc).not.toMatch(new RegExp(`constexpr \\w+ ${cppName(name)} =`));
    }
  });
});
