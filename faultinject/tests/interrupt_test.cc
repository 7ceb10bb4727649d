// interrupt_at(): interrupt arrival is the irq fault site (its attributes and
// fail-nth decide whether one arrives), then a question picks which one.
#include <gtest/gtest.h>

#include "faultinject/bytes_source.h"
#include "faultinject/injector.h"
#include "faultinject/plan_source.h"
#include "faultinject/tests/test_support.h"

namespace labyrinth::fi {
namespace {

using testing::always_fail;
using testing::counting_source;
using testing::interrupt_context;
using testing::task_context;

fault_config irq_config(const fault_attr_config& attr) {
  fault_config config;
  config[fault_site::interrupt] = attr;
  return config;
}

TEST(interrupt_at, defaults_deliver_nothing_and_ask_nothing) {
  // Goal: with the defaults no interrupt arrives and no bit of input is used.
  // Method: 100 interrupt points with 3 deliverable interrupts.
  counting_source source(0);
  injector faults(fault_config{}, source);
  for (int point = 0; point < 100; ++point) EXPECT_EQ(faults.interrupt_at(3, task_context()), 0u);
  EXPECT_EQ(source.questions, 0u);
}

TEST(interrupt_at, chooses_among_deliverable) {
  // Goal: when the irq site fires, the answer in [0, deliverable) picks
  // interrupt answer+1, and only that question is in the trace.
  // Method: probability 100 (no draw), a plan answering 2 to the first choice.
  plan_source source({{decision_kind::interrupt, fault_site::interrupt, 1, 2}});
  injector faults(irq_config(always_fail()), source);
  decision_context context = task_context(5);
  context.point = 7;
  EXPECT_EQ(faults.interrupt_at(3, context), 3u);
  EXPECT_EQ(faults.interrupt_at(3, context), 1u) << "unplanned: quiet 0 -> the first";
  ASSERT_EQ(faults.trace().size(), 2u);
  EXPECT_EQ(format_decision(faults.trace()[0]),
            "#0 op 5 cpu0 pc=0x0 interrupt irq point=7 bound=3 -> 2");
  EXPECT_TRUE(faults.messages().empty()) << "interrupt arrival prints no FAULT_INJECTION";
}

TEST(interrupt_at, single_deliverable_needs_no_question) {
  // Goal: with one deliverable interrupt the choice is not put to the source.
  counting_source source(0);
  injector faults(irq_config(always_fail()), source);
  EXPECT_EQ(faults.interrupt_at(1, task_context()), 1u);
  EXPECT_EQ(source.questions, 0u);
}

TEST(interrupt_at, nothing_deliverable_consumes_nothing) {
  // Goal: deliverable 0 returns 0 without touching the irq site's state.
  counting_source source(0);
  fault_attr_config attr;
  attr.fail_nth = 1;
  injector faults(irq_config(attr), source);
  EXPECT_EQ(faults.interrupt_at(0, task_context()), 0u);
  EXPECT_EQ(faults.state(fault_site::interrupt).calls, 0u);
  EXPECT_EQ(faults.interrupt_at(2, task_context()), 1u) << "fail-nth still armed for the next point";
}

TEST(interrupt_at, fail_nth_delivers_at_the_nth_point) {
  // Goal: irq fail-nth=3 delivers exactly at the third point (task context).
  counting_source source(0);
  fault_attr_config attr;
  attr.fail_nth = 3;
  injector faults(irq_config(attr), source);
  std::vector<unsigned> delivered;
  for (int point = 0; point < 5; ++point) delivered.push_back(faults.interrupt_at(2, task_context()));
  EXPECT_EQ(delivered, (std::vector<unsigned>{0, 0, 1, 0, 0}));
}

TEST(interrupt_at, nesting_limited_by_contexts_task) {
  // Goal: contexts=task on irq: no interrupt arrives inside an interrupt.
  counting_source source(0);
  fault_attr_config attr = always_fail();
  attr.contexts = context_filter::task;
  injector faults(irq_config(attr), source);
  EXPECT_EQ(faults.interrupt_at(2, interrupt_context()), 0u);
  EXPECT_EQ(faults.interrupt_at(2, task_context()), 1u);
}

TEST(interrupt_at, exhausted_bytes_deliver_nothing) {
  // Goal: an exhausted fuzz input is uneventful: no interrupt below probability 100.
  // Method: probability 99, empty input, 50 points.
  bytes_source source(std::span<const uint8_t>{});
  fault_attr_config attr = always_fail();
  attr.probability = 99;
  injector faults(irq_config(attr), source);
  for (int point = 0; point < 50; ++point) EXPECT_EQ(faults.interrupt_at(3, task_context()), 0u);
  EXPECT_EQ(faults.trace().size(), 50u) << "the draws are still recorded";
}

}  // namespace
}  // namespace labyrinth::fi
