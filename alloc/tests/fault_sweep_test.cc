// Goal: fail-nth sweeps over the representative program reach every failure
// point of the allocator's slow path, in process and in interrupt context,
// and every run is clean under the oracles: no report, no livelock verdict,
// no leak or corruption at teardown, __GFP_NOFAIL never NULL.
// Method: for each fault site, faultinject's sweep runs the program in a
// fresh world with fail-nth = 1, 2, ... until a run no longer reaches the
// fault, once non-sticky and once sticky; the runner turns every report and
// program problem into a sweep report, and records where each injected fault
// hit (program step, task or interrupt context, outcome, interrupt point).
// The test then asserts the sweep was clean and covered what it must.
// LABYRINTH_SWEEP_VERBOSE=1 prints every sweep table (always printed on
// failure).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "alloc/tests/representative_program.h"
#include "faultinject/sweep.h"

namespace labyrinth {
namespace {

// Every run of a sweep stops well before this; reaching it fails the sweep.
constexpr uint32_t sweep_max_nth = 2000;

bool sweep_verbose() {
  const char* env = std::getenv("LABYRINTH_SWEEP_VERBOSE");
  return env && std::strcmp(env, "0") != 0 && env[0] != '\0';
}

// Where the injected faults of one site hit, over a whole sweep.
struct sweep_coverage {
  std::set<program_step> task_steps;       // faults in task context, by program step
  std::set<program_step> interrupt_steps;  // faults in interrupt context (!in_task)
  std::set<uint32_t> outcomes;             // outcome answers after the site's faults
  std::set<uint16_t> interrupt_points;     // irq site: where fail-nth delivered one
  std::set<context_kind> contexts;         // hardirq/softirq/nmi/task of the faults
  world_stats most;                        // per-field maximum over the runs
  uint64_t runs = 0;
};

void keep_maximum(world_stats& most, const world_stats& s) {
  auto keep = [](uint64_t& a, uint64_t b) { a = std::max(a, b); };
  keep(most.allocations, s.allocations);
  keep(most.allocation_failures, s.allocation_failures);
  keep(most.frees, s.frees);
  keep(most.pcp_hits, s.pcp_hits);
  keep(most.pcp_trylock_fallbacks, s.pcp_trylock_fallbacks);
  keep(most.pcp_refills, s.pcp_refills);
  keep(most.pcp_bulk_frees, s.pcp_bulk_frees);
  keep(most.slowpath_entries, s.slowpath_entries);
  keep(most.direct_reclaims, s.direct_reclaims);
  keep(most.pages_reclaimed, s.pages_reclaimed);
  keep(most.kswapd_wakeups, s.kswapd_wakeups);
  keep(most.kswapd_runs, s.kswapd_runs);
  keep(most.oom_kills, s.oom_kills);
  keep(most.highatomic_reserved, s.highatomic_reserved);
  keep(most.highatomic_unreserved, s.highatomic_unreserved);
  for (unsigned kind = 0; kind < 3; ++kind) keep(most.interrupts[kind], s.interrupts[kind]);
  keep(most.softirqs_run, s.softirqs_run);
}

// What the oracles and the program say about one run, as sweep report lines.
std::vector<std::string> run_problems(const representative_run& run) {
  std::vector<std::string> problems;
  for (const report& r : run.reports) {
    // A livelock verdict is not a bug of the model, but this program never
    // leaves __GFP_NOFAIL without memory, so it must not happen either.
    problems.push_back(report_kind_verdict(r.kind) ? "unexpected verdict: " + r.title : r.title);
  }
  if (!run.program.completed) problems.push_back("program did not complete (halted by a fatal report)");
  if (run.program.nofail_null > 0)
    problems.push_back("__GFP_NOFAIL returned NULL " + std::to_string(run.program.nofail_null) + " time(s)");
  if (run.program.nofail_requests == 0) problems.push_back("no __GFP_NOFAIL request was made");
  return problems;
}

void record_coverage(fi::fault_site site, const representative_run& run, sweep_coverage& coverage) {
  ++coverage.runs;
  keep_maximum(coverage.most, run.stats);
  for (const fi::fault_event& event : run.faults) {
    // Only the sweep's own faults: not the base configuration's interrupts.
    if (event.site != site || event.reason == fi::fault_reason::attributes) continue;
    const program_step step = run.program.step_at(event.context.op_index);
    (event.context.in_task ? coverage.task_steps : coverage.interrupt_steps).insert(step);
    coverage.contexts.insert(context_of(event.context.preempt_count));
    if (site == fi::fault_site::interrupt) coverage.interrupt_points.insert(event.context.point);
  }
  for (const fi::decision_record& record : run.trace) {
    if (record.request.kind == fi::decision_kind::outcome && record.request.subject == static_cast<uint16_t>(site))
      coverage.outcomes.insert(record.answer);
  }
}

std::string step_names(const std::set<program_step>& set) {
  std::string text;
  for (program_step step : set) text += std::string(text.empty() ? "" : ", ") + program_step_name(step);
  return text.empty() ? "(none)" : text;
}

std::string point_names(const std::set<uint16_t>& set) {
  std::string text;
  for (uint16_t point : set)
    text += std::string(text.empty() ? "" : ", ") + irq_point_name(static_cast<irq_point>(point));
  return text.empty() ? "(none)" : text;
}

std::string context_names(const std::set<context_kind>& set) {
  std::string text;
  for (context_kind kind : set) text += std::string(text.empty() ? "" : ", ") + context_kind_name(kind);
  return text.empty() ? "(none)" : text;
}

void print_coverage(const char* site, const sweep_coverage& coverage) {
  if (!sweep_verbose()) return;
  std::string outcomes;
  for (uint32_t outcome : coverage.outcomes) outcomes += (outcomes.empty() ? "" : ", ") + std::to_string(outcome);
  std::printf("coverage of %s over %llu runs:\n  task steps: %s\n  interrupt steps: %s\n  contexts: %s\n"
              "  outcomes: %s\n  interrupt points: %s\n  most per run: %s\n",
              site, static_cast<unsigned long long>(coverage.runs), step_names(coverage.task_steps).c_str(),
              step_names(coverage.interrupt_steps).c_str(), context_names(coverage.contexts).c_str(),
              outcomes.empty() ? "(none)" : outcomes.c_str(), point_names(coverage.interrupt_points).c_str(),
              format_world_stats(coverage.most).c_str());
}

struct sweep_setup {
  fi::fault_site site;
  bool kswapd_keeps_up = false;
  uint32_t reclaim_outcome = 0;
  uint32_t kswapd_outcome = 0;
  pcp_discipline discipline = pcp_discipline::trylock;
};

// Runs the sweep of one site (non-sticky, then sticky) and adds to `coverage`.
fi::sweep_result run_sweep(const sweep_setup& setup, sweep_coverage& coverage) {
  const fi::fault_config base = representative_base_faults(setup.kswapd_keeps_up);
  const fi::sweep_runner runner = [&](const fi::fault_config& config) {
    rotating_source source(setup.reclaim_outcome, setup.kswapd_outcome);
    const representative_run run = run_representative_program(config, source, {}, setup.discipline);
    record_coverage(setup.site, run, coverage);
    const fi::fault_attr_state& state = run.fault_states[static_cast<unsigned>(setup.site)];
    fi::sweep_run_result result;
    result.fault_reached = state.fail_nth_fired;
    result.eligible_calls = state.eligible_calls;
    result.failures = state.failures;
    result.reports = run_problems(run);
    if (!result.reports.empty()) result.note = format_world_stats(run.stats);
    return result;
  };
  fi::sweep_options options;
  options.max_nth = sweep_max_nth;
  fi::sweep_result result = fi::sweep_site(setup.site, base, runner, options);
  if (sweep_verbose()) {
    std::printf("base faults: %s\nsource: rotating, reclaim outcome %u, kswapd outcome %u, pcp %s\n%s",
                representative_base_faults_text(setup.kswapd_keeps_up), setup.reclaim_outcome,
                setup.kswapd_outcome, pcp_discipline_name(setup.discipline),
                fi::format_sweep_report(result).c_str());
  }
  print_coverage(fi::fault_site_name(setup.site), coverage);
  return result;
}

// Every pass ended by a run that reached no fault, no run had a report.
void expect_clean(const fi::sweep_result& result) {
  EXPECT_TRUE(result.clean()) << "expected a clean sweep; seen:\n" << fi::format_sweep_report(result);
  for (const fi::sweep_pass& pass : result.passes) {
    EXPECT_GT(pass.failure_points(), 0u) << "expected the program to reach " << fi::fault_site_name(pass.site)
                                         << " (" << fi::sweep_mode_name(pass.mode) << ") at least once";
  }
}

void expect_steps(const std::set<program_step>& seen, const std::vector<program_step>& wanted, const char* what) {
  for (program_step step : wanted) {
    EXPECT_TRUE(seen.count(step)) << "expected " << what << " in step '" << program_step_name(step)
                                  << "'; seen in: " << step_names(seen);
  }
}

TEST(fault_sweep, baseline_run_is_clean_and_reaches_the_slow_path) {
  // Goal: without fail-nth the program runs clean and reaches pressure.
  // Method: one run over the base faults; its stats show each mechanism.
  rotating_source source;
  const representative_run run = run_representative_program(representative_base_faults(), source);
  const std::vector<std::string> problems = run_problems(run);
  for (const std::string& problem : problems) ADD_FAILURE() << "expected no problem, seen: " << problem;
  const world_stats& s = run.stats;
  std::printf("[ baseline ] %s\n", format_world_stats(s).c_str());
  if (sweep_verbose()) std::printf("%s", format_step_log(run.program).c_str());
  EXPECT_GT(s.pcp_refills, 0u);
  EXPECT_GT(s.slowpath_entries, 0u);
  EXPECT_GE(s.direct_reclaims, 3u) << "expected direct reclaim for GFP_NOIO, GFP_NOFS and GFP_KERNEL";
  EXPECT_GT(s.pages_reclaimed, 0u);
  EXPECT_GT(s.oom_kills, 0u);
  EXPECT_GT(s.interrupts[static_cast<unsigned>(interrupt_kind::hardirq)], 0u);
  EXPECT_GT(s.interrupts[static_cast<unsigned>(interrupt_kind::softirq)], 0u);
  EXPECT_GT(s.interrupts[static_cast<unsigned>(interrupt_kind::nmi)], 0u);
  EXPECT_TRUE(run.final_signature_is_initial || s.highatomic_reserved > 0)
      << "expected the free lists back to the initial ones after teardown";
}

const std::set<context_kind> task_hardirq_softirq = {context_kind::task, context_kind::softirq,
                                                     context_kind::hardirq};

std::set<uint16_t> every_interrupt_point() {
  std::set<uint16_t> points;
  for (unsigned point = 0; point < static_cast<unsigned>(irq_point::count); ++point) points.insert(point);
  return points;
}

TEST(fault_sweep, fail_page_alloc_in_task_and_interrupt_context) {
  // Goal: fail_page_alloc (min-order=0, ignore-gfp-wait=N, contexts=any) fails
  // each allocation the program and its handlers make, alone and from then
  // on, without a report.  Method: sweep; faults by step and context.
  sweep_coverage coverage;
  expect_clean(run_sweep({fi::fault_site::page_alloc}, coverage));
  // Every step that allocates without __GFP_NOFAIL (which is never failed).
  expect_steps(coverage.task_steps,
               {program_step::pcp_orders, program_step::buddy_orders, program_step::atomic_lock_section,
                program_step::atomic_bh_section, program_step::page_cache, program_step::squeeze,
                program_step::kswapd_wake, program_step::noio_reclaim, program_step::nofs_reclaim,
                program_step::kernel_reclaim, program_step::costly, program_step::costly_noretry,
                program_step::noretry, program_step::retry_mayfail, program_step::oom},
               "a fail_page_alloc fault in task context");
  EXPECT_FALSE(coverage.task_steps.count(program_step::nofail)) << "__GFP_NOFAIL must never be failed";
  // The handlers' GFP_ATOMIC / GFP_NOWAIT allocations, with memory plenty
  // and at the min mark.
  expect_steps(coverage.interrupt_steps,
               {program_step::interrupts, program_step::noio_reclaim, program_step::pressure_interrupts},
               "a fail_page_alloc fault in interrupt context");
  EXPECT_EQ(coverage.contexts, task_hardirq_softirq) << "seen: " << context_names(coverage.contexts);
}

TEST(fault_sweep, reclaim_fails_with_no_and_partial_progress) {
  // Goal: direct reclaim's progress fault, none and then partial, at every
  // direct reclaim of the program.  Method: two sweeps, outcome 0 and 1.
  sweep_coverage coverage;
  for (uint32_t outcome : {0u, 1u}) {
    sweep_setup setup{fi::fault_site::reclaim};
    setup.reclaim_outcome = outcome;
    expect_clean(run_sweep(setup, coverage));
  }
  EXPECT_EQ(coverage.outcomes, (std::set<uint32_t>{0, 1})) << "expected reclaim outcomes none (0) and partial (1)";
  expect_steps(coverage.task_steps,
               {program_step::noio_reclaim, program_step::nofs_reclaim, program_step::kernel_reclaim,
                program_step::costly, program_step::noretry, program_step::retry_mayfail,
                program_step::nofail_lowmem, program_step::oom, program_step::nofail},
               "a direct reclaim fault");
  EXPECT_TRUE(coverage.interrupt_steps.empty()) << "expected no direct reclaim in interrupt context, seen in: "
                                                << step_names(coverage.interrupt_steps);
  EXPECT_GT(coverage.most.oom_kills, 0u);
}

TEST(fault_sweep, kswapd_fails_with_no_and_partial_progress) {
  // Goal: kswapd's progress fault, none and then partial, at each of its
  // rounds: the explicit scheduling point and the one inside direct reclaim.
  // Method: two sweeps over the base where kswapd otherwise works.
  sweep_coverage coverage;
  for (uint32_t outcome : {0u, 1u}) {
    sweep_setup setup{fi::fault_site::kswapd, /*kswapd_keeps_up=*/true};
    setup.kswapd_outcome = outcome;
    expect_clean(run_sweep(setup, coverage));
  }
  EXPECT_EQ(coverage.outcomes, (std::set<uint32_t>{0, 1})) << "expected kswapd outcomes none (0) and partial (1)";
  expect_steps(coverage.task_steps, {program_step::kswapd_run, program_step::noio_reclaim}, "a kswapd fault");
  EXPECT_TRUE(coverage.interrupt_steps.empty()) << "expected kswapd in its own task context, seen in: "
                                                << step_names(coverage.interrupt_steps);
}

TEST(fault_sweep, pcp_refill_stops_half_way) {
  // Goal: a per-CPU list refill stopping half-way, in task and in interrupt
  // context, is handled at every refill.
  sweep_coverage coverage;
  expect_clean(run_sweep({fi::fault_site::pcp_refill}, coverage));
  expect_steps(coverage.task_steps, {program_step::pcp_orders, program_step::page_cache, program_step::squeeze},
               "a pcp_refill fault in task context");
  EXPECT_EQ(coverage.contexts, task_hardirq_softirq) << "seen: " << context_names(coverage.contexts);
}

TEST(fault_sweep, oom_step_frees_nothing) {
  // Goal: the OOM step failing (no victim freed) fails GFP_KERNEL cleanly and
  // never __GFP_NOFAIL, which falls back to the reserves.
  sweep_coverage coverage;
  expect_clean(run_sweep({fi::fault_site::oom}, coverage));
  expect_steps(coverage.task_steps, {program_step::oom, program_step::nofail}, "an OOM fault");
}

TEST(fault_sweep, interrupt_at_every_interrupt_point) {
  // Goal: an interrupt delivered at each interrupt point the program reaches
  // (fail-nth on the irq site), and at all of them from then on (sticky),
  // never draws a report.  Method: sweep over the base where kswapd works, so
  // that its own interrupt point is reached; record where fail-nth fired.
  sweep_coverage coverage;
  expect_clean(run_sweep({fi::fault_site::interrupt, /*kswapd_keeps_up=*/true}, coverage));
  EXPECT_EQ(coverage.interrupt_points, every_interrupt_point())
      << "expected an interrupt delivered at every interrupt point; seen at: "
      << point_names(coverage.interrupt_points);
  EXPECT_EQ(coverage.contexts, task_hardirq_softirq) << "expected nested interrupts too, seen: "
                                                     << context_names(coverage.contexts);
  EXPECT_GT(coverage.most.pcp_trylock_fallbacks, 0u) << "expected an interrupt to find the per-CPU list busy";
}

TEST(fault_sweep, irqsave_discipline_page_alloc_and_interrupt_sweeps) {
  // Goal: the same program under the <= 5.13 irqsave discipline is clean when
  // every allocation fails and when an interrupt arrives at every point.
  // Method: the fail_page_alloc and irq sweeps with pcp_discipline::irqsave.
  sweep_coverage page_alloc_coverage;
  sweep_setup page_alloc{fi::fault_site::page_alloc};
  page_alloc.discipline = pcp_discipline::irqsave;
  expect_clean(run_sweep(page_alloc, page_alloc_coverage));
  EXPECT_EQ(page_alloc_coverage.contexts, task_hardirq_softirq)
      << "seen: " << context_names(page_alloc_coverage.contexts);

  sweep_coverage interrupt_coverage;
  sweep_setup interrupt{fi::fault_site::interrupt, /*kswapd_keeps_up=*/true};
  interrupt.discipline = pcp_discipline::irqsave;
  expect_clean(run_sweep(interrupt, interrupt_coverage));
  EXPECT_EQ(interrupt_coverage.interrupt_points, every_interrupt_point())
      << "seen at: " << point_names(interrupt_coverage.interrupt_points);
  EXPECT_EQ(interrupt_coverage.most.pcp_trylock_fallbacks, 0u) << "irqsave never falls back";
}

}  // namespace
}  // namespace labyrinth
