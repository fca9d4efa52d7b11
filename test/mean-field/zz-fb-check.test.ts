import { it } from 'vitest';
import { phaseDiagram, phiSquaredMoment } from '../../lib/mean-field/index.js';
it('check', () => {
  for (const act of ['gelu', 'silu', 'tanh', 'sigmoid']) {
    const t0 = performance.now();
    const pd = phaseDiagram({ activation: act, weightStd: [0.5, 3], biasStd: [0, 0.5], resolution: 40 });
    console.log(act, (performance.now() - t0).toFixed(0), 'ms');
    let bad = 0;
    for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) {
      const w = pd.weightStd[j]!, b = pd.biasStd[i]!;
      let q = 1e-6;
      for (let l = 0; l < 3000 && q < 1e12; l++) q = w * w * phiSquaredMoment(act, q) + b * b;
      const conv = q < 1e6;
      const got = pd.qStar[i * 40 + j]!;
      if (conv !== Number.isFinite(got) || (conv && Math.abs(q - got) > 1e-6 * q + 1e-12)) { bad++; console.log(act, w, b, q, got); }
    }
    console.log(act, 'mismatches', bad);
  }
}, 120000);
