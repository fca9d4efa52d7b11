/** `dynamical-isometry density`: the theoretical spectral density of J J^T (free probability). */
import { OUTPUT_HELP, SPEC_HELP, listFlag, numberFlag, outputMode, outputOptions, plotFlag, scaleFlag, specFromFlags, specOptions } from '../flags.js';
import type { SpectralDensityOptions } from '../../free/index.js';
import type { NetworkSpec } from '../../spec.js';
import { columnTable, csv, formatNumber as fmtNum, keyValueTable, thinIndices, toJson } from '../format.js';
import { loadFree } from '../library.js';
import { UsageError, type Command } from '../run.js';
import { chooseScale, meanFieldBlock, plotSpectrum, resolveSpec, specBlock, type Density, type ResolvedSpec } from '../spectrum.js';

/** Rows of the grid shown in the default table (the full grid is in --json and --csv). */
const TABLE_ROWS = 21;

/**
 * The JSON document of `density --json`: exactly the fields of the contract (README), in
 * that order. Positive atoms are in the table and the plot, not here.
 */
export function densityDocument(spec: Record<string, unknown>, r: ResolvedSpec, d: Density, at: number[] | undefined, quantiles: number[] | undefined): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    spec: specBlock(spec),
    meanField: meanFieldBlock(r),
    atomAtZero: d.atomAtZero,
    support: { min: d.support.min, max: d.support.max },
    moments: { mean: d.moments.mean, variance: d.moments.variance },
    lambda: d.lambda,
    density: d.density,
  };
  if (at) doc.points = Array.from(d.lambda, (lambda, i) => ({ lambda, density: d.density[i] }));
  if (quantiles) doc.quantiles = quantiles.map((p) => ({ p, lambda: d.quantile(p) }));
  return doc;
}

export const densityCommand: Command = {
  summary: 'the theoretical spectrum of J J^T (density, atoms, support, moments, quantiles)',
  usage: `Usage: dynamical-isometry density --activation A --weights gaussian|orthogonal --depth L
         (--weight-std S --bias-std S | --q-star Q) [--points N] [--at x,y,...] [--quantiles p,q,...]
         [--json | --csv] [--plot FILE.svg|FILE.png] [--scale auto|linear|log]

The N -> infinity law of the eigenvalues lambda of J J^T (the squared singular values of the
input-output Jacobian J), from S_{JJ^T} = S_{D^2}^L S_{W^T W}^L (Pennington et al. 2017, eq. 12):
the density rho(lambda) of its continuous part, its atoms, the support of the continuous part,
the mean (chi^L) and variance of the whole law, and quantiles (atoms included).

${SPEC_HELP}

Spectrum:
  --points N             grid points over the support (default: the library's)
  --at x,y,...           the density at these lambda instead of a grid (adds "points" to --json)
  --quantiles p,q,...    quantiles inf{lambda : F(lambda) >= p}, atoms included
  --scale S              plot axis: auto (default), linear, or log (log plots lambda*rho(lambda))

${OUTPUT_HELP}
  (--csv prints lambda,density over the grid or the --at points, or p,lambda with --quantiles)

Example: dynamical-isometry density --activation tanh --weights orthogonal --depth 32 --q-star 0.0259`,
  options: {
    ...specOptions,
    points: { type: 'string' },
    at: { type: 'string' },
    quantiles: { type: 'string' },
    scale: { type: 'string' },
    ...outputOptions,
  },
  async run(flags, { out }) {
    const mode = outputMode(flags);
    const plot = plotFlag(flags);
    const scale = scaleFlag(flags);
    const spec = specFromFlags(flags);
    const points = numberFlag(flags, 'points');
    const at = listFlag(flags, 'at');
    const quantiles = listFlag(flags, 'quantiles');
    if (mode === 'csv' && at && quantiles) throw new UsageError('--csv prints one table: give either --at or --quantiles, not both');
    if (at && points !== undefined) throw new UsageError('--at and --points are exclusive: --at gives the points');
    const resolved = await resolveSpec(spec);
    const { spectralDensity } = await loadFree();
    const options: SpectralDensityOptions = {};
    if (points !== undefined) options.points = points;
    if (at) options.at = at;
    const d = await spectralDensity(spec as unknown as NetworkSpec, options);
    // Quantiles are computed before any output so that a bad p exits 2 with nothing half-printed.
    const qValues = quantiles?.map((p) => ({ p, lambda: d.quantile(p) }));
    if (plot) await plotSpectrum({ file: plot, spec, resolved, density: d, scale: chooseScale(scale, d) });

    if (mode === 'json') {
      out.write(`${toJson(densityDocument(spec, resolved, d, at, quantiles))}\n`);
      return;
    }
    if (mode === 'csv') {
      if (qValues) out.write(`${csv(['p', 'lambda'], qValues.map((q) => [q.p, q.lambda]))}\n`);
      else out.write(`${csv(['lambda', 'density'], Array.from(d.lambda, (l, i) => [l, d.density[i]]))}\n`);
      return;
    }
    const mf = meanFieldBlock(resolved);
    const lines: string[] = [];
    lines.push(
      keyValueTable([
        ['activation', typeof spec.activation === 'string' ? spec.activation : JSON.stringify(spec.activation)],
        ['weights', resolved.weights],
        ['depth L', resolved.depth],
        ['weightStd (sigma_w)', mf.weightStd],
        ['biasStd (sigma_b)', mf.biasStd],
        ['q*', mf.qStar],
        ['chi', mf.chi],
        ['mu1, mu2', `${fmtNum(mf.mu1)}, ${fmtNum(mf.mu2)}`],
        ['mean (chi^L)', d.moments.mean],
        ['variance', d.moments.variance],
        ['support of rho', `[${fmtNum(d.support.min)}, ${fmtNum(d.support.max)}]`],
        ['atom at 0', d.atomAtZero],
        ...d.atoms.filter((a) => a.location !== 0).map((a) => [`atom at ${fmtNum(a.location)}`, a.mass] as const),
      ]),
    );
    if (qValues) lines.push('', columnTable(['p', 'quantile lambda'], qValues.map((q) => [q.p, q.lambda])));
    if (at) {
      lines.push('', columnTable(['lambda', 'rho(lambda)'], Array.from(d.lambda, (l, i) => [l, d.density[i]])));
    } else if (d.lambda.length === 0) {
      lines.push('', 'no continuous part: the law is made of the atoms above');
    } else {
      const idx = thinIndices(d.lambda.length, TABLE_ROWS);
      lines.push('', columnTable(['lambda', 'rho(lambda)'], idx.map((i) => [d.lambda[i], d.density[i]])));
      if (idx.length < d.lambda.length) lines.push(`(${idx.length} of ${d.lambda.length} grid points; --csv or --json for all)`);
    }
    if (plot) lines.push('', `plot written to ${plot}`);
    out.write(`${lines.join('\n')}\n`);
  },
};
