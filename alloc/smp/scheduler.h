// The deterministic SMP scheduler: N simulated CPUs, each a thread running its
// own task in its own context (cpu_state: preempt_count, irq flag, held
// locks, per-CPU page lists), plus kswapd as its own task.  Exactly one task
// runs at a time: the baton passes under one mutex with a condition variable
// per task, so ThreadSanitizer sees every handoff as synchronization.
//
// A switch may happen at every interleaving point (smp/hooks.h): spinlock
// acquire and release, interrupt points, scheduling points, between the
// caller's operations.  Which runnable task goes on is a decision put to the
// world's injector (fi::decision_kind::schedule), so it comes from the same
// decision source as faults and interrupts (fuzz bytes, seeded PRNG, an
// explicit plan, a recorded trace, or a strategy: strategy.h), is recorded in
// the injector's trace and replays exactly.  Answer 0 is "the running task
// goes on" whenever it can, so the quiet answer never preempts.
//
// Runnable: a task at an interleaving point; a task spinning on a lock once
// the lock is free; a task waiting for drain work once the work is done (or
// when its own CPU's share is pending: it runs it); an idle CPU task with
// drain work queued on its CPU; idle kswapd once woken.  Two tasks share a
// CPU (a CPU task and kswapd): one may run only while the other is parked
// where the kernel could preempt it (preempt_count 0, irqs on, no RCU read
// section), so their shared cpu_state is never torn.
//
// Lockup: when no task can run and some task spins or waits, the run ends
// with a fatal "BUG: spinlock lockup suspected" report listing what each CPU
// waits for (a CPU spinning on a lock it holds itself, e.g. in an interrupt,
// is the classic irq-unsafe deadlock).
//
// Simplifications (also in the README): the drain work of a CPU runs in the
// CPU's own task at its next preemptible point (the kernel runs a kworker
// there); a CPU spinning on a lock takes no interrupts while it spins; kswapd
// is bound to one CPU; a task is switched only at interleaving points.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alloc/smp/hooks.h"
#include "alloc/world.h"

namespace labyrinth {

class schedule_strategy;

struct smp_result {
  bool halted = false;  // a fatal report ended the run (the sink has it)
  report_kind halt_kind = report_kind::warning;
  bool lockup = false;  // the scheduler found every task stuck
  uint64_t points = 0;      // interleaving points passed
  uint64_t decisions = 0;   // points with more than one runnable task
  uint64_t switches = 0;    // handoffs to another task
  uint64_t preemptions = 0; // switches away from a task that could go on
  // The task that ran after every point, one character per point
  // ('0'+task id): the schedule as a compact string (shuttle-style).
  std::string schedule;
};

class smp_scheduler final : public smp_hooks {
 public:
  // Tasks run on `w`; the strategy, if any, must be the source of w's injector
  // (it is shown the runnable tasks before each schedule question).
  explicit smp_scheduler(world& w, schedule_strategy* strategy = nullptr);
  ~smp_scheduler() override;
  smp_scheduler(const smp_scheduler&) = delete;
  smp_scheduler& operator=(const smp_scheduler&) = delete;

  // CPU `cpu` runs `body` as its task (one task per CPU).
  void add_cpu_task(unsigned cpu, std::function<void()> body);
  // kswapd as its own task, bound to `cpu`: sleeps until woken, then balances.
  void add_kswapd(unsigned cpu);
  unsigned task_count() const { return static_cast<unsigned>(tasks_.size()); }

  // Runs every task to its end, a lockup or a fatal report.  Installs itself
  // as w's smp_hooks for the duration.  An exception other than run_halted
  // thrown by a body is rethrown here.
  smp_result run();

  // For task bodies: the interleaving point between two operations.
  void between_ops() { interleave(sched_point::between_ops); }

  // smp_hooks
  void interleave(sched_point point) override;
  void spin_wait(const spinlock_t& lock) override;
  void drain_all_pages_by_work() override;

 private:
  enum class task_kind : uint8_t { cpu, kswapd };
  enum class task_state : uint8_t { ready, spinning, flushing, idle, done };
  struct task {
    unsigned id = 0;
    task_kind kind = task_kind::cpu;
    unsigned cpu = 0;
    task_struct* ts = nullptr;
    std::function<void()> body;
    std::thread thread;
    std::condition_variable cv;
    task_state state = task_state::ready;
    const spinlock_t* spinning_on = nullptr;
    bool preemptible = true;  // where it is parked, the kernel could preempt it
    bool in_work = false;     // running its CPU's drain work
  };
  struct task_cancelled {};  // unwinds a task when the run ends early

  void thread_main(task& t);
  void task_body(task& t);
  // Parks `self` in `state` at `point`, lets the chosen task run, returns when
  // `self` runs again.  Returns false, with the lock released, when nothing
  // can run (lockup).  Throws task_cancelled when the run is over.
  bool park(task& self, task_state state, sched_point point);
  bool runnable(const task& t) const;
  bool cpu_free_for(const task& t) const;
  bool all_settled() const;
  task* choose(task* self, sched_point point);
  void handoff(task& self, task& next, std::unique_lock<std::mutex>& lock);
  void resume(task& self);
  void pass_on_exit(task& self);
  void run_pending_work(task& self);
  [[noreturn]] void report_lockup(task& self);
  std::string task_line(const task& t) const;
  task& running() { return *tasks_[running_]; }

  world& w_;
  schedule_strategy* strategy_;
  std::vector<std::unique_ptr<task>> tasks_;
  std::mutex mutex_;
  std::condition_variable main_cv_;
  unsigned running_ = ~0u;
  unsigned live_ = 0;
  bool over_ = false;  // finished or halted: tasks unwind one by one
  std::vector<bool> work_pending_;  // per CPU
  bool drain_in_progress_ = false;  // pcpu_drain_mutex
  smp_result result_;
  std::exception_ptr failure_;
};

}  // namespace labyrinth
