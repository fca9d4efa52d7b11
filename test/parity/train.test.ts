/**
 * The trainer's two backends agree (moved from test/train/training.test.ts).
 *
 * Native vs JS tolerance (derived): both start from the same bits (the initialization is drawn in
 * TypeScript) and perform the same elementwise operations in the same order; they differ only in
 * the summation order of the dot products (dgemm blocking vs the JS loops). Each dot product of
 * length k then differs by at most 2 gamma_k sum|a_i b_i| ~ 2 k u |a||b|; a step chains
 * 3 (layers) such products per path (forward, input gradient, weight gradient), and T steps of a
 * stable, small-learning-rate run add these perturbations without amplifying them by more than
 * O(1) (critical initialization: layer Jacobians have singular values ~1). Hence
 * rtol = 2 k_max u * 3 layers * T with k_max the largest inner dimension (the batch or the input
 * size), a worst-case bound that ignores cancellation; the observed agreement is ~1e-15.
 */
import { describe, expect, it } from 'vitest';

import { configure } from '../../lib/backend/config.js';
import { prepareRun } from '../../lib/train/trainer.js';
import { jsEngine } from '../../lib/train/js.js';
import { nativeEngine } from '../../lib/train/native.js';
import { hasNative } from '../helpers/backends.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { blobs } from '../train/helpers.js';

const data = blobs(300, 20, 4, 5n);

describe.skipIf(!hasNative)('native vs JS', () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`${optimizer}: the same seed gives the same parameters after 12 steps`, async () => {
      const opts = { dataset: data, width: 16, optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.002, batchSize: 25, seed: 4 };
      const spec = { activation: 'erf', weights: 'gaussian', depth: 3, qStar: 0.4 } as const;
      configure({ backend: 'native' });
      const n = prepareRun(spec, opts).run;
      configure({ backend: 'js' });
      const j = prepareRun(spec, opts).run;
      configure({ backend: 'native' });
      expect(n.engine).toBe(nativeEngine);
      expect(j.engine).toBe(jsEngine);
      expect(n.state.params).toEqual(j.state.params);
      const T = 12;
      const idx = new Int32Array(T * 25);
      for (let i = 0; i < idx.length; i++) idx[i] = (i * 7) % 240; // 240 training examples (80% of 300)
      const ln = new Float64Array(T);
      const lj = new Float64Array(T);
      // In two chunks, as train() does (Adam's step counter must carry over).
      await n.engine.steps(n.problem, n.state, idx, 5, ln);
      await n.engine.steps(n.problem, n.state, idx.subarray(5 * 25), T - 5, ln.subarray(5));
      await j.engine.steps(j.problem, j.state, idx, 5, lj);
      await j.engine.steps(j.problem, j.state, idx.subarray(5 * 25), T - 5, lj.subarray(5));
      expect(n.state.step).toBe(T);
      expect(j.state.step).toBe(T);
      const kMax = 25; // inner dimensions: input 20, width 16, batch 25
      const rtol = 2 * kMax * EPS * 3 * 5 * T;
      const why = 'dgemm vs JS summation order: 2 k u per product, 3 products per layer, 5 layers, T steps';
      expectAllClose(ln, lj, { rtol, why });
      // Parameters near 0 have no relative meaning: scale the bound by the weights' typical size.
      expectAllClose(n.state.params, j.state.params, { rtol, atol: rtol, why });
    });
  }
});
