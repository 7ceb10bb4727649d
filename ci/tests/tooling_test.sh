#!/usr/bin/env bash
# ci/tests/tooling_test.sh BUILD_DIR: tests of the tooling itself (ci/repro,
# ci/campaign, ci/clusterfuzzlite-check, and through ci/tests/figures_test.sh
# bench/run, bench/figures, fuzz/throughput.sh, fuzz/plant_hunt.sh): bad input draws a clear message and a
# non-zero exit; a second campaign on a busy directory is refused; SIGINT in the
# middle of a merge leaves the campaign corpus intact and the next run resumes
# the merge. BUILD_DIR: an asan-preset build holding fuzz/fuzz_ops and
# fuzz/fuzz_ops_replay (nothing is built here). Prints one line per check;
# exit 0 if all passed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:?usage: tooling_test.sh BUILD_DIR}"
[[ "$build" == /* ]] || build="$PWD/$build"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-tooling.XXXXXX")"
failed=0 passed=0
check() { # name expected-status expected-message-regex command...
  local name="$1" want="$2" re="$3" rc=0; shift 3
  "$@" >"$tmp/out" 2>&1 </dev/null || rc=$?
  if [[ "$rc" == "$want" ]] && grep -Eq -- "$re" "$tmp/out"; then
    echo "ok   $name"; passed=$((passed + 1))
  else
    echo "FAIL $name: expected exit $want and output matching /$re/, saw exit $rc:"; sed 's/^/       /' "$tmp/out" | tail -n 15
    failed=$((failed + 1))
  fi
}
: >"$tmp/empty"; mkdir -p "$tmp/emptydir"
printf 'x' >"$tmp/unreadable"; chmod 000 "$tmp/unreadable"
check "repro: unknown harness"   2 "unknown harness 'nope'"        "$root/ci/repro" --harness nope "$root/corpus/ops/mappings.bin"
check "repro: missing file"      2 "no such file or directory"     "$root/ci/repro" "$tmp/missing"
check "repro: empty file"        2 "is empty"                      "$root/ci/repro" --harness ops --no-build --build-dir "$build" "$tmp/empty"
check "repro: empty directory"   2 "holds no input file"           "$root/ci/repro" "$tmp/emptydir"
if [[ "$(id -u)" != 0 ]]; then
  check "repro: unreadable file" 2 "cannot read"                   "$root/ci/repro" --harness ops "$tmp/unreadable"
fi
check "repro: bad --runs"        2 "--runs must be"                "$root/ci/repro" --runs x "$root/corpus/ops/mappings.bin"
check "repro: clean seed does not reproduce" 3 "reproduced 0/2" "$root/ci/repro" --no-build --build-dir "$build" --runs 2 "$root/corpus/ops/mappings.bin"
check "campaign: unknown harness" 2 "unknown harness 'nope'"       "$root/ci/campaign" --harness nope --dir "$tmp/c0"
check "campaign: dir inside corpus" 2 "inside corpus/"             "$root/ci/campaign" --no-build --dir "$root/corpus/ops"
mkdir -p "$tmp/notcampaign"; echo x >"$tmp/notcampaign/file"
check "campaign: non-campaign dir" 2 "not a campaign directory"    "$root/ci/campaign" --no-build --dir "$tmp/notcampaign"
check "cflite-check: bad argument" 2 "unknown argument"            "$root/ci/clusterfuzzlite-check" --bogus

# A second campaign on a busy directory.
c="$tmp/busy"; mkdir -p "$c"; touch "$c/.labyrinth-campaign"
exec 8>>"$c/.lock"; flock -n 8
check "campaign: second campaign on the same dir" 2 "another campaign is running in" \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --dir "$c"
exec 8>&-

# SIGINT in the middle of a merge: a campaign directory with a merge pending
# (corpus.merge-new/ present, 8000 inputs in new/), interrupted once the merge runs.
c="$tmp/merge"; w="$c/ops"; mkdir -p "$w/corpus" "$w/new" "$w/corpus.merge-new"; touch "$c/.labyrinth-campaign"
cp "$root"/corpus/ops/*.bin "$w/corpus/"
/usr/bin/python3 -c "
import os, random
random.seed(6)
for i in range(8000): open('$w/new/r%d' % i, 'wb').write(bytes(random.getrandbits(8) for _ in range(64 + i % 400)))"
(cd "$w/corpus" && sha256sum ./* | sort) >"$tmp/before"
# Started like a terminal's foreground job: own process group, SIGINT not
# ignored (bash starts background jobs of a script with SIGINT ignored).
/usr/bin/python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 2 --fork 1 --dir "$c" >"$tmp/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -qs 'MERGE-INNER: .* will process' "$w/merge.log" && break; sleep 0.05; done
sleep 0.3
kill -INT -- "-$pid" 2>/dev/null
rc=0; wait "$pid" || rc=$?
(cd "$w/corpus" && sha256sum ./* | sort) >"$tmp/after"
if [[ "$rc" == 130 ]] && cmp -s "$tmp/before" "$tmp/after" && grep -q "merge did not finish" "$tmp/int.log" && [[ -d "$w/corpus.merge-new" ]]; then
  echo "ok   campaign: SIGINT during a merge leaves corpus/ intact"; passed=$((passed + 1))
else
  echo "FAIL campaign: SIGINT during a merge: exit $rc (want 130), corpus unchanged: $(cmp -s "$tmp/before" "$tmp/after" && echo yes || echo NO)"
  tail -n 15 "$tmp/int.log" | sed 's/^/       /'; failed=$((failed + 1))
fi
check "campaign: the next run resumes the merge" 0 "resuming the interrupted merge" \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 2 --fork 1 --dir "$c"
if [[ -d "$w/corpus" && ! -d "$w/corpus.merge-new" && ! -e "$w/merge.control" && -f "$c/report.md" ]]; then
  echo "ok   campaign: merge finished, corpus renamed into place ($(ls "$w/corpus" | wc -l) inputs), report written"; passed=$((passed + 1))
else
  echo "FAIL campaign: after the resumed run: corpus.merge-new or merge.control left, or no report.md"; failed=$((failed + 1))
fi
chmod 600 "$tmp/unreadable"

# The figure scripts' argument handling and the README paste (no build needed).
bash "$root/ci/tests/figures_test.sh" | tee "$tmp/figures.out"
passed=$((passed + $(grep -c '^ok ' "$tmp/figures.out"))) failed=$((failed + $(grep -c '^FAIL ' "$tmp/figures.out")))

echo "tooling tests: $passed passed, $failed failed"
(( failed == 0 )) && rm -rf -- "$tmp"
(( failed == 0 ))
