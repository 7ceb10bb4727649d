#!/usr/bin/env bash
# fuzz-smoke (ctest label fuzz-smoke, fuzz builds): run one libFuzzer harness
# briefly on a COPY of its seed corpus and expect no crash, timeout or OOM.
#   smoke.sh FUZZER SEED_DIR [DICT]
# Budget: LABYRINTH_FUZZ_SECONDS (default 10) of -max_total_time.  The seed
# directory is never written: seeds (*.bin) are copied to a temporary
# directory, which is removed afterwards unless the run failed.
set -euo pipefail
fuzzer="$1" seeds="$2" dict="${3:-}"
seconds="${LABYRINTH_FUZZ_SECONDS:-10}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "smoke: LABYRINTH_FUZZ_SECONDS must be whole seconds, not '$seconds'" >&2; exit 2; }
if (( seconds == 0 )); then echo "smoke: LABYRINTH_FUZZ_SECONDS=0: skipped"; exit 0; fi
[[ -x "$fuzzer" ]] || { echo "smoke: no fuzzer binary $fuzzer" >&2; exit 2; }
[[ -d "$seeds" ]] || { echo "smoke: no seed directory $seeds" >&2; exit 2; }
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
if (( rc != 0 )); then
  echo "smoke: $(basename "$fuzzer") failed (exit $rc); artifacts kept in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2 || true
  exit 1
fi
rm -rf -- "$work"
echo "smoke: $(basename "$fuzzer") ran ${seconds}s without a crash"
