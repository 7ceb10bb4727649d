#!/usr/bin/env bash
# ci/tests/tooling_test.sh BUILD_DIR: tests of the tooling itself (ci/repro,
# ci/campaign, ci/clusterfuzzlite-check, and through ci/tests/figures_test.sh
# bench/run, bench/figures, fuzz/throughput.sh, fuzz/plant_hunt.sh): bad input
# draws a clear message and a non-zero exit; an empty file is replayed (the
# empty program), not refused; a second campaign on a busy directory is
# refused; SIGINT in the middle of a merge leaves the campaign corpus intact
# and the next run resumes the merge, reusing its control file (a stale one is
# discarded); corrupted corpus entries are quarantined; a full disk during a
# merge (a tiny tmpfs when mount works, else `ulimit -f`) gives a clear
# message, a non-zero exit and an intact corpus. BUILD_DIR: an asan-preset
# build holding fuzz/fuzz_ops and
# fuzz/fuzz_ops_replay (nothing is built here). Prints one line per check;
# exit 0 if all passed. Planted-bug checks (the gate failing with a reproducer,
# triage when every input crashes, AFL++ crash files) are in gate_plant_test.sh.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:?usage: tooling_test.sh BUILD_DIR}"
[[ "$build" == /* ]] || build="$PWD/$build"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-tooling.XXXXXX")"
failed=0 passed=0
CHECK_ALL_OUT="$tmp/all.out"
# shellcheck source=ci/tests/check.sh
source "$root/ci/tests/check.sh"
: >"$tmp/empty"; mkdir -p "$tmp/emptydir"
printf 'x' >"$tmp/unreadable"; chmod 000 "$tmp/unreadable"
check "repro: unknown harness"   2 "unknown harness 'nope'"        "$root/ci/repro" --harness nope "$root/corpus/ops/mappings.bin"
check "repro: missing file"      2 "no such file or directory"     "$root/ci/repro" "$tmp/missing"
check "repro: empty file is replayed (the empty program), not refused" 3 "replaying the empty input.*|reproduced 0/2" \
  "$root/ci/repro" --harness ops --no-build --build-dir "$build" --runs 2 "$tmp/empty"
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
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --no-coverage --dir "$c"
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
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 2 --fork 1 --no-coverage --dir "$c" >"$tmp/int.log" 2>&1 &
pid=$!
# Interrupted once the inner merge has recorded a few inputs (so the resumed
# merge has something to reuse).
for _ in $(seq 1 2400); do
  done_n="$(grep -c '^FT ' "$w/merge.control" 2>/dev/null)" || true
  (( ${done_n:-0} >= 3 )) && break; sleep 0.05
done
kill -INT -- "-$pid" 2>/dev/null
rc=0; wait "$pid" || rc=$?
(cd "$w/corpus" && sha256sum ./* | sort) >"$tmp/after"
if [[ "$rc" == 130 ]] && cmp -s "$tmp/before" "$tmp/after" && grep -q "merge did not finish" "$tmp/int.log" && [[ -d "$w/corpus.merge-new" ]]; then
  echo "ok   campaign: SIGINT during a merge leaves corpus/ intact"; passed=$((passed + 1))
else
  echo "FAIL campaign: SIGINT during a merge: exit $rc (want 130), corpus unchanged: $(cmp -s "$tmp/before" "$tmp/after" && echo yes || echo NO)"
  tail -n 15 "$tmp/int.log" | sed 's/^/       /'; failed=$((failed + 1))
fi
check "campaign: the next run resumes the merge, reusing its control file" 0 \
  "reusing merge.control of the interrupted merge \([1-9][0-9]* of 80[0-9][0-9] inputs done\)" \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 2 --fork 1 --no-coverage --dir "$c"
if [[ -d "$w/corpus" && ! -d "$w/corpus.merge-new" && ! -e "$w/merge.control" && -f "$c/report.md" ]]; then
  echo "ok   campaign: merge finished, corpus renamed into place ($(ls "$w/corpus" | wc -l) inputs), report written"; passed=$((passed + 1))
else
  echo "FAIL campaign: after the resumed run: corpus.merge-new or merge.control left, or no report.md"; failed=$((failed + 1))
fi
if grep -qE 'MERGE-OUTER: [0-9]+ files, [0-9]+ in the initial corpus, [1-9][0-9]* processed earlier' "$w/merge.log" 2>/dev/null ||
   grep -qE 'processed earlier' "$tmp/out"; then
  echo "ok   campaign: libFuzzer resumed from the control file ($(grep -o '[0-9]* processed earlier' "$tmp/out" | head -n1))"; passed=$((passed + 1))
else
  echo "FAIL campaign: the resumed merge did not say it reused earlier work (no 'N processed earlier', N > 0)"; failed=$((failed + 1))
fi

# A stale control file (it lists inputs that are no longer there) is not reused.
c="$tmp/stale"; w="$c/ops"; mkdir -p "$w/corpus" "$w/new" "$w/corpus.merge-new"; touch "$c/.labyrinth-campaign"
cp "$root"/corpus/ops/*.bin "$w/corpus/"; printf 'abc' >"$w/new/n1"
printf '2\n0\n%s\n%s\nSTARTED 0 3\n' "$w/corpus/gone" "$w/new/n1" >"$w/merge.control"
check "campaign: a stale merge.control is discarded, the merge starts over" 0 "does not list the current corpus/ and new/ \(stale\): starting the merge over" \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --fork 1 --no-coverage --dir "$c"

# Corrupted corpus entries: a dangling symlink, a directory, a sha1-named file
# whose content does not match its name; an empty file is a valid input and stays.
c="$tmp/corrupt"; w="$c/ops"; mkdir -p "$w/corpus/subdir"; touch "$c/.labyrinth-campaign"
cp "$root"/corpus/ops/*.bin "$w/corpus/"
ln -s "$tmp/nowhere" "$w/corpus/dangling"
printf 'cut short' >"$w/corpus/0123456789abcdef0123456789abcdef01234567"
: >"$w/corpus/empty-input"
check "campaign: corrupted corpus entries are quarantined (exit 1), the rest is fuzzed" 1 "corpus entry ops/corpus/dangling is not a usable input.*moved to ops/quarantine" \
  "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --fork 1 --no-coverage --dir "$c"
if [[ -L "$w/quarantine/corpus-dangling" && -d "$w/quarantine/corpus-subdir" && -f "$w/quarantine/corpus-0123456789abcdef0123456789abcdef01234567" ]] &&
   grep -q 'moved to `ops/quarantine/`' "$c/report.md" && [[ -n "$(ls -A "$w/corpus")" ]]; then
  echo "ok   campaign: 3 bad entries in ops/quarantine/ (not deleted), listed in report.md; corpus/ kept ($(ls "$w/corpus" | wc -l) inputs)"; passed=$((passed + 1))
else
  echo "FAIL campaign: quarantine: $(ls -A "$w/quarantine" 2>/dev/null | tr '\n' ' '); report: $(grep -c quarantine "$c/report.md" 2>/dev/null)"; failed=$((failed + 1))
fi

# A full disk during a merge. A tiny tmpfs when this user may mount one (root
# with CAP_SYS_ADMIN), else a file-size limit (ulimit -f: EFBIG, as the
# campaign ignores SIGXFSZ). Either way: a clear message, a non-zero exit and
# corpus/ unchanged; the partial merge output is dropped, new/ kept.
full="$tmp/full"; mkdir -p "$full"
# (LABYRINTH_TEST_NO_MOUNT=1 takes the ulimit -f path even where mount works.)
if [[ -z "${LABYRINTH_TEST_NO_MOUNT:-}" ]] && mount -t tmpfs -o size=3m labyrinth-full "$full" 2>/dev/null; then
  how=tmpfs; trap 'umount "$full" 2>/dev/null' EXIT
else how="ulimit -f"; fi
make_pending_merge() { # campaign-dir
  local w="$1/ops"
  mkdir -p "$w/corpus" "$w/new" "$w/corpus.merge-new"; touch "$1/.labyrinth-campaign"
  cp "$root"/corpus/ops/*.bin "$w/corpus/"
  /usr/bin/python3 -c "
import random
random.seed(7)
for i in range(300): open('$w/new/r%d' % i, 'wb').write(bytes(random.getrandbits(8) for _ in range(64 + i % 200)))"
}
run_full() { # campaign-dir [env...]
  local c="$1"; shift
  if [[ "$how" == tmpfs ]]; then
    # Fill the file system but for 40 KiB: room for the control file's start only.
    dd if=/dev/zero of="$full/filler" bs=4k count=$(( $(df -Pk "$full" | awk 'NR == 2 { print $4 }') / 4 - 10 )) 2>/dev/null || true
    env "$@" "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --fork 1 --no-coverage --dir "$c"
  else
    (ulimit -f 16; env "$@" "$root/ci/campaign" --no-build --build-dir "$build" --harness ops --seconds 1 --fork 1 --no-coverage --dir "$c")
  fi
}
c="$full/c1"; make_pending_merge "$c"
(cd "$c/ops/corpus" && sha256sum ./* | sort) >"$tmp/full-before"
if [[ "$how" == tmpfs ]]; then
  check "campaign: disk full before a merge ($how): refused with a clear message, exit 1" 1 "DISK FULL: [0-9]+ KiB free .* the merge needs up to" run_full "$c"
  (cd "$c/ops/corpus" && sha256sum ./* | sort) >"$tmp/full-after"
  cmp -s "$tmp/full-before" "$tmp/full-after" && [[ "$(ls "$c/ops/new" | wc -l)" == 300 ]] &&
    { echo "ok   campaign: corpus/ unchanged, new/ kept after the refused merge"; passed=$((passed + 1)); } ||
    { echo "FAIL campaign: corpus/ changed or new/ lost after the refused merge"; failed=$((failed + 1)); }
  rm -f "$full/filler"
fi
# The space check bypassed: the disk fills during the merge itself.
check "campaign: disk full during a merge ($how): clear message, exit 1" 1 "DISK FULL \(or the file-size limit\) during the merge|DISK FULL" \
  run_full "$c" LABYRINTH_CAMPAIGN_SKIP_SPACE_CHECK=1
(cd "$c/ops/corpus" && sha256sum ./* | sort) >"$tmp/full-after"
if cmp -s "$tmp/full-before" "$tmp/full-after" && [[ ! -d "$c/ops/corpus.merge-new" || -z "$(ls -A "$c/ops/corpus.merge-new")" ]] && [[ "$(ls "$c/ops/new" | wc -l)" == 300 ]]; then
  echo "ok   campaign: after a full disk in the merge: corpus/ unchanged, partial output dropped, new/ kept"; passed=$((passed + 1))
else
  echo "FAIL campaign: after a full disk in the merge: corpus/ changed, partial output left or new/ lost"; failed=$((failed + 1))
fi
rm -f "$full/filler"
[[ "$how" == tmpfs ]] && umount "$full"

chmod 600 "$tmp/unreadable"

# The figure scripts' argument handling and the README paste (no build needed).
bash "$root/ci/tests/figures_test.sh" | tee "$tmp/figures.out"
passed=$((passed + $(grep -c '^ok ' "$tmp/figures.out"))) failed=$((failed + $(grep -c '^FAIL ' "$tmp/figures.out")))

echo "tooling tests: $passed passed, $failed failed"
[[ -n "${KEEP_TMP:-}" ]] && echo "kept: $tmp (all output in $tmp/all.out)"
(( failed == 0 )) && [[ -z "${KEEP_TMP:-}" ]] && rm -rf -- "$tmp"
(( failed == 0 ))
