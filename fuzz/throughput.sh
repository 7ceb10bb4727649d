#!/usr/bin/env bash
# throughput.sh: exec/s of each harness beside an empty libFuzzer target and
# the same harness with its oracles off (LABYRINTH_CHECKS=none), measured in
# one run, each for SECONDS on a fresh copy of the harness's seeds (libFuzzer's
# default input size: no -max_len).  With --runs K the three are measured K
# times, interleaved (empty, harness, oracles off, empty, ...), so a slow spell
# of the machine falls on all three alike, and the medians are printed.
#
#   fuzz/throughput.sh [--seconds N] [--runs K] [--build DIR] [HARNESS ...]
#
# Prints a Markdown table: harness, median exec/s of the empty target, of the
# harness and of the harness without oracles, the ratios empty / harness (how
# far a run is above libFuzzer's own floor) and oracles off / on (what the
# oracles cost), and the machine's load average (other work on the machine
# lowers every figure alike).  Exit 2 on a bad argument, 1 if a run failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
known=(ops irq faults client)
seconds=60
runs=1
build="$root/build/asan"
harnesses=()
die() { echo "throughput.sh: $*" >&2; exit 2; }
positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not '$2'"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) [[ $# -ge 2 ]] || die "--seconds needs a value"; positive --seconds "$2"; seconds="$2"; shift 2 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a value"; positive --runs "$2"; runs="$2"; shift 2 ;;
    --build) [[ $# -ge 2 ]] || die "--build needs a value"; build="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [[ " ${known[*]} " == *" $1 "* ]] || die "unknown harness '$1' (one of: ${known[*]})"
       harnesses+=("$1"); shift ;;
  esac
done
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=("${known[@]}")
for b in fuzz_empty "${harnesses[@]/#/fuzz_}"; do
  [[ -x "$build/fuzz/$b" ]] || die "no libFuzzer binary $build/fuzz/$b (build the asan preset's fuzz targets, or pass --build)"
done
work="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-throughput.XXXXXX")"
trap 'rm -rf "$work"' EXIT
status=0

# exec/s of one libFuzzer run: BINARY SEEDS [ENV=VALUE ...]
rate() {
  local binary="$1" seeds="$2"; shift 2
  local dir="$work/run-$RANDOM$RANDOM"
  mkdir -p "$dir/corpus"
  cp "$seeds"/*.bin "$dir/corpus/"
  env "$@" "$binary" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" \
    >"$dir/log" 2>&1 || { echo "FAILED"; return; }
  grep -a '^stat::average_exec_per_sec:' "$dir/log" | awk '{print $2}'
}

# The median of its arguments; FAILED if any is.
median() {
  local v
  for v in "$@"; do [[ "$v" =~ ^[0-9]+$ ]] || { echo FAILED; return; }; done
  printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# NUMERATOR / DENOMINATOR as "646x" / "1.05x", or "—".
ratio() {
  [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "—"; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; if (r >= 20) printf "%.0fx", r; else printf "%.2fx", r }'
}

# 1234567 -> 1,234,567
commas() { [[ "$1" =~ ^[0-9]+$ ]] || { echo "$1"; return; }; sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

echo "| harness | empty target exec/s | harness exec/s | empty / harness | harness, oracles off, exec/s | oracle cost (off / on) | load average |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
for h in "${harnesses[@]}"; do
  empty=() full=() none=()
  for ((r = 1; r <= runs; r++)); do
    echo "throughput.sh: $h run $r/$runs (3 x ${seconds}s)" >&2
    empty+=("$(rate "$build/fuzz/fuzz_empty" "$root/corpus/$h")")
    full+=("$(rate "$build/fuzz/fuzz_$h" "$root/corpus/$h")")
    none+=("$(rate "$build/fuzz/fuzz_$h" "$root/corpus/$h" LABYRINTH_CHECKS=none)")
  done
  e="$(median "${empty[@]}")" f="$(median "${full[@]}")" n="$(median "${none[@]}")"
  [[ "$e$f$n" == *FAILED* ]] && status=1
  echo "| $h | $(commas "$e") | $(commas "$f") | $(ratio "$e" "$f") | $(commas "$n") | $(ratio "$n" "$f") | $(cut -d' ' -f1-3 /proc/loadavg) |"
done
exit "$status"
