#!/usr/bin/env node
// Leak check: N calls (default 10,000) of every native entry point at small sizes, through the
// public API of the built library (dist/), with RSS and external (ArrayBuffer) memory measured
// after a warm-up and after the calls, each time after a full GC. Prints one line per entry point
// and a JSON summary (--json). Run with --expose-gc:
//   DYNAMICAL_ISOMETRY_BUILD_DIR=build-h7 node --expose-gc scripts/reliability/leaks.mjs [--calls 10000] [--json]
// Bound: a leak of even one 8-byte double per call would show as >= 80 KB of external memory per
// 10,000 calls; the outputs here are 16-256 doubles, so a leaked output buffer would add >= 1.2 MiB.
// We require |delta external| <= 1 MiB per entry point, and RSS growth <= 16 MiB over the second half
// of the calls (a leak grows linearly; the allocator's and V8's high-water marks rise once and stay:
// spectralDensity's RSS rises ~70 MiB over its first ~6,000 calls, V8 heapTotal 9 -> 39 MiB with
// heapUsed flat at 5 MiB, then stays within +-4 MiB up to 20,000 calls).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const di = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const argv = process.argv.slice(2);
const callsArg = argv.indexOf('--calls');
const CALLS_ALL = callsArg >= 0 ? Number(argv[callsArg + 1]) : 10_000;
const JSON_OUT = argv.includes('--json');
// --quick (the unit-test variant): the two slow entry points (a density solve, a training run) get a
// fifth of the calls, and external memory must stay within 64 KiB: a leaked output buffer (>= 128
// bytes per call) would exceed it after 1000 calls.
const QUICK = argv.includes('--quick');
const EXTERNAL_BOUND = QUICK ? 64 * 1024 : 1024 * 1024;
const RSS_BOUND = 16 * 1024 * 1024;

if (di.backendInfo().backend !== 'native') {
  console.error(`the native addon is not active (${di.backendInfo().addonError}); nothing to check`);
  process.exit(2);
}

const m4 = { rows: 4, cols: 4, data: Float64Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)) };
const xs = Float64Array.from({ length: 64 }, (_, i) => (i - 32) / 8);
const tiny = { inputs: Float64Array.from({ length: 8 * 6 }, (_, i) => Math.cos(i)), labels: Int32Array.from({ length: 8 }, (_, i) => i % 2), inputSize: 6, classes: 2 };
const dataset = di.splitDataset(tiny, { testFraction: 0.25 });
const ortho = { activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 };
const gauss = { ...ortho, weights: 'gaussian' };

/** Entry point -> one call at a small size (the native function each exercises in brackets). */
const entries = [
  ['evaluateActivation [evaluateActivation]', () => di.evaluateActivation('tanh', xs)],
  ['standardNormal [rngFill]', () => di.standardNormal(64, { seed: 1 })],
  ['gaussianMatrix [gaussianFill]', () => di.gaussianMatrix(8, 8, { seed: 1 })],
  ['haarOrthogonal [haarOrthogonal]', () => di.haarOrthogonal(8, { seed: 1 })],
  ['singularValues [singularValues]', () => di.singularValues(m4)],
  ['svd [svd]', () => di.svd(m4)],
  ['matmul [matmul]', () => di.matmul(m4, m4)],
  ['spectralDensity [freeSolveGrid, freeSolveGridSync]', async () => (await di.spectralDensity(ortho, { points: 16, cdf: true })).quantile(0.5), true],
  ['sampleJacobianSpectrum gaussian [empiricalSampleJacobian]', () => di.sampleJacobianSpectrum(gauss, { width: 8, seed: 1 })],
  ['sampleJacobianSpectrum orthogonal [empiricalSampleJacobian, Haar reflectors]', () => di.sampleJacobianSpectrum(ortho, { width: 8, seed: 1 })],
  ['train [trainSteps, trainEvaluate]', () => di.train({ activation: 'tanh', weights: 'gaussian', depth: 2, qStar: 0.5 }, { dataset, width: 4, batchSize: 2, steps: 2, evalEvery: 1 }), true],
  ['backendInfo/configure [blasInfo, setBlasThreads]', () => di.configure({ threads: 1 })],
];

function measure() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external };
}

const results = [];
for (const [name, fn, slow] of entries) {
  const CALLS = QUICK && slow ? Math.ceil(CALLS_ALL / 5) : CALLS_ALL;
  const warm = Math.min(1000, Math.ceil(CALLS / 10));
  for (let i = 0; i < warm; i++) await fn();
  const before = measure();
  const t0 = performance.now();
  for (let i = 0; i < CALLS / 2; i++) await fn();
  const mid = measure();
  for (let i = Math.ceil(CALLS / 2); i < CALLS; i++) await fn();
  const ms = performance.now() - t0;
  const after = measure();
  // A leak grows linearly with the calls; an allocator or V8 heap high-water mark rises and then
  // stays. The RSS bound therefore applies to the second half (rssDelta2); rssDelta is the total.
  const r = { name, calls: CALLS, rssDelta: after.rss - before.rss, rssDelta2: after.rss - mid.rss, externalDelta: after.external - before.external, ms: Math.round(ms) };
  // --no-bounds: under AddressSanitizer freed memory sits in its quarantine, so RSS is not a leak signal
  r.ok = argv.includes('--no-bounds') || (Math.abs(r.externalDelta) <= EXTERNAL_BOUND && r.rssDelta2 <= RSS_BOUND);
  results.push(r);
  if (!JSON_OUT) {
    console.log(`${r.ok ? 'ok  ' : 'LEAK'} ${name.padEnd(78)} ${r.calls} calls  RSS ${(r.rssDelta / 1024).toFixed(0).padStart(7)} KiB (2nd half ${(r.rssDelta2 / 1024).toFixed(0).padStart(6)} KiB)  external ${(r.externalDelta / 1024).toFixed(1).padStart(8)} KiB  ${r.ms} ms`);
  }
}
const summary = { calls: CALLS_ALL, entryPoints: results.length, totalCalls: results.reduce((s, r) => s + r.calls, 0), maxRssDelta: Math.max(...results.map((r) => r.rssDelta)), maxRssDelta2: Math.max(...results.map((r) => r.rssDelta2)), maxExternalDelta: Math.max(...results.map((r) => Math.abs(r.externalDelta))), bounds: { rss: RSS_BOUND, external: EXTERNAL_BOUND }, ok: results.every((r) => r.ok), results };
if (JSON_OUT) console.log(JSON.stringify(summary));
else console.log(`${summary.ok ? 'no leak' : 'LEAK'}: ${summary.totalCalls} calls over ${results.length} entry points; max RSS delta ${(summary.maxRssDelta / 1024).toFixed(0)} KiB (second half ${(summary.maxRssDelta2 / 1024).toFixed(0)} KiB), max |external delta| ${(summary.maxExternalDelta / 1024).toFixed(1)} KiB`);
process.exit(summary.ok ? 0 : 1);
