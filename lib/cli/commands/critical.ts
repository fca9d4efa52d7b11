/** `dynamical-isometry critical`: the point (σ_w, σ_b) on the critical line χ = 1 with fixed point q*. */
import { activationFlag, listFlag, outputMode } from '../flags.js';
import { columnTable, csv, toJson } from '../format.js';
import { loadMeanField } from '../library.js';
import { UsageError, type Command } from '../run.js';

const FIELDS = ['weightStd', 'biasStd', 'qStar', 'chi', 'mu1', 'mu2'] as const;

export const criticalCommand: Command = {
  summary: 'weightStd and biasStd on the critical line chi = 1 at a given q*',
  usage: `Usage: dynamical-isometry critical --activation A --q-star Q[,Q2,...] [--json | --csv]

The critical line chi = 1 parametrised by the fixed point q* (Pennington et al. 2017, Sec. 2.2):
sigma_w^2 = 1 / mu1(q*) and sigma_b^2 = q* - sigma_w^2 E[phi(sqrt(q*) h)^2]. It fails (exit 2) where
no critical point exists (sigma_b^2 would be negative, e.g. sigmoid). For relu (sigma_w^2 = 2,
sigma_b = 0) and linear (sigma_w = 1, sigma_b = 0) the line is a single point, valid for every q*.

Options:
  --activation A         e.g. tanh, hard-tanh, erf, relu
  --q-star Q             the fixed point (> 0); a comma-separated list gives one row per value
  --json                 { "weightStd", "biasStd", "qStar", "chi", "mu1", "mu2" } (an array of them
                         for a list of q*); the stds are standard deviations
  --csv                  weightStd,biasStd,qStar,chi,mu1,mu2 with one line per q*
  -h, --help             this help

Example: dynamical-isometry critical --activation tanh --q-star 0.025921`,
  options: {
    activation: { type: 'string' },
    'q-star': { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  },
  async run(flags, { out }) {
    const mode = outputMode(flags);
    const activation = activationFlag(flags);
    const qs = listFlag(flags, 'q-star');
    if (qs === undefined || qs.length === 0) throw new UsageError('--q-star is required');
    const { criticalPoint } = await loadMeanField();
    const rows = qs.map((qStar) => {
      const r = criticalPoint({ activation, qStar }) as unknown as Record<string, number>;
      return Object.fromEntries(FIELDS.map((f) => [f, r[f]])) as Record<(typeof FIELDS)[number], number>;
    });
    if (mode === 'json') {
      out.write(`${toJson(rows.length === 1 && !String(flags['q-star']).includes(',') ? rows[0] : rows)}\n`);
      return;
    }
    const table = rows.map((r) => FIELDS.map((f) => r[f]));
    if (mode === 'csv') {
      out.write(`${csv(FIELDS, table)}\n`);
      return;
    }
    const name = typeof activation === 'string' ? activation : activation.name;
    out.write(`critical line of ${name} (chi = 1); stds are standard deviations, sigma^2 their squares\n\n`);
    out.write(`${columnTable(['q*', 'weightStd', 'biasStd', 'weightStd^2', 'biasStd^2', 'chi', 'mu1', 'mu2'], rows.map((r) => [r.qStar, r.weightStd, r.biasStd, r.weightStd ** 2, r.biasStd ** 2, r.chi, r.mu1, r.mu2]))}\n`);
  },
};
