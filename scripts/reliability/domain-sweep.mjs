#!/usr/bin/env node
// The full domain sweep of spectralDensity (issue 11, item 3): runs test/reliability/domain-sweep.test.ts
// with DI_SWEEP=full in parallel shards, each a vitest process, and
//   - survives hangs and crashes: a watchdog kills a shard whose current case has run longer than the
//     case bound (or that died), records that case as a hang (or crash) and restarts the shard after it;
//   - writes the figures (cases checked, valid laws, typed refusals by code, invalid laws, untyped
//     errors, hangs, crashes) as JSON lines { name, value } to DI_RELIABILITY_FIGURES when it is set
//     (the format scripts/reliability/report.mjs collects);
//   - writes a report listing every violation grouped by check and cause (--report, default
//     domain-sweep-report.txt in the working directory), and prints the summary.
// Usage (from the package root; vitest compiles lib/*.ts directly, no build needed):
//   node scripts/reliability/domain-sweep.mjs [--shards 2] [--report FILE] [--filter SUBSTRING]
//        [--case-timeout-s 180] [--call-bound-ms 20000] [--json FILE] [--fast]
// --fast runs the fast slice (the cases of `npm test`) the same way, surviving its crashes.
// Exit code: 0 when every case passed (a valid law or a typed refusal), 1 otherwise.
import { execSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const shards = Number(opt('shards', Math.max(1, Math.min(2, os.cpus().length))));
const reportFile = path.resolve(opt('report', 'domain-sweep-report.txt'));
const jsonFile = opt('json', null);
const filter = opt('filter', '');
const fast = argv.includes('--fast');
const grid = fast ? 'fast slice' : 'full';
const callBoundMs = Number(opt('call-bound-ms', 20_000));
// a case makes a few dozen bounded calls; the test's own timeout is 6 call bounds + 30 s
const caseTimeoutMs = Number(opt('case-timeout-s', (6 * callBoundMs + 60_000) / 1000)) * 1000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'di-domain-sweep-'));
const t0 = Date.now();
// the library under test is the working tree when the shards start (vitest compiles lib/*.ts then)
let commit = '';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  const dirty = execSync('git status --porcelain -- lib native', { cwd: root }).toString().trim();
  if (dirty) commit += ` + uncommitted changes in ${dirty.split('\n').length} file(s) of lib/ and native/`;
} catch {
  /* not a checkout */
}


function readLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null; // a line cut by a kill
      }
    })
    .filter(Boolean);
}

/** Runs one shard to completion, restarting it after a hung or crashed case. Resolves to its outcomes by index. */
async function runShard(shard) {
  const outcomes = new Map(); // index -> outcome
  const started = new Map(); // index -> id
  const skip = new Set();
  for (let attempt = 0; ; attempt++) {
    const log = path.join(tmp, `shard-${shard}-${attempt}.jsonl`);
    const out = path.join(tmp, `shard-${shard}-${attempt}.out`);
    const env = { ...process.env, DI_SWEEP: fast ? 'fast' : 'full', DI_SWEEP_SHARD: `${shard}/${shards}`, DI_SWEEP_LOG: log, DI_SWEEP_SKIP: [...skip, ...outcomes.keys()].join(','), DI_SWEEP_CALL_BOUND_MS: String(callBoundMs) };
    if (filter) env.DI_SWEEP_FILTER = filter;
    delete env.DI_RELIABILITY_FIGURES; // the script records the figures (it also counts what it killed)
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/reliability/domain-sweep.test.ts'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => appendFileSync(out, d));
    child.stderr.on('data', (d) => appendFileSync(out, d));
    let exited = false;
    const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    exit.then(() => (exited = true));
    let killedFor = null;
    let current = null; // { index, id, since }
    let seen = 0;
    while (!exited) {
      await new Promise((r) => setTimeout(r, 1000));
      const events = readLog(log);
      for (const e of events.slice(seen)) {
        if (e.event === 'start') {
          // a start while another case is open: vitest timed that case out (an async hang)
          if (current && !outcomes.has(current.index)) outcomes.set(current.index, synthetic(current, 'hang', `no result within the test timeout (${Math.round(caseTimeoutMs / 1000)} s); vitest moved on`));
          current = { index: e.index, id: e.id, since: Date.now() };
          started.set(e.index, e.id);
        } else if (e.event === 'end') {
          outcomes.set(e.index, e.outcome);
          if (current && current.index === e.index) current = null;
        }
      }
      seen = events.length;
      if (current && Date.now() - current.since > caseTimeoutMs) {
        killedFor = current;
        try {
          process.kill(-child.pid, 'SIGKILL'); // the shard's process group (vitest and its fork)
        } catch {
          /* already gone */
        }
        break;
      }
    }
    const { code, signal } = await exit;
    for (const e of readLog(log).slice(seen)) if (e.event === 'end') outcomes.set(e.index, e.outcome);
    if (killedFor) {
      outcomes.set(killedFor.index, synthetic(killedFor, 'hang', `killed after ${Math.round(caseTimeoutMs / 1000)} s without a result (a synchronous call that never returned)`));
      skip.add(killedFor.index);
      continue;
    }
    const open = [...started.keys()].filter((i) => !outcomes.has(i));
    if (open.length > 0 && (signal || code !== 0)) {
      // the process died inside a case (a native crash, an out-of-memory kill)
      const i = open[open.length - 1];
      outcomes.set(i, synthetic({ index: i, id: started.get(i) }, 'crash', `the test process died (exit ${code}, signal ${signal}) while this case ran; see ${out}`));
      skip.add(i);
      continue;
    }
    for (const i of open) outcomes.set(i, synthetic({ index: i, id: started.get(i) }, 'hang', 'no result'));
    return outcomes;
  }
}

function synthetic(c, verdict, message) {
  return { id: c.id, spec: specOf(c.id), backend: / \[js\]$/.test(c.id) ? 'js' : 'default', verdict, violations: [{ check: verdict, message }], notes: [], ms: NaN };
}

/** The spec back from a case id (for hung cases, whose outcome was never written). */
function specOf(id) {
  const [activation, weights, L, point] = id.replace(/ \[js\]$/, '').split('/');
  const spec = { activation, weights, depth: Number(L.slice(2)) };
  if (point.startsWith('q*=')) spec.qStar = Number(point.slice(3));
  else {
    const [sw, sb] = point.split(',');
    spec.weightStd = Number(sw.slice(3));
    spec.biasStd = Number(sb.slice(3));
  }
  return spec;
}

// ---- run -----------------------------------------------------------------------------------------
console.log(`domain sweep: ${fast ? 'fast slice' : 'full grid'} of ${commit || 'this tree'}, ${shards} shard(s), case timeout ${Math.round(caseTimeoutMs / 1000)} s, call bound ${callBoundMs / 1000} s${filter ? `, filter "${filter}"` : ''}`);
const results = await Promise.all(Array.from({ length: shards }, (_, s) => runShard(s)));
const all = results.flatMap((m) => [...m.entries()]).sort((a, b) => a[0] - b[0]).map(([, o]) => o);
const seconds = Math.round((Date.now() - t0) / 1000);

// ---- figures -------------------------------------------------------------------------------------
const count = (v) => all.filter((o) => o.verdict === v).length;
const codes = new Map();
for (const o of all) if (o.verdict === 'refused') codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
const refusals = [...codes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || '0';
const figures = [
  ['cases checked', all.length],
  ['valid laws', count('valid')],
  ['typed refusals', `${count('refused')} (${refusals})`],
  ['invalid laws', count('violation')],
  ['untyped errors', count('untyped')],
  ['hangs', count('hang')],
  ['crashes', count('crash')],
  ['runtime', `${seconds} s on ${shards} shard(s)`],
];
const figFile = process.env.DI_RELIABILITY_FIGURES;
for (const [name, value] of figures) {
  console.log(`  ${name}: ${value}`);
  if (figFile) appendFileSync(figFile, `${JSON.stringify({ name: `domain sweep (${grid}): ${name}`, value })}\n`);
}
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(all, null, 1));

// ---- report --------------------------------------------------------------------------------------
const lines = [];
const say = (s = '') => lines.push(s);
/** A message with its numbers blanked: messages of one cause share it. */
const template = (m) =>
  m
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#')
    .replace(/\[#(, #)*\]/g, '[#]')
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 160);
say(`# Domain sweep of spectralDensity: ${grid === 'full' ? 'full grid' : 'fast slice'} (${new Date().toISOString()})`);
say(`commit ${commit || 'unknown'}; node ${process.version}; ${os.cpus().length} cores; ${shards} shard(s); ${seconds} s`);
say(`call bound ${callBoundMs / 1000} s per library call; case timeout ${Math.round(caseTimeoutMs / 1000)} s`);
say();
say('## Figures');
for (const [name, value] of figures) say(`- ${name}: ${value}`);
const failing = all.filter((o) => !['valid', 'refused'].includes(o.verdict));
say(`- failing cases: ${failing.length} (each may violate several checks)`);
say();
say('## Violations by check and cause');
say('(cause = the message with its numbers blanked; every case is listed with its values)');
const byCheck = new Map();
for (const o of failing) for (const v of o.violations) {
  if (!byCheck.has(v.check)) byCheck.set(v.check, new Map());
  const t = template(v.message);
  const g = byCheck.get(v.check);
  if (!g.has(t)) g.set(t, []);
  g.get(t).push({ o, v });
}
const checks = [...byCheck].sort((a, b) => new Set([...b[1].values()].flat().map((x) => x.o.id)).size - new Set([...a[1].values()].flat().map((x) => x.o.id)).size);
for (const [check, groups] of checks) {
  const ids = new Set([...groups.values()].flat().map((x) => x.o.id));
  say();
  say(`### ${check}: ${ids.size} case(s)`);
  for (const [t, items] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const acts = [...new Set(items.map((x) => `${x.o.spec.activation}/${x.o.spec.weights}`))].join(', ');
    say(`#### ${items.length} x: ${t}`);
    say(`     (${acts})`);
    for (const { o, v } of items) say(`  - ${o.id}: ${v.message}`);
  }
}
say();
say('## Notes (not violations): check calls refused or not converged, mass only F vouches for');
const notes = new Map();
for (const o of all) for (const n of o.notes ?? []) {
  const t = template(n);
  notes.set(t, [...(notes.get(t) ?? []), `${o.id}: ${n}`]);
}
if (notes.size === 0) say('none');
for (const [t, items] of [...notes].sort((a, b) => b[1].length - a[1].length)) {
  say(`#### ${items.length} x: ${t}`);
  for (const i of items.slice(0, 12)) say(`  - ${i}`);
  if (items.length > 12) say(`  - ... and ${items.length - 12} more`);
}
say();
say('## Typed refusals by code and activation');
const refusedBy = new Map();
for (const o of all.filter((x) => x.verdict === 'refused')) {
  const k = `${o.code} ${o.spec.activation}/${o.spec.weights}`;
  refusedBy.set(k, [...(refusedBy.get(k) ?? []), o]);
}
for (const [k, os_] of [...refusedBy].sort()) {
  const msgs = [...new Set(os_.map((o) => template(o.error ?? '')))];
  say(`- ${k}: ${os_.length} (${msgs.slice(0, 3).join(' || ')})`);
}
writeFileSync(reportFile, `${lines.join('\n')}\n`);
console.log(`report: ${reportFile}`);
if (count('crash') === 0) rmSync(tmp, { recursive: true, force: true });
else console.log(`vitest output of the crashed shards kept in ${tmp}`);
process.exit(failing.length === 0 ? 0 : 1);
