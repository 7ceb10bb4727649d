// plan_source: planned answers by (kind, site, nth occurrence), quiet elsewhere,
// and unused or out-of-bound entries reported.
#include <gtest/gtest.h>

#include "faultinject/injector.h"
#include "faultinject/plan_source.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::failing_calls;
using testing::task_context;

TEST(plan_source, fails_exactly_the_planned_draw) {
  // Goal: "the 2nd and 4th random draws of reclaim answer 0" fails calls 2
  // and 4 under probability 50; other draws are quiet (99: pass).
  plan_source source({{decision_kind::random, fault_site::reclaim, 2, 0},
                      {decision_kind::random, fault_site::reclaim, 4, 0}});
  fault_config config;
  config[fault_site::reclaim] = testing::always_fail();
  config[fault_site::reclaim].probability = 50;
  injector faults(config, source);
  EXPECT_EQ(failing_calls(faults, fault_site::reclaim, 6), (std::vector<int>{2, 4}));
  EXPECT_TRUE(source.unused_entries().empty());
  EXPECT_TRUE(source.problems().empty());
}

TEST(plan_source, occurrences_are_counted_per_kind_and_site) {
  // Goal: the nth occurrence is per (kind, site) pair. Method: interleave
  // oom and reclaim draws; plan the 1st oom draw and the 2nd reclaim outcome.
  plan_source source({{decision_kind::random, fault_site::oom, 1, 5},
                      {decision_kind::outcome, fault_site::reclaim, 2, 1}});
  decision_request request;
  request.bound = 100;
  request.quiet = 99;
  request.subject = static_cast<uint16_t>(fault_site::reclaim);
  EXPECT_EQ(source.decide(request), 99u);
  request.subject = static_cast<uint16_t>(fault_site::oom);
  EXPECT_EQ(source.decide(request), 5u);
  request.kind = decision_kind::outcome;
  request.bound = 2;
  request.quiet = 0;
  request.subject = static_cast<uint16_t>(fault_site::reclaim);
  EXPECT_EQ(source.decide(request), 0u);
  EXPECT_EQ(source.decide(request), 1u);
}

TEST(plan_source, reports_unused_and_out_of_bound_entries) {
  // Goal: a plan that does not fit the run says so. Method: an entry never
  // reached, an answer 5 for a bound-2 question, and a repeated question.
  plan_source source({{decision_kind::outcome, fault_site::reclaim, 1, 5},
                      {decision_kind::random, fault_site::kswapd, 3, 0},
                      {decision_kind::outcome, fault_site::reclaim, 1, 0}});
  ASSERT_EQ(source.problems().size(), 1u);
  EXPECT_EQ(source.problems()[0],
            "plan entry 'outcome reclaim #1 -> 0' repeats the question of "
            "'outcome reclaim #1 -> 5' (the first one is used)");
  injector faults(fault_config{}, source);
  EXPECT_EQ(faults.failure_outcome(fault_site::reclaim, task_context(4)), 0u) << "quiet answer";
  ASSERT_EQ(source.problems().size(), 2u);
  EXPECT_EQ(source.problems()[1],
            "plan entry 'outcome reclaim #1 -> 5' is out of bound for outcome reclaim bound=2 "
            "(op 4 cpu0 pc=0x0) (answered quiet 0)");
  EXPECT_EQ(source.unused_entries(),
            (std::vector<std::string>{"random kswapd #3 -> 0", "outcome reclaim #1 -> 0"}));
}

}  // namespace
}  // namespace labyrinth::fi
