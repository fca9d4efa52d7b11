/** `dynamical-isometry compare`: theory and sampled spectra together, with their KS and W1 distances. */
import { OUTPUT_HELP, SPEC_HELP, outputOptions, specOptions } from '../flags.js';
import type { NetworkSpec } from '../../spec.js';
import { columnTable, csv, keyValueTable, toJson } from '../format.js';
import { loadEmpirical, loadFree } from '../library.js';
import type { Command } from '../run.js';
import { empiricalQuantile, pooledSummary, resolveSpec } from '../spectrum.js';
import { SAMPLE_HELP, activationLabel, plotSampled, readSampleFlags, runSampler, sampleDocument, sampleOptions } from './sample.js';

/** Probabilities at which the table compares theoretical and empirical quantiles. */
const TABLE_P = [0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

export const compareCommand: Command = {
  summary: 'theory and sampled spectra together, with KS and W1 distances',
  usage: `Usage: dynamical-isometry compare --activation A --weights gaussian|orthogonal --depth L
         (--weight-std S --bias-std S | --q-star Q) --width N [--samples K] [--seed S]
         [--json | --csv] [--plot FILE.svg|FILE.png] [--scale auto|linear|log]

The theoretical law of the eigenvalues of J J^T (N -> infinity, atoms included) next to the pooled
eigenvalues of K sampled networks of width N: moments, quantiles, the Kolmogorov-Smirnov distance
sup |F_N - F| and the Wasserstein-1 distance integral |F_N - F| dlambda. Expect distances of order
1/N-ish for smooth spectra; relu/hard-tanh carry an extra finite-N bias from the atom at 0.

${SPEC_HELP}

${SAMPLE_HELP}
  --scale S              plot axis: auto (default), linear, or log

${OUTPUT_HELP}
  (--csv prints p,theory,empirical quantiles; --json is the sample document plus "ks" and "w1")

Example: dynamical-isometry compare --activation tanh --weights orthogonal --depth 16 --q-star 0.0625 --width 400 --samples 2`,
  options: { ...specOptions, ...sampleOptions, scale: { type: 'string' }, ...outputOptions },
  async run(flags, { out }) {
    const f = readSampleFlags(flags);
    const { mode, plot, spec, s } = f;
    const resolved = await resolveSpec(spec);
    const { spectralDensity } = await loadFree();
    const { jacobianSpectrumDistance } = await loadEmpirical();
    const d = await spectralDensity(spec as unknown as NetworkSpec);
    const r = await runSampler(spec, s, resolved.depth);
    const dist = jacobianSpectrumDistance(r, d);
    const sorted = Float64Array.from(r.eigenvalues).sort();
    const quantiles = TABLE_P.map((p) => ({ p, theory: d.quantile(p), empirical: empiricalQuantile(sorted, p) }));
    await plotSampled(f, resolved, d, r, `sampled: ${s.samples} x N = ${s.width} (KS ${dist.ks.toPrecision(2)}, W1 ${dist.w1.toPrecision(2)})`);
    if (mode === 'json') {
      // Exactly the sample document plus "ks" and "w1" (the contract, see the README).
      out.write(`${toJson({ ...sampleDocument(spec, s, r, resolved), ks: dist.ks, w1: dist.w1 })}\n`);
      return;
    }
    if (mode === 'csv') {
      out.write(`${csv(['p', 'theory', 'empirical'], quantiles.map((q) => [q.p, q.theory, q.empirical]))}\n`);
      return;
    }
    const p = pooledSummary(r.eigenvalues);
    const lines = [
      keyValueTable([
        ['network', `${activationLabel(spec)}, ${resolved.weights}, L = ${resolved.depth}, q* = ${resolved.qStar}`],
        ['width N, samples, seed', `${s.width}, ${s.samples}, ${s.seed}`],
        ['KS distance', dist.ks],
        ['W1 distance', dist.w1],
      ]),
      '',
      columnTable(
        ['', 'theory', 'sampled'],
        [
          ['mean', d.moments.mean, p.mean],
          ['variance', d.moments.variance, p.variance],
          ['max', d.lambdaMax, p.max],
          ['mass at 0', d.atomAtZero, p.zeroFraction],
          ...quantiles.map((q) => [`quantile ${q.p}`, q.theory, q.empirical]),
        ],
      ),
    ];
    if (plot) lines.push('', `plot written to ${plot}`);
    out.write(`${lines.join('\n')}\n`);
  },
};
