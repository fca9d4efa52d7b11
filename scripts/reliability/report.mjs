#!/usr/bin/env node
// Reruns the reliability figures and prints them (the numbers of the README section "Reliability"):
//   1. the reliability test suite (fuzzed API and CLI cases, invariants, concurrency, cancellation,
//      memory cap, quick leak test), collecting the figures the tests record;
//   2. the full leak check: 10,000 calls of every native entry point (scripts/reliability/leaks.mjs);
//   3. the sanitizer run (scripts/reliability/sanitize.sh: ASan+UBSan, LSan scoped to the addon, valgrind);
//   and, between 1 and 2, the full domain sweep of spectralDensity (scripts/reliability/domain-sweep.mjs).
// Usage (from the package root, after `npm run build`):
//   node scripts/reliability/report.mjs [--skip-sweep] [--skip-leaks] [--skip-sanitize] [--sanitize-tests]
// Honours DYNAMICAL_ISOMETRY_BUILD_DIR (the Release addon) and SAN_BUILD_DIR (the sanitized one).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'di-reliability-'));
const figuresFile = path.join(tmp, 'figures.jsonl');
const lines = [];
const out = (s) => {
  lines.push(s);
  console.log(s);
};

function run(cmd, args, env = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { ...r, seconds: Math.round((Date.now() - t0) / 100) / 10 };
}

out(`# dynamical-isometry reliability report (${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores)`);

// ---- 1. the suite ------------------------------------------------------------------------------
const suite = run(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/reliability'], { DI_RELIABILITY_FIGURES: figuresFile });
const tests = /Tests\s+(.+)/.exec(suite.stdout.replace(/\x1b\[[0-9;]*m/g, ''));
out(`reliability tests: ${tests ? tests[1].trim() : 'see output'} in ${suite.seconds} s (exit ${suite.status})`);
let figures = [];
try {
  figures = readFileSync(figuresFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  /* no figures: the suite failed early */
}
for (const f of figures) out(`  ${f.name}: ${f.value}`);

// ---- 1b. the full domain sweep of spectralDensity (issue 11; ~20 min on 2 cores) -----------------
if (!argv.includes('--skip-sweep')) {
  const sweepFigures = path.join(tmp, 'sweep-figures.jsonl');
  // the sweep's report (every violation, grouped) is kept in the working directory: the temporary
  // directory goes when this script ends
  const sweepReport = path.resolve('domain-sweep-report.txt');
  const r = run(process.execPath, ['scripts/reliability/domain-sweep.mjs', '--report', sweepReport], { DI_RELIABILITY_FIGURES: sweepFigures });
  let sweep = [];
  try {
    sweep = readFileSync(sweepFigures, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    /* the sweep failed before writing its figures */
  }
  out(`domain sweep (full grid): ${r.status === 0 ? 'every case valid or refused with a typed error' : 'FAILED (violations: see its report)'} in ${r.seconds} s; report: ${sweepReport}`);
  for (const f of sweep) out(`  ${f.name}: ${f.value}`);
}

// ---- 2. full leak check --------------------------------------------------------------------------
if (!argv.includes('--skip-leaks')) {
  const r = run(process.execPath, ['--expose-gc', 'scripts/reliability/leaks.mjs', '--json']);
  try {
    const s = JSON.parse(r.stdout.trim().split('\n').pop());
    out(`leak check: ${s.totalCalls} calls (${s.calls} per entry point, ${s.entryPoints} entry points) in ${r.seconds} s: ${s.ok ? 'flat' : 'NOT FLAT'}`);
    for (const e of s.results) out(`  ${e.name}: RSS ${(e.rssDelta / 1024).toFixed(0)} KiB (second half ${(e.rssDelta2 / 1024).toFixed(0)} KiB), external ${(e.externalDelta / 1024).toFixed(1)} KiB${e.ok ? '' : '  <-- above bound'}`);
    out(`  bounds: |external| <= ${s.bounds.external / 1024} KiB, RSS growth over the second half <= ${s.bounds.rss / 1048576} MiB per entry point`);
  } catch {
    out(`leak check failed to run (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
  }
}

// ---- 3. sanitizers -------------------------------------------------------------------------------
if (!argv.includes('--skip-sanitize')) {
  const r = run('bash', ['scripts/reliability/sanitize.sh', ...(argv.includes('--sanitize-tests') ? [] : ['--no-tests'])]);
  for (const l of `${r.stdout}`.split('\n').filter((l) => l.startsWith('sanitize:') && !l.includes('logs in'))) out(`  ${l}`);
  out(`sanitizers: ${r.status === 0 ? 'OK' : 'FAILED'} in ${r.seconds} s`);
}

rmSync(tmp, { recursive: true, force: true });
process.exit(lines.some((l) => /FAILED|NOT FLAT|failed to run/.test(l)) || suite.status !== 0 ? 1 : 0);
