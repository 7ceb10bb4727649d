#!/usr/bin/env bash
# plant_hunt.sh: does each harness find the planted bug of its class?
# For each PLANT:HARNESS pair, builds the asan preset with LABYRINTH_PLANT=PLANT
# in <PREFIX><PLANT> (default build/plant-<PLANT>), runs fuzz_HARNESS on a copy
# of its seeds until the first crash or the budget, and prints one table row:
# plant, harness, found, seconds, executions, the first report's title.  The
# readable reproducer is the crash log (kept in WORK/<PLANT>/log.txt).
#
#   fuzz/plant_hunt.sh [--seconds N] [--work DIR] [--build-prefix PREFIX] [--no-seeds] [PLANT:HARNESS ...]
#
# --no-seeds starts from an empty corpus (the bundled seeds are hand-written
# scenarios, some close to a planted bug; this measures the fuzzer alone).
#
# Default pairs: the five classes of issue 5.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=300
work="${TMPDIR:-/tmp}/labyrinth-plant-hunt"
build_prefix="$root/build/plant-"
pairs=()
seeds=1
die() { echo "plant_hunt: $*" >&2; exit 2; }
need() { [[ $# -ge 2 ]] || die "$1 needs a value"; }
plants="$(sed -n 's/^X(\([a-z0-9_]*\),.*/\1/p' "$root/faultinject/plants.def")"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) need "$@"; [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "--seconds must be a positive integer, not '$2'"
               seconds="$2"; shift 2 ;;
    --work) need "$@"; work="$2"; shift 2 ;;
    --build-prefix) need "$@"; build_prefix="$2"; shift 2 ;;
    --no-seeds) seeds=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *:*) grep -qx -- "${1%%:*}" <<<"$plants" || die "unknown plant '${1%%:*}' (faultinject/plants.def lists them)"
         [[ -d "$root/corpus/${1##*:}" && "${1##*:}" != regressions ]] || die "unknown harness '${1##*:}' in '$1'"
         pairs+=("$1"); shift ;;
    *) die "bad argument '$1' (expected PLANT:HARNESS)" ;;
  esac
done
[[ ${#pairs[@]} -gt 0 ]] || pairs=(atomic_direct_reclaim:ops pcp_irq_unsafe:irq merge_ignores_order:ops
                                   leak_on_error_path:faults exclusive_no_mapcount_check:ops)
printf '%-28s | %-7s | %-5s | %7s | %9s | %s\n' plant harness found seconds execs "first report"
printf -- '---------------------------- | ------- | ----- | ------- | --------- | ------------\n'
for pair in "${pairs[@]}"; do
  plant="${pair%%:*}" h="${pair##*:}"
  build="$build_prefix$plant"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake --preset asan -B "$build" -DLABYRINTH_PLANT="$plant" >/dev/null
  fi
  cmake --build "$build" --target "fuzz_$h" "fuzz_${h}_replay" -j2 >/dev/null
  dir="$work/$plant"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  (( seeds )) && cp "$root/corpus/$h"/*.bin "$dir/corpus/"
  start=$(date +%s.%N)
  rc=0
  "$build/fuzz/fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
    -dict="$root/fuzz/fuzz_$h.dict" "$dir/corpus" >"$dir/log.txt" 2>&1 || rc=$?
  end=$(date +%s.%N)
  elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  execs=$(grep -a -E '^#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE)' "$dir/log.txt" | tail -n1 | grep -o '^#[0-9]*' | tr -d '#' || true)
  [[ -n "$execs" ]] || execs="seed"  # found while loading the seeds
  crash=$(find "$dir/artifacts" -name 'crash-*' | head -n1)
  title=$(grep -a -m1 -E '^(BUG|WARNING|pagealloc)' "$dir/log.txt" || true)
  found=no
  [[ -n "$crash" ]] && found=yes
  printf '%-28s | %-7s | %-5s | %7s | %9s | %s\n' "$plant" "$h" "$found" "$elapsed" "${execs:-?}" "${title:0:90}"
done
