#include "faultinject/sweep.h"

#include <cinttypes>
#include <cstdio>

namespace labyrinth::fi {
namespace {

// The pair of checks on a run: reaching the fault at N needs N eligible calls,
// and N eligible calls with fail-nth armed at N must reach it.
std::vector<std::string> row_problems(uint32_t nth, const sweep_run_result& run) {
  std::vector<std::string> problems;
  if (run.fault_reached && run.eligible_calls < nth) {
    problems.push_back("fault reached at N=" + std::to_string(nth) + " with only " +
                       std::to_string(run.eligible_calls) + " eligible calls");
  }
  if (!run.fault_reached && run.eligible_calls >= nth) {
    problems.push_back(std::to_string(run.eligible_calls) +
                       " eligible calls but the fault at N=" + std::to_string(nth) +
                       " was not reached");
  }
  return problems;
}

std::string reports_cell(const std::vector<std::string>& reports) {
  if (reports.empty()) return "-";
  std::string cell = reports.front();
  if (reports.size() > 1) cell += " (+" + std::to_string(reports.size() - 1) + " more)";
  return cell;
}

std::string table_line(const char* site, const char* mode, const std::string& nth,
                       const char* reached, const std::string& eligible,
                       const std::string& failures, const std::string& reports) {
  char text[128];
  std::snprintf(text, sizeof text, "%-15s  %-10s  %6s  %-7s  %8s  %8s  ", site, mode, nth.c_str(),
                reached, eligible.c_str(), failures.c_str());
  return text + reports + "\n";
}

std::string format_row(const sweep_row& row) {
  return table_line(fault_site_name(row.site), sweep_mode_name(row.mode), std::to_string(row.nth),
                    row.run.fault_reached ? "yes" : "no", std::to_string(row.run.eligible_calls),
                    std::to_string(row.run.failures), reports_cell(row.run.reports));
}

std::string format_details(const sweep_row& row) {
  std::string text;
  const std::string where = std::string(fault_site_name(row.site)) + " " +
                            sweep_mode_name(row.mode) + " N=" + std::to_string(row.nth);
  for (const std::string& report : row.run.reports) text += "  " + where + ": " + report + "\n";
  for (const std::string& problem : row.problems) {
    text += "  " + where + ": runner problem: " + problem + "\n";
  }
  if (!row.run.note.empty()) text += "  " + where + ": note: " + row.run.note + "\n";
  return text;
}

std::string format_summary(const sweep_pass& pass) {
  std::string text = "  " + std::string(fault_site_name(pass.site)) + " " +
                     sweep_mode_name(pass.mode) + ": ";
  const uint32_t points = pass.failure_points();
  text += points == 0 ? "no failure point" : "failure points N = 1.." + std::to_string(points);
  if (pass.bound_reached) {
    text += ", bound of " + std::to_string(pass.rows.size()) +
            " runs reached (the program still reaches the fault)";
  } else if (!pass.rows.empty()) {
    text += ", completes untouched at N = " + std::to_string(pass.rows.back().nth);
  }
  return text + "\n";
}

}  // namespace

const char* sweep_mode_name(sweep_mode mode) {
  return mode == sweep_mode::sticky ? "sticky" : "non-sticky";
}

uint32_t sweep_pass::failure_points() const {
  uint32_t points = 0;
  for (const sweep_row& row : rows) points += row.run.fault_reached ? 1 : 0;
  return points;
}

uint64_t sweep_result::runs() const {
  uint64_t runs = 0;
  for (const sweep_pass& pass : passes) runs += pass.rows.size();
  return runs;
}

uint64_t sweep_result::rows_with_reports() const {
  uint64_t rows = 0;
  for (const sweep_pass& pass : passes) {
    for (const sweep_row& row : pass.rows) rows += row.run.reports.empty() ? 0 : 1;
  }
  return rows;
}

bool sweep_result::clean() const {
  for (const sweep_pass& pass : passes) {
    if (pass.bound_reached) return false;
    for (const sweep_row& row : pass.rows) {
      if (!row.run.reports.empty() || !row.problems.empty()) return false;
    }
  }
  return true;
}

sweep_pass sweep_site_pass(fault_site site, sweep_mode mode, const fault_config& base,
                           const sweep_runner& run, uint32_t max_nth) {
  sweep_pass pass{site, mode, {}, false};
  for (uint32_t nth = 1; nth <= max_nth; ++nth) {
    fault_config config = base;
    config[site].fail_nth = nth;
    config[site].fail_nth_sticky = mode == sweep_mode::sticky;
    sweep_row row{site, nth, mode, run(config), {}};
    row.problems = row_problems(nth, row.run);
    const bool reached = row.run.fault_reached;
    pass.rows.push_back(std::move(row));
    if (!reached) return pass;
  }
  pass.bound_reached = max_nth > 0;
  return pass;
}

sweep_result sweep_site(fault_site site, const fault_config& base, const sweep_runner& run,
                        const sweep_options& options) {
  sweep_result result;
  result.passes.push_back(sweep_site_pass(site, sweep_mode::once, base, run, options.max_nth));
  if (options.sticky_pass) {
    result.passes.push_back(sweep_site_pass(site, sweep_mode::sticky, base, run, options.max_nth));
  }
  return result;
}

sweep_result sweep_all_sites(const fault_config& base, const sweep_runner& run,
                             const sweep_options& options) {
  sweep_result result;
  for (unsigned index = 0; index < fault_site_count; ++index) {
    const auto site = static_cast<fault_site>(index);
    if (site == fault_site::interrupt && !options.include_interrupt) continue;
    sweep_result one = sweep_site(site, base, run, options);
    for (sweep_pass& pass : one.passes) result.passes.push_back(std::move(pass));
  }
  return result;
}

std::string format_sweep_report(const sweep_result& result) {
  std::string text = "fault sweep: " + std::to_string(result.passes.size()) + " passes, " +
                     std::to_string(result.runs()) + " runs, " +
                     std::to_string(result.rows_with_reports()) + " runs with reports: " +
                     (result.clean() ? "clean" : "NOT CLEAN") + "\n";
  text += table_line("site", "mode", "N", "reached", "eligible", "failures", "reports");
  std::string details;
  for (const sweep_pass& pass : result.passes) {
    for (const sweep_row& row : pass.rows) {
      text += format_row(row);
      details += format_details(row);
    }
  }
  if (!details.empty()) text += "details:\n" + details;
  text += "summary:\n";
  for (const sweep_pass& pass : result.passes) text += format_summary(pass);
  return text;
}

}  // namespace labyrinth::fi
