// Goal: a recorded decision trace replays the representative program to an
// identical run, and a replay notices when the program or the trace changed.
// Method: run the program with a seeded PRNG source (faults at every site,
// interrupts of every kind at any interrupt point), record the injector's
// trace, run it again over a replay_source of that trace, and compare
// everything the run leaves behind: reports (full text), world stats, the
// free lists at the peak and after teardown, the trace itself and the
// injected faults.  Then alter the program or the trace and expect the
// replay source to report the divergence; and plant a misuse (an NMI handler
// that allocates) and expect its reports to replay bit for bit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc/tests/representative_program.h"
#include "faultinject/config.h"
#include "faultinject/prng_source.h"
#include "faultinject/replay_source.h"

namespace labyrinth {
namespace {

// Linux-style random fault injection at every site, and interrupts at 15% of
// the interrupt points (which one: the PRNG's choice among the deliverable).
constexpr const char* random_faults =
    "fail_page_alloc:probability=5,times=-1,min-order=0,ignore-gfp-wait=N,contexts=any;"
    "reclaim:probability=30,times=-1;kswapd:probability=30,times=-1;"
    "pcp_refill:probability=10,times=-1,contexts=any;oom:probability=50,times=-1;"
    "irq:probability=15,times=-1,contexts=any";

constexpr uint64_t seeds[] = {1, 2, 3, 0x5eed};

fi::fault_config random_fault_config() {
  fi::fault_config_result parsed = fi::parse_fault_config(random_faults);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  return parsed.config;
}

representative_run record_run(uint64_t seed, const program_options& options = {}) {
  fi::prng_source source(seed);
  return run_representative_program(random_fault_config(), source, options);
}

representative_run replay_run(fi::replay_source& source, const program_options& options = {}) {
  return run_representative_program(random_fault_config(), source, options);
}

std::string all_report_text(const std::vector<report>& reports) {
  std::string text;
  for (const report& r : reports) text += "[" + std::string(report_kind_name(r.kind)) + " op " +
                                          std::to_string(r.op_index) + "] " + r.text();
  return text;
}

bool same_record(const fi::decision_record& a, const fi::decision_record& b) {
  const fi::decision_request& x = a.request;
  const fi::decision_request& y = b.request;
  return a.sequence == b.sequence && a.answer == b.answer && x.kind == y.kind && x.subject == y.subject &&
         x.bound == y.bound && x.quiet == y.quiet && x.context.cpu == y.context.cpu &&
         x.context.preempt_count == y.context.preempt_count && x.context.in_task == y.context.in_task &&
         x.context.in_interrupt == y.context.in_interrupt && x.context.op_index == y.context.op_index &&
         x.context.point == y.context.point;
}

std::string faults_text(const std::vector<fi::fault_event>& faults) {
  std::string text;
  for (const fi::fault_event& event : faults) text += fi::format_fault_event(event) + "\n";
  return text;
}

// Everything a run leaves behind is the same in `replayed` as in `recorded`.
void expect_identical_runs(const representative_run& recorded, const representative_run& replayed) {
  EXPECT_EQ(all_report_text(recorded.reports), all_report_text(replayed.reports)) << "expected the same reports";
  EXPECT_TRUE(same_world_stats(recorded.stats, replayed.stats))
      << "expected the same stats\nrecorded: " << format_world_stats(recorded.stats)
      << "\nreplayed: " << format_world_stats(replayed.stats);
  EXPECT_TRUE(same_world_stats(recorded.program.peak_stats, replayed.program.peak_stats))
      << "expected the same stats before the release phase";
  EXPECT_EQ(recorded.program.peak_signature, replayed.program.peak_signature)
      << "expected the same free lists before the release phase";
  EXPECT_EQ(recorded.final_signature, replayed.final_signature) << "expected the same free lists after teardown";
  EXPECT_EQ(recorded.program.step_of_op, replayed.program.step_of_op) << "expected the same operations";
  ASSERT_EQ(recorded.trace.size(), replayed.trace.size()) << "expected the same number of decisions";
  for (size_t index = 0; index < recorded.trace.size(); ++index) {
    ASSERT_TRUE(same_record(recorded.trace[index], replayed.trace[index]))
        << "expected the same decision #" << index << "\nrecorded: " << fi::format_decision(recorded.trace[index])
        << "\nreplayed: " << fi::format_decision(replayed.trace[index]);
  }
  EXPECT_EQ(faults_text(recorded.faults), faults_text(replayed.faults)) << "expected the same injected faults";
}

// The first index whose question differs from the next one's, so that
// deleting it must surface as a mismatch right there.
size_t erasable_index(const std::vector<fi::decision_record>& trace) {
  for (size_t index = trace.size() / 2; index + 1 < trace.size(); ++index) {
    if (fi::format_request(trace[index].request) != fi::format_request(trace[index + 1].request)) return index;
  }
  return trace.size();
}

TEST(trace_replay, random_fault_runs_are_clean_and_replay_identically) {
  // Goal: each seeded run is clean and its trace replays to the same run.
  for (uint64_t seed : seeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const representative_run recorded = record_run(seed);
    EXPECT_EQ(recorded.bug_count, 0u) << "expected no bug report, seen:\n" << all_report_text(recorded.reports);
    EXPECT_EQ(recorded.livelock_count, 0u) << "expected no livelock verdict";
    EXPECT_TRUE(recorded.program.completed);
    EXPECT_EQ(recorded.program.nofail_null, 0u) << "expected __GFP_NOFAIL never to return NULL";
    unsigned sites_with_faults = 0;
    for (const fi::fault_attr_state& state : recorded.fault_states) sites_with_faults += state.failures > 0;
    EXPECT_GE(sites_with_faults, 4u) << "expected faults at several sites (and interrupts)";
    EXPECT_GT(recorded.trace.size(), 100u);

    fi::replay_source source(recorded.trace);
    const representative_run replayed = replay_run(source);
    EXPECT_EQ(source.problem(), "") << "expected an exact replay";
    expect_identical_runs(recorded, replayed);
  }
}

TEST(trace_replay, altered_program_diverges) {
  // Goal: the same trace under a program with one extra allocation is a
  // divergence, named by the replay source.
  const representative_run recorded = record_run(seeds[0]);
  fi::replay_source source(recorded.trace);
  program_options altered;
  altered.extra_allocation = true;
  replay_run(source, altered);
  EXPECT_TRUE(source.diverged()) << "expected a divergence, seen: '" << source.problem() << "'";
  EXPECT_EQ(source.divergence().rfind("replay diverged at decision #", 0), 0u) << source.divergence();
}

TEST(trace_replay, trace_with_a_decision_removed_diverges_there) {
  // Goal: deleting one recorded decision is a divergence at its position.
  const representative_run recorded = record_run(seeds[0]);
  std::vector<fi::decision_record> altered = recorded.trace;
  const size_t index = erasable_index(altered);
  ASSERT_LT(index, altered.size()) << "expected two differing consecutive questions in the trace";
  altered.erase(altered.begin() + static_cast<std::ptrdiff_t>(index));
  fi::replay_source source(altered);
  replay_run(source);
  EXPECT_EQ(source.divergence().rfind("replay diverged at decision #" + std::to_string(index) + ":", 0), 0u)
      << "expected a divergence at decision #" << index << ", seen: '" << source.problem() << "'";
}

TEST(trace_replay, truncated_trace_diverges_at_its_end) {
  // Goal: a trace that ends early is a divergence at its end.
  const representative_run recorded = record_run(seeds[0]);
  std::vector<fi::decision_record> altered(recorded.trace.begin(), recorded.trace.end() - 1);
  fi::replay_source source(altered);
  replay_run(source);
  EXPECT_NE(source.divergence().find("expected the end of the recorded trace"), std::string::npos)
      << "seen: '" << source.problem() << "'";
}

TEST(trace_replay, trace_with_decisions_left_over_is_incomplete) {
  // Goal: a trace longer than the run is reported as an incomplete replay.
  const representative_run recorded = record_run(seeds[0]);
  std::vector<fi::decision_record> altered = recorded.trace;
  altered.push_back(altered.back());
  altered.back().sequence = altered.size() - 1;
  fi::replay_source source(altered);
  replay_run(source);
  EXPECT_FALSE(source.diverged()) << source.divergence();
  EXPECT_EQ(source.problem().rfind("replay incomplete: ", 0), 0u) << "seen: '" << source.problem() << "'";
}

TEST(trace_replay, planted_nmi_allocation_replays_its_reports_bit_for_bit) {
  // Goal: a misbehaving handler (NMI allocates) is reported as nmi_unsafe,
  // and the replay reproduces exactly the same report text.
  program_options misuse;
  misuse.nmi_handler_allocates = true;
  const representative_run recorded = record_run(seeds[0], misuse);
  size_t nmi_reports = 0;
  for (const report& r : recorded.reports) nmi_reports += r.kind == report_kind::nmi_unsafe;
  ASSERT_GT(nmi_reports, 0u) << "expected nmi_unsafe reports, seen:\n" << all_report_text(recorded.reports);
  EXPECT_EQ(nmi_reports, recorded.bug_count) << "expected only nmi_unsafe reports, seen:\n"
                                             << all_report_text(recorded.reports);
  EXPECT_EQ(recorded.reports.front().title, "BUG: page allocator called from NMI context");

  fi::replay_source source(recorded.trace);
  const representative_run replayed = replay_run(source, misuse);
  EXPECT_EQ(source.problem(), "") << "expected an exact replay";
  expect_identical_runs(recorded, replayed);
}

TEST(trace_replay, correct_program_is_silent_without_the_plant) {
  // Goal: the same seed without the misuse draws no nmi_unsafe report (the
  // oracle fires on the misuse, not on the program).
  const representative_run recorded = record_run(seeds[0]);
  for (const report& r : recorded.reports)
    EXPECT_NE(r.kind, report_kind::nmi_unsafe) << r.text();
}

}  // namespace
}  // namespace labyrinth
