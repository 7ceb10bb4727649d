#!/usr/bin/env bash
# ci/tests/gate_plant_test.sh: the gate's self-test with a bug switch. Slow
# (a planted build, a minute of fuzzing, an AFL++ build): not in the default
# gate; .github/workflows/gate-selftest.yml runs it.
#
#   ci/tests/gate_plant_test.sh [--plant NAME] [--fuzz-seconds N] [--correct-build DIR] [--no-afl]
#
# 1. ci/gate --plant NAME (LABYRINTH_PLANT=NAME compiled in) with its detection
#    step (asan preset, label fuzz-smoke, NAME's fuzz targets only) and a small
#    budget must FAIL, print the readable reproducer (report, program,
#    execution, decisions), minimize it and save it as
#    <regressions>/<h>/<title-slug>-<sha12> (a temporary directory, through
#    LABYRINTH_REGRESSIONS_DIR, so the tree stays clean), and list it.
# 2. ci/repro on each saved reproducer replays it 10/10 on the planted build,
#    and 0/10 on the correct build (--correct-build, default build/asan when
#    it holds the replay binaries): the gate caught the plant, not noise.
# 3. Triage stays fast when every input crashes: 300 crash files in a campaign
#    directory are grouped with one batch replay and few single replays.
# 4. The campaign report has llvm-cov line/branch coverage of alloc/ and
#    faultinject/ (ci/coverage; builds build/coverage if needed) and, after two
#    sessions, the coverage-over-time figure.
# 5. AFL++ (unless --no-afl or no afl-fuzz): ci/afl --plant NAME (the afl
#    preset with the plant), afl-fuzz until its first crash; ci/repro finds the harness of the AFL++
#    crash file by trying each, and replays it 10/10 with the libFuzzer/ASan
#    build (crash files are interchangeable); a queue entry replays too.
# Prints one line per check; exit 0 if all passed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
plant=merge_ignores_order seconds=60 afl=1 correct=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --plant) plant="$2"; shift 2 ;;
    --fuzz-seconds) seconds="$2"; shift 2 ;;
    --correct-build) correct="$2"; shift 2 ;;
    --no-afl) afl=0; shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "gate_plant_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -z "$correct" && -x "$root/build/asan/fuzz/fuzz_ops_replay" ]] && correct="$root/build/asan"
planted="$root/build/plant-$plant/asan"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-gate-plant.XXXXXX")"
failed=0 passed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
show() { sed 's/^/       /' "$1" | tail -n "${2:-20}"; }
harnesses=(ops irq faults client)
# Every harness with a fuzz-smoke test (smp included: its own layout and replay main).
targets=""; for h in "${harnesses[@]}" smp; do targets+="fuzz_$h,fuzz_${h}_replay,"; done; targets="${targets%,}"

# --- 1. the gate fails, with a readable, minimized, saved reproducer ------------------
echo "== ci/gate --plant $plant --presets asan --labels fuzz-smoke --fuzz-seconds $seconds (log: $tmp/gate.out)"
rc=0
LABYRINTH_REGRESSIONS_DIR="$tmp/regressions" "$root/ci/gate" --plant "$plant" --presets asan --labels fuzz-smoke \
  --targets "$targets" --no-extra --no-install --fuzz-seconds "$seconds" --junit "$tmp/gate" >"$tmp/gate.out" 2>&1 </dev/null || rc=$?
if [[ "$rc" == 1 ]] && tail -n1 "$tmp/gate.out" | grep -Eq '^[0-9]+ passed, 1 failed$' &&
   grep -Eq '^test +\| asan +\| FAIL ' "$tmp/gate.out"; then
  ok "gate with $plant planted: exit 1, the asan test step FAILs ($(tail -n1 "$tmp/gate.out"))"
else
  bad "gate with $plant planted: expected exit 1 and 'N passed, 1 failed', saw exit $rc:"; show "$tmp/gate.out"
fi
missing=""
for section in '^== reports: [1-9]' '^== program \(readable' '^== execution' '^== decisions: ' 'reproduced 10/10' \
               '^smoke: reproducer \(minimized\) saved as ' 'Minimized reproducers to commit'; do
  grep -Eq -- "$section" "$tmp/gate.out" || missing+=" /$section/"
done
if [[ -z "$missing" ]]; then ok "gate output: the report, readable program, execution, decisions, 10/10, the saved file"
else bad "gate output lacks:$missing"; fi
grep -q '<failure' "$tmp/gate/gate.xml" 2>/dev/null && grep -q 'smoke fuzzing found' "$tmp/gate/gate.xml" &&
  ok "gate.xml: the test step failed, detail names the smoke-fuzzing crash" ||
  bad "gate.xml: no <failure> naming the smoke-fuzzing crash"

mapfile -t saved < <(find "$tmp/regressions" -type f 2>/dev/null | sort)
good_names=1
for f in "${saved[@]}"; do [[ "${f##*/}" =~ ^[a-z0-9-]+-[0-9a-f]{12}$ && "$f" == "$tmp/regressions/"*/* ]] || good_names=0; done
copies="$(find "$tmp/gate/regressions" -type f 2>/dev/null | wc -l)"
if (( ${#saved[@]} > 0 && good_names && copies == ${#saved[@]} )); then
  ok "saved ${#saved[@]} reproducer(s), copied to the gate's output for CI: $(printf '%s ' "${saved[@]#"$tmp/regressions/"}")"
else
  bad "no reproducer saved as <regressions>/<h>/<title-slug>-<sha12>, or not copied to <gate out>/regressions/ (found: ${saved[*]:-none}; $copies copies)"
fi

# --- 2. ci/repro replays them 10/10 on the planted build, 0/10 on the correct one -----
for f in "${saved[@]}"; do
  rc=0; "$root/ci/repro" --no-build --build-dir "$planted" "$f" >"$tmp/repro.out" 2>&1 </dev/null || rc=$?
  if [[ "$rc" == 0 ]] && grep -q '^reproduced 10/10$' "$tmp/repro.out"; then
    ok "ci/repro ${f#"$tmp/"} (planted build): reproduced 10/10 ($(sed -n 's/^title: //p' "$tmp/repro.out" | cut -c1-70))"
  else
    bad "ci/repro ${f#"$tmp/"} (planted build): expected exit 0 and 'reproduced 10/10', saw exit $rc:"; show "$tmp/repro.out"
  fi
  if [[ -n "$correct" ]]; then
    rc=0; "$root/ci/repro" --no-build --build-dir "$correct" "$f" >"$tmp/repro.out" 2>&1 </dev/null || rc=$?
    if [[ "$rc" == 3 ]] && grep -q '^reproduced 0/10' "$tmp/repro.out"; then
      ok "ci/repro ${f#"$tmp/"} (correct build): clean, 0/10"
    else
      bad "ci/repro ${f#"$tmp/"} (correct build): expected exit 3 and 0/10 (the correct model passes it), saw exit $rc:"; show "$tmp/repro.out"
    fi
  fi
done

# --- 3. triage when every input crashes -----------------------------------------------------
if (( ${#saved[@]} > 0 )); then
  c="$tmp/campaign"; w="$c/ops"; mkdir -p "$w/artifacts"; touch "$c/.labyrinth-campaign"
  src="$(find "$tmp/regressions/ops" -type f 2>/dev/null | head -n1)"; [[ -n "$src" ]] || src="${saved[0]}"
  for i in $(seq 1 300); do cp "$src" "$w/artifacts/crash-$(printf '%040d' "$i")"; done
  rc=0
  "$root/ci/campaign" --no-build --build-dir "$planted" --harness ops --seconds 1 --fork 1 --no-coverage \
    --dir "$c" >"$tmp/triage.out" 2>&1 </dev/null || rc=$?
  line="$(grep -o 'triaged [0-9]* of [0-9]* new crash file(s): 1 batch replay, [0-9]* single replay(s)' "$tmp/triage.out" | head -n1)"
  singles="$(sed -n 's/.*, \([0-9]*\) single replay(s)/\1/p' <<<"$line")"
  titles="$(find "$w/crashes" -mindepth 1 -maxdepth 1 -type d | wc -l)"
  if [[ "$rc" == 1 && -n "$line" && "${singles:-99}" -le 5 ]] && (( titles >= 1 && titles <= 5 )) &&
     [[ "$(grep -c crash-0000 "$w/crashes.tsv")" == 300 ]]; then
    ok "campaign triage, 300+ crashing inputs: $line; $titles distinct title(s)"
  else
    bad "campaign triage: expected exit 1, one batch replay, at most 5 single replays, 1-5 titles and all 300 triaged; saw exit $rc, '$line', $titles title(s):"
    show "$tmp/triage.out"
  fi
fi

# --- 4. llvm-cov coverage in the campaign report ---------------------------------------------
# The coverage build (correct model) replays the campaign corpus; two sessions
# give the coverage-over-time figure.
c="$tmp/covcampaign"; rc=0
"$root/ci/coverage" --harness ops --out "$tmp/cov0" >"$tmp/cov0.out" 2>&1 </dev/null || rc=$?  # builds build/coverage if needed
for session in 1 2; do
  [[ "$rc" == 0 ]] || break
  "$root/ci/campaign" --no-build --build-dir "$planted" --harness ops --seconds 2 --fork 1 --dir "$c" >"$tmp/cov.out" 2>&1 </dev/null || rc=$?
  [[ "$rc" == 1 ]] && rc=0   # the planted bug's crashes
done
if [[ "$rc" == 0 ]] && grep -Eq '^\| all harnesses \| alloc/ \| [0-9.]+% \([0-9]+/[0-9]+\) \| [0-9.]+% ' "$c/report.md" &&
   grep -Eq '^\| all harnesses \| faultinject/ \| [0-9.]+% ' "$c/report.md" && grep -q '(coverage/coverage.png)' "$c/report.md" &&
   [[ -s "$c/coverage/coverage.png" && "$(wc -l <"$c/coverage/history.tsv")" == 3 ]]; then
  ok "campaign report: llvm-cov line/branch table of alloc/ and faultinject/, coverage over 2 sessions plotted ($(grep -E '^\| all harnesses \| total' "$c/report.md"))"
else
  bad "campaign report: no llvm-cov table / coverage.png (exit $rc):"; show "$tmp/cov.out"; show "$tmp/cov0.out" 5
fi

# --- 5. AFL++ crash files and queue entries --------------------------------------------------
if (( afl )) && command -v afl-fuzz >/dev/null && command -v afl-clang-fast++ >/dev/null; then
  echo "== ci/afl --plant $plant --harness ops --until-crash (log: $tmp/afl.out)"
  rc=0
  timeout 1200 "$root/ci/afl" --plant "$plant" --harness ops --seconds 300 --until-crash --out "$tmp/afl-out" \
    >"$tmp/afl.out" 2>&1 </dev/null || rc=$?
  if [[ "$rc" != 2 ]]; then
    crash="$(find "$tmp/afl-out" -path '*/crashes/id:*' -type f 2>/dev/null | sort | head -n1)"
    queue="$(find "$tmp/afl-out" -path '*/queue/id:*' -type f 2>/dev/null | sort | head -n1)"
    if [[ -n "$crash" ]]; then
      ok "afl-fuzz found a crash: ${crash#"$tmp/"}"
      # No --harness, and no harness in the path: ci/repro tries each replay binary.
      rc=0; "$root/ci/repro" --no-build --build-dir "$planted" "$crash" >"$tmp/repro-afl.out" 2>&1 </dev/null || rc=$?
      if [[ "$rc" == 0 ]] && grep -q '^reproduced 10/10$' "$tmp/repro-afl.out" && grep -q '(harness ops)' "$tmp/repro-afl.out"; then
        ok "ci/repro on the AFL++ crash file (harness found by trying each): reproduced 10/10 under ASan"
      else
        bad "ci/repro on the AFL++ crash file: expected exit 0, harness ops, 10/10; saw exit $rc:"; show "$tmp/repro-afl.out"
      fi
    else
      bad "afl-fuzz found no crash in its budget (exit $rc):"; show "$tmp/afl.out"
    fi
    if [[ -n "$queue" ]]; then
      rc=0; "$root/ci/repro" --no-build --build-dir "$planted" --harness ops --runs 2 "$queue" >"$tmp/repro-q.out" 2>&1 </dev/null || rc=$?
      if [[ "$rc" == 0 || "$rc" == 3 ]] && grep -Eq '^reproduced [0-9]+/2' "$tmp/repro-q.out"; then
        ok "ci/repro on an AFL++ queue entry (${queue##*/}): read and replayed ($(grep -E '^reproduced' "$tmp/repro-q.out"))"
      else
        bad "ci/repro on an AFL++ queue entry: saw exit $rc:"; show "$tmp/repro-q.out"
      fi
    fi
  else
    bad "ci/afl failed (exit 2: usage or build):"; show "$tmp/afl.out"
  fi
else
  echo "skip AFL++ checks (--no-afl, or afl-fuzz / afl-clang-fast++ not installed)"
fi

echo "gate self-test ($plant): $passed passed, $failed failed"
(( failed == 0 )) && rm -rf -- "$tmp"
(( failed == 0 ))
