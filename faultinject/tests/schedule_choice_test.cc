// schedule_choice(): the SMP scheduler's question "which runnable task runs
// next" goes to the decision source unconditionally (no fault attribute), is
// recorded in the trace, and replays.
#include <gtest/gtest.h>

#include "faultinject/injector.h"
#include "faultinject/plan_source.h"
#include "faultinject/replay_source.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::counting_source;
using testing::task_context;

TEST(schedule_choice, asks_the_source_and_records) {
  // Goal: the answer picks among the runnable tasks, and the trace line names
  // the question as a schedule decision at its interleaving point.
  // Method: a plan answering 3 to the first schedule question; the second is unplanned.
  plan_source source({{decision_kind::schedule, fault_site::page_alloc, 1, 3}});
  injector faults(fault_config{}, source);
  decision_context context = task_context(2);
  context.cpu = 1;
  context.point = 4;
  EXPECT_EQ(faults.schedule_choice(4, context), 3u);
  EXPECT_EQ(faults.schedule_choice(4, context), 0u) << "unplanned: quiet 0 = no preemption";
  ASSERT_EQ(faults.trace().size(), 2u);
  EXPECT_EQ(format_decision(faults.trace()[0]), "#0 op 2 cpu1 pc=0x0 schedule point=4 bound=4 -> 3");
}

TEST(schedule_choice, single_candidate_asks_nothing) {
  // Goal: with one runnable task nothing is put to the source or recorded.
  counting_source source(0);
  injector faults(fault_config{}, source);
  EXPECT_EQ(faults.schedule_choice(1, task_context()), 0u);
  EXPECT_EQ(source.questions, 0u);
  EXPECT_TRUE(faults.trace().empty());
}

TEST(schedule_choice, replays_from_the_trace) {
  // Goal: a recorded schedule trace answers the same choices on replay, exactly.
  plan_source plan({{decision_kind::schedule, fault_site::page_alloc, 2, 1}});
  injector first(fault_config{}, plan);
  for (unsigned i = 0; i < 3; ++i) first.schedule_choice(3, task_context(i));
  replay_source replay(first.trace());
  injector second(fault_config{}, replay);
  for (unsigned i = 0; i < 3; ++i)
    EXPECT_EQ(second.schedule_choice(3, task_context(i)), first.trace()[i].answer) << "decision " << i;
  EXPECT_EQ(replay.problem(), "") << "expected an exact replay";
}

}  // namespace
}  // namespace labyrinth::fi
