/**
 * What a user without a native build sees: the install hook still succeeds with one line naming the
 * apt-get command, `auto` falls back to JS with one warning, and `native` throws an error that says
 * what to do. Each scenario runs in a child process so this process's backend state is untouched.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

function runNode(code: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('running without the native addon', () => {
  const noAddon = { DYNAMICAL_ISOMETRY_ADDON: path.join(tmpdir(), 'no-such-addon.node'), DYNAMICAL_ISOMETRY_BACKEND: '' };

  it('auto falls back to js with exactly one process warning', () => {
    const r = runNode(
      `import { backendInfo, configure } from './dist/index.js';
       let warnings = 0;
       process.on('warning', (w) => { if (w.code === 'DYNAMICAL_ISOMETRY_JS_FALLBACK') warnings++; });
       const b = backendInfo(); configure({ backend: 'auto' }); configure({ threads: 1 });
       setImmediate(() => console.log(JSON.stringify({ backend: b.backend, addonPath: b.addonPath, warnings })));`,
      noAddon,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backend: string; addonPath: string | null; warnings: number };
    expect(out).toEqual({ backend: 'js', addonPath: null, warnings: 1 });
  });

  it('backend "native" throws an error that lists what went wrong and what to do', () => {
    const r = runNode(
      `import { configure } from './dist/index.js';
       try { configure({ backend: 'native' }); console.log('no error'); }
       catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`,
      noAddon,
    );
    expect(r.status, r.stderr).toBe(0);
    const err = JSON.parse(r.stdout) as { name: string; code: string; message: string };
    expect(err.name).toBe('BackendUnavailableError');
    expect(err.code).toBe('ERR_DI_BACKEND_UNAVAILABLE');
    expect(err.message).toContain('no-such-addon.node (not found)');
    expect(err.message).toContain('apt-get install -y cmake g++ libopenblas-dev liblapacke-dev');
  });

  it('the install hook succeeds without cmake and prints one line with the apt-get command', () => {
    // A PATH holding only node: no cmake, no compiler.
    const bin = mkdtempSync(path.join(tmpdir(), 'di-nocmake-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
      cwd: root,
      env: { PATH: bin, HOME: process.env.HOME ?? '/tmp' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/native backend not built \(cmake not found\).*apt-get install -y cmake g\+\+ libopenblas-dev liblapacke-dev/);
  });

  it('the --required build fails loudly without cmake', () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'di-nocmake-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = spawnSync(process.execPath, ['scripts/build-native.mjs', '--required'], {
      cwd: root,
      env: { PATH: bin, HOME: process.env.HOME ?? '/tmp' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cmake not found/);
  });
});
