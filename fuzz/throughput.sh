#!/usr/bin/env bash
# throughput.sh: exec/s of each harness beside an empty libFuzzer target and
# the same harness with its oracles off (LABYRINTH_CHECKS=none), measured in
# one run, one after the other, each for SECONDS on a fresh copy of the
# harness's seeds (libFuzzer's default input size: no -max_len).
#
#   fuzz/throughput.sh [--seconds N] [--build DIR] [HARNESS ...]
#
# Prints a Markdown table: harness, exec/s of the empty target, of the
# harness, of the harness without oracles, and the machine's load average
# (other work on the machine lowers every figure alike).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=60
build="$root/build/asan"
harnesses=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(ops irq faults client)
work="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-throughput.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# exec/s of one libFuzzer run: BINARY SEEDS [ENV=VALUE ...]
rate() {
  local binary="$1" seeds="$2"; shift 2
  local dir="$work/run-$RANDOM"
  mkdir -p "$dir/corpus"
  cp "$seeds"/*.bin "$dir/corpus/"
  env "$@" "$binary" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" \
    >"$dir/log" 2>&1 || { echo "FAILED($(basename "$binary"))"; return; }
  grep -a '^stat::average_exec_per_sec:' "$dir/log" | awk '{print $2}'
}

echo "| harness | empty target exec/s | harness exec/s | harness, oracles off, exec/s | load average |"
echo "| --- | ---: | ---: | ---: | --- |"
for h in "${harnesses[@]}"; do
  empty="$(rate "$build/fuzz/fuzz_empty" "$root/corpus/$h")"
  full="$(rate "$build/fuzz/fuzz_$h" "$root/corpus/$h")"
  none="$(rate "$build/fuzz/fuzz_$h" "$root/corpus/$h" LABYRINTH_CHECKS=none)"
  echo "| $h | $empty | $full | $none | $(cut -d' ' -f1-3 /proc/loadavg) |"
done
