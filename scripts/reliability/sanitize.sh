#!/usr/bin/env bash
# Memory-safety checks of the native addon:
#   1. builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (CMake option DI_SANITIZE)
#      into $SAN_BUILD_DIR (default build-sanitize);
#   2. runs every native entry point (scripts/reliability/leaks.mjs --no-bounds) and the native test
#      folders under it (vitest forks inherit LD_PRELOAD; esbuild is a static Go binary, unaffected);
#      any "ERROR: AddressSanitizer" or UBSan "runtime error" line fails the run;
#   3. LeakSanitizer scoped to the addon: Node itself is not leak-clean, so the exercise script runs
#      with detect_leaks=1 and only leak reports with a frame in dynamical_isometry.node or
#      native/{core,binding} count (Node/V8 leaks at exit are listed, not counted);
#   4. valgrind memcheck of a representative script (a few calls of every entry point) against the
#      normal Release build, with scripts/reliability/valgrind-node.supp for Node/V8 noise; only
#      errors with a frame in our addon count.
# Usage: scripts/reliability/sanitize.sh [--no-tests] [--no-valgrind]   (from the package root)
# Env: SAN_BUILD_DIR (default build-sanitize), DYNAMICAL_ISOMETRY_BUILD_DIR (the Release addon for
#      valgrind; default build), SAN_TESTS (test folders; default the native-heavy ones).
# Prints one summary line per step and "sanitize: OK" or "sanitize: FAILED"; exit code 0/1.
set -uo pipefail
cd "$(dirname "$0")/../.."

SAN_BUILD_DIR=${SAN_BUILD_DIR:-build-sanitize}
REL_BUILD_DIR=${DYNAMICAL_ISOMETRY_BUILD_DIR:-build}
SAN_TESTS=${SAN_TESTS:-"test/linalg test/empirical test/free test/train test/reliability/concurrency.test.ts test/reliability/cancellation.test.ts"}
RUN_TESTS=1
RUN_VALGRIND=1
for a in "$@"; do
  case "$a" in
    --no-tests) RUN_TESTS=0 ;;
    --no-valgrind) RUN_VALGRIND=0 ;;
    *) echo "unknown argument $a" >&2; exit 2 ;;
  esac
done

LOG=$(mktemp -d "${TMPDIR:-/tmp}/di-sanitize.XXXXXX")
fail=0
t_start=$(date +%s)
step() { echo "sanitize: $*"; }

# ---- 1. build -----------------------------------------------------------------------------------
t0=$(date +%s)
if ! DI_SANITIZE=1 DYNAMICAL_ISOMETRY_BUILD_DIR="$SAN_BUILD_DIR" node scripts/build-native.mjs --required >"$LOG/build.log" 2>&1; then
  step "build FAILED (see $LOG/build.log)"; tail -20 "$LOG/build.log"; exit 1
fi
[ -f dist/index.js ] || npx tsc -p tsconfig.build.json
step "ASan+UBSan build in $SAN_BUILD_DIR: $(( $(date +%s) - t0 )) s"

ASAN_LIB=$(gcc -print-file-name=libasan.so)
SAN_ENV=(
  "LD_PRELOAD=$ASAN_LIB"
  "DYNAMICAL_ISOMETRY_ADDON=$PWD/$SAN_BUILD_DIR/Release/dynamical_isometry.node"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
)
count_reports() { grep -cE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$@" 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}'; }

# ---- 2. every entry point, then the native tests, under ASan + UBSan ---------------------------
t0=$(date +%s)
env "${SAN_ENV[@]}" ASAN_OPTIONS=detect_leaks=0 node --expose-gc scripts/reliability/leaks.mjs --calls 200 --no-bounds >"$LOG/exercise.log" 2>&1
rc=$?
n=$(count_reports "$LOG/exercise.log")
step "entry points under ASan+UBSan (200 calls each): exit $rc, $n sanitizer reports, $(( $(date +%s) - t0 )) s"
{ [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; } && { fail=1; grep -A30 -E "ERROR: AddressSanitizer|runtime error:" "$LOG/exercise.log" | head -60; }

if [ "$RUN_TESTS" = 1 ]; then
  t0=$(date +%s)
  # shellcheck disable=SC2086
  env "${SAN_ENV[@]}" ASAN_OPTIONS=detect_leaks=0 npx vitest run $SAN_TESTS >"$LOG/tests.log" 2>&1
  rc=$?
  n=$(count_reports "$LOG/tests.log")
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG/tests.log" | grep -E "^\s+Tests " | tail -1 | sed 's/^ *//')
  step "native tests under ASan+UBSan: $summary; $n sanitizer reports, $(( $(date +%s) - t0 )) s (vitest exit $rc)"
  [ "$n" -ne 0 ] && { fail=1; grep -B2 -A30 -E "ERROR: AddressSanitizer|runtime error:" "$LOG/tests.log" | head -80; }
  # Test failures without a sanitizer report are timing or build-skew issues of those suites (ASan
  # runs ~2-3x slower): listed for the reader, not counted as memory errors.
  [ "$rc" -ne 0 ] && grep -E "^\s+×|FAIL " "$LOG/tests.log" | head -20
fi

# ---- 3. LeakSanitizer scoped to the addon --------------------------------------------------------
t0=$(date +%s)
env "${SAN_ENV[@]}" ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=40 LSAN_OPTIONS=exitcode=0:report_objects=0 \
  node --expose-gc scripts/reliability/leaks.mjs --calls 50 --no-bounds >"$LOG/lsan.log" 2>&1
node -e '
const text = require("fs").readFileSync(process.argv[1], "utf8");
const blocks = text.split(/\n(?=(?:Direct|Indirect) leak of )/).filter((b) => /^(Direct|Indirect) leak of /.test(b));
const ours = blocks.filter((b) => /dynamical_isometry\.node|native\/(core|binding)\//.test(b.split(/\n\n/)[0]));
const bytes = (bs) => bs.reduce((s, b) => s + Number(/leak of (\d+) byte/.exec(b)[1]), 0);
console.log(`${blocks.length} leak reports in the process (${bytes(blocks)} bytes, Node/V8 at exit), ${ours.length} with a frame in the addon (${bytes(ours)} bytes)`);
if (ours.length) { console.log(ours.slice(0, 3).join("\n")); process.exit(1); }
' "$LOG/lsan.log" >"$LOG/lsan-summary.txt"
rc=$?
step "LeakSanitizer: $(head -1 "$LOG/lsan-summary.txt"), $(( $(date +%s) - t0 )) s"
[ "$rc" -ne 0 ] && { fail=1; cat "$LOG/lsan-summary.txt"; }

# ---- 4. valgrind memcheck (Release addon) ---------------------------------------------------------
if [ "$RUN_VALGRIND" = 1 ]; then
  if ! command -v valgrind >/dev/null; then
    step "valgrind not installed: skipped"
  elif [ ! -f "$REL_BUILD_DIR/Release/dynamical_isometry.node" ]; then
    step "valgrind: no Release addon at $REL_BUILD_DIR (build it first): skipped"
  else
    t0=$(date +%s)
    DYNAMICAL_ISOMETRY_ADDON="$PWD/$REL_BUILD_DIR/Release/dynamical_isometry.node" \
      valgrind --tool=memcheck --error-limit=no --num-callers=40 --track-origins=no \
      --suppressions=scripts/reliability/valgrind-node.supp --log-file="$LOG/valgrind.log" \
      node --jitless --expose-gc scripts/reliability/leaks.mjs --calls 3 --no-bounds >"$LOG/valgrind-out.log" 2>&1
    rc=$?
    node -e '
const text = require("fs").readFileSync(process.argv[1], "utf8");
// error blocks: "==pid== <message>" followed by "==pid==    at/by" frames, separated by "==pid== " blank lines
const lines = text.split("\n").map((l) => l.replace(/^==\d+== ?/, ""));
const blocks = [];
let cur = null;
for (const l of lines) {
  if (l.trim() === "") { if (cur) blocks.push(cur); cur = null; continue; }
  if (/^\s+(at|by) 0x/.test(l)) { if (cur) cur.push(l); continue; }
  if (cur) cur.push(l); else cur = [l];
}
if (cur) blocks.push(cur);
const errors = blocks.filter((b) => /^(Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function)/.test(b[0]));
const ours = errors.filter((b) => b.some((l) => /dynamical_isometry\.node|native\/(core|binding)\//.test(l)));
const summary = /ERROR SUMMARY: (\d+) errors/.exec(text);
console.log(`${summary ? summary[1] : "?"} errors after suppressions, ${ours.length} with a frame in the addon`);
if (ours.length) { console.log(ours.slice(0, 3).map((b) => b.join("\n")).join("\n\n")); process.exit(1); }
' "$LOG/valgrind.log" >"$LOG/valgrind-summary.txt"
    vrc=$?
    step "valgrind memcheck (every entry point, 3 calls each, node --jitless): exit $rc, $(head -1 "$LOG/valgrind-summary.txt"), $(( $(date +%s) - t0 )) s"
    { [ "$vrc" -ne 0 ] || [ "$rc" -ne 0 ]; } && { fail=1; cat "$LOG/valgrind-summary.txt"; tail -20 "$LOG/valgrind-out.log"; }
  fi
fi

step "logs in $LOG; total $(( $(date +%s) - t_start )) s"
if [ "$fail" = 0 ]; then step OK; else step FAILED; fi
exit "$fail"
