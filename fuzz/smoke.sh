#!/usr/bin/env bash
# fuzz-smoke (ctest label fuzz-smoke, fuzz builds): run one libFuzzer harness
# briefly on a COPY of its seed corpus and expect no crash, timeout or OOM.
#   smoke.sh FUZZER SEED_DIR [DICT] [MAX_SECONDS]
# Budget: LABYRINTH_FUZZ_SECONDS (default 10) of -max_total_time, at most
# MAX_SECONDS when given.  The seed
# directory is never written: seeds (*.bin) are copied to a temporary
# directory, which is removed afterwards unless the run failed.
#
# When the fuzzer finds a crash, each artifact goes through ci/repro with the
# same build (FUZZER's build dir): the readable reproducer (report, program,
# execution, decision trace) is printed, the input is minimized (kept only if
# the title is unchanged) and saved as corpus/regressions/<h>/<title>-<sha12>
# for the author to commit (LABYRINTH_REGRESSIONS_DIR=DIR saves into DIR/<h>/
# instead).  Under ci/gate (GATE_OUT set) one line per crash goes to
# $GATE_OUT/fuzz-crashes.tsv (harness, saved file, title), the saved file is
# copied to $GATE_OUT/regressions/<h>/ and the raw artifacts to
# $GATE_OUT/fuzz-artifacts/<h>/ (CI uploads $GATE_OUT).  Exit 1 on a crash.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzzer="$1" seeds="$2" dict="${3:-}" cap="${4:-}"
seconds="${LABYRINTH_FUZZ_SECONDS:-10}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "smoke: LABYRINTH_FUZZ_SECONDS must be whole seconds, not '$seconds'" >&2; exit 2; }
if [[ "$cap" =~ ^[0-9]+$ ]] && (( seconds > cap )); then seconds="$cap"; fi
if (( seconds == 0 )); then echo "smoke: LABYRINTH_FUZZ_SECONDS=0: skipped"; exit 0; fi
[[ -x "$fuzzer" ]] || { echo "smoke: no fuzzer binary $fuzzer" >&2; exit 2; }
[[ -d "$seeds" ]] || { echo "smoke: no seed directory $seeds" >&2; exit 2; }
name="$(basename "$fuzzer")" h="${name#fuzz_}"
build_dir="$(cd "$(dirname "$fuzzer")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-smoke.XXXXXX")"
mkdir -p "$work/corpus" "$work/artifacts"
shopt -s nullglob
for f in "$seeds"/*.bin; do cp -- "$f" "$work/corpus/"; done
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[[ -n "$dict" && -f "$dict" ]] && args+=(-dict="$dict")
echo "+ $fuzzer ${args[*]} $work/corpus"
rc=0
"$fuzzer" "${args[@]}" "$work/corpus" || rc=$?
if (( rc == 0 )); then
  rm -rf -- "$work"
  echo "smoke: $name ran ${seconds}s without a crash"
  exit 0
fi

# A crash: the readable reproducer, minimized, saved as a regression.
artifacts=("$work"/artifacts/*)
echo
echo "smoke: $name FAILED (exit $rc): ${#artifacts[@]} artifact(s) in $work/artifacts"
repro_args=(--no-build --build-dir "$build_dir" --harness "$h" --minimize --save)
[[ -n "${LABYRINTH_REGRESSIONS_DIR:-}" ]] && repro_args+=(--save-dir "$LABYRINTH_REGRESSIONS_DIR")
for a in "${artifacts[@]}"; do
  if [[ -n "${GATE_OUT:-}" ]]; then
    mkdir -p "$GATE_OUT/fuzz-artifacts/$h" && cp -- "$a" "$GATE_OUT/fuzz-artifacts/$h/" || true
  fi
  echo "==== smoke: reproducing ${a##*/} (ci/repro ${repro_args[*]} $a)"
  rrc=0
  "$root/ci/repro" "${repro_args[@]}" "$a" 2>&1 | tee "$work/repro.log" || rrc=${PIPESTATUS[0]}
  saved="$(sed -n 's/^saved: //p' "$work/repro.log" | tail -n1)"
  title="$(sed -n 's/^title: //p' "$work/repro.log" | tail -n1)"
  echo "----"
  if [[ -n "$saved" ]]; then
    echo "smoke: $name found: $title"
    echo "smoke: reproducer (minimized) saved as $saved"
    echo "smoke: commit it with the fix (corpus_regressions_$h replays it); replay: ci/repro $saved"
  else
    echo "smoke: $name: ${a##*/} did not reproduce in the replay binary (ci/repro exit $rrc);" \
         "the raw artifact is kept: $a"
  fi
  if [[ -n "${GATE_OUT:-}" ]]; then
    printf '%s\t%s\t%s\n' "$h" "${saved:-$a (not reproduced)}" "${title:-?}" >>"$GATE_OUT/fuzz-crashes.tsv"
    # A copy beside the gate's other outputs, for CI to upload (its checkout is thrown away).
    [[ -n "$saved" ]] && { mkdir -p "$GATE_OUT/regressions/$h" && cp -- "$saved" "$GATE_OUT/regressions/$h/" || true; }
  fi
done
exit 1
