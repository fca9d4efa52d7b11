/**
 * Property-based fuzzing of every CLI command through the real bin (node dist/cli/main.js): valid
 * flag sets with adversarial values (NaN, Infinity, -0, huge, negative, non-integers, junk, empty),
 * unknown flags, missing values. Every run must end within the timeout with exit code 0, 1 or 2,
 * never a signal, never a stack trace, and a failure prints one "dynamical-isometry: ..." message.
 * Sizes stay small (width <= 16) so a valid case finishes fast; the bin is spawned two at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { BIN, ROOT } from '../cli/run-cli.js';
import { FC_SEED, recordFigure } from './harness.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'di-fuzz-cli-'));
const junk = ['NaN', 'Infinity', '-Infinity', '-0', '0', '-1', '2.5', '1e308', '5e-324', '1e10', 'abc', '', '0x10', '1,2', '{"name":1}', '--json'];

function run(args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }));
  });
}

const spec = fc.record({
  '--activation': fc.constantFrom('tanh', 'relu', 'hard-tanh', 'erf', 'leaky-relu:slope=0.2'),
  '--weights': fc.constantFrom('gaussian', 'orthogonal'),
  '--depth': fc.constantFrom('1', '2', '4'),
  '--q-star': fc.constantFrom('0.5', '1', '0.0259'),
});
const sized = fc.record({ '--width': fc.constantFrom('4', '8', '16'), '--samples': fc.constantFrom('1', '2'), '--seed': fc.constantFrom('0', '7') });
const output = fc.constantFrom<Record<string, string | null>>({}, { '--json': null }, { '--csv': null });

const commands: Record<string, fc.Arbitrary<Record<string, string | null>>> = {
  info: fc.constantFrom<Record<string, string | null>>({}, { '--json': null }),
  'mean-field': fc.tuple(fc.record({ '--activation': fc.constantFrom('tanh', 'relu', 'erf'), '--weight-std': fc.constantFrom('1', '1.2', '0.5'), '--bias-std': fc.constantFrom('0', '0.1') }), output).map(([a, b]) => ({ ...a, ...b })),
  critical: fc.tuple(fc.record({ '--activation': fc.constantFrom('tanh', 'hard-tanh', 'erf'), '--q-star': fc.constantFrom('0.5', '1,2', '0.0259') }), output).map(([a, b]) => ({ ...a, ...b })),
  density: fc.tuple(spec, fc.record({ '--points': fc.constantFrom('8', '32') }), output).map(([a, b, c]) => ({ ...a, ...b, ...c })),
  sample: fc.tuple(spec, sized, output).map(([a, b, c]) => ({ ...a, ...b, ...c })),
  compare: fc.tuple(spec, sized, output).map(([a, b, c]) => ({ ...a, ...b, ...c })),
  'phase-diagram': fc.tuple(fc.record({ '--activation': fc.constantFrom('tanh', 'erf'), '--resolution': fc.constantFrom('4', '6') }), output).map(([a, b]) => ({ ...a, ...b })),
  // reproduce is heavy when valid: only its argument checking is fuzzed (an unknown figure name)
  reproduce: fc.record({ '--figure': fc.constantFrom('no-such-figure', '99'), '--out': fc.constant(path.join(tmp, 'out')) }),
};

const edit = fc.record({ kind: fc.constantFrom('value', 'value', 'drop', 'unknown', 'dangling'), at: fc.nat(), value: fc.constantFrom(...junk) });

let cases = 0;
const RUNS = 8;

describe('every CLI command keeps its contract under fuzzed flags', () => {
  for (const [command, flags] of Object.entries(commands)) {
    it(command, async () => {
      const samples = fc.sample(fc.tuple(flags, fc.array(edit, { maxLength: 2 })), { seed: FC_SEED, numRuns: RUNS });
      const argvs = samples.map(([f, edits]) => {
        const entries = Object.entries(f);
        for (const e of edits) {
          const i = entries.length ? e.at % entries.length : 0;
          if (e.kind === 'value' && entries[i] && entries[i][1] !== null) entries[i] = [entries[i][0], e.value];
          else if (e.kind === 'drop' && entries.length) entries.splice(i, 1);
          else if (e.kind === 'unknown') entries.push(['--not-a-flag', e.value]);
          else if (e.kind === 'dangling' && entries[i]) entries[i] = [entries[i][0], null];
        }
        return [command, ...entries.flatMap(([k, v]) => (v === null ? [k] : [k, v]))];
      });
      // two at a time (2 cores)
      for (let i = 0; i < argvs.length; i += 2) {
        const batch = argvs.slice(i, i + 2);
        const results = await Promise.all(batch.map((a) => run(a)));
        results.forEach((r, j) => {
          const what = `dynamical-isometry ${(batch[j] as string[]).map((x) => JSON.stringify(x)).join(' ')}`;
          expect(r.signal, `${what} was killed`).toBeNull();
          expect([0, 1, 2], `${what} exited ${r.code}: ${r.stderr}`).toContain(r.code);
          expect(r.stderr, `${what} printed a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
          if (r.code !== 0) expect(r.stderr, `${what}`).toMatch(/^dynamical-isometry: \S/);
          else expect(r.stdout.length, `${what} printed nothing`).toBeGreaterThan(0);
          if (r.code === 0 && (batch[j] as string[]).includes('--json')) expect(() => JSON.parse(r.stdout), `${what}: invalid JSON`).not.toThrow();
        });
        cases += batch.length;
      }
    });
  }
});

afterAll(() => {
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  recordFigure('fuzz-cli cases', cases);
  recordFigure('fuzz-cli commands', Object.keys(commands).length);
});
