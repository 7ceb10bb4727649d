// A decision source replaying a recorded trace (injector::trace()): answers
// the recorded answers in order.  Each request is checked against the
// recorded one; the first mismatch is a divergence, e.g.
//   replay diverged at decision #12: expected random fail_page_alloc bound=100
//   (op 7 cpu0 pc=0x0), got outcome reclaim bound=2 (op 7 cpu0 pc=0x0)
// and from then on every answer is the quiet one.  A replay that ends with
// recorded decisions left over is reported as incomplete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faultinject/decision.h"

namespace labyrinth::fi {

// What must match between a request and its recorded counterpart.
//   question             : kind, site, bound and quiet answer
//   question_and_context : also cpu, preempt count, task/interrupt, op index, point
enum class replay_check : uint8_t { question, question_and_context };

class replay_source final : public decision_source {
 public:
  explicit replay_source(std::vector<decision_record> trace,
                         replay_check check = replay_check::question_and_context);

  uint32_t decide(const decision_request& request) override;
  const char* name() const override { return "replay"; }

  bool diverged() const { return !divergence_.empty(); }
  // The divergence message, or empty.
  const std::string& divergence() const { return divergence_; }
  bool fully_consumed() const { return position_ == trace_.size(); }
  size_t consumed() const { return position_; }
  // The divergence if any, else "replay incomplete: ..." if recorded
  // decisions are left over, else empty: empty means an exact replay.
  std::string problem() const;

 private:
  bool matches(const decision_request& recorded, const decision_request& request) const;
  uint32_t diverge(const decision_request& request, const std::string& expected);

  std::vector<decision_record> trace_;
  replay_check check_;
  size_t position_ = 0;
  std::string divergence_;
};

}  // namespace labyrinth::fi
