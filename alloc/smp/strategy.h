// Scheduling strategies beside input-driven choice, as decision sources: the
// scheduler's schedule questions (fi::decision_kind::schedule) are answered
// by the strategy, every other question (faults, interrupts) by an inner
// source.  Because the answers go through the injector they are recorded in
// its trace like any other, and a failing schedule replays from that trace
// with a plain fi::replay_source.
//
//   pct_strategy         PCT (Burckhardt et al., ASPLOS 2010): random distinct
//                        priorities, d-1 random priority change points among
//                        the first k points; the highest-priority runnable
//                        task runs.  A bug of depth d is found by one run with
//                        probability >= 1/(n * k^(d-1)) (n tasks, k points).
//   preemption_bounded   systematic: every schedule with at most `bound`
//                        preemptions, depth first (CHESS's context bounding,
//                        loom's preemption bound), for small programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faultinject/decision.h"
#include "faultinject/prng_source.h"

namespace labyrinth {

// What the scheduler shows a strategy at each interleaving point.
struct schedule_view {
  const unsigned* candidates = nullptr;  // runnable task ids; [0] is the running task if it can go on
  unsigned count = 0;
  int current = -1;               // the running task's id, -1 at the start
  bool current_runnable = false;  // then candidates[0] == current
  uint64_t point = 0;             // index of this interleaving point in the run
  unsigned tasks = 0;             // tasks in the run
};

class schedule_strategy : public fi::decision_source {
 public:
  explicit schedule_strategy(fi::decision_source& others) : others_(others) {}
  // Shown at every interleaving point, before a schedule question (asked
  // only when more than one task can run).
  virtual void observe(const schedule_view& view) { view_ = view; }
  uint32_t decide(const fi::decision_request& request) override;

 protected:
  // An index into view.candidates.
  virtual uint32_t choose(const schedule_view& view) = 0;
  const schedule_view& view() const { return view_; }

 private:
  fi::decision_source& others_;
  schedule_view view_;
};

// PCT with n tasks (known at the first observe), depth d and k points.
class pct_strategy final : public schedule_strategy {
 public:
  pct_strategy(fi::decision_source& others, uint64_t seed, unsigned depth, uint64_t steps);
  void observe(const schedule_view& view) override;
  const char* name() const override { return "pct"; }
  // 1/(n * k^(d-1)): the probability one run finds a bug of depth d.
  static double guarantee(unsigned tasks, uint64_t steps, unsigned depth);
  // "PCT n=5 k=120 d=2: each run finds a depth-2 bug with probability >= 1/600 = 0.00167"
  static std::string describe(unsigned tasks, uint64_t steps, unsigned depth);
  const std::vector<uint64_t>& change_points() const { return change_points_; }

 protected:
  uint32_t choose(const schedule_view& view) override;

 private:
  void assign_priorities(unsigned tasks);
  fi::prng_source prng_;
  unsigned depth_;
  uint64_t steps_;
  std::vector<uint64_t> change_points_;  // sorted point indices, d-1 of them
  std::vector<int64_t> priority_;        // per task; higher runs first
  unsigned changes_done_ = 0;
};

// Depth-first enumeration of every schedule with at most `bound` preemptions.
// Use: for (search.start(); ; ) { run with search as the source; if
// (!search.next()) break; }.  Each run follows the chosen prefix, then never
// preempts.
class preemption_bounded final : public schedule_strategy {
 public:
  preemption_bounded(fi::decision_source& others, unsigned bound);
  const char* name() const override { return "preemption-bounded"; }
  // Before the first run.
  void start();
  // After a run: moves to the next schedule; false when all are explored.
  bool next();
  uint64_t schedules_run() const { return schedules_; }
  // The answers of the last run's schedule questions, e.g. "0102".
  std::string last_schedule() const;

 protected:
  uint32_t choose(const schedule_view& view) override;

 private:
  struct choice {
    uint32_t options = 1;
    uint32_t answer = 0;
    bool current_runnable = false;
    unsigned preemptions_before = 0;
  };
  unsigned bound_;
  std::vector<uint32_t> prefix_;
  std::vector<choice> taken_;
  unsigned preemptions_ = 0;
  uint64_t schedules_ = 0;
};

}  // namespace labyrinth
