#!/usr/bin/env node
// Leak check: N calls (default 10,000) of every native entry point at small sizes, through the
// public API of the built library (dist/) where one reaches it and through the internal module that
// calls it otherwise, with RSS and external (ArrayBuffer) memory measured after a warm-up and after
// the calls, each time after a full GC. Prints one line per entry point and a JSON summary (--json).
// "Every native entry point" is the addon's own export list (Object.keys of the loaded addon): each
// export is wrapped in a call counter, each case records which exports it actually reached, and the
// run fails when an export was reached by no case, so a new export cannot go unchecked.
// Run with --expose-gc:
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
const dist = (file) => import(pathToFileURL(path.join(root, 'dist', ...file.split('/'))).href);
const di = await dist('index.js');
const { loadAddon } = await dist('backend/addon.js');
const { HAAR_BLOCK_SIZE } = await dist('empirical/native.js');
const { prepareRun } = await dist('train/trainer.js');

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

// Count the calls of every exported function; lib/ looks the functions up on this same object at
// each call (nativeAddon().name(...)), so the counts see every call the cases make.
const addon = loadAddon().addon;
const addonExports = Object.keys(addon).filter((k) => typeof addon[k] === 'function');
const counts = Object.fromEntries(addonExports.map((k) => [k, 0]));
for (const k of addonExports) {
  const original = addon[k];
  addon[k] = function counted(...args) {
    counts[k]++;
    return original.apply(this, args);
  };
}

const m4 = { rows: 4, cols: 4, data: Float64Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)) };
const xs = Float64Array.from({ length: 64 }, (_, i) => (i - 32) / 8);
const tiny = { inputs: Float64Array.from({ length: 8 * 6 }, (_, i) => Math.cos(i)), labels: Int32Array.from({ length: 8 }, (_, i) => i % 2), inputSize: 6, classes: 2 };
const dataset = di.splitDataset(tiny, { testFraction: 0.25 });
const ortho = { activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 };
const gauss = { ...ortho, weights: 'gaussian' };
const HAAR_N = 8;
const identity = (n) => {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
};
// The training engine's loss and gradient on one batch (what test/train/gradient.test.ts checks).
const { run: trainRun } = prepareRun({ activation: 'tanh', weights: 'orthogonal', depth: 2, qStar: 0.5 }, { dataset, width: 4, batchSize: 2, seed: 1 });
if (trainRun.engine.backend !== 'native') throw new Error('internal: prepareRun chose the JS training engine with the native addon active');
const batchInputs = trainRun.problem.trainInputs.slice(0, 2 * tiny.inputSize);
const batchLabels = trainRun.problem.trainLabels.slice(0, 2);

/**
 * Case -> one call at a small size (the addon exports it reaches are counted, not declared). The
 * internal ones have no public caller: the Haar factors and the stand-alone Haar apply serve the
 * native/JS bit-identity tests, the loss and gradient the finite-difference test; outputs are
 * allocated per call, as the public API does.
 */
const entries = [
  ['evaluateActivation', () => di.evaluateActivation('tanh', xs)],
  ['standardNormal', () => di.standardNormal(64, { seed: 1 })],
  ['gaussianMatrix', () => di.gaussianMatrix(8, 8, { seed: 1 })],
  ['haarOrthogonal', () => di.haarOrthogonal(8, { seed: 1 })],
  ['singularValues', () => di.singularValues(m4)],
  ['svd', () => di.svd(m4)],
  ['matmul', () => di.matmul(m4, m4)],
  // 64 points: the smallest grid that lib/free/backend.ts sends to the async worker (freeSolveGrid);
  // quantile() then solves synchronously (freeSolveGridSync)
  ['spectralDensity (async grid solve, CDF, sync quantile)', async () => (await di.spectralDensity(ortho, { points: 64, cdf: true })).quantile(0.5), true],
  ['sampleJacobianSpectrum gaussian', () => di.sampleJacobianSpectrum(gauss, { width: 8, seed: 1 })],
  ['sampleJacobianSpectrum orthogonal (Haar reflectors)', () => di.sampleJacobianSpectrum(ortho, { width: 8, seed: 1 })],
  ['train', () => di.train({ activation: 'tanh', weights: 'gaussian', depth: 2, qStar: 0.5 }, { dataset, width: 4, batchSize: 2, steps: 2, evalEvery: 1 }), true],
  ['backendInfo/configure', () => di.configure({ threads: 1 })],
  ['internal: Haar factors (v, tau, sign)', () => addon.empiricalHaarFactors(HAAR_N, 1n, 0n, new Float64Array(HAAR_N * HAAR_N), new Float64Array(HAAR_N), new Float64Array(HAAR_N))],
  ['internal: Haar apply, compact-WY blocks', () => addon.empiricalHaarApply(HAAR_N, 1n, 0n, identity(HAAR_N), HAAR_N, HAAR_BLOCK_SIZE, false)],
  ['internal: Haar apply, LAPACK dormqr', () => addon.empiricalHaarApply(HAAR_N, 1n, 0n, identity(HAAR_N), HAAR_N, HAAR_BLOCK_SIZE, true)],
  ['internal: training loss and gradient', () => trainRun.engine.lossAndGradient(trainRun.problem, trainRun.state.params, batchInputs, batchLabels, new Float64Array(trainRun.problem.layout.parameterCount))],
];

function measure() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external };
}

const results = [];
for (const [name, fn, slow] of entries) {
  const countsBefore = { ...counts };
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
  const exercises = addonExports.filter((k) => counts[k] > countsBefore[k]);
  const r = { name, exercises, calls: CALLS, rssDelta: after.rss - before.rss, rssDelta2: after.rss - mid.rss, externalDelta: after.external - before.external, ms: Math.round(ms) };
  // --no-bounds: under AddressSanitizer freed memory sits in its quarantine, so RSS is not a leak signal
  r.ok = argv.includes('--no-bounds') || (Math.abs(r.externalDelta) <= EXTERNAL_BOUND && r.rssDelta2 <= RSS_BOUND);
  results.push(r);
  if (!JSON_OUT) {
    console.log(`${r.ok ? 'ok  ' : 'LEAK'} ${`${name} [${exercises.join(', ')}]`.padEnd(100)} ${r.calls} calls  RSS ${(r.rssDelta / 1024).toFixed(0).padStart(7)} KiB (2nd half ${(r.rssDelta2 / 1024).toFixed(0).padStart(6)} KiB)  external ${(r.externalDelta / 1024).toFixed(1).padStart(8)} KiB  ${r.ms} ms`);
  }
}
// Every export must have been reached by some case (blasInfo included: backendInfo calls it).
const unexercised = addonExports.filter((k) => !results.some((r) => r.exercises.includes(k)));
const summary = { calls: CALLS_ALL, entryPoints: results.length, addonExports, unexercised, totalCalls: results.reduce((s, r) => s + r.calls, 0), maxRssDelta: Math.max(...results.map((r) => r.rssDelta)), maxRssDelta2: Math.max(...results.map((r) => r.rssDelta2)), maxExternalDelta: Math.max(...results.map((r) => Math.abs(r.externalDelta))), bounds: { rss: RSS_BOUND, external: EXTERNAL_BOUND }, ok: results.every((r) => r.ok) && unexercised.length === 0, results };
if (JSON_OUT) console.log(JSON.stringify(summary));
else {
  if (unexercised.length) console.log(`UNCHECKED: no case calls the addon export(s) ${unexercised.join(', ')}; add one to the entries above`);
  const verdict = !results.every((r) => r.ok) ? 'LEAK' : unexercised.length ? 'INCOMPLETE' : 'no leak';
  console.log(`${verdict}: ${summary.totalCalls} calls over ${results.length} cases covering ${addonExports.length - unexercised.length} of ${addonExports.length} addon exports; max RSS delta ${(summary.maxRssDelta / 1024).toFixed(0)} KiB (second half ${(summary.maxRssDelta2 / 1024).toFixed(0)} KiB), max |external delta| ${(summary.maxExternalDelta / 1024).toFixed(1)} KiB`);
}
process.exit(summary.ok ? 0 : 1);
