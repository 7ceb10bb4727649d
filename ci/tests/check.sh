# shellcheck shell=bash
# check(): the one assertion of the script tests (tooling_test.sh,
# figures_test.sh, mutation_test.sh).  Sourced after the script has set:
#   tmp               a scratch directory (the last command's output is $tmp/out)
#   passed, failed    the counters it increments
#   CHECK_TAIL        lines of output shown on a failure (default 15)
#   CHECK_ALL_OUT     if set, every command's output is also appended there
check() { # name expected-status expected-output-regex command...
  local name="$1" want="$2" re="$3" rc=0 t0=$SECONDS; shift 3
  "$@" >"$tmp/out" 2>&1 </dev/null || rc=$?
  [[ -n "${CHECK_ALL_OUT:-}" ]] && cat "$tmp/out" >>"$CHECK_ALL_OUT"
  if [[ "$rc" == "$want" ]] && grep -Eq -- "$re" "$tmp/out"; then
    echo "ok   $name ($((SECONDS - t0)) s)"; passed=$((passed + 1))
  else
    echo "FAIL $name: expected exit $want and output matching /$re/, saw exit $rc:"
    sed 's/^/       /' "$tmp/out" | tail -n "${CHECK_TAIL:-15}"
    failed=$((failed + 1))
  fi
}
