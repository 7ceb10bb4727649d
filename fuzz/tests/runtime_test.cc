// Goal: the runtime runs correct programs without a report, deterministically,
// delivers interrupts and faults as the decision bytes say, and its own
// oracle fires when a held page changes.  Method: hand-written scenarios
// (parsed text) and fixed-seed random inputs for every harness.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "fuzz/decoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"
#include "fuzz/reproduction.h"
#include "fuzz/tests/test_inputs.h"

namespace labyrinth::fuzz {
namespace {

program parse_or_fail(const char* text, const harness& h) {
  parse_result parsed = parse_program(text, h.program_layout);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  return parsed.value;
}

std::string reports_of(const run_result& r) {
  std::string text;
  for (const report& rep : r.reports) text += rep.text() + "\n";
  return text;
}

TEST(runtime, simple_task_program_is_clean) {
  const harness& h = *find_harness("ops");
  program p = parse_or_fail(
      "task:\n"
      "  alloc slot=0 GFP_KERNEL order=0\n"
      "  alloc slot=1 GFP_KERNEL|__GFP_ZERO order=3\n"
      "  write slot=1 byte=0x5a\n"
      "  get slot=1\n"
      "  map slot=1 mm=0 mode=shared\n"
      "  map slot=1 mm=1 mode=exclusive\n"
      "  spin_lock_irqsave lock=tx_lock\n"
      "    alloc slot=2 GFP_ATOMIC order=1\n"
      "  spin_unlock_irqrestore lock=tx_lock\n"
      "  free slot=0\n"
      "  cache_add kind=dirty\n"
      "  schedule\n",
      h);
  run_result r = run(p, harness_options(h, sink_mode::collect));
  EXPECT_TRUE(r.clean()) << reports_of(r);
  EXPECT_FALSE(r.halted);
  ASSERT_GE(r.steps.size(), 6u);
  EXPECT_EQ(r.steps[5].result, -EBUSY) << "an exclusive map of a mapped page must be refused";
  EXPECT_EQ(r.stats.allocations, 16u + 4u) << "16 OOM-victim pages at construction, then 4";
}

TEST(runtime, sections_nested_past_the_bound_are_refused) {
  // Goal: the machine keeps a list's open sections in a fixed array of
  // max_section_depth; decode and parse never nest deeper, and a program
  // built by hand that does is refused with an exception, not overrun.
  const harness& h = *find_harness("ops");
  program p;
  for (unsigned i = 0; i <= max_section_depth; ++i) p.at(list_id::task).push_back(op{op_code::preempt_disable, {}});
  EXPECT_THROW(run(p, harness_options(h, sink_mode::collect)), std::logic_error);
  p.at(list_id::task).pop_back();  // at the bound: runs (and is closed at the end)
  run_result r = run(p, harness_options(h, sink_mode::collect));
  EXPECT_TRUE(r.clean()) << reports_of(r);
}

TEST(runtime, hardirq_handler_runs_when_the_decisions_say_so) {
  const harness& h = *find_harness("irq");
  // irq probability 25: a draw of 0 fires; the next answer 0 picks a hardirq.
  program p = parse_or_fail(
      "task:\n"
      "  alloc slot=0 GFP_KERNEL order=0\n"
      "  free slot=0\n"
      "hardirq[0]:\n"
      "  alloc slot=0 GFP_ATOMIC order=0\n"
      "  give slot=0 to=softirq\n"
      "  raise_softirq\n"
      "softirq[0]:\n"
      "  consume\n"
      "decisions: 00*64\n",
      h);
  run_result r = run(p, harness_options(h, sink_mode::collect));
  EXPECT_TRUE(r.clean()) << reports_of(r) << format_steps(p, r);
  EXPECT_GT(r.stats.interrupts[0], 0u) << format_steps(p, r);
  EXPECT_GT(r.stats.softirqs_run, 0u) << format_steps(p, r);
  EXPECT_GT(r.handler_ops_run, 0u);
}

TEST(runtime, runs_are_deterministic) {
  for (const char* name : {"irq", "faults", "client"}) {
    const harness& h = *find_harness(name);
    std::vector<uint8_t> input = testing::random_input(77, 2000);
    program p = decode(input, h.program_layout);
    run_result a = run(p, harness_options(h, sink_mode::collect));
    run_result b = run(p, harness_options(h, sink_mode::collect));
    EXPECT_EQ(format_steps(p, a), format_steps(p, b)) << name;
    EXPECT_EQ(a.trace.size(), b.trace.size()) << name;
    EXPECT_EQ(reports_of(a), reports_of(b)) << name;
  }
}

// A small in-process campaign: random inputs for every harness never draw a
// report from the correct model (no false positives).
TEST(runtime, random_programs_are_clean_in_every_harness) {
  for (const harness& h : harnesses()) {
    run_options options = harness_options(h, sink_mode::collect);
    uint64_t interrupts = 0, faults = 0;
    for (uint64_t seed = 1; seed <= 400; ++seed) {
      std::vector<uint8_t> input = testing::random_input(seed * 31 + 7, 1500);
      program p = decode(input, h.program_layout);
      run_result r = run(p, options);
      interrupts += r.stats.interrupts[0] + r.stats.interrupts[1] + r.stats.interrupts[2];
      faults += r.faults.size();
      ASSERT_TRUE(r.clean()) << h.name << " seed " << seed << ":\n" << format_reproduction(p, r, h.program_layout);
    }
    if (std::string(h.name) != "ops") {
      EXPECT_GT(interrupts, 0u) << h.name;
    }
    if (std::string(h.name) == "faults") {
      EXPECT_GT(faults, 0u);
    }
  }
}

// The PRNG baseline: the same program with decisions from a seeded PRNG
// instead of its bytes; deterministic per seed, different across seeds.
TEST(runtime, seeded_prng_decisions_replace_the_bytes) {
  const harness& h = *find_harness("faults");
  program p = decode(testing::random_input(5, 600), h.program_layout);
  p.decisions.clear();
  run_options options = harness_options(h, sink_mode::collect);
  options.decision_seed = 42;
  run_result a = run(p, options);
  run_result b = run(p, options);
  EXPECT_TRUE(a.clean()) << format_reproduction(p, a, h.program_layout);
  EXPECT_GT(a.trace.size(), 0u) << "a PRNG answers every question, the program has no decision bytes";
  EXPECT_EQ(format_steps(p, a), format_steps(p, b)) << "seed 42 twice";
}

TEST(runtime, client_driver_receives_and_frees_packets) {
  const harness& h = *find_harness("client");
  program p = parse_or_fail(
      "task:\n"
      "  rx_refill count=8\n"
      "  raise_softirq\n"
      "  schedule\n"
      "  recvmsg count=8\n"
      "  tx_send order=1\n"
      "softirq[0]:\n"
      "  napi_poll count=4\n"
      "  tx_complete count=2\n",
      h);
  run_result r = run(p, harness_options(h, sink_mode::collect));
  EXPECT_TRUE(r.clean()) << reports_of(r) << format_steps(p, r);
  EXPECT_EQ(r.packets_received, 4u) << format_steps(p, r);
}

// Every misuse probe draws exactly its expected answer from the correct
// model, so the run stays clean; the expected reports are kept and marked.
TEST(runtime, misuse_probes_are_answered_as_the_kernel_would) {
  const harness& h = *find_harness("ops");
  program p = parse_or_fail(
      "task:\n"
      "  alloc slot=0 GFP_KERNEL order=0\n"
      "  probe misuse=free_mapped\n"
      "  probe misuse=double_free\n"
      "  probe misuse=exclusive_twice\n"
      "  probe misuse=sleep_in_atomic\n"
      "  probe misuse=order_mismatch\n"
      "  free slot=0\n",
      h);
  run_result r = run(p, harness_options(h, sink_mode::collect));
  EXPECT_TRUE(r.clean()) << format_reproduction(p, r, h.program_layout);
  EXPECT_GE(r.expected_reports.size(), 4u) << format_reproduction(p, r, h.program_layout);
  ASSERT_GE(r.steps.size(), 5u);
  EXPECT_EQ(r.steps[3].result, -EBUSY) << format_steps(p, r);
  std::vector<report_kind> kinds;
  for (size_t i : r.expected_reports) kinds.push_back(r.reports[i].kind);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), report_kind::bad_page_state), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), report_kind::double_free), 1);
  EXPECT_GE(std::count(kinds.begin(), kinds.end(), report_kind::sleep_in_atomic), 1);
}

// The runtime's data oracle: a page the client wrote must not change while
// held.  The violation is planted through the test hook.
TEST(runtime, changed_client_data_is_reported) {
  const harness& h = *find_harness("ops");
  program p = parse_or_fail(
      "task:\n"
      "  alloc slot=0 GFP_KERNEL order=0\n"
      "  write slot=0 byte=0x11\n"
      "  schedule\n"
      "  free slot=0\n",
      h);
  run_options options = harness_options(h, sink_mode::collect);
  options.after_task_op_for_test_only = [](world& w, size_t op) {
    if (op != 1) return;
    for (uint32_t pfn = 0; pfn < w.nr_pages(); ++pfn) {
      page* pg = w.pfn_to_page(pfn);
      if ((pg->flags & PG_allocated) && !(pg->flags & PG_oom_victim)) {
        w.page_data(pg)[3] = 0x12;
        return;
      }
    }
  };
  run_result r = run(p, options);
  ASSERT_EQ(r.bug_count(), 1u) << reports_of(r);
  EXPECT_EQ(r.reports[0].kind, report_kind::memory_corruption);
  EXPECT_NE(r.reports[0].title.find("client data in pfn"), std::string::npos) << r.reports[0].title;
  EXPECT_EQ(r.first_bug_step, 3) << "the report arrives in the free at step #3\n" << format_steps(p, r);
}

TEST(runtime, unrecorded_runs_decide_as_recorded_ones) {
  // Goal: record=false (fuzz_one's setting) changes what a run keeps, never
  // what it does: the same reports (kinds and titles), faults, statistics
  // and handler work as the recording run, and no steps, trace or notes.
  for (const harness& h : harnesses()) {
    run_options recorded = harness_options(h, sink_mode::collect);
    run_options unrecorded = recorded;
    unrecorded.record = false;
    size_t compared_reports = 0, compared_faults = 0, traced = 0;
    for (uint64_t seed = 1; seed <= 150; ++seed) {
      std::vector<uint8_t> input = testing::random_input(seed * 131 + 5, 1500);
      program p = decode(input, h.program_layout);
      run_result a = run(p, recorded);
      run_result b = run(p, unrecorded);
      ASSERT_EQ(a.reports.size(), b.reports.size()) << h.name << " seed " << seed;
      for (size_t i = 0; i < a.reports.size(); ++i) {
        EXPECT_EQ(a.reports[i].kind, b.reports[i].kind);
        EXPECT_EQ(a.reports[i].title, b.reports[i].title);
      }
      EXPECT_EQ(a.expected_reports, b.expected_reports);
      ASSERT_EQ(a.faults.size(), b.faults.size()) << h.name << " seed " << seed;
      for (size_t i = 0; i < a.faults.size(); ++i) EXPECT_EQ(a.faults[i].site, b.faults[i].site);
      EXPECT_EQ(a.stats.allocations, b.stats.allocations);
      EXPECT_EQ(a.stats.frees, b.stats.frees);
      for (unsigned k = 0; k < 3; ++k) EXPECT_EQ(a.stats.interrupts[k], b.stats.interrupts[k]);
      EXPECT_EQ(a.handler_ops_run, b.handler_ops_run);
      EXPECT_EQ(a.packets_received, b.packets_received);
      EXPECT_EQ(a.halted, b.halted);
      EXPECT_TRUE(b.steps.empty() && b.trace.empty() && b.log.empty()) << h.name << " seed " << seed;
      compared_reports += a.reports.size();
      compared_faults += a.faults.size();
      traced += a.trace.empty() ? 0 : 1;
    }
    if (std::string(h.name) != "client") {  // (the client's programs have no misuse probes)
      EXPECT_GT(compared_reports, 0u) << h.name << ": the misuse probes draw reports to compare";
    }
    if (std::string(h.name) == "faults") {
      EXPECT_GT(compared_faults, 0u);
    }
    if (std::string(h.name) != "ops") {
      EXPECT_GT(traced, 0u) << h.name << ": the recording runs kept their decisions";
    }
  }
}

TEST(runtimeDeathTest, an_unrecorded_run_reproduces_its_report_by_running_again) {
  // Goal: a fuzz_one-style run (abort mode, record=false) that meets a bug
  // still prints the whole reproduction: the program with the failing step
  // marked, the report with its context lines, from a recording re-run.
  const harness& h = *find_harness("ops");
  program p = parse_or_fail("task:\n  alloc slot=0 GFP_KERNEL order=0\n  write slot=0 byte=0x11\n  free slot=0\n", h);
  run_options options = harness_options(h, sink_mode::abort);
  options.record = false;
  options.program_layout = h.program_layout;
  options.after_task_op_for_test_only = [](world& w, size_t op) {
    for (uint32_t pfn = 0; op == 1 && pfn < w.nr_pages(); ++pfn)
      if ((w.pfn_to_page(pfn)->flags & PG_allocated) && !(w.pfn_to_page(pfn)->flags & PG_oom_victim)) {
        w.page_data(w.pfn_to_page(pfn))[0] = 0;
        break;
      }
  };
  EXPECT_DEATH(run(p, options),
               "pagealloc: memory corruption(.|\n)*CPU: 0 PID(.|\n)*== program(.|\n)*task\\[3\\] free slot=0   <== first report here");
}

TEST(runtime, reproduction_names_the_failing_step_and_program) {
  const harness& h = *find_harness("ops");
  program p = parse_or_fail("task:\n  alloc slot=0 GFP_KERNEL order=0\n  write slot=0 byte=0x11\n  free slot=0\n", h);
  run_options options = harness_options(h, sink_mode::collect);
  options.after_task_op_for_test_only = [](world& w, size_t op) {
    for (uint32_t pfn = 0; op == 1 && pfn < w.nr_pages(); ++pfn)
      if ((w.pfn_to_page(pfn)->flags & PG_allocated) && !(w.pfn_to_page(pfn)->flags & PG_oom_victim)) {
        w.page_data(w.pfn_to_page(pfn))[0] = 0;
        break;
      }
  };
  run_result r = run(p, options);
  std::string text = format_reproduction(p, r, h.program_layout);
  EXPECT_NE(text.find("== program"), std::string::npos) << text;
  EXPECT_NE(text.find("task[3] free slot=0   <== first report here"), std::string::npos) << text;
  EXPECT_NE(text.find("pagealloc: memory corruption"), std::string::npos) << text;
}

}  // namespace
}  // namespace labyrinth::fuzz
