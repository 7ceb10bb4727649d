#!/usr/bin/env bash
# ci/tests/figures_test.sh: tests of the figure scripts' argument handling
# (bench/run, bench/figures, fuzz/throughput.sh, fuzz/plant_hunt.sh) and of
# bench/paste_figures.py and the mutation hook: a bad argument draws a clear message and exit 2
# before anything is built or run; the README paste replaces exactly the
# marked sections; a stand-in ci/mutation (LABYRINTH_FIGURES_MUTATION) run once
# with --compare gives the two mutation fragments.  Needs no build.  Prints one line per check and
# "figures tests: N passed, M failed"; exit 0 if all passed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-figures-test.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
failed=0 passed=0
# shellcheck source=ci/tests/check.sh
source "$root/ci/tests/check.sh"
check "bench/run: unknown argument"        2 "bench/run: unknown argument '--bogus'"           "$root/bench/run" --bogus
check "bench/run: fewer than 5 repetitions" 2 "repetitions must be at least 5, not '3'"       "$root/bench/run" --benchmark_repetitions=3
check "bench/run: --help"                  0 "medians"                                          "$root/bench/run" --help
check "figures: unknown option"            2 "bench/figures: unknown option '--bogus'"         "$root/bench/figures" --bogus
check "figures: unknown section"           2 "unknown section 'nope' \(one of: bench throughput" "$root/bench/figures" nope
check "figures: bad --fuzz-seconds"        2 "--fuzz-seconds must be a positive integer, not 'x'" "$root/bench/figures" --fuzz-seconds x
check "figures: missing value"             2 "--hunt-seconds needs a value"                    "$root/bench/figures" --hunt-seconds
check "figures: --quick with --readme"     2 "not for the README"                              "$root/bench/figures" --quick --readme
check "figures: --help"                    0 "Sections"                                        "$root/bench/figures" --help
check "throughput: unknown option"         2 "throughput.sh: unknown option '--bogus'"         "$root/fuzz/throughput.sh" --bogus
check "throughput: unknown harness"        2 "unknown harness 'nope'"                          "$root/fuzz/throughput.sh" nope
check "throughput: bad --runs"             2 "--runs must be a positive integer, not '0'"      "$root/fuzz/throughput.sh" --runs 0
check "throughput: no binaries"            2 "no libFuzzer binary $tmp/none/fuzz/fuzz_empty"   "$root/fuzz/throughput.sh" --build "$tmp/none" ops
check "plant_hunt: unknown plant"          2 "unknown plant 'nope'"                            "$root/fuzz/plant_hunt.sh" nope:ops
check "plant_hunt: unknown harness"        2 "unknown harness 'nope'"                          "$root/fuzz/plant_hunt.sh" pcp_irq_unsafe:nope
check "plant_hunt: bad --seconds"          2 "--seconds must be a positive integer, not 'x'"   "$root/fuzz/plant_hunt.sh" --seconds x
check "plant_hunt: unknown option"         2 "plant_hunt: unknown option '--bogus'"            "$root/fuzz/plant_hunt.sh" --bogus

# paste_figures.py: the marked section is replaced, the rest kept byte for byte.
printf 'intro\n<!-- figures:bench -->\nold table\n<!-- /figures:bench -->\nmiddle\n<!-- figures:hunt -->\nkept\n<!-- /figures:hunt -->\nend\n' >"$tmp/README.md"
mkdir -p "$tmp/frag"; printf '| new | table |\n' >"$tmp/frag/bench.md"
check "paste_figures: replaces the marked section" 0 "replaced bench in" python3 "$root/bench/paste_figures.py" "$tmp/README.md" "$tmp/frag"
expected=$'intro\n<!-- figures:bench -->\n| new | table |\n<!-- /figures:bench -->\nmiddle\n<!-- figures:hunt -->\nkept\n<!-- /figures:hunt -->\nend'
if [[ "$(cat "$tmp/README.md")" == "$expected" ]]; then
  echo "ok   paste_figures: README as expected"; passed=$((passed + 1))
else
  echo "FAIL paste_figures: expected"; printf '%s\n' "$expected" | sed 's/^/       /'; echo "     saw"; sed 's/^/       /' "$tmp/README.md"
  failed=$((failed + 1))
fi
printf 'a\n<!-- figures:bench -->\nb\n' >"$tmp/README2.md"; cp "$tmp/README2.md" "$tmp/README2.orig"
check "paste_figures: unpaired marker" 1 "unpaired marker <!-- figures:bench -->" python3 "$root/bench/paste_figures.py" "$tmp/README2.md" "$tmp/frag"
if cmp -s "$tmp/README2.md" "$tmp/README2.orig"; then
  echo "ok   paste_figures: README unchanged after the error"; passed=$((passed + 1))
else
  echo "FAIL paste_figures: README changed although a marker was unpaired"; failed=$((failed + 1))
fi
# The mutation hook: bench/figures runs the mutation script once with --compare
# --out DIR and turns its mutation.md and compare.md into two fragments.
cat >"$tmp/fake-mutation" <<'FAKE'
#!/usr/bin/env bash
[[ "$1" == --compare && "$2" == --out ]] || { echo "fake mutation: unexpected arguments $*" >&2; exit 2; }
mkdir -p "$3" && echo "| plant | caught |" >"$3/mutation.md" && echo "| plant | guided | random |" >"$3/compare.md"
FAKE
chmod +x "$tmp/fake-mutation"
check "figures: mutation hook runs" 0 "mutation: done" env LABYRINTH_FIGURES_MUTATION="$tmp/fake-mutation" \
  "$root/bench/figures" --out "$tmp/figs" mutation
if grep -q '^| plant | caught |$' "$tmp/figs/mutation.md" 2>/dev/null && grep -q '^| plant | guided | random |$' "$tmp/figs/mutation-compare.md" 2>/dev/null &&
   grep -q '^`ci/mutation --compare' "$tmp/figs/mutation-compare.md"; then
  echo "ok   figures: mutation.md and mutation-compare.md written with their command"; passed=$((passed + 1))
else
  echo "FAIL figures: expected $tmp/figs/mutation.md and mutation-compare.md with the fake tables and the command line; saw:"
  cat "$tmp/figs"/*.md 2>&1 | sed 's/^/       /'; failed=$((failed + 1))
fi
check "figures: a failing section exits 1" 1 "failed: mutation" env LABYRINTH_FIGURES_MUTATION=/bin/false \
  "$root/bench/figures" --out "$tmp/figs2" mutation

echo "figures tests: $passed passed, $failed failed"
(( failed == 0 ))
