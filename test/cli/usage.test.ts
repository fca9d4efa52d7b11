/**
 * The command line's contract for bad input: usage errors exit 2 with the library's own message,
 * unknown flags and commands are errors, every command has --help, and numerical failures exit 1.
 */
import { describe, expect, it, vi } from 'vitest';

import { runCommand, type Command } from '../../lib/cli/run.js';
import { AbortError, DynamicalIsometryRangeError, DynamicalIsometryTypeError, ErrorCode, NumericalError } from '../../lib/errors.js';
import { cli } from './run-cli.js';

const COMMANDS = ['info', 'mean-field', 'critical', 'density', 'sample', 'compare', 'phase-diagram', 'reproduce'];

describe('cli usage', () => {
  it('lists every command and exits 2 without one', () => {
    const r = cli();
    expect(r.code).toBe(2);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c} `);
  });

  it('rejects an unknown command with exit 2', () => {
    const r = cli('densty');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "densty"');
  });

  it.each(COMMANDS)('%s --help prints its usage and exits 0', (c) => {
    const r = cli(c, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: dynamical-isometry ${c}`));
  });

  it('rejects an unknown flag with exit 2 and names it', () => {
    const r = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '4', '--q-star', '0.5', '--pionts', '10');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--pionts'");
  });

  it('rejects a non-number with exit 2 naming the flag', () => {
    const r = cli('critical', '--activation', 'tanh', '--q-star', 'half');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--q-star must be a number; received "half"');
  });

  it('passes range errors through with the library message and exit 2', () => {
    const r = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '2.5', '--q-star', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.depth must be an integer in [1, 100000]; received 2.5');
  });

  it('reports an unknown activation with the list of known ones (exit 2)', () => {
    const r = cli('mean-field', '--activation', 'tahn', '--weight-std', '1', '--bias-std', '0.1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tahn');
    expect(r.stderr).toContain('hard-tanh');
  });

  it('explains a missing critical point (sigmoid) with exit 2', () => {
    const r = cli('critical', '--activation', 'sigmoid', '--q-star', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('biasStd^2 would be');
  });

  it('rejects --json with --csv, a missing required flag, and a bad --plot extension', () => {
    const both = cli('critical', '--activation', 'tanh', '--q-star', '0.5', '--json', '--csv');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--json and --csv are exclusive');
    const missing = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--q-star', '0.5');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--depth is required');
    const plot = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '2', '--q-star', '0.5', '--plot', 'x.pdf');
    expect(plot.code).toBe(2);
    expect(plot.stderr).toContain('--plot must be a file name ending in .svg or .png');
  });

  it('rejects a bad --scale and a bad reproduce --figure with exit 2', () => {
    const scale = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '2', '--q-star', '0.5', '--scale', 'semilog');
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--scale must be one of "auto", "linear", "log"; received "semilog"');
    const fig = cli('reproduce', '--figure', '7', '--out', 'unused');
    expect(fig.code).toBe(2);
    expect(fig.stderr).toContain('--figure must be one of');
  });

  it('rejects an inconsistent spec (q* with stds that do not have it) with the library message', () => {
    const r = cli('density', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '2', '--q-star', '0.5', '--weight-std', '1.2', '--bias-std', '0.1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.qStar must be the fixed point of weightStd = 1.2, biasStd = 0.1');
  });

  it('rejects a width beyond the sampler\'s limit with exit 2 and the library message', () => {
    const r = cli('sample', '--activation', 'tanh', '--weights', 'orthogonal', '--depth', '1', '--q-star', '0.5', '--width', '50000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('options.width must be an integer in [1, 46339]; received 50000');
  });
});

describe('cli exit codes (runCommand)', () => {
  const io = () => {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
    return { err, restore: () => spy.mockRestore() };
  };
  const failing = (e: Error): Command => ({ summary: '', usage: 'Usage: x', options: {}, run: () => Promise.reject(e) });

  it('maps a NumericalError to exit 1 with its code', async () => {
    const { err, restore } = io();
    try {
      const code = await runCommand(failing(new NumericalError(ErrorCode.noConvergence, 'Newton did not converge at lambda = 3')), []);
      expect(code).toBe(1);
    } finally {
      restore();
    }
    expect(err.join('')).toContain('[ERR_DI_NO_CONVERGENCE] Newton did not converge at lambda = 3');
  });

  it('maps an AbortError (Ctrl-C) to exit 130', async () => {
    const { err, restore } = io();
    try {
      expect(await runCommand(failing(new AbortError()), [])).toBe(130);
    } finally {
      restore();
    }
    expect(err.join('')).toContain('the operation was aborted');
  });

  it('maps the library\'s type and range errors to exit 2 with their message', async () => {
    const { err, restore } = io();
    try {
      expect(await runCommand(failing(new DynamicalIsometryRangeError('depth', 'an integer >= 1', 0)), [])).toBe(2);
      expect(await runCommand(failing(new DynamicalIsometryTypeError('weights', 'one of "gaussian", "orthogonal"', 'haar')), [])).toBe(2);
    } finally {
      restore();
    }
    expect(err.join('')).toContain('depth must be an integer >= 1; received 0');
    expect(err.join('')).toContain('weights must be one of "gaussian", "orthogonal"; received "haar"');
  });
});
