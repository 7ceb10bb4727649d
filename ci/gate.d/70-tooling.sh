# shellcheck shell=bash
# Gate step "tooling": tests of ci/repro, ci/campaign and ci/clusterfuzzlite-check
# themselves (bad input, a busy campaign directory, SIGINT during a merge and
# its resumption), with the asan build's binaries (ci/tests/tooling_test.sh).
gate_step_tooling() { # $1 = preset (asan), $2 = its build dir
  # Bounded: a hang (a fuzzer deadlocked in a signal handler) fails the step
  # instead of holding CI until its limit; it takes under a minute idle.
  timeout --kill-after=20 900 bash "$GATE_ROOT/ci/tests/tooling_test.sh" "$2" | tee "$GATE_OUT/tooling.out"
  lab_step_detail "$(tail -n 1 "$GATE_OUT/tooling.out")"
}
gate_register tooling asan log
