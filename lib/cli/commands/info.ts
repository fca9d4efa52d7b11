/** `dynamical-isometry info`: the active backend, versions and threads. */
import { backendInfo } from '../../backend/config.js';
import type { Command } from '../run.js';

export const info: Command = {
  summary: 'backend, versions, OpenBLAS threads',
  usage: 'Usage: dynamical-isometry info [--json]\n\nPrints backendInfo(): the active backend and why, the addon path,\nthe OpenBLAS build and thread count, and the library version.',
  options: { json: { type: 'boolean' } },
  async run(flags, { out }) {
    const b = backendInfo();
    if (flags.json) {
      out.write(`${JSON.stringify(b, null, 2)}\n`);
      return;
    }
    const rows: [string, string][] = [
      ['backend', `${b.backend} (${b.reason})`],
      ['requested', b.requested],
      ['version', b.version],
      ['node', b.node],
      ['addon', b.addonPath ?? `not loaded: ${b.addonError}`],
      ['openblas', b.openblas ? `${b.openblas.config} [${b.openblas.coreName}]` : '-'],
      ['blas threads', b.openblas ? `${b.openblas.threads} of ${b.openblas.processors} processors` : '-'],
      ['napi version', b.napiVersion === null ? '-' : String(b.napiVersion)],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    out.write(`${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`);
  },
};
