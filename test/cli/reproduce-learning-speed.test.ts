/**
 * `reproduce --figure learning-speed --quick`: the CLI wiring of the training experiment (the
 * experiment itself is tested in test/train/). Native only: the quick run trains 10 networks, ~10 s
 * natively and several minutes on the JS backend.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { hasNative } from '../helpers/backends.js';
import { cli, ok } from './run-cli.js';

describe('reproduce --figure learning-speed', () => {
  it.skipIf(!hasNative)('writes the curves, the tau plot, the JSON and the Markdown table', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'di-ls-'));
    const out = JSON.parse(ok('reproduce', '--figure', 'learning-speed', '--quick', '--out', dir, '--json')) as { figures: { figure: string; file: string }[] };
    const files = out.figures.map((f) => path.basename(f.file)).sort();
    expect(files).toEqual(['learning-speed-curves.png', 'learning-speed-curves.svg', 'learning-speed-tau.png', 'learning-speed-tau.svg', 'learning-speed.json', 'learning-speed.md']);
    expect(readFileSync(path.join(dir, 'learning-speed-curves.png')).subarray(1, 4).toString()).toBe('PNG');
    const json = JSON.parse(readFileSync(path.join(dir, 'learning-speed.json'), 'utf8')) as { entries: { label: string }[] };
    expect(json.entries.length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(path.join(dir, 'learning-speed.md'), 'utf8')).toMatch(/\| configuration \|/);
  });

  it('--quick with another figure is a usage error (exit 2)', () => {
    const r = cli('reproduce', '--figure', 'spectra', '--quick', '--out', tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--quick applies to --figure learning-speed only/);
  });
});
