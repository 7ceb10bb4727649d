#include "faultinject/replay_source.h"

namespace labyrinth::fi {
namespace {

bool same_context(const decision_context& left, const decision_context& right) {
  return left.cpu == right.cpu && left.preempt_count == right.preempt_count &&
         left.in_task == right.in_task && left.in_interrupt == right.in_interrupt &&
         left.op_index == right.op_index && left.point == right.point;
}

}  // namespace

replay_source::replay_source(std::vector<decision_record> trace, replay_check check)
    : trace_(std::move(trace)), check_(check) {}

uint32_t replay_source::decide(const decision_request& request) {
  if (diverged()) return request.quiet;
  if (position_ >= trace_.size()) {
    return diverge(request, "the end of the recorded trace (" + std::to_string(trace_.size()) +
                                " decisions)");
  }
  const decision_record& recorded = trace_[position_];
  if (!matches(recorded.request, request) || recorded.answer >= request.bound) {
    return diverge(request, format_request(recorded.request) + " -> " +
                                std::to_string(recorded.answer));
  }
  ++position_;
  return recorded.answer;
}

bool replay_source::matches(const decision_request& recorded,
                            const decision_request& request) const {
  const bool same_question = recorded.kind == request.kind && recorded.subject == request.subject &&
                             recorded.bound == request.bound && recorded.quiet == request.quiet;
  if (check_ == replay_check::question) return same_question;
  return same_question && same_context(recorded.context, request.context);
}

uint32_t replay_source::diverge(const decision_request& request, const std::string& expected) {
  divergence_ = "replay diverged at decision #" + std::to_string(position_) + ": expected " +
                expected + ", got " + format_request(request);
  return request.quiet;
}

std::string replay_source::problem() const {
  if (diverged()) return divergence_;
  if (fully_consumed()) return "";
  return "replay incomplete: " + std::to_string(position_) + " of " +
         std::to_string(trace_.size()) + " recorded decisions consumed; next expected #" +
         std::to_string(position_) + ": " + format_request(trace_[position_].request);
}

}  // namespace labyrinth::fi
