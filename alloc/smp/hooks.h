// What the world asks of an SMP scheduler (alloc/smp/scheduler.h): the
// interleaving points, spinning on a lock another CPU holds, and the per-CPU
// drain work.  With no scheduler installed (world::set_smp_hooks(nullptr),
// the default) the world runs one CPU inline and asks nothing: the
// single-CPU path pays one null test per lock operation and interrupt point.
#pragma once

#include <cstdint>

#include "alloc/spinlock.h"

namespace labyrinth {

// X(name, description): where the running CPU may be switched.
#define LABYRINTH_SCHED_POINTS(X)                                           \
  X(start, "a task starts")                                                 \
  X(between_ops, "between caller operations")                               \
  X(lock_acquire, "before a spinlock is acquired")                          \
  X(lock_release, "after a spinlock is released")                           \
  X(interrupt_point, "at an interrupt point")                               \
  X(schedule, "a scheduling point (cond_resched, schedule)")                \
  X(spin, "spinning on a lock another context holds")                       \
  X(flush_work, "waiting for per-CPU work to complete")                     \
  X(exit, "a task ends")

enum class sched_point : uint8_t {
#define LABYRINTH_X(name, description) name,
  LABYRINTH_SCHED_POINTS(LABYRINTH_X)
#undef LABYRINTH_X
      count
};
const char* sched_point_name(sched_point point);

class smp_hooks {
 public:
  virtual ~smp_hooks() = default;
  // An interleaving point: another task may run before this returns.
  virtual void interleave(sched_point point) = 0;
  // The running task spins on `lock`, held by some context (maybe its own
  // CPU's: then it never ends).  Returns once the lock is free; if nothing
  // can run any more the scheduler reports the lockup and unwinds the task.
  virtual void spin_wait(const spinlock_t& lock) = 0;
  // __drain_all_pages() by per-CPU work (queue_work_on + flush_work): every
  // CPU drains its own lists in its own context; returns when all are done.
  virtual void drain_all_pages_by_work() = 0;
};

}  // namespace labyrinth
