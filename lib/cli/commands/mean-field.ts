/** `dynamical-isometry mean-field`: q*, χ, μ1, μ2, c* and the depth scales at one (σ_w, σ_b). */
import { activationFlag, outputMode, requiredNumber } from '../flags.js';
import { csv, keyValueTable, toJson } from '../format.js';
import { loadMeanField } from '../library.js';
import type { Command } from '../run.js';

/** Flattens a result into [key, number|string|boolean] pairs (nested objects as a.b). */
export function scalarEntries(value: unknown, prefix = ''): [string, number | string | boolean | null][] {
  if (value === null || typeof value !== 'object') return [];
  const out: [string, number | string | boolean | null][] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out.push([key, v]);
    else if (v === null) out.push([key, null]);
    else if (typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v) && k !== 'activation') out.push(...scalarEntries(v, key));
  }
  return out;
}

export const meanFieldCommand: Command = {
  summary: 'q*, chi, mu1, mu2, c* and depth scales at (weightStd, biasStd)',
  usage: `Usage: dynamical-isometry mean-field --activation A --weight-std S --bias-std S [--json | --csv]

Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017; Pennington et al. 2017
eqs. 3-5): the fixed point q* of the length map q -> sigma_w^2 E[phi(sqrt(q) h)^2] + sigma_b^2,
chi = sigma_w^2 E[phi'(sqrt(q*) h)^2] (order: chi < 1, chaos: chi > 1), mu_k = E[phi'(sqrt(q*) h)^(2k)],
the correlation fixed point c* and the depth scales.

Options:
  --activation A         e.g. tanh, relu, hard-tanh, erf, leaky-relu:slope=0.2
  --weight-std S         sigma_w (standard deviation; the variance is S^2)
  --bias-std S           sigma_b (standard deviation)
  --json                 the library's result as one JSON document
  --csv                  one line: a header of field names and the values
  -h, --help             this help

Example: dynamical-isometry mean-field --activation tanh --weight-std 1.5 --bias-std 0.1`,
  options: {
    activation: { type: 'string' },
    'weight-std': { type: 'string' },
    'bias-std': { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  },
  async run(flags, { out }) {
    const mode = outputMode(flags);
    const activation = activationFlag(flags);
    const weightStd = requiredNumber(flags, 'weight-std');
    const biasStd = requiredNumber(flags, 'bias-std');
    const { meanField } = await loadMeanField();
    const result = meanField({ activation, weightStd, biasStd });
    const name = typeof activation === 'string' ? activation : activation.name;
    const entries = scalarEntries(result);
    if (mode === 'json') {
      out.write(`${toJson({ activation, ...(result as object) })}\n`);
      return;
    }
    if (mode === 'csv') {
      out.write(`${csv(['activation', ...entries.map(([k]) => k)], [[name, ...entries.map(([, v]) => v)]])}\n`);
      return;
    }
    out.write(`${keyValueTable([['activation', name], ...entries])}\n`);
  },
};
