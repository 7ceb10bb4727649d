// Fail-nth sweeps over fake programs that call a site k times: each pass
// stops at N = k + 1, rows say what each run saw, and the report shows it.
#include <gtest/gtest.h>

#include <string>

#include "faultinject/injector.h"
#include "faultinject/sweep.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

// A fake program: `calls` calls of `site` in task context on a fresh
// injector; if `leak_when_failed_at` is set, failing that call "leaks".
struct fake_program {
  fault_site site = fault_site::page_alloc;
  uint64_t calls = 3;
  uint64_t leak_when_failed_at = 0;
  int runs = 0;

  sweep_run_result operator()(const fault_config& config) {
    ++runs;
    testing::counting_source source(99);
    injector faults(config, source);
    sweep_run_result result;
    for (uint64_t call = 1; call <= calls; ++call) {
      const bool failed = faults.should_fail(site, 1, testing::task_context(call));
      if (failed && call == leak_when_failed_at) result.reports.push_back("leak: 1 pages (owner: op " + std::to_string(call) + ")");
    }
    const fault_attr_state& state = faults.state(site);
    result.fault_reached = state.fail_nth_fired;
    result.eligible_calls = state.eligible_calls;
    result.failures = state.failures;
    return result;
  }
};

TEST(sweep, stops_at_k_plus_1_in_both_modes) {
  // Goal: with k = 3 calls, N = 1..3 reach the fault and N = 4 completes
  // untouched, in the non-sticky and the sticky pass. Method: fake program.
  fake_program program;
  const sweep_result result =
      sweep_site(fault_site::page_alloc, fault_config{}, std::ref(program));
  ASSERT_EQ(result.passes.size(), 2u);
  EXPECT_EQ(program.runs, 8);
  for (const sweep_pass& pass : result.passes) {
    ASSERT_EQ(pass.rows.size(), 4u) << sweep_mode_name(pass.mode);
    EXPECT_FALSE(pass.bound_reached);
    EXPECT_EQ(pass.failure_points(), 3u);
    for (uint32_t nth = 1; nth <= 4; ++nth) {
      const sweep_row& row = pass.rows[nth - 1];
      EXPECT_EQ(row.nth, nth);
      EXPECT_EQ(row.mode, pass.mode);
      EXPECT_EQ(row.run.fault_reached, nth <= 3) << "N=" << nth;
      EXPECT_EQ(row.run.eligible_calls, 3u);
      const uint64_t expected_failures = nth > 3 ? 0 : pass.mode == sweep_mode::sticky ? 4 - nth : 1;
      EXPECT_EQ(row.run.failures, expected_failures)
          << sweep_mode_name(pass.mode) << " N=" << nth;
      EXPECT_TRUE(row.problems.empty());
    }
  }
  EXPECT_EQ(result.passes[0].mode, sweep_mode::once);
  EXPECT_EQ(result.passes[1].mode, sweep_mode::sticky);
  EXPECT_TRUE(result.clean());
}

TEST(sweep, program_without_the_site_needs_one_run) {
  // Goal: k = 0: N = 1 is not reached, one run per pass.
  fake_program program;
  program.calls = 0;
  const sweep_result result = sweep_site(fault_site::reclaim, fault_config{}, std::ref(program));
  EXPECT_EQ(result.runs(), 2u);
  EXPECT_EQ(result.passes[0].failure_points(), 0u);
  EXPECT_TRUE(result.clean());
}

TEST(sweep, reports_are_collected_and_make_it_unclean) {
  // Goal: a report in one run shows in its row, the details and the verdict.
  // Method: the program leaks when call 2 fails: N=2 both passes, and sticky
  // N=1 (call 2 fails there too).
  fake_program program;
  program.leak_when_failed_at = 2;
  const sweep_result result = sweep_site(fault_site::page_alloc, fault_config{}, std::ref(program));
  EXPECT_FALSE(result.clean());
  EXPECT_EQ(result.rows_with_reports(), 3u);
  EXPECT_EQ(result.passes[0].rows[1].run.reports.size(), 1u);
  EXPECT_EQ(result.passes[1].rows[0].run.reports.size(), 1u);
  const std::string report = format_sweep_report(result);
  EXPECT_NE(report.find("NOT CLEAN"), std::string::npos) << report;
  EXPECT_NE(report.find("fail_page_alloc non-sticky N=2: leak: 1 pages (owner: op 2)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("fail_page_alloc sticky N=1: leak: 1 pages (owner: op 2)"),
            std::string::npos)
      << report;
}

TEST(sweep, report_table_is_readable) {
  // Goal: the exact text of a small sweep report.
  fake_program program;
  program.calls = 1;
  const std::string report =
      format_sweep_report(sweep_site(fault_site::oom, fault_config{}, [&](const fault_config& c) {
        program.site = fault_site::oom;
        return program(c);
      }));
  EXPECT_EQ(report,
            "fault sweep: 2 passes, 4 runs, 0 runs with reports: clean\n"
            "site             mode             N  reached  eligible  failures  reports\n"
            "oom              non-sticky       1  yes             1         1  -\n"
            "oom              non-sticky       2  no              1         0  -\n"
            "oom              sticky           1  yes             1         1  -\n"
            "oom              sticky           2  no              1         0  -\n"
            "summary:\n"
            "  oom non-sticky: failure points N = 1..1, completes untouched at N = 2\n"
            "  oom sticky: failure points N = 1..1, completes untouched at N = 2\n");
}

TEST(sweep, bound_stops_an_endless_program) {
  // Goal: a program that always reaches the fault stops at the bound, and the
  // report says so. Method: a runner that claims the fault every time, bound 5.
  sweep_options options;
  options.max_nth = 5;
  options.sticky_pass = false;
  const sweep_result result = sweep_site(
      fault_site::kswapd, fault_config{},
      [](const fault_config& config) {
        return sweep_run_result{true, config[fault_site::kswapd].fail_nth + 10ull, 1, {}, ""};
      },
      options);
  ASSERT_EQ(result.passes.size(), 1u);
  EXPECT_EQ(result.passes[0].rows.size(), 5u);
  EXPECT_TRUE(result.passes[0].bound_reached);
  EXPECT_FALSE(result.clean());
  EXPECT_NE(format_sweep_report(result).find("kswapd non-sticky: failure points N = 1..5, bound of "
                                             "5 runs reached (the program still reaches the fault)"),
            std::string::npos);
}

TEST(sweep, runner_inconsistency_is_a_problem) {
  // Goal: the pair of checks on each row: reached needs >= N eligible calls,
  // and >= N eligible calls must reach. Method: two lying runners.
  const sweep_pass reached_too_early = sweep_site_pass(
      fault_site::oom, sweep_mode::once, fault_config{},
      [](const fault_config&) { return sweep_run_result{true, 0, 1, {}, ""}; }, 1);
  ASSERT_EQ(reached_too_early.rows[0].problems.size(), 1u);
  EXPECT_EQ(reached_too_early.rows[0].problems[0], "fault reached at N=1 with only 0 eligible calls");
  const sweep_pass missed = sweep_site_pass(
      fault_site::oom, sweep_mode::once, fault_config{},
      [](const fault_config&) { return sweep_run_result{false, 4, 0, {}, ""}; }, 10);
  ASSERT_EQ(missed.rows.size(), 1u);
  EXPECT_EQ(missed.rows[0].problems[0], "4 eligible calls but the fault at N=1 was not reached");
}

TEST(sweep, config_arms_only_the_swept_site_over_the_base) {
  // Goal: each run gets the base with fail-nth (and sticky) set on the swept site.
  fault_config base;
  base[fault_site::reclaim].probability = 7;
  std::vector<fault_config> seen;
  sweep_site(fault_site::oom, base, [&](const fault_config& config) {
    seen.push_back(config);
    return sweep_run_result{config[fault_site::oom].fail_nth <= 2, 2, 0, {}, ""};
  });
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[1][fault_site::oom].fail_nth, 2u);
  EXPECT_FALSE(seen[1][fault_site::oom].fail_nth_sticky);
  EXPECT_TRUE(seen[3][fault_site::oom].fail_nth_sticky);
  EXPECT_EQ(seen[3][fault_site::oom].fail_nth, 1u);
  EXPECT_EQ(seen[4][fault_site::reclaim].probability, 7u);
}

TEST(sweep, all_sites_skips_irq_unless_asked) {
  // Goal: sweep_all_sites covers every site but irq by default.
  const auto runner = [](const fault_config&) { return sweep_run_result{}; };
  const sweep_result without = sweep_all_sites(fault_config{}, runner);
  EXPECT_EQ(without.passes.size(), 2u * (fault_site_count - 1));
  for (const sweep_pass& pass : without.passes) EXPECT_NE(pass.site, fault_site::interrupt);
  sweep_options options;
  options.include_interrupt = true;
  EXPECT_EQ(sweep_all_sites(fault_config{}, runner, options).passes.size(), 2u * fault_site_count);
}

}  // namespace
}  // namespace labyrinth::fi
