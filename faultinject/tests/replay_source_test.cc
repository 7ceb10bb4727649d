// replay_source: a recorded trace replays to an identical run; a different
// run is caught at the first differing question, and a short one as incomplete.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "faultinject/injector.h"
#include "faultinject/prng_source.h"
#include "faultinject/replay_source.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::interrupt_context;
using testing::task_context;

fault_config busy_config() {
  fault_config config;
  config[fault_site::page_alloc] = testing::always_fail();
  config[fault_site::page_alloc].probability = 30;
  config[fault_site::page_alloc].min_order = 0;
  config[fault_site::reclaim] = testing::always_fail();
  config[fault_site::reclaim].probability = 40;
  config[fault_site::reclaim].interval = 2;
  config[fault_site::interrupt] = testing::always_fail();
  config[fault_site::interrupt].probability = 25;
  return config;
}

// A stand-in for a program run: allocations, reclaim with outcomes and
// interrupts whose handlers allocate; the log is its observable result.
std::vector<std::string> run_program(injector& faults, uint64_t operations) {
  std::vector<std::string> log;
  for (uint64_t op = 0; op < operations; ++op) {
    page_alloc_request request;
    request.order = static_cast<unsigned>(op % 3);
    const bool allocation_failed = faults.should_fail_alloc_page(request, task_context(op));
    log.push_back("op " + std::to_string(op) + (allocation_failed ? " alloc NULL" : " alloc ok"));
    if (allocation_failed && faults.should_fail(fault_site::reclaim, 1, task_context(op))) {
      log.push_back("reclaim outcome " +
                    std::to_string(faults.failure_outcome(fault_site::reclaim, task_context(op))));
    }
    const unsigned interrupt = faults.interrupt_at(3, task_context(op));
    if (interrupt != 0) {
      const bool handler_failed = faults.should_fail_alloc_page(request, interrupt_context(op));
      log.push_back("irq " + std::to_string(interrupt) + (handler_failed ? " NULL" : " ok"));
    }
  }
  return log;
}

TEST(replay_source, recorded_trace_replays_identically) {
  // Goal: replaying a recorded trace reproduces the run exactly.
  // Method: run 200 operations on a PRNG, replay the trace, compare the
  // program's log, the trace, the messages and the injected faults.
  prng_source random(2024);
  injector recording(busy_config(), random);
  const std::vector<std::string> recorded_log = run_program(recording, 200);
  ASSERT_GT(recording.trace().size(), 300u) << "the program must ask many questions";
  ASSERT_GT(recording.faults().size(), 50u);

  replay_source replay(recording.trace());
  injector replaying(busy_config(), replay);
  EXPECT_EQ(run_program(replaying, 200), recorded_log);
  EXPECT_EQ(format_trace(replaying.trace()), format_trace(recording.trace()));
  EXPECT_EQ(replaying.messages(), recording.messages());
  EXPECT_EQ(replaying.faults().size(), recording.faults().size());
  EXPECT_EQ(replay.problem(), "") << "expected an exact replay";
  EXPECT_TRUE(replay.fully_consumed());
}

TEST(replay_source, divergence_is_named_and_then_quiet) {
  // Goal: the first request that differs from the record is reported with
  // both questions, and every later answer is quiet. Method: a trace of one
  // random draw replayed by an outcome question.
  decision_record record;
  record.request.kind = decision_kind::random;
  record.request.subject = static_cast<uint16_t>(fault_site::page_alloc);
  record.request.bound = 100;
  record.request.quiet = 99;
  record.request.context = task_context(7);
  record.answer = 3;
  replay_source replay({record, record});
  EXPECT_EQ(replay.decide(record.request), 3u);
  decision_request other;
  other.kind = decision_kind::outcome;
  other.subject = static_cast<uint16_t>(fault_site::reclaim);
  other.bound = 2;
  other.context = task_context(7);
  EXPECT_EQ(replay.decide(other), 0u);
  EXPECT_TRUE(replay.diverged());
  EXPECT_EQ(replay.divergence(),
            "replay diverged at decision #1: expected random fail_page_alloc bound=100 "
            "(op 7 cpu0 pc=0x0) -> 3, got outcome reclaim bound=2 (op 7 cpu0 pc=0x0)");
  EXPECT_EQ(replay.decide(record.request), 99u) << "quiet after a divergence";
  EXPECT_EQ(replay.problem(), replay.divergence());
}

TEST(replay_source, context_mismatch_diverges_unless_only_questions_are_checked) {
  // Goal: by default the context (op index here) must match too.
  decision_record record;
  record.request.bound = 100;
  record.request.context = task_context(7);
  record.answer = 42;
  decision_request moved = record.request;
  moved.context.op_index = 8;
  replay_source strict({record});
  EXPECT_EQ(strict.decide(moved), 0u);
  EXPECT_TRUE(strict.diverged());
  replay_source lenient({record}, replay_check::question);
  EXPECT_EQ(lenient.decide(moved), 42u);
  EXPECT_FALSE(lenient.diverged());
}

TEST(replay_source, running_past_the_trace_diverges) {
  replay_source replay({});
  decision_request request;
  request.bound = 100;
  request.quiet = 99;
  EXPECT_EQ(replay.decide(request), 99u);
  EXPECT_EQ(replay.divergence(),
            "replay diverged at decision #0: expected the end of the recorded trace "
            "(0 decisions), got random fail_page_alloc bound=100 (op 0 cpu0 pc=0x0)");
}

TEST(replay_source, shorter_run_is_incomplete) {
  // Goal: leftover recorded decisions are reported. Method: record 50
  // operations, replay 10.
  prng_source random(5);
  injector recording(busy_config(), random);
  run_program(recording, 50);
  replay_source replay(recording.trace());
  injector replaying(busy_config(), replay);
  run_program(replaying, 10);
  EXPECT_FALSE(replay.diverged());
  const size_t consumed = replay.consumed();
  const std::string expected = "replay incomplete: " + std::to_string(consumed) + " of " +
                               std::to_string(recording.trace().size()) +
                               " recorded decisions consumed; next expected #" +
                               std::to_string(consumed) + ": " +
                               format_request(recording.trace()[consumed].request);
  EXPECT_EQ(replay.problem(), expected);
}

TEST(replay_source, changed_program_diverges) {
  // Goal: replaying a trace under another configuration is caught.
  // Method: record with reclaim interval 2, replay with interval 1.
  prng_source random(11);
  injector recording(busy_config(), random);
  run_program(recording, 100);
  fault_config changed = busy_config();
  changed[fault_site::reclaim].interval = 1;
  replay_source replay(recording.trace());
  injector replaying(changed, replay);
  run_program(replaying, 100);
  EXPECT_TRUE(replay.diverged()) << "expected a divergence, trace of " << recording.trace().size();
  EXPECT_EQ(replay.divergence().rfind("replay diverged at decision #", 0), 0u) << replay.divergence();
}

}  // namespace
}  // namespace labyrinth::fi
