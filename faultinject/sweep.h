// Fail-nth sweeps, as syzkaller and SQLite's anomaly tests do them: for one
// fault site, run the same program with fail-nth = 1, 2, ... until a run no
// longer reaches the armed fault (the program completed untouched), once
// failing only the Nth call and once failing the Nth and every later eligible
// call (sticky).  The runner builds a fresh world for each run, runs the
// program, checks the oracles and the full invariants, and says what happened.
// The sweep itself is bounded (max_nth runs per pass) and says when the bound
// stopped it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "faultinject/fault_site.h"
#include "faultinject/injector.h"

namespace labyrinth::fi {

enum class sweep_mode : uint8_t { once, sticky };
const char* sweep_mode_name(sweep_mode mode);  // "non-sticky", "sticky"

// What one run reports back; the runner fills it from injector::state(site)
// and its oracles.
struct sweep_run_result {
  bool fault_reached = false;   // fault_attr_state::fail_nth_fired
  uint64_t eligible_calls = 0;  // fault_attr_state::eligible_calls
  uint64_t failures = 0;        // fault_attr_state::failures (optional)
  std::vector<std::string> reports;  // titles of oracle and invariant reports
  std::string note;             // optional free text for the report, e.g. the failing op
};

using sweep_runner = std::function<sweep_run_result(const fault_config&)>;

struct sweep_options {
  uint32_t max_nth = 10000;        // runs per pass at most
  bool sticky_pass = true;         // also run the sticky pass
  bool include_interrupt = false;  // sweep_all_sites: also sweep the irq site
};

struct sweep_row {
  fault_site site = fault_site::page_alloc;
  uint32_t nth = 0;
  sweep_mode mode = sweep_mode::once;
  sweep_run_result run;
  // Disagreements between fault_reached and eligible_calls (a runner bug).
  std::vector<std::string> problems;
};

struct sweep_pass {
  fault_site site = fault_site::page_alloc;
  sweep_mode mode = sweep_mode::once;
  std::vector<sweep_row> rows;
  bool bound_reached = false;  // every run up to max_nth reached the fault
  uint32_t failure_points() const;  // runs that reached the fault
};

struct sweep_result {
  std::vector<sweep_pass> passes;
  uint64_t runs() const;
  uint64_t rows_with_reports() const;
  // No report, no runner problem, and every pass ended by a run that reached no fault.
  bool clean() const;
};

// One pass: fail-nth = 1, 2, ... on `site` over `base` in `mode`.
sweep_pass sweep_site_pass(fault_site site, sweep_mode mode, const fault_config& base,
                           const sweep_runner& run, uint32_t max_nth);
// The non-sticky pass, then (options.sticky_pass) the sticky pass.
sweep_result sweep_site(fault_site site, const fault_config& base, const sweep_runner& run,
                        const sweep_options& options = {});
// sweep_site over every site but irq (and irq too with options.include_interrupt).
sweep_result sweep_all_sites(const fault_config& base, const sweep_runner& run,
                             const sweep_options& options = {});

// A table of every run (site, mode, N, reached, eligible calls, reports), the
// reports in full, and one summary line per pass.
std::string format_sweep_report(const sweep_result& result);

}  // namespace labyrinth::fi
