#!/usr/bin/env node
// Builds the native addon with cmake-js against the installed Node's Node-API headers (the
// node-api-headers npm package, selected by package.json "binary.napi_versions"), so the build
// downloads nothing. Without --required (the npm "install" hook), a missing toolchain or library is
// not fatal: one line says what to install and the library runs on its pure-JS backend.
//
// Env: DYNAMICAL_ISOMETRY_BUILD_DIR (default "build") lets parallel builds use separate folders;
//      DYNAMICAL_ISOMETRY_SKIP_NATIVE=1 skips the build; DI_SANITIZE=1 builds with ASan + UBSan.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const required = process.argv.includes('--required');
const verbose = required || process.argv.includes('--verbose') || process.env.CI === 'true';
const buildDir = process.env.DYNAMICAL_ISOMETRY_BUILD_DIR || 'build';
const APT_HINT = 'apt-get install -y cmake g++ libopenblas-dev liblapacke-dev';

function giveUp(reason) {
  const line = `dynamical-isometry: native backend not built (${reason}); the pure-JS backend will be used. ` +
    `To enable it: ${APT_HINT} && npm rebuild dynamical-isometry`;
  if (required) {
    console.error(line);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

if (process.env.DYNAMICAL_ISOMETRY_SKIP_NATIVE === '1' && !required) giveUp('DYNAMICAL_ISOMETRY_SKIP_NATIVE=1');

for (const [tool, args] of [['cmake', ['--version']], [process.env.CXX || 'c++', ['--version']]]) {
  const r = spawnSync(tool, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) giveUp(`${tool} not found`);
}

let cmakeJs;
try {
  cmakeJs = createRequire(path.join(root, 'package.json')).resolve('cmake-js/bin/cmake-js');
} catch {
  giveUp('the cmake-js package is not installed');
}

const args = [cmakeJs, 'compile', '--out', buildDir, '--config', 'Release'];
if (process.env.DI_SANITIZE === '1') args.push('--CDDI_SANITIZE=ON', '--debug');
const r = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (r.status !== 0) {
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const missing = /Install it: (apt-get install -y [\w.-]+)/.exec(out);
  if (!verbose && out.trim()) console.error(out.split('\n').filter((l) => /error|Error|not found/.test(l)).slice(0, 10).join('\n'));
  giveUp(missing ? `missing library; ${missing[1]}` : 'the CMake build failed');
}
const addon = path.join(root, buildDir, 'Release', 'dynamical_isometry.node');
if (!existsSync(addon)) giveUp(`the build finished but ${addon} is missing`);
if (verbose) console.log(`dynamical-isometry: native addon built at ${path.relative(root, addon)}`);
