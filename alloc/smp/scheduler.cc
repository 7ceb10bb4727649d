#include "alloc/smp/scheduler.h"

#include <cstdio>

#include "alloc/kernel_api.h"
#include "alloc/smp/strategy.h"

namespace labyrinth {
namespace {

struct point_info {
  const char* name;
  const char* description;
};
constexpr point_info sched_points[] = {
#define LABYRINTH_X(name, description) {#name, description},
    LABYRINTH_SCHED_POINTS(LABYRINTH_X)
#undef LABYRINTH_X
};

}  // namespace

const char* sched_point_name(sched_point point) { return sched_points[static_cast<unsigned>(point)].name; }

smp_scheduler::smp_scheduler(world& w, schedule_strategy* strategy)
    : w_(w), strategy_(strategy), work_pending_(w.config().nr_cpus, false) {}

smp_scheduler::~smp_scheduler() {
  for (auto& t : tasks_)
    if (t->thread.joinable()) t->thread.join();
}

void smp_scheduler::add_cpu_task(unsigned cpu, std::function<void()> body) {
  auto t = std::make_unique<task>();
  t->id = task_count();
  t->kind = task_kind::cpu;
  t->cpu = cpu;
  t->ts = &w_.cpu_task(cpu);
  t->body = std::move(body);
  tasks_.push_back(std::move(t));
}

void smp_scheduler::add_kswapd(unsigned cpu) {
  auto t = std::make_unique<task>();
  t->id = task_count();
  t->kind = task_kind::kswapd;
  t->cpu = cpu;
  t->ts = &w_.kswapd_task();
  t->state = task_state::idle;
  tasks_.push_back(std::move(t));
}

smp_result smp_scheduler::run() {
  result_ = smp_result{};
  w_.set_smp_hooks(this);
  live_ = task_count();
  for (auto& t : tasks_) {
    task* each = t.get();
    each->thread = std::thread([this, each] { thread_main(*each); });
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    task* first = choose(nullptr, sched_point::start);
    if (!first) {  // nothing runnable at all (only an idle kswapd): nothing to do
      over_ = true;
      first = tasks_.empty() ? nullptr : tasks_.front().get();
    }
    if (first) {
      running_ = first->id;
      first->cv.notify_one();
      main_cv_.wait(lock, [this] { return live_ == 0; });
    }
  }
  for (auto& t : tasks_) t->thread.join();
  w_.set_smp_hooks(nullptr);
  for (unsigned cpu = 0; cpu < w_.config().nr_cpus; ++cpu) {
    w_.set_current_cpu(cpu);
    w_.this_cpu().current = &w_.cpu_task(cpu);
  }
  w_.set_current_cpu(0);
  if (failure_) std::rethrow_exception(failure_);
  return result_;
}

void smp_scheduler::thread_main(task& t) {
  current_world_scope scope(w_);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    t.cv.wait(lock, [&] { return running_ == t.id; });
  }
  try {
    if (over_) throw task_cancelled{};
    resume(t);
    task_body(t);
  } catch (const task_cancelled&) {
  } catch (const run_halted& halt) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!result_.halted) {
      result_.halted = true;
      result_.halt_kind = halt.kind;
    }
    over_ = true;
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!failure_) failure_ = std::current_exception();
    over_ = true;
  }
  pass_on_exit(t);
}

// A CPU task runs its body, then stays idle (serving its CPU's drain work)
// until every task is settled; kswapd sleeps until woken, then balances.
void smp_scheduler::task_body(task& t) {
  if (t.kind == task_kind::cpu) {
    t.body();
    for (;;) {
      if (!park(t, task_state::idle, sched_point::exit)) report_lockup(t);
    }
  }
  for (;;) {  // started only when woken
    w_.kswapd();
    if (!park(t, task_state::idle, sched_point::schedule)) report_lockup(t);
  }
}

// The task leaves: the next live task (if any) gets the baton to unwind too.
void smp_scheduler::pass_on_exit(task& self) {
  std::unique_lock<std::mutex> lock(mutex_);
  self.state = task_state::done;
  over_ = true;
  --live_;
  for (auto& t : tasks_) {
    if (t->state == task_state::done || !t->thread.joinable()) continue;
    running_ = t->id;
    t->cv.notify_one();
    return;
  }
  running_ = ~0u;
  main_cv_.notify_one();
}

bool smp_scheduler::cpu_free_for(const task& t) const {
  for (const auto& u : tasks_) {
    if (u.get() == &t || u->cpu != t.cpu) continue;
    bool parked = u->state == task_state::idle || u->state == task_state::done || u->preemptible;
    if (!parked) return false;
  }
  return true;
}

bool smp_scheduler::runnable(const task& t) const {
  if (!cpu_free_for(t)) return false;
  switch (t.state) {
    case task_state::ready: return true;
    case task_state::spinning: return t.spinning_on->owner_cpu < 0;
    case task_state::flushing: {
      bool any_pending = false;
      for (bool pending : work_pending_) any_pending |= pending;
      return !any_pending || work_pending_[t.cpu];
    }
    case task_state::idle:
      if (t.kind == task_kind::cpu) return work_pending_[t.cpu];
      return w_.kswapd_pending();
    case task_state::done: return false;
  }
  return false;
}

// Everything idle and nothing to do: the run is complete.
bool smp_scheduler::all_settled() const {
  for (const auto& t : tasks_)
    if (t->state != task_state::idle && t->state != task_state::done) return false;
  return true;
}

// Asks the decision source which runnable task runs next (the running one
// first when it can go on).  nullptr: nothing can run.
smp_scheduler::task* smp_scheduler::choose(task* self, sched_point point) {
  std::vector<unsigned> candidates;
  bool self_runnable = self && runnable(*self);
  if (self_runnable) candidates.push_back(self->id);
  for (const auto& t : tasks_)
    if (t.get() != self && runnable(*t)) candidates.push_back(t->id);
  ++result_.points;
  if (candidates.empty()) return nullptr;
  if (strategy_) {
    schedule_view view;
    view.candidates = candidates.data();
    view.count = static_cast<unsigned>(candidates.size());
    view.current = self ? static_cast<int>(self->id) : -1;
    view.current_runnable = self_runnable;
    view.point = result_.points;
    view.tasks = task_count();
    strategy_->observe(view);
  }
  unsigned index = 0;
  if (candidates.size() > 1) {
    ++result_.decisions;
    if (fi::injector* inj = w_.injector()) {
      fi::decision_context context = w_.decision_context(static_cast<uint16_t>(point));
      if (self) context.cpu = self->cpu;
      index = inj->schedule_choice(static_cast<unsigned>(candidates.size()), context);
    }
    if (index >= candidates.size()) index = 0;
  }
  task* next = tasks_[candidates[index]].get();
  if (self && next != self) {
    ++result_.switches;
    if (self_runnable) ++result_.preemptions;
  }
  result_.schedule += static_cast<char>(next->id < 10 ? '0' + next->id : 'a' + next->id - 10);
  return next;
}

void smp_scheduler::handoff(task& self, task& next, std::unique_lock<std::mutex>& lock) {
  if (&next == &self) return;
  running_ = next.id;
  next.cv.notify_one();
  self.cv.wait(lock, [&] { return running_ == self.id; });
}

// Context switch into `self`: its CPU's state is this_cpu(), and it is that
// CPU's current task.
void smp_scheduler::resume(task& self) {
  w_.set_current_cpu(self.cpu);
  w_.this_cpu().current = self.ts;
  self.state = task_state::ready;
}

bool smp_scheduler::park(task& self, task_state state, sched_point point) {
  std::unique_lock<std::mutex> lock(mutex_);
  const cpu_state& cpu = w_.this_cpu();
  self.state = state;
  self.preemptible = cpu.preempt_count == 0 && !cpu.irqs_disabled && cpu.rcu_read_depth == 0;
  if (state == task_state::flushing) self.preemptible = true;  // flush_work() sleeps
  task* next = choose(&self, point);
  if (!next) {
    if (!all_settled()) return false;
    over_ = true;  // complete: every task unwinds
    throw task_cancelled{};
  }
  handoff(self, *next, lock);
  if (over_) throw task_cancelled{};
  resume(self);
  lock.unlock();
  run_pending_work(self);
  return true;
}

// A CPU task at a preemptible point runs the drain work queued on its CPU.
void smp_scheduler::run_pending_work(task& self) {
  if (self.kind != task_kind::cpu || !self.preemptible || self.in_work) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!work_pending_[self.cpu]) return;
  }
  self.in_work = true;
  w_.drain_local_pages();
  self.in_work = false;
  std::lock_guard<std::mutex> lock(mutex_);
  work_pending_[self.cpu] = false;
}

void smp_scheduler::interleave(sched_point point) {
  task& self = running();
  if (!park(self, task_state::ready, point)) report_lockup(self);
}

void smp_scheduler::spin_wait(const spinlock_t& lock) {
  task& self = running();
  self.spinning_on = &lock;
  if (!park(self, task_state::spinning, sched_point::spin)) report_lockup(self);
  self.spinning_on = nullptr;
}

// queue_work_on(cpu, drain_local_pages_wq) for every CPU, then flush_work();
// a second drainer finds pcpu_drain_mutex taken and returns (drain_all_pages(NULL)).
void smp_scheduler::drain_all_pages_by_work() {
  task& self = running();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (drain_in_progress_) return;
    drain_in_progress_ = true;
    for (size_t cpu = 0; cpu < work_pending_.size(); ++cpu) work_pending_[cpu] = true;
  }
  for (unsigned rounds = 0; rounds < 4 * work_pending_.size() + 4; ++rounds) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      bool any_pending = false;
      for (bool pending : work_pending_) any_pending |= pending;
      if (!any_pending) break;
    }
    if (!park(self, task_state::flushing, sched_point::flush_work)) report_lockup(self);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  drain_in_progress_ = false;
}

std::string smp_scheduler::task_line(const task& t) const {
  const task_struct& ts = *t.ts;
  const cpu_state& cpu = w_.cpu(t.cpu);
  char where[96];
  std::snprintf(where, sizeof where, " (%s, preempt_count %x): ", context_kind_name(context_of(cpu.preempt_count)),
                cpu.preempt_count);
  std::string line = " task " + std::to_string(t.id) + " " + ts.comm + "/" + std::to_string(ts.pid) + " on CPU#" +
                     std::to_string(t.cpu) + where;
  switch (t.state) {
    case task_state::ready: line += "runnable"; break;
    case task_state::spinning: {
      const spinlock_t& lock = *t.spinning_on;
      line += std::string("spins on ") + w_.lock_name(lock) + "#" + std::to_string(lock.instance);
      if (lock.owner_cpu >= 0) line += " held by CPU#" + std::to_string(lock.owner_cpu);
      if (lock.owner_cpu == static_cast<int16_t>(t.cpu)) line += " (itself: it can never be released)";
      break;
    }
    case task_state::flushing: line += "waits in flush_work() for the per-CPU drain work"; break;
    case task_state::idle: line += t.kind == task_kind::cpu ? "idle (its program ended)" : "sleeping"; break;
    case task_state::done: line += "exited"; break;
  }
  if (!t.preemptible && t.state != task_state::idle) line += ", not preemptible";
  return line + "\n";
}

void smp_scheduler::report_lockup(task& self) {
  std::string details = "no task can run:\n";
  const task* spinner = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    result_.lockup = true;
    for (const auto& t : tasks_) {  // name the CPU that spins on its own lock, else the first spinner
      details += task_line(*t);
      if (t->state != task_state::spinning) continue;
      bool on_itself = t->spinning_on->owner_cpu == static_cast<int16_t>(t->cpu);
      if (!spinner || (on_itself && spinner->spinning_on->owner_cpu != static_cast<int16_t>(spinner->cpu)))
        spinner = t.get();
    }
  }
  const task& who = spinner ? *spinner : self;
  char title[200];
  std::snprintf(title, sizeof title, "BUG: spinlock lockup suspected on CPU#%u, %s/%d", who.cpu, who.ts->comm.c_str(),
                who.ts->pid);
  w_.report(report_kind::lockup, title, details);
  throw run_halted{report_kind::lockup};  // in case the sink did not halt
}

}  // namespace labyrinth
