/**
 * sampleJacobianSpectrum: reproducibility, native scheduling, identities of the sampled networks
 * (deep linear orthogonal nets, the input normalization q^1 = q*), the empirical q^l against q*
 * within the sampling error, cancellation and progress (native/JS parity of the networks:
 * test/parity/sampling.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { resolveActivation } from '../../lib/activations/index.js';
import { AbortError } from '../../lib/errors.js';
import { sampleJacobianSpectrum } from '../../lib/empirical/index.js';
import { runBatch } from '../../lib/empirical/sampler.js';
import { svdKernel } from '../../lib/linalg/kernels/svd.js';
import { describeEachBackend, hasNative } from '../helpers/backends.js';
import { EPS, expectAllClose } from '../helpers/close.js';
import { FEW_ROUNDINGS } from '../helpers/tolerances.js';
import { TANH_GAUSS, TANH_ORTH, request } from './helpers.js';

describeEachBackend('reproducibility', (backend) => {
  it('the same seed gives bit-identical results; another seed or sample does not', async () => {
    for (const spec of [TANH_ORTH, TANH_GAUSS]) {
      const a = await sampleJacobianSpectrum(spec, { width: 40, samples: 2, seed: 5 });
      const b = await sampleJacobianSpectrum(spec, { width: 40, samples: 2, seed: 5n });
      const c = await sampleJacobianSpectrum(spec, { width: 40, samples: 2, seed: 6 });
      expect(a.backend).toBe(backend);
      expect(Array.from(a.eigenvalues)).toEqual(Array.from(b.eigenvalues));
      expect(Array.from(a.qPerLayer)).toEqual(Array.from(b.qPerLayer));
      expect(a.eigenvalues[0]).not.toBe(c.eigenvalues[0]);
      expect(a.eigenvalues[0]).not.toBe(a.eigenvalues[40]); // samples use different streams
      // Sample s of a batch is stream s: the first sample of a 2-sample batch is the 1-sample batch.
      const one = await sampleJacobianSpectrum(spec, { width: 40, samples: 1, seed: 5 });
      expect(Array.from(one.eigenvalues)).toEqual(Array.from(a.eigenvalues.subarray(0, 40)));
    }
  });
});

(hasNative ? describe : describe.skip)('native scheduling does not change the numbers', () => {
  it('concurrency 1 or 3, random prefetch on or off: bit-identical', async () => {
    for (const spec of [TANH_ORTH, TANH_GAUSS]) {
      const runs = await Promise.all(
        [
          { concurrency: 1, prefetch: false },
          { concurrency: 3, prefetch: false },
          { concurrency: 1, prefetch: true },
          { concurrency: 3, prefetch: true },
        ].map((s) => runBatch(request(spec, 48, 3, 17n, 'native', s))),
      );
      for (const r of runs.slice(1)) {
        expect(Array.from(r.eigenvalues)).toEqual(Array.from(runs[0]!.eigenvalues));
        expect(Array.from(r.qPerLayer)).toEqual(Array.from(runs[0]!.qPerLayer));
      }
    }
  });
});

describeEachBackend('identities of sampled networks', () => {
  it('deep linear orthogonal nets: every singular value is weightStd^L (to (L + 1) N eps)', async () => {
    const weightStd = 0.93; // a finite fixed point needs weightStd < 1 for linear with a bias
    const depth = 24;
    const width = 50;
    const r = await sampleJacobianSpectrum({ activation: 'linear', weights: 'orthogonal', depth, weightStd, biasStd: 0.3 }, { width, samples: 2, seed: 3 });
    const expected = new Float64Array(r.singularValues.length).fill(weightStd ** depth);
    expectAllClose(r.singularValues, expected, {
      rtol: (depth + 1) * width * EPS,
      why: 'J = weightStd^L O_L...O_1 exactly: L layers applied by Householder reflectors and one SVD, each with a worst-case relative backward error ~ N eps (observed: ~8 eps native, ~21 eps JS)',
    });
  });

  it('marginal specs by stds (every q a fixed point) are sampled at q* = 1, as if qStar: 1 were given', async () => {
    // relu at its critical point (sqrt 2, 0) (THEORY §2.4) has q* = NaN from resolveNetworkSpec.
    const byStds = { activation: 'relu', weights: 'gaussian', depth: 3, weightStd: Math.SQRT2, biasStd: 0 } as const;
    const a = await sampleJacobianSpectrum(byStds, { width: 64, samples: 2, seed: 1 });
    const b = await sampleJacobianSpectrum({ ...byStds, qStar: 1 }, { width: 64, samples: 2, seed: 1 });
    expect(a.spec.qStar).toBe(1);
    expect(a.eigenvalues).toEqual(b.eigenvalues);
    expect(a.qPerLayer).toEqual(b.qPerLayer);
    // chi = 1, so the mean eigenvalue is 1 in expectation (before: every eigenvalue was 0 on JS and
    // native threw ERR_DI_INTERNAL); each sample's mean is within a few sqrt(L/N) of 1.
    for (const p of a.perSample) expect(Math.abs(p.mean - 1)).toBeLessThan(5 * Math.sqrt(3 / 64));
  });

  it('linear orthogonal at its marginal point (1, 0): J is orthogonal and q^l = 1 for every layer', async () => {
    const depth = 8;
    const width = 32;
    const r = await sampleJacobianSpectrum({ activation: 'linear', weights: 'orthogonal', depth, weightStd: 1, biasStd: 0 }, { width, samples: 1, seed: 2 });
    expect(r.spec.qStar).toBe(1);
    const rounding = { rtol: (depth + 1) * width * EPS, why: 'orthogonal layers applied by Householder reflectors, then one SVD: ~ N eps each' };
    expectAllClose(r.singularValues, new Float64Array(width).fill(1), rounding);
    expectAllClose(r.qPerLayer, new Float64Array(depth).fill(1), rounding);
  });

  it('q^1 = q* exactly for orthogonal weights without bias (|W x0| = weightStd |x0|)', async () => {
    const r = await sampleJacobianSpectrum({ activation: 'relu', weights: 'orthogonal', depth: 3, qStar: 0.7 }, { width: 64, samples: 3, seed: 8 });
    for (let s = 0; s < 3; s++) expect(Math.abs((r.qPerLayer[s * 3] as number) - 0.7)).toBeLessThan(64 * 64 * EPS);
  });

  it('the mean eigenvalue is (1/N) ||J||_F^2 and the structural zeros of relu are exact zeros', async () => {
    const width = 40;
    const r = await runBatch(request({ activation: 'relu', weights: 'gaussian', depth: 5, qStar: 1 }, width, 2, 4n, 'js', { keepJacobians: true }));
    for (let s = 0; s < 2; s++) {
      const J = r.jacobians!.subarray(s * width * width, (s + 1) * width * width);
      let fro = 0;
      for (const x of J) fro += x * x;
      let sum = 0;
      for (let i = s * width; i < (s + 1) * width; i++) sum += r.eigenvalues[i] as number;
      expectAllClose([sum], [fro], { rtol: 8 * width * EPS, why: 'trace J J^T = ||J||_F^2; SVD backward error ~ N eps' });
      const zeros = r.structuralZeros[s] as number;
      expect(zeros).toBeGreaterThan(0);
      // rank J is N - zeros: the next singular value is far above round-off.
      const s2 = svdKernel(width, width, Float64Array.from(J), false).s;
      expect(s2[width - zeros - 1] as number).toBeGreaterThan(1e-8 * (s2[0] as number));
      for (let k = 0; k < zeros; k++) expect(s2[width - 1 - k] as number).toBeLessThan(1e-12 * (s2[0] as number));
    }
  });
});

describeEachBackend('edge cases', () => {
  it('width 1 and depth 1: the single eigenvalue is (weightStd phi\'(h^1))^2 = weightStd^2 (linear)', async () => {
    for (const weights of ['orthogonal', 'gaussian'] as const) {
      const r = await sampleJacobianSpectrum({ activation: 'linear', weights, depth: 1, weightStd: 0.8, biasStd: 0.1 }, { width: 1, samples: 2, seed: 1 });
      expect(r.eigenvalues.length).toBe(2);
      if (weights === 'orthogonal') expectAllClose(r.eigenvalues, [0.64, 0.64], { rtol: FEW_ROUNDINGS, why: 'W = +-0.8: one rounding' });
      else for (const x of r.eigenvalues) expect(x).toBeGreaterThan(0);
    }
  });

  it('a Jacobian that overflows is a NumericalError, not garbage', async () => {
    // tanh in the chaotic phase: q* = 6.3 is finite but chi = 1.86, and the largest squared singular
    // value grows ~10^0.23 per layer (measured: 7.5e22 at L = 100, N = 32): J overflows near L = 2700.
    const spec = { activation: 'tanh', weights: 'orthogonal', depth: 4000, weightStd: 3, biasStd: 0 } as const;
    await expect(sampleJacobianSpectrum(spec, { width: 32 })).rejects.toMatchObject({ name: 'NumericalError', code: 'ERR_DI_OVERFLOW', message: expect.stringMatching(/overflow/) });
  });
});

describeEachBackend('empirical q^l stays at q*', (backend) => {
  // One layer's q^l = (1/N) sum_i h_i^2 given the previous layer is a sample mean of N terms:
  // orthogonal: weightStd^2 (1/N)|phi(h)|^2 + cross and bias terms; Gaussian: also the chi^2_N/N
  // factor of |W x|^2. Its variance is V/N with
  //   V = weightStd^4 Var[phi(h)^2] + (Gaussian ? 2 q*^2 : 2 biasStd^4 + 4 weightStd^2 E[phi^2] biasStd^2),
  // h ~ N(0, q*). Through l layers the errors add at most like a random walk (the length map
  // contracts, slope < 1 at a stable fixed point), so sd(q^l) <= sqrt(l V / N), and the mean over S
  // samples is within 4 sqrt(l V / (N S)) of q* (4 sigma).
  const width = backend === 'native' ? 256 : 96;
  const samples = 4;
  for (const weights of ['orthogonal', 'gaussian'] as const) {
    it(`tanh ${weights}, q* = 0.5, L = 12, N = ${width}`, async () => {
      const r = await sampleJacobianSpectrum({ activation: 'tanh', weights, depth: 12, qStar: 0.5 }, { width, samples, seed: 12 });
      const { qStar, weightStd: sw, biasStd: sb } = r.spec;
      const act = resolveActivation('tanh');
      // Gaussian expectations by the trapezoid rule on [-12, 12] (exponentially accurate here).
      const E = (f: (x: number) => number): number => {
        let s = 0;
        const h = 0.01;
        for (let z = -12; z <= 12; z += h) s += f(Math.sqrt(qStar) * z) * Math.exp((-z * z) / 2);
        return (s * h) / Math.sqrt(2 * Math.PI);
      };
      const m2 = E((x) => act.phi(x) ** 2);
      const m4 = E((x) => act.phi(x) ** 4);
      const V = sw ** 4 * (m4 - m2 * m2) + (weights === 'gaussian' ? 2 * qStar * qStar : 2 * sb ** 4 + 4 * sw * sw * m2 * sb * sb);
      for (let l = 1; l <= 12; l++) {
        const bound = 4 * Math.sqrt((l * V) / (width * samples));
        expect(Math.abs((r.qMeanPerLayer[l - 1] as number) - qStar), `layer ${l}`).toBeLessThanOrEqual(bound);
      }
    });
  }
});

describeEachBackend('cancellation and progress', (backend) => {
  const spec = { activation: 'tanh', weights: 'orthogonal', depth: 40, qStar: 0.25 } as const;
  // Native: ~3 ms a layer at N = 400, so a run (160 layers on 2 cores) outlasts the 50 ms progress poll.
  const width = backend === 'native' ? 400 : 64;

  it('progress is monotone and ends at samples x depth', async () => {
    const seen: number[] = [];
    let samplesDone = 0;
    await sampleJacobianSpectrum(spec, { width, samples: 3, seed: 1, onProgress: (p) => {
      seen.push(p.layersDone);
      samplesDone = p.samplesDone;
      expect(p.layersTotal).toBe(120);
      expect(p.samplesTotal).toBe(3);
    } });
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[seen.length - 1]).toBe(120);
    expect(samplesDone).toBe(3);
  });

  it('an AbortSignal stops the run between layers with an AbortError; the event loop stays free', async () => {
    const ac = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let layers = 0;
    const run = sampleJacobianSpectrum(spec, {
      width,
      samples: 4,
      seed: 2,
      signal: ac.signal,
      onProgress: (p) => {
        layers = p.layersDone;
        if (p.layersDone >= 5) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    clearInterval(timer);
    expect(layers).toBeLessThan(160);
    expect(ticks).toBeGreaterThan(0);
  });

  it('an onProgress that throws rejects the run with its error (it never escapes from a timer)', async () => {
    let calls = 0;
    const boom = new Error('boom from onProgress');
    const run = sampleJacobianSpectrum(spec, {
      width,
      samples: 2,
      seed: 4,
      onProgress: () => {
        calls++;
        throw boom;
      },
    });
    await expect(run).rejects.toBe(boom);
    // after the first throw the run stops and the callback is not called again
    expect(calls).toBe(1);
  });

  it('an already aborted signal rejects at once', async () => {
    await expect(sampleJacobianSpectrum(spec, { width: 8, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });
});
