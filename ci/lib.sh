# shellcheck shell=bash
# ci/lib.sh: helpers shared by the ci/ scripts (gate now; campaign and repro later).
# Source it; it defines functions and a few variables, and runs nothing.
#
#   lab_log MSG...          "[<LAB_LOG_PREFIX>] MSG" on stderr
#   lab_die MSG...          lab_log, then exit 2
#   lab_now_us              wall clock in microseconds (integer)
#   lab_fmt_secs USEC       "12.3" (seconds, one decimal)
#   lab_xml_escape          stdin -> stdout, escaped for XML text/attributes,
#                           control characters (ANSI colours...) removed
#
#   Step runner (records every step; see ci/README.md):
#   lab_step NAME PRESET MODE CMD [ARG...]
#                           PRESET is "-" for steps not tied to a preset.
#                           MODE: "log"  output to <out>/<preset>-<name>.log,
#                                        last LAB_TAIL_LINES lines shown on failure;
#                                 "tee"  output streamed and also logged.
#                           CMD runs in a subshell with `set -euo pipefail`, stdin
#                           from /dev/null, cwd = LAB_ROOT. It may call
#                           lab_step_skip REASON or lab_step_detail TEXT.
#                           Sets LAB_STEP_RESULT to pass, FAIL or skipped; returns 0.
#                           Never call it as a condition (if/!/&&/||): bash would then
#                           ignore `set -e` inside the step; lab_step refuses that.
#   lab_step_skipped NAME PRESET REASON
#                           record a step that was not run (result "skipped").
#   lab_step_skip REASON    (inside a step) mark this step skipped, then exit 0.
#   lab_step_detail TEXT    (inside a step) one line shown in the summary table.
#   lab_step_summary        print the table and the closing "N passed, N failed".
#   lab_step_junit FILE SUITE
#                           write the recorded steps as JUnit XML.
#   lab_step_counts         sets LAB_PASSED LAB_FAILED LAB_SKIPPED.
#   lab_step_interrupted SIG  (signal handler) record the running step as FAIL.

LAB_ROOT="${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
LAB_LOG_PREFIX="${LAB_LOG_PREFIX:-ci}"
LAB_OUT="${LAB_OUT:-$LAB_ROOT/build/gate}"
LAB_TAIL_LINES="${LAB_TAIL_LINES:-60}"

lab_log() { printf '[%s] %s\n' "$LAB_LOG_PREFIX" "$*" >&2; }
lab_die() { lab_log "error: $*"; exit 2; }

lab_now_us() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME//[!0-9]/}"   # locale-proof: drop the decimal separator
    printf '%s\n' "$((10#$t))"
  else
    printf '%s\n' "$((SECONDS * 1000000))"
  fi
}

lab_fmt_secs() {
  local us=$(( $1 < 0 ? 0 : $1 ))
  printf '%d.%d\n' "$((us / 1000000))" "$(( (us / 100000) % 10 ))"
}

lab_xml_escape() {
  LC_ALL=C tr -d '\000-\010\013\014\016-\037\177' |
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}

# Result of the last lab_step / lab_step_skipped, read by the scripts that source this file.
LAB_STEP_RESULT=""; export LAB_STEP_RESULT
# Recorded steps (parallel arrays, one entry per step).
LAB_CUR=()   # the running step: name preset start-usec log
LAB_S_NAME=() LAB_S_PRESET=() LAB_S_RESULT=() LAB_S_US=() LAB_S_DETAIL=() LAB_S_LOG=() LAB_S_MSG=()

lab__record() { # name preset result usec detail log message
  LAB_S_NAME+=("$1") LAB_S_PRESET+=("$2") LAB_S_RESULT+=("$3") LAB_S_US+=("$4")
  LAB_S_DETAIL+=("$5") LAB_S_LOG+=("$6") LAB_S_MSG+=("$7")
}

lab__label() { if [[ "$2" == "-" ]]; then printf '%s' "$1"; else printf '%s: %s' "$2" "$1"; fi; }

lab_step_skipped() {
  lab_log "$(lab__label "$1" "$2") skipped ($3)"
  lab__record "$1" "$2" skipped 0 "$3" "" ""
  LAB_STEP_RESULT=skipped
}

# Inside a step (these run in the step's subshell and talk to the runner via files).
lab_step_skip() {
  printf '%s\n' "${1:-skipped}" >"${LAB_STEP_SKIP_FILE:?lab_step_skip used outside a step}"
  exit 0
}
lab_step_detail() {
  printf '%s\n' "$*" >"${LAB_STEP_DETAIL_FILE:?lab_step_detail used outside a step}"
}

lab_step() {
  local name="$1" preset="$2" mode="$3"; shift 3
  LAB_STEP_RESULT=""
  # Is `set -e` in force here? Not when we were called as a condition. (Checked
  # inline: calling a helper as `helper || ...` would itself be a condition.)
  local probe; set +e; probe="$(set -e; false; echo ignored)"; set -e
  [[ "$probe" != ignored ]] || lab_die "lab_step $name: called inside a condition (if/!/&&/||), where bash ignores set -e; call it plainly and test \$LAB_STEP_RESULT"
  local label; label="$(lab__label "$name" "$preset")"
  local base="$name"; [[ "$preset" != "-" ]] && base="$preset-$name"
  local log="$LAB_OUT/$base.log"
  mkdir -p "$LAB_OUT"
  : >"$log"
  LAB_STEP_SKIP_FILE="$LAB_OUT/.$base.skip"; LAB_STEP_DETAIL_FILE="$LAB_OUT/.$base.detail"
  rm -f "$LAB_STEP_SKIP_FILE" "$LAB_STEP_DETAIL_FILE"
  export LAB_STEP_SKIP_FILE LAB_STEP_DETAIL_FILE

  lab_log "$label ..."
  local t0 rc=0 t1; t0="$(lab_now_us)"
  LAB_CUR=("$name" "$preset" "$t0" "$log")
  # The subshell is NOT in a condition context, so `set -e` really applies inside it
  # (a function called from `if` would silently ignore errexit).
  set +e
  case "$mode" in
    tee)
      (cd "$LAB_ROOT" || exit 1; set -euo pipefail; "$@") </dev/null 2>&1 | tee -a "$log"
      rc="${PIPESTATUS[0]}" ;;
    log)
      (cd "$LAB_ROOT" || exit 1; set -euo pipefail; "$@") </dev/null >>"$log" 2>&1
      rc=$? ;;
    *) set -e; lab_die "lab_step: unknown mode '$mode'" ;;
  esac
  set -e
  t1="$(lab_now_us)"
  LAB_CUR=()
  local us=$((t1 - t0)) secs; secs="$(lab_fmt_secs "$us")"

  local detail="" skip=""
  [[ -s "$LAB_STEP_DETAIL_FILE" ]] && detail="$(head -n1 "$LAB_STEP_DETAIL_FILE")"
  [[ -s "$LAB_STEP_SKIP_FILE" ]] && skip="$(head -n1 "$LAB_STEP_SKIP_FILE")"
  rm -f "$LAB_STEP_SKIP_FILE" "$LAB_STEP_DETAIL_FILE"
  unset LAB_STEP_SKIP_FILE LAB_STEP_DETAIL_FILE

  if [[ "$rc" -eq 0 && -n "$skip" ]]; then
    lab_log "$label skipped ($skip)"
    lab__record "$name" "$preset" skipped "$us" "$skip" "$log" ""
    LAB_STEP_RESULT=skipped
    return 0
  elif [[ "$rc" -eq 0 ]]; then
    lab_log "$label pass (${secs} s)${detail:+ - $detail}"
    lab__record "$name" "$preset" pass "$us" "$detail" "$log" ""
    LAB_STEP_RESULT=pass
    return 0
  fi
  if [[ "$mode" == log ]]; then
    lab_log "$label FAILED (exit $rc); last $LAB_TAIL_LINES lines of ${log#"$LAB_ROOT"/}:"
    tail -n "$LAB_TAIL_LINES" "$log" | sed 's/^/    /' >&2
  fi
  lab_log "$label FAIL (exit $rc, ${secs} s)${detail:+ - $detail}; full log: ${log#"$LAB_ROOT"/}"
  lab__record "$name" "$preset" FAIL "$us" "$detail" "$log" "exit status $rc"
  LAB_STEP_RESULT=FAIL
  return 0
}

# For a signal handler: record the step that was running (if any) as failed.
lab_step_interrupted() { # signal-name
  if [[ ${#LAB_CUR[@]} -eq 4 ]]; then
    lab__record "${LAB_CUR[0]}" "${LAB_CUR[1]}" FAIL "$(( $(lab_now_us) - LAB_CUR[2] ))" \
      "interrupted by SIG$1" "${LAB_CUR[3]}" "interrupted by SIG$1"
    LAB_CUR=()
  else
    lab__record interrupted - FAIL 0 "interrupted by SIG$1" "" "interrupted by SIG$1"
  fi
}

lab_step_counts() {
  LAB_PASSED=0 LAB_FAILED=0 LAB_SKIPPED=0
  local r
  for r in "${LAB_S_RESULT[@]}"; do
    case "$r" in
      pass) LAB_PASSED=$((LAB_PASSED + 1)) ;;
      FAIL) LAB_FAILED=$((LAB_FAILED + 1)) ;;
      *)    LAB_SKIPPED=$((LAB_SKIPPED + 1)) ;;
    esac
  done
}

lab_step_summary() { # [total-usec]
  local total="${1:-}" i ws=4 wp=6
  for i in "${!LAB_S_NAME[@]}"; do
    (( ${#LAB_S_NAME[i]} > ws )) && ws=${#LAB_S_NAME[i]}
    (( ${#LAB_S_PRESET[i]} > wp )) && wp=${#LAB_S_PRESET[i]}
  done
  local fmt="%-${ws}s | %-${wp}s | %-7s | %8s | %s\n"
  echo
  {
  # shellcheck disable=SC2059
  printf "$fmt" step preset result seconds detail
  # shellcheck disable=SC2059
  printf "$fmt" "$(printf '%*s' "$ws" '' | tr ' ' -)" "$(printf '%*s' "$wp" '' | tr ' ' -)" \
    ------- -------- ------
  for i in "${!LAB_S_NAME[@]}"; do
    local secs=""
    [[ "${LAB_S_RESULT[i]}" != skipped || "${LAB_S_US[i]}" -gt 0 ]] && secs="$(lab_fmt_secs "${LAB_S_US[i]}")"
    # shellcheck disable=SC2059
    printf "$fmt" "${LAB_S_NAME[i]}" "${LAB_S_PRESET[i]}" "${LAB_S_RESULT[i]}" "$secs" "${LAB_S_DETAIL[i]}"
  done
  } | sed 's/[[:space:]]*$//'
  lab_step_counts
  echo
  [[ -n "$total" ]] && echo "total: $(lab_fmt_secs "$total") s"
  (( LAB_SKIPPED > 0 )) && echo "skipped steps: $LAB_SKIPPED"
  # The closing line CI reads. Keep it alone on its line, in exactly this form.
  echo "$LAB_PASSED passed, $LAB_FAILED failed"
}

lab_step_junit() { # file suite-name [total-usec]
  local file="$1" suite="$2" total="${3:-0}" tmp i
  lab_step_counts
  mkdir -p "$(dirname "$file")"
  tmp="$file.tmp.$$"
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<testsuites>'
    printf '  <testsuite name="%s" tests="%d" failures="%d" errors="0" skipped="%d" time="%s" timestamp="%s" hostname="%s">\n' \
      "$(printf '%s' "$suite" | lab_xml_escape)" "${#LAB_S_NAME[@]}" "$LAB_FAILED" "$LAB_SKIPPED" \
      "$(lab_fmt_secs "$total")" "$(date -u +%Y-%m-%dT%H:%M:%S)" "$(hostname 2>/dev/null | lab_xml_escape)"
    for i in "${!LAB_S_NAME[@]}"; do
      local cls="$suite" nm
      [[ "${LAB_S_PRESET[i]}" != "-" ]] && cls="$suite.${LAB_S_PRESET[i]}"
      nm="$(printf '%s' "${LAB_S_NAME[i]}" | lab_xml_escape)"
      cls="$(printf '%s' "$cls" | lab_xml_escape)"
      printf '    <testcase classname="%s" name="%s" time="%s"' "$cls" "$nm" "$(lab_fmt_secs "${LAB_S_US[i]}")"
      case "${LAB_S_RESULT[i]}" in
        pass)
          if [[ -n "${LAB_S_DETAIL[i]}" ]]; then
            printf '>\n      <system-out>%s</system-out>\n    </testcase>\n' \
              "$(printf '%s' "${LAB_S_DETAIL[i]}" | lab_xml_escape)"
          else
            printf '/>\n'
          fi ;;
        skipped)
          printf '>\n      <skipped message="%s"/>\n    </testcase>\n' \
            "$(printf '%s' "${LAB_S_DETAIL[i]}" | lab_xml_escape)" ;;
        *)
          local msg="${LAB_S_MSG[i]}"
          [[ -n "${LAB_S_DETAIL[i]}" && "${LAB_S_DETAIL[i]}" != "$msg" ]] && msg+="; ${LAB_S_DETAIL[i]}"
          printf '>\n      <failure message="%s">' "$(printf '%s' "$msg" | lab_xml_escape)"
          if [[ -n "${LAB_S_LOG[i]}" && -f "${LAB_S_LOG[i]}" ]]; then
            printf 'last %s lines of %s:\n' "$LAB_TAIL_LINES" "${LAB_S_LOG[i]}" | lab_xml_escape
            tail -n "$LAB_TAIL_LINES" "${LAB_S_LOG[i]}" | lab_xml_escape
          fi
          printf '</failure>\n    </testcase>\n' ;;
      esac
    done
    echo '  </testsuite>'
    echo '</testsuites>'
  } >"$tmp"
  mv -f "$tmp" "$file"
}

# --- crash titles (ci/repro, ci/campaign) -----------------------------------------
#   lab_crash_title LOG     one line naming the failure in a replay or fuzzer log:
#                           the first line of the first model bug report (reports
#                           follow "== reports:", separated by blank lines; those a
#                           misuse probe asked for are skipped whole), else the
#                           sanitizer's SUMMARY / "runtime error:", else the first
#                           kernel-style report line (a fatal report prints only
#                           that), else libFuzzer's ERROR line. Prints nothing if
#                           LOG shows no failure.
#   lab_crash_key TITLE     the title with numbers replaced by N (pfns, counts,
#                           addresses differ between inputs that hit the same bug):
#                           what crashes are grouped and compared by.
#   lab_slug TEXT           lower-case [a-z0-9-] of TEXT, at most 48 characters.
#   LAB_TITLE_AWK           the awk program of the first rule; on several replays
#                           in one log it prints "FILE<TAB>TITLE" per reporting file.
# smp has its own input layout and replay main (fuzz/smp_program.h) with the
# same command line, so every tool treats it like the others.
LAB_HARNESSES_ALL=(ops irq faults client smp)
LAB_HARNESSES_REPRO=("${LAB_HARNESSES_ALL[@]}")
# Per input ("==== <h>: N bug report(s) replaying FILE" starts one): inside the
# "== reports:" section, a paragraph is one report; the first paragraph not
# marked "(expected by a misuse probe)" gives the title.
LAB_TITLE_AWK='
  /^==== [a-z]+: [0-9]+ bug report\(s\) replaying / { file = $0; sub(/.* replaying /, "", file); done = 0; next }
  /^== reports: / { inside = !done; start = 1; next }
  inside && /^== / { inside = 0; next }
  inside && NF == 0 { start = 1; next }
  inside && start {
    start = 0
    if ($0 ~ /^\(expected by a misuse probe\)/) next
    if (multi) printf "%s\t%s\n", file, substr($0, 1, 200); else print
    inside = 0; done = 1
    if (!multi) exit
  }'
lab_crash_title() {
  local log="$1" t=""
  t="$(awk -v multi=0 "$LAB_TITLE_AWK" "$log" 2>/dev/null)"
  [[ -z "$t" ]] && t="$(grep -a -m1 -o 'runtime error: .*' "$log" 2>/dev/null | sed 's/^/UBSan: /')"
  [[ -z "$t" ]] && t="$(grep -a -m1 '^SUMMARY: [A-Za-z]*Sanitizer: ' "$log" 2>/dev/null |
                        sed -E 's/^SUMMARY: //; s# /[^ ]*:[0-9]+(:[0-9]+)?# #; s/ \(.*\)//')"
  # A fatal report in abort mode prints the kernel-style report alone (no "== reports:").
  [[ -z "$t" ]] && t="$(grep -a -m1 -E '^(BUG: |WARNING: |WARNING$|pagealloc: |INFO: allocation livelock)' "$log" 2>/dev/null)"
  [[ -z "$t" ]] && t="$(grep -a -m1 -o 'ERROR: libFuzzer: .*' "$log" 2>/dev/null)"
  printf '%s' "$t" | head -n1 | cut -c1-200
}
lab_crash_key() {
  printf '%s' "$*" | sed -E 's/\b0x[0-9a-fA-F]+\b/N/g; s/\b[0-9]+\b/N/g'
}
lab_slug() {
  printf '%s' "$*" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9]+/-/g; s/^-+//' | cut -c1-48 | sed -E 's/-+$//'
}
