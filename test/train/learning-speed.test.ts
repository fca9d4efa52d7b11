/** The learning-speed experiment's protocol and outputs, at toy scale (the real run is a benchmark-like job). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { learningSpeed, logEvalSteps, reproduceLearningSpeed, type LearningSpeedEntry } from '../../lib/train/index.js';
import { blobs } from './helpers.js';

/**
 * A finding "<claim> <verdict> at this scale: tau A (fast) vs B (slow) (ratio B/A)." is consistent
 * with its own numbers: A and B are the two entries' median taus ("> steps" when censored, which
 * counts as larger than any measured tau), and the verdict is "holds" exactly when A < B, "does NOT
 * hold" when A > B, "is not resolved" when A = B; the ratio, when printed, is B/A to 2 decimals.
 */
function expectVerdictFollowsFromTaus(finding: string, claim: string, fast: LearningSpeedEntry, slow: LearningSpeedEntry, steps: number): void {
  const tau = String.raw`(> \d+|\d+(?:\.\d+)?)`;
  const m = new RegExp(String.raw`^(.*?:) (holds|does NOT hold|is not resolved \(equal tau\)) at this scale: tau ${tau} \((.*?)\) vs ${tau} \((.*?)\)(?: \(ratio (\d+\.\d\d)\))?\.$`).exec(finding);
  expect(m, finding).not.toBeNull();
  const [, gotClaim, verdict, aText, fastLabel, bText, slowLabel, ratio] = m as unknown as string[];
  expect([gotClaim, fastLabel, slowLabel]).toEqual([claim, fast.label, slow.label]);
  const shown = (t: number | null) => (t === null ? `> ${steps}` : String(t));
  expect([aText, bText]).toEqual([shown(fast.medianTau), shown(slow.medianTau)]);
  const value = (t: string) => (t.startsWith('>') ? Infinity : Number(t));
  const a = value(aText as string);
  const b = value(bText as string);
  expect(verdict, finding).toBe(a < b ? 'holds' : a > b ? 'does NOT hold' : 'is not resolved (equal tau)');
  if (Number.isFinite(a) && Number.isFinite(b)) expect(ratio, finding).toBe((b / a).toFixed(2));
  else expect(ratio, finding).toBeUndefined();
}

const data = blobs(400, 16, 4, 3n);
const configs = [
  { spec: { activation: 'tanh', weights: 'orthogonal', qStar: 0.025921 } },
  { spec: { activation: 'tanh', weights: 'orthogonal', qStar: 0.821354 } },
  { spec: { activation: 'tanh', weights: 'gaussian', qStar: 0.025921 } },
  { spec: { activation: 'relu', weights: 'orthogonal', weightStd: Math.SQRT2, biasStd: 0 }, label: 'relu' },
] as const;

describe('learningSpeed', () => {
  it('log-spaced evaluation steps', () => {
    expect(logEvalSteps(130)).toEqual([10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120]);
  });

  it('grid over learning rates, extra seeds at the best one, theory beside each configuration', async () => {
    const progress: number[] = [];
    const r = await learningSpeed({
      configs: configs as never,
      dataset: data,
      depth: 4,
      width: 12,
      learningRates: [0.001, 0.1],
      steps: 60,
      seeds: 2,
      batchSize: 16,
      targetAccuracy: 0.7,
      onProgress: (p) => progress.push(p.run),
    });
    expect(progress).toEqual(Array.from({ length: 4 * 3 }, (_, i) => i + 1));
    expect(r.entries).toHaveLength(4);
    for (const e of r.entries) {
      expect(e.grid.map((g) => g.learningRate)).toEqual([0.001, 0.1]);
      expect(e.taus).toHaveLength(2);
      expect(e.spec.depth).toBe(4);
      // The best rate has the smallest tau of the grid (0.001 cannot reach 70% in 60 steps here).
      const best = e.grid.find((g) => g.learningRate === e.bestLearningRate);
      for (const g of e.grid) expect(best?.tau ?? Infinity).toBeLessThanOrEqual(g.tau ?? Infinity);
      expect('variance' in e.theory).toBe(true);
    }
    // Theory: orthogonal small q* is the most isometric (THEORY 4.4: sigma^2 = L (mu2/mu1^2 - 1)).
    const v = r.entries.map((e) => ('variance' in e.theory ? e.theory.variance : NaN));
    expect(v[0] as number).toBeLessThan(v[1] as number);
    expect(v[2] as number).toBeGreaterThan(4); // Gaussian: >= L
    expect(v[3] as number).toBeCloseTo(4, 8); // orthogonal ReLU: exactly L
    // Each seed's tau against the median (censored = infinite; two seeds: the mean, or null).
    for (const e of r.entries) {
      const [t0, t1] = e.taus;
      expect(e.medianTau).toBe(t0 === null || t1 === null ? null : ((t0 as number) + (t1 as number)) / 2);
    }
    // The three orderings, in the order learningSpeed states them: each verdict must follow from
    // the taus printed beside it, and those taus must be the entries' median taus.
    const [orthSmall, orthLarge, gaussSmall, relu] = r.entries as [LearningSpeedEntry, LearningSpeedEntry, LearningSpeedEntry, LearningSpeedEntry];
    expect(r.findings).toHaveLength(3); // two orthogonal tanh q*: too few for the trend finding
    expectVerdictFollowsFromTaus(r.findings[0] as string, 'Orthogonal tanh at small q* learns faster than at large q*:', orthSmall, orthLarge, 60);
    expectVerdictFollowsFromTaus(r.findings[1] as string, 'Orthogonal tanh at small q* learns faster than orthogonal ReLU:', orthSmall, relu, 60);
    expectVerdictFollowsFromTaus(r.findings[2] as string, 'Orthogonal tanh at small q* learns faster than Gaussian tanh at the same q*:', orthSmall, gaussSmall, 60);
  });

  it('reproduceLearningSpeed writes the two figures, the JSON and the table', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'di-ls-'));
    try {
      const r = await reproduceLearningSpeed({
        outDir: dir,
        experiment: { configs: configs as never, dataset: data, depth: 2, width: 8, learningRates: [0.1], steps: 30, seeds: 1, batchSize: 16, targetAccuracy: 0.6 },
      });
      expect(r.files.map((f) => path.basename(f))).toEqual([
        'learning-speed-curves.svg',
        'learning-speed-curves.png',
        'learning-speed-tau.svg',
        'learning-speed-tau.png',
        'learning-speed.json',
        'learning-speed.md',
      ]);
      for (const f of r.files) expect(existsSync(f)).toBe(true);
      expect(readFileSync(r.files[0] as string, 'utf8')).toMatch(/^<svg/);
      expect(readFileSync(r.files[1] as string).subarray(1, 4).toString()).toBe('PNG');
      const json = JSON.parse(readFileSync(r.files[4] as string, 'utf8')) as { entries: unknown[] };
      expect(json.entries).toHaveLength(4);
      expect(readFileSync(r.files[5] as string, 'utf8')).toMatch(/\| configuration \| σw² \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad options are typed errors', async () => {
    await expect(learningSpeed({ learningRates: [0.1, -1] })).rejects.toThrow(/options\.learningRates\[1\]/);
    await expect(learningSpeed({ configs: [] })).rejects.toThrow(/options\.configs/);
    await expect(learningSpeed({ optimizer: 'lbfgs' as never })).rejects.toThrow(/options\.optimizer/);
    await expect(reproduceLearningSpeed({} as never)).rejects.toThrow(/options\.outDir/);
  });
});
