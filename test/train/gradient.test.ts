/**
 * Finite-difference checks of the backward pass, per layer and per activation, on each backend.
 *
 * Tolerance (derived from the step size): the central difference D(e) = (f(p+e) - f(p-e)) / 2e has
 * truncation error c e^2 + O(e^4) and rounding error at most eps_f / e, where eps_f bounds the
 * rounding of one loss evaluation. Since D(2e) - D(e) = 3 c e^2 + (rounding), the truncation of
 * D(e) is estimated by |D(2e) - D(e)| / 3; we allow twice that (for the O(e^4) terms) plus
 * 2 eps_f / e. eps_f = 64 u max(|f|, 1): the loss is a chain of dot products whose inner dimensions
 * sum to < 64 here (7 + 8 x 4 + 3), each contributing at most its length times u (gamma_n bound). With e = 1e-5 the
 * allowance is ~1e-9 against gradients of order 1e-2..1: an error in the backward pass (a missing
 * phi', a transposed product, a wrong bias sum) is many orders of magnitude larger.
 */
import { describe, expect, it } from 'vitest';

import { resolveActivation } from '../../lib/activations/index.js';
import { prepareRun } from '../../lib/train/trainer.js';
import { jsEngine } from '../../lib/train/js.js';
import { describeEachBackend } from '../helpers/backends.js';
import { EPS } from '../helpers/close.js';
import { blobs } from './helpers.js';

const STEP = 1e-5;
const BATCH = 5;

interface Case {
  name: string;
  spec: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: 'tanh orthogonal', spec: { activation: 'tanh', weights: 'orthogonal', depth: 3, qStar: 0.5 } },
  { name: 'tanh gaussian', spec: { activation: 'tanh', weights: 'gaussian', depth: 3, qStar: 0.5 } },
  { name: 'relu orthogonal', spec: { activation: 'relu', weights: 'orthogonal', depth: 3, weightStd: Math.SQRT2, biasStd: 0 } },
  { name: 'hard-tanh gaussian', spec: { activation: 'hard-tanh', weights: 'gaussian', depth: 3, qStar: 0.5 } },
  { name: 'erf orthogonal', spec: { activation: 'erf', weights: 'orthogonal', depth: 3, qStar: 0.25 } },
  { name: 'linear orthogonal', spec: { activation: 'linear', weights: 'orthogonal', depth: 2, weightStd: 1, biasStd: 0 } },
];

const data = blobs(40, 7, 3, 11n);

async function check(spec: Record<string, unknown>): Promise<void> {
  const { run } = prepareRun(spec, { dataset: data, width: 8, batchSize: BATCH, seed: 3 });
  const { problem, engine, state } = run;
  const { layout } = problem;
  const n0 = layout.sizes[0] as number;
  const inputs = problem.trainInputs.slice(0, BATCH * n0);
  const labels = problem.trainLabels.slice(0, BATCH);
  const grad = new Float64Array(layout.parameterCount);
  const scratch = new Float64Array(layout.parameterCount);
  const p = state.params.slice();
  const f0 = await engine.lossAndGradient(problem, p, inputs, labels, grad);
  const loss = async (i: number, delta: number): Promise<number> => {
    const q = p.slice();
    q[i] = (q[i] as number) + delta;
    return engine.lossAndGradient(problem, q, inputs, labels, scratch);
  };
  const epsF = 64 * EPS * Math.max(Math.abs(f0), 1);
  for (let l = 0; l < layout.layers; l++) {
    const nIn = layout.sizes[l] as number;
    const nOut = layout.sizes[l + 1] as number;
    const wOff = layout.weightOffsets[l] as number;
    const bOff = layout.biasOffsets[l] as number;
    // Three weights (first, middle, last) and two biases of every layer.
    const picks = [wOff, wOff + Math.floor((nIn * nOut) / 2), wOff + nIn * nOut - 1, bOff, bOff + nOut - 1];
    for (const i of picks) {
      const fp = await loss(i, STEP);
      const fm = await loss(i, -STEP);
      const d1 = (fp - fm) / (2 * STEP);
      const d2 = ((await loss(i, 2 * STEP)) - (await loss(i, -2 * STEP))) / (4 * STEP);
      const atol = (2 * Math.abs(d2 - d1)) / 3 + (2 * epsF) / STEP;
      // Precondition: f is smooth at p. A kink of relu/hard-tanh within the perturbation (e.g. a
      // pre-activation exactly 0 after an all-zero layer) makes the one-sided slopes differ by O(1)
      // instead of O(e f''), and the central difference meaningless there.
      const oneSided = Math.abs((fp - f0) / STEP - (f0 - fm) / STEP);
      expect(oneSided, `layer ${l} parameter ${i}: f is not smooth at p (a kink): choose another seed`).toBeLessThan(1e-3);
      expect(atol, `layer ${l} parameter ${i}: finite differences not smooth`).toBeLessThan(1e-7);
      const g = grad[i] as number;
      expect(Math.abs(g - d1), `layer ${l}, parameter ${i - wOff}: analytic ${g} vs finite difference ${d1} (atol ${atol})`).toBeLessThanOrEqual(atol);
    }
  }
}

describeEachBackend('backward pass vs finite differences', () => {
  for (const c of CASES) {
    it(`${c.name}: every layer's weights and biases`, async () => {
      await check(c.spec);
    });
  }
});

describe('backward pass vs finite differences (user-defined activation, JS)', () => {
  it('softsign phi(x) = x / (1 + |x|), phi\'(x) = 1 / (1 + |x|)^2', async () => {
    const act = { name: 'softsign', phi: (x: number) => x / (1 + Math.abs(x)), dphi: (x: number) => 1 / (1 + Math.abs(x)) ** 2, kinks: [0] };
    const spec = { activation: act, weights: 'orthogonal', depth: 2, weightStd: 1.2, biasStd: 0.1 };
    const { run } = prepareRun(spec, { dataset: data, width: 6, batchSize: BATCH });
    expect(run.engine).toBe(jsEngine);
    expect(resolveActivation(act).builtin).toBe(false);
    await check(spec);
  });
});
