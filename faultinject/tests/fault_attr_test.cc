// should_fail_ex(): each fault attribute's semantics pinned with exact counts,
// in the kernel's evaluation order (lib/fault-inject.c; linux-mm.md §8).
#include <gtest/gtest.h>

#include "faultinject/injector.h"
#include "faultinject/prng_source.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::always_fail;
using testing::counting_source;
using testing::failing_calls;
using testing::interrupt_context;
using testing::task_context;

using calls = std::vector<int>;

std::vector<int> range(int first, int last) {
  std::vector<int> values;
  for (int value = first; value <= last; ++value) values.push_back(value);
  return values;
}

injector make_injector(fault_site site, const fault_attr_config& attr, decision_source& source) {
  fault_config config;
  config[site] = attr;
  return injector(config, source);
}

TEST(fault_attr, defaults_are_the_kernels) {
  // Goal: the defaults are lib/fault-inject.c's and fail_page_alloc's. Method: read them.
  const fault_attr_config attr;
  EXPECT_EQ(attr.probability, 0u);
  EXPECT_EQ(attr.interval, 1u);
  EXPECT_EQ(attr.times, 1);
  EXPECT_EQ(attr.space, 0);
  EXPECT_EQ(attr.verbose, 2u);
  EXPECT_FALSE(attr.task_filter);
  EXPECT_EQ(attr.min_order, 1u);
  EXPECT_TRUE(attr.ignore_gfp_wait);
  EXPECT_TRUE(attr.ignore_gfp_highmem);
  EXPECT_EQ(attr.fail_nth, 0u);
}

TEST(fault_attr, probability_zero_never_fails_and_never_asks) {
  // Goal: probability 0 passes before any other step. Method: 1000 calls with
  // times=-1 and a source that would answer 0 (fail); count failures and questions.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.probability = 0;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 1000), calls{}) << "expected no failure";
  EXPECT_EQ(source.questions, 0u) << "expected no question to the source";
  EXPECT_TRUE(faults.trace().empty());
}

TEST(fault_attr, probability_100_always_fails_without_a_draw) {
  // Goal: probability 100 fails every call; the draw cannot change that, so it
  // is not taken. Method: 1000 calls, a source answering the quiet-most 99.
  counting_source source(99);
  injector faults = make_injector(fault_site::reclaim, always_fail(), source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 1000), range(1, 1000));
  EXPECT_EQ(source.questions, 0u);
}

TEST(fault_attr, probability_fails_when_draw_is_below_it) {
  // Goal: `if (probability <= random_below(100)) pass`. Method: probability 10
  // against fixed draws 9 (fails) and 10 (passes).
  fault_attr_config attr = always_fail();
  attr.probability = 10;
  counting_source draw_nine(9);
  injector failing = make_injector(fault_site::oom, attr, draw_nine);
  EXPECT_EQ(failing_calls(failing, fault_site::oom, 3), range(1, 3)) << "draw 9 < probability 10";
  counting_source draw_ten(10);
  injector passing = make_injector(fault_site::oom, attr, draw_ten);
  EXPECT_EQ(failing_calls(passing, fault_site::oom, 3), calls{}) << "draw 10 >= probability 10";
  EXPECT_EQ(draw_ten.questions, 3u);
  ASSERT_EQ(passing.trace().size(), 3u);
  EXPECT_EQ(passing.trace()[0].request.bound, 100u);
  EXPECT_EQ(passing.trace()[0].request.quiet, 99u);
}

TEST(fault_attr, prng_probability_10_fails_about_a_tenth) {
  // Goal: the PRNG baseline behaves like the kernel's random injection.
  // Method: seed 42, probability 10, 10000 calls: an exact count (determinism)
  // (991, also computed independently) and a loose binomial range (sd = 30).
  prng_source source(42);
  fault_attr_config attr = always_fail();
  attr.probability = 10;
  injector faults = make_injector(fault_site::page_alloc, attr, source);
  const size_t failures = failing_calls(faults, fault_site::page_alloc, 10000).size();
  EXPECT_EQ(failures, 991u) << "seed 42 must give the same count on every run and build";
  EXPECT_GE(failures, 880u);
  EXPECT_LE(failures, 1120u);
  EXPECT_EQ(faults.trace().size(), 10000u) << "one draw per call";
}

TEST(fault_attr, interval_3_fails_calls_3_6_9) {
  // Goal: interval=3 lets every third call reaching it fail. Method: 10 calls.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.interval = 3;
  injector faults = make_injector(fault_site::kswapd, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::kswapd, 10), (calls{3, 6, 9}));
  EXPECT_EQ(faults.state(fault_site::kswapd).count, 10u);
}

TEST(fault_attr, interval_counter_moves_only_for_calls_reaching_it) {
  // Goal: calls that pass earlier (space) do not move the interval counter.
  // Method: space=3 with size 1 passes calls 1-2 (3>1, 2>1); from call 3 the
  // counter runs 1, 2, 3 -> failures at calls 5, 8, 11.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.interval = 3;
  attr.space = 3;
  injector faults = make_injector(fault_site::kswapd, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::kswapd, 12), (calls{5, 8, 11}));
  EXPECT_EQ(faults.state(fault_site::kswapd).count, 10u) << "calls 3..12 reached the interval";
}

TEST(fault_attr, space_is_consumed_before_any_failure) {
  // Goal: `if (space > size) { space -= size; pass }`. Method: space=5, size 1:
  // 5>1, 4>1, 3>1, 2>1 pass calls 1-4; at space 1, 1>1 is false, so call 5 and
  // every later call fail and space stays 1.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.space = 5;
  injector faults = make_injector(fault_site::pcp_refill, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::pcp_refill, 10), range(5, 10));
  EXPECT_EQ(faults.state(fault_site::pcp_refill).space, 1);
}

TEST(fault_attr, space_interplay_with_size) {
  // Goal: space is a size budget, compared strictly. Method: space=5 with
  // sizes 4 (one pass, space 1), 2 (two passes, space 1), 5 and 8 (no pass).
  struct expectation {
    uint64_t size;
    std::vector<int> failing;
    long space_left;
  };
  const std::vector<expectation> cases = {
      {4, range(2, 4), 1}, {2, range(3, 4), 1}, {5, range(1, 4), 5}, {8, range(1, 4), 5}};
  for (const expectation& expected : cases) {
    counting_source source(0);
    fault_attr_config attr = always_fail();
    attr.space = 5;
    injector faults = make_injector(fault_site::oom, attr, source);
    EXPECT_EQ(failing_calls(faults, fault_site::oom, 4, expected.size), expected.failing)
        << "size " << expected.size;
    EXPECT_EQ(faults.state(fault_site::oom).space, expected.space_left) << "size " << expected.size;
  }
}

TEST(fault_attr, times_2_stops_after_two_failures) {
  // Goal: times counts failures down and 0 stops them. Method: 10 calls.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.times = 2;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 10), (calls{1, 2}));
  EXPECT_EQ(faults.state(fault_site::reclaim).times, 0);
}

TEST(fault_attr, times_minus_1_never_stops) {
  // Goal: times=-1 is unlimited and is never decremented. Method: 10000 calls.
  counting_source source(0);
  injector faults = make_injector(fault_site::reclaim, always_fail(), source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 10000).size(), 10000u);
  EXPECT_EQ(faults.state(fault_site::reclaim).times, -1);
}

TEST(fault_attr, times_zero_passes_before_space_and_interval) {
  // Goal: times==0 passes before space and interval consume anything.
  // Method: times=0 with space and interval set; their state must not move.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.times = 0;
  attr.space = 10;
  attr.interval = 2;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 5), calls{});
  EXPECT_EQ(faults.state(fault_site::reclaim).space, 10);
  EXPECT_EQ(faults.state(fault_site::reclaim).count, 0u);
}

TEST(fault_attr, fail_nth_is_exact_and_bypasses_everything) {
  // Goal: fail-nth=3 fails call 3 only, even with probability 0 and times 0,
  // and reads back fired. Method: 10 calls; no question asked.
  counting_source source(0);
  fault_attr_config attr;
  attr.probability = 0;
  attr.times = 0;
  attr.fail_nth = 3;
  injector faults = make_injector(fault_site::page_alloc, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::page_alloc, 10), (calls{3}));
  const fault_attr_state& state = faults.state(fault_site::page_alloc);
  EXPECT_TRUE(state.fail_nth_fired);
  EXPECT_EQ(state.fail_nth, 0u) << "reads back 0 once injected";
  EXPECT_EQ(state.times, 0) << "atomic_dec_not_zero: times never goes below 0";
  EXPECT_EQ(source.questions, 0u);
  ASSERT_EQ(faults.faults().size(), 1u);
  EXPECT_EQ(faults.faults()[0].reason, fault_reason::fail_nth);
  EXPECT_EQ(faults.faults()[0].call, 3u);
}

TEST(fault_attr, fail_nth_armed_passes_calls_that_attributes_would_fail) {
  // Goal: while fail-nth counts down, the other attributes are not consulted;
  // once it fired they are again. Method: fail-nth=3 with probability 100,
  // times -1: calls 1-2 pass, 3 fails (fail-nth), 4-6 fail (attributes).
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.fail_nth = 3;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 6), range(3, 6));
  EXPECT_EQ(faults.faults()[0].reason, fault_reason::fail_nth);
  EXPECT_EQ(faults.faults()[1].reason, fault_reason::attributes);
}

TEST(fault_attr, fail_nth_decrements_times) {
  // Goal: the fail-nth failure goes through the kernel's `fail:` label, so it
  // decrements times. Method: times=1, fail-nth=1, probability 100: call 1
  // fails by fail-nth, times becomes 0, so call 2 passes.
  counting_source source(0);
  fault_attr_config attr;
  attr.probability = 100;
  attr.times = 1;
  attr.fail_nth = 1;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 3), (calls{1}));
  EXPECT_EQ(faults.state(fault_site::reclaim).times, 0);
}

TEST(fault_attr, fail_nth_sticky_fails_every_later_call) {
  // Goal: sticky mode fails the Nth call and every later eligible call.
  // Method: fail-nth=3 sticky, probability 0, times 0: calls 3-8 fail.
  counting_source source(0);
  fault_attr_config attr;
  attr.times = 0;
  attr.fail_nth = 3;
  attr.fail_nth_sticky = true;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 8), range(3, 8));
  EXPECT_EQ(faults.faults()[0].reason, fault_reason::fail_nth);
  EXPECT_EQ(faults.faults()[1].reason, fault_reason::sticky);
  EXPECT_EQ(faults.state(fault_site::reclaim).failures, 6u);
}

TEST(fault_attr, fail_nth_kernel_mode_counts_task_context_only) {
  // Goal: under contexts=kernel fail-nth is per task: interrupt-context calls
  // neither count nor fail by it (they see the other attributes, here
  // probability 0). Method: task, irq, irq, task, task with fail-nth=2.
  counting_source source(0);
  fault_attr_config attr;
  attr.fail_nth = 2;
  injector faults = make_injector(fault_site::page_alloc, attr, source);
  const std::vector<decision_context> sequence = {task_context(1), interrupt_context(2),
                                                  interrupt_context(3), task_context(4),
                                                  task_context(5)};
  calls failed;
  for (size_t index = 0; index < sequence.size(); ++index) {
    if (faults.should_fail(fault_site::page_alloc, 1, sequence[index])) {
      failed.push_back(static_cast<int>(index) + 1);
    }
  }
  EXPECT_EQ(failed, (calls{4})) << "the second task-context call";
  EXPECT_EQ(faults.state(fault_site::page_alloc).eligible_calls, 3u);
  EXPECT_EQ(faults.state(fault_site::page_alloc).calls, 5u);
}

TEST(fault_attr, fail_nth_kernel_mode_interrupt_calls_see_attributes) {
  // Goal: as in the kernel, an interrupt-context call while fail-nth is armed
  // is judged by the attributes. Method: fail-nth=5, probability 100,
  // times -1; an irq call fails, task calls 1..4 pass.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.fail_nth = 5;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_FALSE(faults.should_fail(fault_site::reclaim, 1, task_context()));
  EXPECT_TRUE(faults.should_fail(fault_site::reclaim, 1, interrupt_context()));
  EXPECT_EQ(faults.state(fault_site::reclaim).fail_nth, 4u);
}

TEST(fault_attr, fail_nth_any_mode_counts_every_call) {
  // Goal: contexts=any counts interrupt-context calls for fail-nth.
  // Method: task, irq with fail-nth=2: the irq call fails.
  counting_source source(0);
  fault_attr_config attr;
  attr.fail_nth = 2;
  attr.contexts = context_filter::any;
  injector faults = make_injector(fault_site::page_alloc, attr, source);
  EXPECT_FALSE(faults.should_fail(fault_site::page_alloc, 1, task_context()));
  EXPECT_TRUE(faults.should_fail(fault_site::page_alloc, 1, interrupt_context()));
}

TEST(fault_attr, contexts_task_passes_interrupt_calls_without_consuming) {
  // Goal: contexts=task: interrupt-context calls pass and change nothing.
  // Method: times=1, interval=2: two irq calls, then task calls 1..2: the
  // second task call fails; counters saw only task calls.
  counting_source source(0);
  fault_attr_config attr;
  attr.probability = 100;
  attr.interval = 2;
  attr.contexts = context_filter::task;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_FALSE(faults.should_fail(fault_site::reclaim, 1, interrupt_context()));
  EXPECT_FALSE(faults.should_fail(fault_site::reclaim, 1, interrupt_context()));
  EXPECT_EQ(faults.state(fault_site::reclaim).count, 0u);
  EXPECT_EQ(faults.state(fault_site::reclaim).calls, 0u);
  EXPECT_FALSE(faults.should_fail(fault_site::reclaim, 1, task_context()));
  EXPECT_TRUE(faults.should_fail(fault_site::reclaim, 1, task_context()));
}

TEST(fault_attr, contexts_interrupt_passes_task_calls) {
  // Goal: contexts=interrupt: only interrupt-context calls fail, and fail-nth
  // counts them. Method: fail-nth=1; task calls pass, the first irq call fails.
  counting_source source(0);
  fault_attr_config attr;
  attr.fail_nth = 1;
  attr.contexts = context_filter::interrupt;
  injector faults = make_injector(fault_site::page_alloc, attr, source);
  EXPECT_FALSE(faults.should_fail(fault_site::page_alloc, 1, task_context()));
  EXPECT_FALSE(faults.should_fail(fault_site::page_alloc, 1, task_context()));
  EXPECT_TRUE(faults.should_fail(fault_site::page_alloc, 1, interrupt_context()));
  EXPECT_EQ(faults.state(fault_site::page_alloc).eligible_calls, 1u);
}

TEST(fault_attr, task_filter_excludes_interrupt_context) {
  // Goal: task-filter=Y fails only in task context (the model's task has
  // make-it-fail set). Method: alternate irq and task calls.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.task_filter = true;
  injector faults = make_injector(fault_site::oom, attr, source);
  EXPECT_FALSE(faults.should_fail(fault_site::oom, 1, interrupt_context()));
  EXPECT_TRUE(faults.should_fail(fault_site::oom, 1, task_context()));
  EXPECT_FALSE(faults.should_fail(fault_site::oom, 1, interrupt_context()));
  EXPECT_EQ(faults.state(fault_site::oom).calls, 3u) << "task-filter is not a context filter";
}

TEST(fault_attr, message_text_is_the_kernels) {
  // Goal: the FAULT_INJECTION message exactly, with times before its decrement.
  // Method: probability 100, times 2, interval 1, space 0; two failures.
  counting_source source(0);
  fault_attr_config attr;
  attr.probability = 100;
  attr.times = 2;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  failing_calls(faults, fault_site::reclaim, 3);
  ASSERT_EQ(faults.messages().size(), 2u);
  EXPECT_EQ(faults.messages()[0],
            "FAULT_INJECTION: forcing a failure.\n"
            "name reclaim, interval 1, probability 100, space 0, times 2");
  EXPECT_EQ(faults.messages()[1],
            "FAULT_INJECTION: forcing a failure.\n"
            "name reclaim, interval 1, probability 100, space 0, times 1");
}

TEST(fault_attr, verbose_zero_is_silent) {
  // Goal: verbose=0 prints nothing but still fails. Method: 3 failing calls.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.verbose = 0;
  injector faults = make_injector(fault_site::reclaim, attr, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 3), range(1, 3));
  EXPECT_TRUE(faults.messages().empty());
}

TEST(fault_attr, trace_records_site_context_op_and_answer) {
  // Goal: every question is recorded with site, context, op index and answer,
  // numbered in order. Method: probability 50 with a PRNG at ops 10, 11, 12.
  prng_source source(7);
  fault_attr_config attr = always_fail();
  attr.probability = 50;
  injector faults = make_injector(fault_site::pcp_refill, attr, source);
  for (uint64_t op = 10; op < 13; ++op) {
    const bool failed = faults.should_fail(fault_site::pcp_refill, 1, task_context(op));
    ASSERT_EQ(faults.trace().size(), op - 9);
    const decision_record& record = faults.trace().back();
    EXPECT_EQ(record.sequence, op - 10);
    EXPECT_EQ(record.request.kind, decision_kind::random);
    EXPECT_EQ(record.request.subject, static_cast<uint16_t>(fault_site::pcp_refill));
    EXPECT_EQ(record.request.context.op_index, op);
    EXPECT_EQ(failed, record.answer < 50) << "answer " << record.answer;
  }
}

TEST(fault_attr, failure_outcome_asks_in_range) {
  // Goal: failure_outcome asks for one of the site's outcomes (quiet 0), and a
  // site with one outcome is answered 0 without a question.
  // Method: reclaim (2 outcomes) with a source answering 1; oom (1 outcome).
  counting_source source(1);
  injector faults(fault_config{}, source);
  EXPECT_EQ(faults.failure_outcome(fault_site::reclaim, task_context()), 1u);
  ASSERT_EQ(faults.trace().size(), 1u);
  EXPECT_EQ(faults.trace()[0].request.kind, decision_kind::outcome);
  EXPECT_EQ(faults.trace()[0].request.bound, 2u);
  EXPECT_EQ(faults.trace()[0].request.quiet, 0u);
  EXPECT_EQ(faults.failure_outcome(fault_site::oom, task_context()), 0u);
  EXPECT_EQ(faults.trace().size(), 1u) << "no question for a single outcome";
}

}  // namespace
}  // namespace labyrinth::fi
