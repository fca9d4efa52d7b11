/**
 * Every command's table, JSON and CSV, parsed and checked against the library called in-process
 * with the same arguments (same backend: the child inherits the environment). JSON and CSV carry
 * full precision and must equal the library's values exactly; tables are rounded to 6 significant
 * digits (checked with roundedTo6).
 */
import { describe, expect, it } from 'vitest';

import { spectralDensity } from '../../lib/free/index.js';
import { criticalPoint, meanField } from '../../lib/mean-field/index.js';
import { jacobianSpectrumDistance, sampleJacobianSpectrum } from '../../lib/empirical/index.js';
import type { NetworkSpec } from '../../lib/spec.js';
import { expectClose } from '../helpers/close.js';
import { ok, parseCsv, roundedTo6, tableValue } from './run-cli.js';

function expectRounded(printed: string, exact: number): void {
  const v = Number(printed);
  const { lo, hi } = roundedTo6(exact);
  expect(v, `${printed} vs ${exact}`).toBeGreaterThanOrEqual(lo);
  expect(v, `${printed} vs ${exact}`).toBeLessThanOrEqual(hi);
}

describe('mean-field', () => {
  const args = ['mean-field', '--activation', 'tanh', '--weight-std', '1.5', '--bias-std', '0.1'];
  const exact = meanField({ activation: 'tanh', weightStd: 1.5, biasStd: 0.1 });

  it('--json is the library result', () => {
    const doc = JSON.parse(ok(...args, '--json')) as Record<string, unknown>;
    for (const k of ['qStar', 'chi', 'mu1', 'mu2', 'cStar', 'xiQ', 'xiC', 'weightStd', 'biasStd'] as const) expect(doc[k], k).toBe(exact[k]);
    expect(doc.activation).toBe('tanh');
  });

  it('the table shows q*, chi, mu1, mu2 and c* rounded to 6 digits', () => {
    const t = ok(...args);
    for (const k of ['qStar', 'chi', 'mu1', 'mu2', 'cStar'] as const) expectRounded(tableValue(t, k), exact[k]);
    expect(tableValue(t, 'phase')).toBe(exact.phase);
  });

  it('--csv has one header and one row with every number', () => {
    const { header, rows } = parseCsv(ok(...args, '--csv'));
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(Number(row[header.indexOf('qStar')])).toBe(exact.qStar);
    expect(Number(row[header.indexOf('chi')])).toBe(exact.chi);
  });
});

describe('critical', () => {
  const qs = [0.025921, 0.821354];
  const exact = qs.map((qStar) => criticalPoint({ activation: 'tanh', qStar }));

  it('--json prints exactly { weightStd, biasStd, qStar, chi, mu1, mu2 }', () => {
    const doc = JSON.parse(ok('critical', '--activation', 'tanh', '--q-star', '0.025921', '--json')) as Record<string, number>;
    expect(Object.keys(doc)).toEqual(['weightStd', 'biasStd', 'qStar', 'chi', 'mu1', 'mu2']);
    for (const k of Object.keys(doc)) expect(doc[k], k).toBe((exact[0] as unknown as Record<string, number>)[k]);
    // THEORY §2.5 check values: sigma_w^2 = 1.05 at q* = 0.025921, 2 at q* = 0.821354 (6 digits given).
    // q* is given to 5 significant digits (+-5e-7); near q* = 0.026, d(sigma_w^2)/dq* = -mu1'/mu1^2 ~ 2
    expectClose(doc.weightStd! ** 2, 1.05, { atol: 2e-6, why: 'q* rounded to +-5e-7 times d(sigma_w^2)/dq* ~ 2, with margin 2x' });
  });

  it('a list of q* gives a JSON array and one CSV row each', () => {
    const arr = JSON.parse(ok('critical', '--activation', 'tanh', '--q-star', qs.join(','), '--json')) as Record<string, number>[];
    expect(arr).toHaveLength(2);
    expect(arr[1]!.weightStd).toBe(exact[1]!.weightStd);
    const { header, rows } = parseCsv(ok('critical', '--activation', 'tanh', '--q-star', qs.join(','), '--csv'));
    expect(header).toEqual(['weightStd', 'biasStd', 'qStar', 'chi', 'mu1', 'mu2']);
    expect(rows.map((r) => Number(r[1]))).toEqual(exact.map((e) => e.biasStd));
  });

  it('the table has the variances', () => {
    const t = ok('critical', '--activation', 'tanh', '--q-star', '0.821354');
    const line = t.split('\n').find((l) => l.trim().startsWith('0.821354'))!;
    const cells = line.trim().split(/\s+/);
    expectRounded(cells[3]!, exact[1]!.weightStd ** 2);
    expectRounded(cells[4]!, exact[1]!.biasStd ** 2);
  });
});

describe('density', () => {
  const spec = { activation: 'hard-tanh', weights: 'orthogonal', depth: 8, qStar: 0.25 } as NetworkSpec;
  const base = ['density', '--activation', 'hard-tanh', '--weights', 'orthogonal', '--depth', '8', '--q-star', '0.25'];

  it('--json has the contract fields and the library values', async () => {
    const d = await spectralDensity(spec, { points: 50 });
    const doc = JSON.parse(ok(...base, '--points', '50', '--json')) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['spec', 'meanField', 'atomAtZero', 'support', 'moments', 'lambda', 'density']);
    expect(doc.spec).toEqual({ activation: 'hard-tanh', weights: 'orthogonal', depth: 8, qStar: 0.25 });
    expect(doc.meanField).toEqual({ qStar: d.spec.qStar, chi: d.spec.chi, mu1: d.spec.mu1, mu2: d.spec.mu2, weightStd: d.spec.weightStd, biasStd: d.spec.biasStd });
    expect(doc.atomAtZero).toBe(d.atomAtZero);
    expect(doc.support).toEqual({ min: d.support.min, max: d.support.max });
    expect(doc.moments).toEqual({ mean: d.moments.mean, variance: d.moments.variance });
    expect(doc.lambda).toEqual(Array.from(d.lambda));
    expect(doc.density).toEqual(Array.from(d.density));
  });

  it('--at adds "points", --quantiles adds "quantiles"', async () => {
    const at = [0.1, 0.5, 0.9];
    const ps = [0.05, 0.5, 0.95];
    const d = await spectralDensity(spec, { at });
    const doc = JSON.parse(ok(...base, '--at', at.join(','), '--quantiles', ps.join(','), '--json')) as {
      points: { lambda: number; density: number }[];
      quantiles: { p: number; lambda: number }[];
    };
    expect(doc.points).toEqual(at.map((lambda, i) => ({ lambda, density: d.density[i] })));
    expect(doc.quantiles).toEqual(ps.map((p) => ({ p, lambda: d.quantile(p) })));
    // The top atom (mass 0.636 at sigma_w^{2L}) holds the median and the 95% quantile.
    expect(doc.quantiles[1]!.lambda).toBe(d.atoms[d.atoms.length - 1]!.location);
  });

  it('--csv prints the grid, the --at points, or the quantiles', async () => {
    const d = await spectralDensity(spec, { points: 40 });
    const grid = parseCsv(ok(...base, '--points', '40', '--csv'));
    expect(grid.header).toEqual(['lambda', 'density']);
    expect(grid.rows.map((r) => Number(r[0]))).toEqual(Array.from(d.lambda));
    expect(grid.rows.map((r) => Number(r[1]))).toEqual(Array.from(d.density));
    const q = parseCsv(ok(...base, '--quantiles', '0.5', '--csv'));
    expect(q.header).toEqual(['p', 'lambda']);
    expect(Number(q.rows[0]![1])).toBe(d.quantile(0.5));
  });

  it('the table shows moments, support and atoms', async () => {
    const d = await spectralDensity(spec, { points: 50 });
    const t = ok(...base, '--points', '50');
    expectRounded(tableValue(t, 'variance'), d.moments.variance);
    expectRounded(tableValue(t, 'atom at 0'), d.atomAtZero);
    const top = d.atoms[d.atoms.length - 1]!;
    expect(t).toMatch(/atom at 1\.45\d*\s+0\.63\d*/);
    expect(top.mass).toBeGreaterThan(0.6);
  });
});

describe('sample and compare', () => {
  const spec = { activation: 'relu', weights: 'orthogonal', depth: 4, qStar: 0.5 } as NetworkSpec;
  const base = ['--activation', 'relu', '--weights', 'orthogonal', '--depth', '4', '--q-star', '0.5', '--width', '64', '--samples', '2', '--seed', '7'];

  it('sample --json has the contract fields and the library eigenvalues for the same seed', async () => {
    const lib = await sampleJacobianSpectrum(spec, { width: 64, samples: 2, seed: 7 });
    const r = ok('sample', ...base, '--json');
    const doc = JSON.parse(r) as { spec: unknown; width: number; samples: number; seed: number; eigenvalues: number[]; summary: Record<string, unknown> };
    expect(Object.keys(doc)).toEqual(['spec', 'width', 'samples', 'seed', 'eigenvalues', 'summary']);
    expect([doc.width, doc.samples, doc.seed]).toEqual([64, 2, 7]);
    expect(doc.eigenvalues).toEqual(Array.from(lib.eigenvalues));
    const zeros = lib.eigenvalues.filter((v) => v === 0).length;
    expect(doc.summary.zeroFraction).toBe(zeros / 128);
    expect(doc.summary.perSample).toEqual(lib.perSample.map((p) => ({ ...p })));
  });

  it('sample --csv has one row per eigenvalue; the table has the pooled mean; no progress bar off a TTY', async () => {
    const lib = await sampleJacobianSpectrum(spec, { width: 64, samples: 2, seed: 7 });
    const { header, rows } = parseCsv(ok('sample', ...base, '--csv'));
    expect(header).toEqual(['sample', 'index', 'eigenvalue']);
    expect(rows).toHaveLength(128);
    expect(rows.map((r) => Number(r[2]))).toEqual(Array.from(lib.eigenvalues));
    expect(rows[64]!.slice(0, 2)).toEqual(['1', '0']);
    const { cli } = await import('./run-cli.js');
    const t = cli('sample', ...base);
    expect(t.code).toBe(0);
    expect(t.stderr).toBe('');
    const mean = lib.eigenvalues.reduce((a, b) => a + b, 0) / 128;
    expectRounded(tableValue(t.stdout, 'mean'), mean);
  });

  it('compare --json is the sample document plus ks and w1 of the library', async () => {
    const lib = await sampleJacobianSpectrum(spec, { width: 64, samples: 2, seed: 7 });
    const d = await spectralDensity(spec);
    const dist = jacobianSpectrumDistance(lib, d);
    const doc = JSON.parse(ok('compare', ...base, '--json')) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['spec', 'width', 'samples', 'seed', 'eigenvalues', 'summary', 'ks', 'w1']);
    expect(doc.ks).toBe(dist.ks);
    expect(doc.w1).toBe(dist.w1);
    expect(doc.eigenvalues).toEqual(Array.from(lib.eigenvalues));
    const csvOut = parseCsv(ok('compare', ...base, '--csv'));
    expect(csvOut.header).toEqual(['p', 'theory', 'empirical']);
    expect(Number(csvOut.rows[2]![1])).toBe(d.quantile(0.5));
  });
});

describe('phase-diagram', () => {
  it('--json grids match meanField at a cell, and the critical line criticalPoint', () => {
    const doc = JSON.parse(ok('phase-diagram', '--activation', 'tanh', '--resolution', '5', '--contours', '0.25,1', '--json')) as {
      weightVariance: number[];
      biasVariance: number[];
      chi: number[][];
      qStar: number[][];
      criticalLine: { qStar: number; weightStd: number; biasStd: number }[];
      contours: { qStar: number }[];
    };
    expect(doc.weightVariance).toHaveLength(5);
    expect(doc.chi).toHaveLength(5);
    const mf = meanField({ activation: 'tanh', weightStd: Math.sqrt(doc.weightVariance[3]!), biasStd: Math.sqrt(doc.biasVariance[2]!) });
    // the CLI prints shortest round-trip numbers of the same computation
    expect(doc.chi[2]![3]).toBe(mf.chi);
    expect(doc.qStar[2]![3]).toBe(mf.qStar);
    const at = doc.criticalLine.find((c) => c.qStar === 0.25)!;
    expect(at.weightStd).toBe(criticalPoint({ activation: 'tanh', qStar: 0.25 }).weightStd);
    expect(doc.contours.map((c) => c.qStar)).toEqual([0.25, 1]);
  });

  it('--csv has one row per cell and the table counts the phases', () => {
    const { header, rows } = parseCsv(ok('phase-diagram', '--activation', 'tanh', '--resolution', '4', '--csv'));
    expect(header).toEqual(['weightStd', 'biasStd', 'weightVariance', 'biasVariance', 'qStar', 'chi']);
    expect(rows).toHaveLength(16);
    const t = ok('phase-diagram', '--activation', 'tanh', '--resolution', '4');
    const ordered = Number(tableValue(t, 'ordered cells (chi < 1)'));
    const chaotic = Number(tableValue(t, 'chaotic cells (chi > 1)'));
    expect(ordered + chaotic).toBe(16);
    expect(rows.filter((r) => Number(r[5]) < 1)).toHaveLength(ordered);
  });
});
