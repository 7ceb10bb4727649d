#!/usr/bin/env bash
# ci/tests/mutation_test.sh: tests of ci/mutation itself. Bad arguments draw a
# clear message and exit 2; a plant the selected steps cannot catch (the fault
# attribute's times counter not decremented, against the corpus replay, whose
# harnesses only use times=-1) survives, and ci/mutation then exits 1, names it in
# the table, the Markdown, the JSON and the JUnit failure; a plant its step does
# catch gives exit 0; the plant's own scenario test (plant_detection.*, which
# passes in the planted build) is not a detection step. Builds two planted variants (asan preset, ccache; the build
# dirs are ci/mutation's defaults, so a later full run reuses them). Prints one
# line per check; exit 0 if all passed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-mutation-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
failed=0 passed=0
CHECK_TAIL=25
# shellcheck source=ci/tests/check.sh
source "$root/ci/tests/check.sh"
file_has() { # name file regex
  if grep -Eq -- "$3" "$2" 2>/dev/null; then echo "ok   $1"; passed=$((passed + 1))
  else echo "FAIL $1: expected ${2#"$tmp"/} to match /$3/"; failed=$((failed + 1)); fi
}
m="$root/ci/mutation"

check "unknown plant"       2 "unknown plant 'nope' \(known: atomic_direct_reclaim " "$m" --plants nope --out "$tmp/o"
check "unknown step"        2 "unknown step 'replay'"          "$m" --steps replay --out "$tmp/o"
check "bad --jobs"          2 "--jobs must be a positive number" "$m" --jobs 0 --out "$tmp/o"
check "bad --trials"        2 "--trials must be a positive number" "$m" --trials x --out "$tmp/o"
check "bad --compare-corpus" 2 "--compare-corpus must be empty or seeds" "$m" --compare-corpus full --out "$tmp/o"

# A survivor: the corpus replay cannot see times_not_decremented.
check "a plant the selected step cannot catch survives: exit 1" 1 \
  "0 of 1 plants caught; survived: times_not_decremented" \
  "$m" --plants times_not_decremented --steps corpus --out "$tmp/survivor"
file_has "survivor: the table says SURVIVED"        "$tmp/survivor/mutation.md"  '`times_not_decremented` .*\*\*none\*\*.*SURVIVED'
file_has "survivor: a JUnit failure names it"       "$tmp/survivor/mutation.xml" 'name="times_not_decremented".*|<failure message="survived'
file_has "survivor: the JSON says caught false"     "$tmp/survivor/mutation.json" '"caught": false'

# A plant its step catches: exit 0.
check "a plant its step catches: exit 0" 0 "1 of 1 plants caught; survived: none" \
  "$m" --plants pcp_count_drift --steps corpus --out "$tmp/caught"
file_has "caught: the table names the step"          "$tmp/caught/mutation.md" '`pcp_count_drift` .*\| corpus \|'

# The plant's own scenario test is not a detection step (it passes in the
# planted build): with it alone, the plant survives.
check "the plant's own scenario alone catches nothing: exit 1" 1 "0 of 1 plants caught; survived: pcp_count_drift" \
  "$m" --plants pcp_count_drift --steps plant-test --out "$tmp/own"
file_has "own scenario: the table says it shows the plant" "$tmp/own/mutation.md" '`pcp_count_drift` .*\| yes \| SURVIVED'

echo "$passed passed, $failed failed"
(( failed == 0 ))
