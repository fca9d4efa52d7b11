/**
 * Spawns the real command line (node dist/cli/main.js, built by `npm test`'s pretest) and returns
 * its exit code and output. The child inherits the environment, so it runs on the same backend as
 * the test process (DYNAMICAL_ISOMETRY_BACKEND / DYNAMICAL_ISOMETRY_BUILD_DIR).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}dist/cli/main.js`;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `dynamical-isometry ...args` to completion (stdin closed, stderr not a TTY). */
export function cli(...args: string[]): CliResult {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npx tsc -p tsconfig.build.json" (npm test does it in pretest)`);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects exit 0, returning stdout (throws with stderr otherwise). */
export function ok(...args: string[]): string {
  const r = cli(...args);
  if (r.code !== 0) throw new Error(`dynamical-isometry ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Parses RFC 4180 CSV without quoted newlines (what the CLI prints) into header and rows. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  const split = (l: string) => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const c = l[i]!;
      if (q) {
        if (c === '"' && l[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') q = false;
        else cur += c;
      } else if (c === '"') q = true;
      else if (c === ',') {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    return out;
  };
  const [head, ...rest] = lines;
  return { header: split(head ?? ''), rows: rest.map(split) };
}

/** The value column of a key-value table line `key  value` (first line whose key matches). */
export function tableValue(table: string, key: string): string {
  const line = table.split('\n').find((l) => l.startsWith(`${key}  `) || l.startsWith(`${key} `));
  if (line === undefined) throw new Error(`no row "${key}" in:\n${table}`);
  return line.slice(key.length).trim();
}

/**
 * Tables print numbers rounded to 6 significant digits (plain or exponent form), so a printed value
 * lies within half a unit of the 6th significant digit of the exact one: this returns that interval.
 */
export function roundedTo6(exact: number): { lo: number; hi: number } {
  const a = Math.abs(exact);
  const unit = 10 ** (Math.floor(Math.log10(a)) - 5); // one unit in the 6th significant digit
  return { lo: exact - unit / 2 - 1e-300, hi: exact + unit / 2 + 1e-300 };
}
