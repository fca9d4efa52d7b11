/**
 * Flag helpers shared by the commands: numbers and lists parsed strictly (anything that is not a
 * number is a usage error naming the flag), the network-spec flags, and the output flags.
 * Range checks are left to the library, so the CLI prints the library's own message.
 * @module
 */
import type { ParseArgsConfig } from 'node:util';

import { UsageError, type Flags } from './run.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--activation --weights --depth --weight-std --bias-std --q-star`. */
export const specOptions = {
  activation: { type: 'string' },
  weights: { type: 'string' },
  depth: { type: 'string' },
  'weight-std': { type: 'string' },
  'bias-std': { type: 'string' },
  'q-star': { type: 'string' },
} as const satisfies Options;

/** `--json --csv --plot FILE`. */
export const outputOptions = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  plot: { type: 'string' },
} as const satisfies Options;

/** Help text for the spec flags, shared by density, sample and compare. */
export const SPEC_HELP = `Network (at the fixed point q* of the length map, Pennington et al. 2017 eqs. 1-5):
  --activation A         linear, relu, leaky-relu, hard-tanh, tanh, erf, sigmoid, softplus, elu,
                         selu, gelu, silu; parameters as name:key=value (leaky-relu:slope=0.2)
                         or JSON ('{"name":"leaky-relu","slope":0.2}')
  --weights W            gaussian (N(0, weightStd^2/N)) or orthogonal (weightStd times Haar)
  --depth L              number of layers (integer >= 1)
  --weight-std S         sigma_w, the weights' standard deviation (not the variance)
  --bias-std S           sigma_b, the biases' standard deviation
  --q-star Q             instead of the two stds: the critical point (chi = 1) whose fixed point is Q`;

/** Help text for the output flags. */
export const OUTPUT_HELP = `Output:
  --json                 one JSON document (stable field names, see the README)
  --csv                  CSV with a header line
  --plot FILE            also draw the picture to FILE.svg or FILE.png
  -h, --help             this help`;

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses one number; `inf`-like or non-numeric text is a usage error. */
export function parseNumber(flag: string, text: string): number {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: accept only decimal floating-point syntax.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    const frac = /^([+-]?\d+)\/(\d+)$/.exec(t);
    if (frac) return Number(frac[1]) / Number(frac[2]);
    throw new UsageError(`--${flag} must be a number; received ${JSON.stringify(text)}`);
  }
  return Number(t);
}

/** The number given to `--flag`, or undefined when absent. Fractions like `1/16` are accepted. */
export function numberFlag(flags: Flags, flag: string): number | undefined {
  const v = str(flags, flag);
  return v === undefined ? undefined : parseNumber(flag, v);
}

/** Like {@link numberFlag} but required. */
export function requiredNumber(flags: Flags, flag: string): number {
  const v = numberFlag(flags, flag);
  if (v === undefined) throw new UsageError(`--${flag} is required`);
  return v;
}

/** A required string flag. */
export function requiredString(flags: Flags, flag: string): string {
  const v = str(flags, flag);
  if (v === undefined || v === '') throw new UsageError(`--${flag} is required`);
  return v;
}

/** A comma-separated list of numbers (`--at 0.5,1,2`), or undefined when absent. */
export function listFlag(flags: Flags, flag: string): number[] | undefined {
  const v = str(flags, flag);
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--${flag} must be a comma-separated list of numbers; received ${JSON.stringify(v)}`);
  return parts.map((p) => parseNumber(flag, p));
}

/** A range `a:b` (`--weight-std 0.5:3`), or undefined when absent. */
export function rangeFlag(flags: Flags, flag: string): [number, number] | undefined {
  const v = str(flags, flag);
  if (v === undefined) return undefined;
  const m = /^([^:]+):([^:]+)$/.exec(v);
  if (!m) throw new UsageError(`--${flag} must be a range FROM:TO; received ${JSON.stringify(v)}`);
  const a = parseNumber(flag, m[1]!);
  const b = parseNumber(flag, m[2]!);
  if (!(b > a)) throw new UsageError(`--${flag} must be a range FROM:TO with FROM < TO; received ${JSON.stringify(v)}`);
  return [a, b];
}

/**
 * The activation flag as the library's ActivationSpec: a name, `name:key=value,...`, or JSON.
 * Validation of the name and parameters is the library's (`resolveActivation`).
 */
export function activationFlag(flags: Flags): string | { name: string; [param: string]: unknown } {
  const v = requiredString(flags, 'activation');
  if (v.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new UsageError(`--activation is not valid JSON: ${(e as Error).message}`);
    }
    return parsed as { name: string };
  }
  const colon = v.indexOf(':');
  if (colon < 0) return v;
  const out: { name: string; [param: string]: unknown } = { name: v.slice(0, colon) };
  for (const kv of v.slice(colon + 1).split(',')) {
    const m = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.+?)\s*$/.exec(kv);
    if (!m) throw new UsageError(`--activation parameters must look like name:key=value[,key=value]; received ${JSON.stringify(v)}`);
    out[m[1]!] = parseNumber('activation', m[2]!);
  }
  return out;
}

/**
 * The network spec of the flags, in the library's form: `{ activation, weights, depth, weightStd,
 * biasStd }` or `{ activation, weights, depth, qStar }` (both forms given: passed on, and the
 * library reports the conflict).
 */
export function specFromFlags(flags: Flags, opts: { depth?: boolean; weights?: boolean } = {}): Record<string, unknown> {
  const spec: Record<string, unknown> = { activation: activationFlag(flags) };
  if (opts.weights !== false) spec.weights = requiredString(flags, 'weights');
  if (opts.depth !== false) spec.depth = requiredNumber(flags, 'depth');
  const weightStd = numberFlag(flags, 'weight-std');
  const biasStd = numberFlag(flags, 'bias-std');
  const qStar = numberFlag(flags, 'q-star');
  if (qStar === undefined && weightStd === undefined && biasStd === undefined) {
    throw new UsageError('give either --q-star Q (a critical point) or --weight-std S and --bias-std S');
  }
  if (qStar === undefined && weightStd === undefined) throw new UsageError('--weight-std is required with --bias-std (or give --q-star)');
  if (qStar === undefined && biasStd === undefined) throw new UsageError('--bias-std is required with --weight-std (or give --q-star)');
  if (qStar !== undefined) spec.qStar = qStar;
  if (weightStd !== undefined) spec.weightStd = weightStd;
  if (biasStd !== undefined) spec.biasStd = biasStd;
  return spec;
}

/** The output mode; `--json` and `--csv` together are a usage error. */
export function outputMode(flags: Flags): 'table' | 'json' | 'csv' {
  if (flags.json && flags.csv) throw new UsageError('--json and --csv are exclusive: choose one');
  return flags.json ? 'json' : flags.csv ? 'csv' : 'table';
}

/** The `--plot` file, checked for a .svg/.png extension before any work is done. */
export function plotFlag(flags: Flags): string | undefined {
  const v = str(flags, 'plot');
  if (v === undefined) return undefined;
  if (!/\.(svg|png)$/i.test(v)) throw new UsageError(`--plot must be a file name ending in .svg or .png; received ${JSON.stringify(v)}`);
  return v;
}

/** The `--scale` flag of the spectrum plots: auto (default), linear or log. */
export function scaleFlag(flags: Flags): 'auto' | 'linear' | 'log' {
  const v = flags.scale;
  if (v === undefined || v === 'auto' || v === 'linear' || v === 'log') return v ?? 'auto';
  throw new UsageError(`--scale must be one of "auto", "linear", "log"; received ${JSON.stringify(v)}`);
}

/** A display name for an activation spec (`leaky-relu(slope=0.2)`). */
export function activationLabel(a: { name: string; params?: Readonly<Record<string, number>> }): string {
  const ps = Object.entries(a.params ?? {});
  return ps.length === 0 ? a.name : `${a.name}(${ps.map(([k, v]) => `${k}=${v}`).join(', ')})`;
}
