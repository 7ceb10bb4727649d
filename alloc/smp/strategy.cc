#include "alloc/smp/strategy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace labyrinth {

uint32_t schedule_strategy::decide(const fi::decision_request& request) {
  if (request.kind != fi::decision_kind::schedule) return others_.decide(request);
  uint32_t answer = choose(view_);
  return answer < request.bound ? answer : request.quiet;
}

// ---- PCT ---------------------------------------------------------------------

pct_strategy::pct_strategy(fi::decision_source& others, uint64_t seed, unsigned depth, uint64_t steps)
    : schedule_strategy(others), prng_(seed), depth_(std::max(1u, depth)), steps_(std::max<uint64_t>(1, steps)) {
  for (unsigned i = 1; i < depth_; ++i) change_points_.push_back(1 + prng_.next() % steps_);
  std::sort(change_points_.begin(), change_points_.end());
}

// Distinct initial priorities d .. d+n-1 in a random order (Fisher-Yates);
// change points lower a task to 1 .. d-1, below every initial priority.
void pct_strategy::assign_priorities(unsigned tasks) {
  priority_.resize(tasks);
  for (unsigned i = 0; i < tasks; ++i) priority_[i] = depth_ + i;
  for (unsigned i = tasks; i > 1; --i) std::swap(priority_[i - 1], priority_[prng_.below(i)]);
}

void pct_strategy::observe(const schedule_view& view) {
  schedule_strategy::observe(view);
  if (priority_.empty()) assign_priorities(view.tasks);
  while (changes_done_ < change_points_.size() && change_points_[changes_done_] <= view.point) {
    if (view.current >= 0 && static_cast<unsigned>(view.current) < priority_.size())
      priority_[view.current] = static_cast<int64_t>(depth_ - 1 - changes_done_);
    ++changes_done_;
  }
}

uint32_t pct_strategy::choose(const schedule_view& view) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < view.count; ++i)
    if (priority_[view.candidates[i]] > priority_[view.candidates[best]]) best = i;
  return best;
}

double pct_strategy::guarantee(unsigned tasks, uint64_t steps, unsigned depth) {
  return 1.0 / (static_cast<double>(tasks) * std::pow(static_cast<double>(steps), depth > 0 ? depth - 1.0 : 0.0));
}

std::string pct_strategy::describe(unsigned tasks, uint64_t steps, unsigned depth) {
  char text[200];
  double p = guarantee(tasks, steps, depth);
  std::snprintf(text, sizeof text, "PCT n=%u k=%llu d=%u: each run finds a depth-%u bug with probability >= 1/%.0f = %.3g",
                tasks, static_cast<unsigned long long>(steps), depth, depth, 1.0 / p, p);
  return text;
}

// ---- bounded preemptions -----------------------------------------------------

preemption_bounded::preemption_bounded(fi::decision_source& others, unsigned bound)
    : schedule_strategy(others), bound_(bound) {}

void preemption_bounded::start() {
  prefix_.clear();
  taken_.clear();
  preemptions_ = 0;
  schedules_ = 0;
}

uint32_t preemption_bounded::choose(const schedule_view& view) {
  size_t index = taken_.size();
  uint32_t answer = index < prefix_.size() ? prefix_[index] : 0;
  if (answer >= view.count) answer = 0;  // cannot happen on a deterministic replay of the prefix
  taken_.push_back({view.count, answer, view.current_runnable, preemptions_});
  if (view.current_runnable && answer != 0) ++preemptions_;
  return answer;
}

// Backtrack to the deepest choice with an untried alternative within the bound.
bool preemption_bounded::next() {
  ++schedules_;
  for (size_t i = taken_.size(); i-- > 0;) {
    const choice& c = taken_[i];
    for (uint32_t alt = c.answer + 1; alt < c.options; ++alt) {
      unsigned cost = c.preemptions_before + (c.current_runnable && alt != 0 ? 1 : 0);
      if (cost > bound_) continue;
      prefix_.resize(i);
      for (size_t j = 0; j < i; ++j) prefix_[j] = taken_[j].answer;
      prefix_.push_back(alt);
      taken_.clear();
      preemptions_ = 0;
      return true;
    }
  }
  return false;
}

std::string preemption_bounded::last_schedule() const {
  std::string text;
  for (const choice& c : taken_) text += static_cast<char>(c.answer < 10 ? '0' + c.answer : 'a' + c.answer - 10);
  return text;
}

}  // namespace labyrinth
