// Helpers shared by the faultinject tests: contexts, a counting source, and
// a loop that calls a site and lists which calls failed.
#pragma once

#include <cstdint>
#include <vector>

#include "faultinject/decision.h"
#include "faultinject/injector.h"

namespace labyrinth::fi::testing {

inline decision_context task_context(uint64_t op_index = 0) {
  decision_context context;
  context.op_index = op_index;
  return context;
}

// Hardirq context: HARDIRQ_OFFSET in preempt_count, not in task.
inline decision_context interrupt_context(uint64_t op_index = 0) {
  decision_context context;
  context.preempt_count = 0x10000;
  context.in_task = false;
  context.in_interrupt = true;
  context.op_index = op_index;
  return context;
}

// Answers a fixed value (clamped below the bound) and counts the questions.
class counting_source final : public decision_source {
 public:
  explicit counting_source(uint32_t answer) : answer_(answer) {}
  uint32_t decide(const decision_request& request) override {
    ++questions;
    return answer_ < request.bound ? answer_ : request.bound - 1;
  }
  const char* name() const override { return "counting"; }
  uint64_t questions = 0;

 private:
  uint32_t answer_;
};

// Calls should_fail(site, size) `calls` times; returns the 1-based indexes of
// the calls that failed.
inline std::vector<int> failing_calls(injector& faults, fault_site site, int calls,
                                      uint64_t size = 1,
                                      const decision_context& context = task_context()) {
  std::vector<int> failed;
  for (int call = 1; call <= calls; ++call) {
    if (faults.should_fail(site, size, context)) failed.push_back(call);
  }
  return failed;
}

// fail_attr settings under which every call that reaches the draw fails.
inline fault_attr_config always_fail() {
  fault_attr_config attr;
  attr.probability = 100;
  attr.times = -1;
  return attr;
}

}  // namespace labyrinth::fi::testing
