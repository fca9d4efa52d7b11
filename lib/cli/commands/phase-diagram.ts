/** `dynamical-isometry phase-diagram`: the order/chaos diagram with the critical line and q* contours. */
import { phaseDiagramChart, writePlot } from '../../plot/index.js';
import { activationFlag, listFlag, numberFlag, outputMode, plotFlag, rangeFlag } from '../flags.js';
import { columnTable, csv, keyValueTable, toJson } from '../format.js';
import { fmtQ, phaseData, phasePlotInputs } from '../phase.js';
import { UsageError, type Command } from '../run.js';

/** Default ranges (standard deviations): σ_w² up to ~4.4 and σ_b² up to ~1.4, as in the paper's Fig. 1. */
const DEFAULT_WEIGHT_STD: [number, number] = [0.5, 2.1];
const DEFAULT_BIAS_STD: [number, number] = [0, 1.2];
const DEFAULT_CONTOURS = [1 / 16, 1 / 4, 1, 2, 4];

export const phaseDiagramCommand: Command = {
  summary: 'the order/chaos phase diagram with the critical line and q* contours',
  usage: `Usage: dynamical-isometry phase-diagram --activation A [--weight-std FROM:TO] [--bias-std FROM:TO]
         [--resolution N] [--contours q1,q2,...] [--json | --csv] [--plot FILE.svg|FILE.png]

chi = sigma_w^2 E[phi'(sqrt(q*) h)^2] over the (sigma_w^2, sigma_b^2) plane (ordered phase chi < 1:
gradients vanish; chaotic phase chi > 1: they explode), the critical line chi = 1 parametrised by q*,
and the q* contours (straight lines sigma_b^2 = q* - sigma_w^2 E[phi(sqrt(q*) h)^2]).
Pennington et al. 2017 Fig. 1; Poole et al. 2016; Schoenholz et al. 2017.

Options:
  --activation A         e.g. tanh, hard-tanh, erf, relu
  --weight-std FROM:TO   range of sigma_w, standard deviations (default ${DEFAULT_WEIGHT_STD.join(':')}); the grid
                         is equally spaced in the variance sigma_w^2
  --bias-std FROM:TO     range of sigma_b (default ${DEFAULT_BIAS_STD.join(':')}), grid equally spaced in sigma_b^2
  --resolution N         cells per axis (default 60)
  --contours q,...       q* of the contours (default ${DEFAULT_CONTOURS.map(fmtQ).join(',')})
  --json                 { "activation", "weightVariance", "biasVariance", "chi", "qStar" (rows per
                         biasVariance), "criticalLine": [{ "qStar", "weightStd", "biasStd" }],
                         "contours": [{ "qStar", "weightVariance", "biasVariance" }] }
  --csv                  one line per cell: weightStd,biasStd,weightVariance,biasVariance,qStar,chi
  --plot FILE            draw the diagram to FILE.svg or FILE.png
  -h, --help             this help

Example: dynamical-isometry phase-diagram --activation tanh --plot phase.png`,
  options: {
    activation: { type: 'string' },
    'weight-std': { type: 'string' },
    'bias-std': { type: 'string' },
    resolution: { type: 'string' },
    contours: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    plot: { type: 'string' },
  },
  async run(flags, { out }) {
    const mode = outputMode(flags);
    const plot = plotFlag(flags);
    const activation = activationFlag(flags);
    const weightStd = rangeFlag(flags, 'weight-std') ?? DEFAULT_WEIGHT_STD;
    const biasStd = rangeFlag(flags, 'bias-std') ?? DEFAULT_BIAS_STD;
    if (weightStd[0] < 0 || biasStd[0] < 0) throw new UsageError('--weight-std and --bias-std ranges must be >= 0 (standard deviations)');
    const resolution = numberFlag(flags, 'resolution') ?? 60;
    if (!Number.isInteger(resolution) || resolution < 2 || resolution > 1000) throw new UsageError(`--resolution must be an integer in [2, 1000]; received ${resolution}`);
    const contourQ = listFlag(flags, 'contours') ?? DEFAULT_CONTOURS;
    if (contourQ.some((q) => !(q > 0))) throw new UsageError('--contours must be q* values > 0');
    const p = await phaseData(activation, weightStd, biasStd, resolution, contourQ);
    if (plot) {
      const inputs = phasePlotInputs(p);
      await writePlot(
        phaseDiagramChart({
          title: `Order-to-chaos phase diagram, φ = ${p.activation}`,
          subtitle: ['colour: χ = σ_w² E[φ′(√q* h)²]: blue ordered (χ < 1, gradients vanish), red chaotic (χ > 1, gradients explode)', 'black: the critical line χ = 1; dashed: q* contours (fixed point of the length map)'],
          ...inputs,
        }),
        plot,
      );
    }
    const nw = p.weightVariance.length;
    if (mode === 'json') {
      const rows = (a: Float64Array) => Array.from(p.biasVariance, (_, j) => Array.from(a.subarray(j * nw, (j + 1) * nw)));
      out.write(`${toJson({ activation: p.activation, weightVariance: p.weightVariance, biasVariance: p.biasVariance, chi: rows(p.chi), qStar: rows(p.qStar), criticalLine: p.criticalLine, contours: p.contours })}\n`);
      return;
    }
    if (mode === 'csv') {
      const table: number[][] = [];
      p.biasVariance.forEach((b, j) => p.weightVariance.forEach((w, i) => table.push([Math.sqrt(w), Math.sqrt(b), w, b, p.qStar[j * nw + i]!, p.chi[j * nw + i]!])));
      out.write(`${csv(['weightStd', 'biasStd', 'weightVariance', 'biasVariance', 'qStar', 'chi'], table)}\n`);
      return;
    }
    let ordered = 0;
    let chaotic = 0;
    let none = 0;
    for (const c of p.chi) {
      if (!Number.isFinite(c)) none++;
      else if (c < 1) ordered++;
      else chaotic++;
    }
    const line = p.criticalLine.filter((c) => contourQ.some((q) => Math.abs(c.qStar - q) <= 1e-12 * q));
    const lines = [
      keyValueTable([
        ['activation', p.activation],
        ['grid', `${nw} x ${p.biasVariance.length} cells, sigma_w^2 in [${weightStd[0] ** 2}, ${weightStd[1] ** 2}], sigma_b^2 in [${biasStd[0] ** 2}, ${biasStd[1] ** 2}]`],
        ['ordered cells (chi < 1)', ordered],
        ['chaotic cells (chi > 1)', chaotic],
        ['no finite fixed point', none],
      ]),
      '',
      'critical line (chi = 1) at the contour values of q*:',
      columnTable(['q*', 'weightStd', 'biasStd', 'sigma_w^2', 'sigma_b^2'], dedupe(line).map((c) => [c.qStar, c.weightStd, c.biasStd, c.weightStd ** 2, c.biasStd ** 2])),
    ];
    if (plot) lines.push('', `plot written to ${plot}`);
    out.write(`${lines.join('\n')}\n`);
  },
};

function dedupe<T extends { qStar: number }>(rows: T[]): T[] {
  return rows.filter((r, i) => rows.findIndex((s) => s.qStar === r.qStar) === i);
}
