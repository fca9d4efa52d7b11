#!/usr/bin/env node
// The numerical constants of the free-probability solver, which has two twins: lib/free/solver-js.ts
// and native/core/free_solver.cc. This table is their one source: it writes
// lib/free/solver-constants.ts and native/core/free_solver_constants.h with the SAME literals (the
// shortest decimal that round-trips to the double, which a C++17 compiler parses to the same
// double), so the twins cannot drift apart by a hand edit. Run from the repository root:
//     node scripts/gen-free-solver-constants.mjs          (writes both files)
//     node scripts/gen-free-solver-constants.mjs --check  (exit 1 if either differs; run by
//                                                          test/free/solver-constants.test.ts)
// Each entry: name (TypeScript; C++ gets kCamelCase), value, int (an iteration count: C++ int),
// and a one-line why.
import { readFileSync, writeFileSync } from 'node:fs';

export const CONSTANTS = [
  // Newton on log z(w) = log lambda + i theta
  { name: 'MAX_NEWTON', value: 60, int: true, why: 'default iteration cap of a Newton solve (quadratic convergence needs far fewer; 60 also covers slow starts)' },
  { name: 'NEWTON_MAX_BACKTRACKS', value: 40, int: true, why: 'step halvings per Newton iteration before giving up (2^-40 of a step is below rounding of w)' },
  { name: 'NEWTON_MAX_STEP_SHARE', value: 0.5, why: 'a Newton step moves w by at most this share of |w| (keeps w off the branch cut at 0)' },
  { name: 'NEWTON_STALL_RTOL', value: 2e-16, why: 'a step below this times |w| (about one ulp) cannot improve w: stop' },
  { name: 'NEWTON_QUADRATIC_RATIO', value: 1e-3, why: 'a full step that cut the residual by this factor shows quadratic convergence...' },
  { name: 'NEWTON_QUADRATIC_STEP_RTOL', value: 1e-8, why: '...and with a step below this times |w| the error left is ~1e-16 |w|: stop' },
  // residual tolerances
  { name: 'FLOOR_EPS', value: 4e-16, why: 'rounding floor of log z per term of the L-fold sum (about 2 ulp of 1)' },
  { name: 'FLOOR_LOG_W_OFFSET', value: 4, why: 'the floor is FLOOR_EPS (L (FLOOR_LOG_W_OFFSET + |log |w||) + |L log s2| + |log lambda| + FLOOR_OFFSET): rounding terms per layer...' },
  { name: 'FLOOR_OFFSET', value: 8, why: '...and rounding terms independent of L' },
  { name: 'ACCEPT_TOL_MIN', value: 1e-11, why: 'a residual at or below this is always accepted (far above the floor for moderate L)' },
  { name: 'ACCEPT_FLOORS', value: 256, why: 'otherwise a residual up to this many rounding floors is accepted (deep networks)' },
  { name: 'POLISH_ABOVE_FLOOR', value: 16, why: 'an accepted residual above this many floors is polished by one more Newton solve' },
  { name: 'POLISH_MAX_MOVE_RTOL', value: 1e-6, why: 'a polish may move w by at most this times |w| (more would be another root)' },
  // evaluation of m(w)
  { name: 'SCALED_W_MIN', value: 1e-140, why: 'below this |Re w| + |Im w| the terms 1/(w - d) use Smith\'s algorithm (|w - d|^2 would underflow)' },
  { name: 'SCALED_W_MAX', value: 1e140, why: 'above it likewise (|w - d|^2 would overflow)' },
  { name: 'ONE_PLUS_M_FROM_G_ABOVE', value: 0.5, why: 'above this |Re m| + |Im m| 1 + m is formed as p0 + w g, without the cancellation of 1 + m' },
  // branch checks
  { name: 'PHYSICAL_IM_M_RTOL', value: 1e-13, why: 'Im m up to this times |m| is rounding: the root is still on the physical branch (Im m <= 0)' },
  { name: 'UPPER_HALF_PLANE_RTOL', value: 1e-14, why: 'Im w down to minus this times |w| is rounding: w is still in the closed upper half-plane' },
  { name: 'RULE_END_SHARE', value: 1e-3, why: 'the largest share of 1 + m the rule\'s truncated ends may carry in a resolved solution (theory §3.8)' },
  // the real negative root (theta = pi), in s = log(-w)
  { name: 'NEG_AXIS_START_BOUND', value: 300, why: 'the initial guess of s is clamped to [-300, 300] (|w| between 5e-131 and 2e130)' },
  { name: 'NEG_AXIS_LOG_MIN', value: -740, why: 'the bracket search stops at s = -740 (|w| ~ 4e-322, near the smallest subnormal)' },
  { name: 'NEG_AXIS_LOG_MAX', value: 600, why: '...and at s = 600 (|w| ~ 4e260, still a finite double)' },
  { name: 'NEG_AXIS_BRACKET_STEP_MAX', value: 8, why: 'the bracket step in s doubles from 1 up to this' },
  { name: 'NEG_AXIS_MAX_ITER', value: 200, int: true, why: 'iteration cap of the safeguarded Newton/bisection in s (bisection alone needs ~60)' },
  { name: 'NEG_AXIS_RTOL', value: 1e-15, why: 'the root in s is converged when the step or the bracket is below this times max(1, |s|)' },
  // continuation in theta from pi to 0
  { name: 'THETA_FIRST_STEP', value: Math.PI / 8, why: 'the first theta step (pi / 8)' },
  { name: 'THETA_MAX_STEP', value: Math.PI / 4, why: 'theta steps double after a success up to pi / 4' },
  { name: 'THETA_MIN_STEP', value: 1e-13, why: 'a theta step below this means the continuation is stuck: give up (a last Newton solve follows)' },
  { name: 'THETA_STEP_SHRINK', value: 0.25, why: 'a rejected theta step is multiplied by this' },
  { name: 'THETA_MAX_STEPS', value: 10000, int: true, why: 'guard on the number of theta steps of one point' },
  { name: 'THETA_NEWTON_MAX_ITER', value: 16, int: true, why: 'Newton iterations of a theta-step corrector (a good tangent predictor needs a few)' },
  { name: 'EDGE_WANDER_RTOL', value: 1e-6, why: 'on the last theta step (theta = 0) the corrector may wander this times |w| beyond the predictor bound (square-root singularity at an edge)' },
  // predictor checks shared by the theta continuation and the warm start
  { name: 'PREDICTOR_WANDER_SHARE', value: 0.5, why: 'a corrector that moves w more than this share of the predicted step jumped to another root...' },
  { name: 'PREDICTOR_WANDER_RTOL', value: 1e-12, why: '...plus this times |w| (rounding of a tiny predicted step)' },
  // warm starts and the march along the real axis
  { name: 'WARM_NEWTON_MAX_ITER', value: 24, int: true, why: 'Newton iterations of a warm-started solve' },
  { name: 'MARCH_MAX_SUBSTEPS', value: 400, int: true, why: 'guard on the sub-steps of one march between grid points' },
  { name: 'MARCH_MAX_MOVE_SHARE', value: 0.1, why: 'a march sub-step may move w by this share of |w|...' },
  { name: 'MARCH_MAX_MOVE_IM_SHARE', value: 0.25, why: '...plus this share of Im w (the physical root is 2 Im w from its conjugate)' },
  { name: 'MARCH_STEP_SHRINK', value: 4, why: 'a rejected march sub-step is divided by this' },
  { name: 'MARCH_MIN_STEP_RTOL', value: 1e-12, why: 'a march sub-step below this times max(1, |log lambda|) gives up (the theta continuation follows)' },
  // the CDF next to a real pole
  { name: 'REAL_W_RTOL', value: 1e-13, why: 'Im w at or below this times (L + 1) |w| is rounding of a real w (nearRealPole)' },
  { name: 'POLE_RTOL', value: 1e-6, why: 'a real node within this (relative) of Re w makes a rounding-size Im w matter (nearRealPole)' },
];

const cppName = (name) => 'k' + name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

function literal(c) {
  if (!Number.isFinite(c.value)) throw new Error(`${c.name}: not finite`);
  if (c.int && !Number.isInteger(c.value)) throw new Error(`${c.name}: not an integer`);
  const s = String(c.value);
  if (Number(s) !== c.value) throw new Error(`${c.name}: ${s} does not round-trip`);
  return s;
}

const HEAD = 'Generated by scripts/gen-free-solver-constants.mjs from its table; do not edit by hand';

export function renderTs() {
  const body = CONSTANTS.map((c) => `/** ${c.why} */\nexport const ${c.name} = ${literal(c)};`).join('\n');
  return `/**
 * The numerical constants of the free-probability solver, shared by its twins lib/free/solver-js.ts
 * and native/core/free_solver.cc (native/core/free_solver_constants.h holds the same literals).
 * ${HEAD}
 * (test/free/solver-constants.test.ts regenerates and compares).
 * @module
 * @internal
 */

${body}
`;
}

export function renderHeader() {
  const body = CONSTANTS.map((c) => `// ${c.why}\nconstexpr ${c.int ? 'int' : 'double'} ${cppName(c.name)} = ${literal(c)};`).join('\n');
  return `// The numerical constants of the free-probability solver, shared by its twins
// native/core/free_solver.cc and lib/free/solver-js.ts (lib/free/solver-constants.ts holds the same
// literals, each the shortest decimal that round-trips to its double).
// ${HEAD}
// (test/free/solver-constants.test.ts regenerates and compares).
#pragma once

namespace di {
namespace free_solver_constants {

${body}

}  // namespace free_solver_constants
}  // namespace di
`;
}

export const OUTPUTS = [
  { path: 'lib/free/solver-constants.ts', render: renderTs },
  { path: 'native/core/free_solver_constants.h', render: renderHeader },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const o of OUTPUTS) {
    const text = o.render();
    if (!check) {
      writeFileSync(o.path, text);
      continue;
    }
    let current = null;
    try {
      current = readFileSync(o.path, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      stale++;
      console.error(`${o.path} differs from scripts/gen-free-solver-constants.mjs: run node scripts/gen-free-solver-constants.mjs`);
    }
  }
  process.exit(stale ? 1 : 0);
}
