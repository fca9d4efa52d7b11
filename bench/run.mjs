#!/usr/bin/env node
// Benchmark runner: cases are data (bench/cases/*.mjs, format in bench/README.md); every
// (case, variant) runs in a FRESH process (node with tinybench, or python3 for numpy baselines),
// and the runner prints, per case, each variant's time and its ratio to the case's reference
// variant, all measured in this one run, with the machine, thread settings and git commit. Results
// go to bench/results/latest.json and bench/results/latest.md.
//
//   npm run bench                       all cases
//   npm run bench -- --filter 'svd'     cases/variants whose "case:variant" matches the regex
//   npm run bench -- --quick            short time budgets, cases marked quick: false skipped
//   npm run bench -- --out my.json      another results file (the .md is written beside it)
//   npm run bench -- --cpu              time by process CPU time instead of wall time (loaded machines)
//
// The library is imported from dist/ (run `npm run build:ts` first); DYNAMICAL_ISOMETRY_BUILD_DIR
// selects the addon as everywhere else.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);

// ------------------------------------------------------------------------------------------------
// Child mode: run one variant of one case with tinybench and print its statistics.
if (argv[0] === '--child') {
  const [, file, caseName, variantName, timeMs, minIterations] = argv;
  const { Bench } = await import('tinybench');
  const mod = await import(pathToFileURL(file).href);
  const c = (mod.default ?? mod.cases).find((x) => x.name === caseName);
  const v = c.variants[variantName];
  const state = v.setup ? await v.setup() : undefined;
  // --cpu: the process's CPU time (all threads: main, libuv pool, BLAS) as the clock; robust on a
  // loaded machine, but it counts a 2-thread BLAS call's two threads twice.
  const cpuClock = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const bench = new Bench({
    ...(process.env.BENCH_CLOCK === 'cpu' ? { now: cpuClock } : {}),
    time: Number(timeMs),
    iterations: Number(minIterations),
    warmupIterations: 1,
    warmupTime: 0,
    throws: true,
  });
  let sink;
  bench.add(variantName, async () => {
    sink = await v.run(state);
  });
  await bench.run();
  const r = bench.tasks[0].result;
  const lat = r.latency;
  const extra = v.info ? await v.info(state, sink) : undefined;
  console.log(
    'BENCH_RESULT ' +
      JSON.stringify({ meanMs: lat.mean, medianMs: lat.p50, minMs: lat.min, sdMs: lat.sd, rme: lat.rme, samples: lat.samples.length, info: extra ?? null }),
  );
  process.exit(0);
}

// ------------------------------------------------------------------------------------------------
// Parent mode.
function option(name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}
const quick = argv.includes('--quick');
const cpu = argv.includes('--cpu');
const filter = new RegExp(option('--filter', '.'));
const outFile = path.resolve(root, option('--out', 'bench/results/latest.json'));

if (!existsSync(path.join(root, 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build:ts` first');
  process.exit(1);
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return r.status === 0 ? r.stdout.trim() : null;
}

// Machine description.
const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const cpuModel = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
const commit = sh('git', ['rev-parse', 'HEAD'], { cwd: root });
const dirty = sh('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root });
const { backendInfo } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const info = backendInfo();

// numpy baseline: python3 with numpy, run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some
// machines for older OpenBLAS builds; they slow a current numpy), recording the kernel it then uses.
function numpyEnv(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
const NUMPY_PROBE = `
import json, glob, os, ctypes, numpy
def corename():
    libs = glob.glob(os.path.join(os.path.dirname(numpy.__file__), '..', 'numpy.libs', '*openblas*.so*'))
    for lib in libs:
        h = ctypes.CDLL(lib)
        for sym in ('scipy_openblas_get_corename64_', 'scipy_openblas_get_corename', 'openblas_get_corename64_', 'openblas_get_corename'):
            f = getattr(h, sym, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return 'unknown'
def config():
    try:
        return numpy.show_config(mode='dicts')['Build Dependencies']['blas'].get('openblas configuration', '')
    except Exception:
        return ''
print(json.dumps({'numpy': numpy.__version__, 'kernel': corename(), 'config': ' '.join(config().split())}))
`;
const numpyProbe = (() => {
  const out = sh('python3', ['-c', NUMPY_PROBE], { env: numpyEnv(1) });
  if (!out) return null;
  try {
    return JSON.parse(out.split('\n').pop());
  } catch {
    return null;
  }
})();

const machine = {
  cpu: cpuModel,
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  node: process.version,
  openblas: info.openblas ? { config: info.openblas.config, coreName: info.openblas.coreName, processors: info.openblas.processors } : null,
  backend: info.backend,
  addonPath: info.addonPath,
  envCoretype: process.env.OPENBLAS_CORETYPE ?? null,
  envL2Size: process.env.OPENBLAS_L2_SIZE ?? null,
  numpy: numpyProbe,
  commit: commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : null,
  date: new Date().toISOString(),
};

console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}`);
console.log(`OpenBLAS (addon): ${machine.openblas ? `${machine.openblas.config} [${machine.openblas.coreName}]` : `none (${info.addonError})`}`);
console.log(`numpy: ${numpyProbe ? `${numpyProbe.numpy}, ${numpyProbe.config} [kernel ${numpyProbe.kernel}]` : 'not available (numpy baselines skipped)'}`);
console.log(`commit: ${machine.commit}${quick ? '   (--quick)' : ''}   clock: ${cpu ? 'process CPU time (--cpu)' : 'wall time'}\n`);

// Cases.
const caseDir = path.join(here, 'cases');
const files = readdirSync(caseDir).filter((f) => f.endsWith('.mjs')).sort();
const results = [];
for (const f of files) {
  const file = path.join(caseDir, f);
  const mod = await import(pathToFileURL(file).href);
  const cases = mod.default ?? mod.cases ?? [];
  for (const c of cases) {
    if (quick && c.quick === false) continue;
    const names = Object.keys(c.variants).filter((v) => filter.test(`${c.name}:${v}`));
    if (names.length === 0) continue;
    const timeMs = quick ? (c.quickTimeMs ?? 300) : (c.timeMs ?? 2000);
    const minIter = quick ? 1 : (c.iterations ?? 5);
    const row = { file: f, name: c.name, group: c.group ?? c.name, reference: c.reference ?? names[0], perRun: c.perRun ?? null, unit: c.unit ?? null, variants: {} };
    console.log(`${c.name}`);
    for (const vName of names) {
      const v = c.variants[vName];
      let res;
      if (v.python) {
        if (!numpyProbe) {
          res = { skipped: 'python3 with numpy not available' };
        } else {
          const script = `
import time, json
import numpy as np
${v.python.setup ?? ''}
def _run():
${(v.python.run ?? 'pass').split('\n').map((l) => '    ' + l).join('\n')}
_run()
_times = []
_clock = ${cpu ? 'time.process_time' : 'time.perf_counter'}
_t_end = time.perf_counter() + ${timeMs / 1000}
while len(_times) < ${minIter} or time.perf_counter() < _t_end:
    _t0 = _clock(); _run(); _times.append((_clock() - _t0) * 1000)
_times.sort()
_n = len(_times)
_mean = sum(_times) / _n
print('BENCH_RESULT ' + json.dumps({'meanMs': _mean, 'medianMs': _times[_n // 2] if _n % 2 else 0.5 * (_times[_n // 2 - 1] + _times[_n // 2]), 'minMs': _times[0], 'samples': _n, 'info': {'threads': ${v.threads ?? 1}, 'kernel': ${JSON.stringify(numpyProbe.kernel)}}}))
`;
          const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', env: numpyEnv(v.threads ?? 1), maxBuffer: 1 << 24 });
          res = parse(r, vName);
        }
      } else {
        const env = { ...process.env, ...(v.env ?? {}), BENCH_CLOCK: cpu ? 'cpu' : 'wall' };
        const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file, c.name, vName, String(timeMs), String(minIter)], {
          encoding: 'utf8',
          env,
          maxBuffer: 1 << 24,
        });
        res = parse(r, vName);
      }
      row.variants[vName] = res;
      const shown = res.skipped ? `skipped (${res.skipped})` : res.error ? `ERROR ${res.error}` : `${fmtMs(res.medianMs)} median, ${fmtMs(res.minMs)} best (${res.samples} runs)`;
      console.log(`  ${vName.padEnd(22)} ${shown}`);
    }
    // Ratios to the reference variant, from this run only.
    const ref = row.variants[row.reference];
    for (const [vName, res] of Object.entries(row.variants)) {
      if (res.medianMs === undefined) continue;
      if (ref && ref.medianMs !== undefined) {
        res.ratio = res.medianMs / ref.medianMs;
        // Best-of ratio too: on a shared, noisy machine the fastest run is the least disturbed one.
        res.minRatio = res.minMs / ref.minMs;
      }
      if (row.perRun) res.ratePerSecond = row.perRun / (res.medianMs / 1000);
    }
    const summary = Object.entries(row.variants)
      .filter(([, r]) => r.ratio !== undefined)
      .map(([n, r]) => `${n} ${r.ratio.toFixed(2)}x (best ${r.minRatio.toFixed(2)}x)${r.ratePerSecond ? ` ${(r.ratePerSecond / 1e6).toFixed(1)} M ${row.unit ?? 'items'}/s` : ''}`)
      .join(', ');
    console.log(`  time / ${row.reference}: ${summary}\n`);
    results.push(row);
  }
}

function parse(r, vName) {
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line) {
    const lines = (r.stderr ?? '').trim().split('\n');
    const first = lines.find((l) => /Error|error:/.test(l)) ?? '';
    const err = `${first} | ${lines.slice(-2).join(' | ')}`.slice(0, 400);
    return { error: err || `${vName} exited with ${r.status}` };
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} us`;
}

mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({ machine, quick, clock: cpu ? 'cpu' : 'wall', results }, null, 2) + '\n');
const md = [
  `Benchmarks: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, OpenBLAS ${machine.openblas?.config ?? 'n/a'}`,
  `numpy: ${numpyProbe ? `${numpyProbe.numpy} (${numpyProbe.config}, kernel ${numpyProbe.kernel}, OPENBLAS_CORETYPE/L2_SIZE unset)` : 'n/a'}; commit ${machine.commit}; ${machine.date}${quick ? ' (--quick)' : ''}; clock: ${cpu ? 'process CPU time' : 'wall time'}`,
  '',
  '| case | variant | median | best | runs | median / reference | best / reference | rate (median) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const row of results) {
  for (const [vName, r] of Object.entries(row.variants)) {
    const med = r.medianMs !== undefined ? fmtMs(r.medianMs) : r.skipped ? 'skipped' : 'error';
    const best = r.minMs !== undefined ? fmtMs(r.minMs) : '';
    const ratio = r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '';
    const minRatio = r.minRatio !== undefined ? `${r.minRatio.toFixed(2)}x` : '';
    const rate = r.ratePerSecond ? `${(r.ratePerSecond / 1e6).toFixed(1)} M ${row.unit ?? 'items'}/s` : '';
    md.push(`| ${row.name} | ${vName} | ${med} | ${best} | ${r.samples ?? ''} | ${ratio} | ${minRatio} | ${rate} |`);
  }
}
writeFileSync(outFile.replace(/\.json$/, '.md'), md.join('\n') + '\n');
console.log(`results: ${path.relative(root, outFile)} and ${path.relative(root, outFile.replace(/\.json$/, '.md'))}`);
