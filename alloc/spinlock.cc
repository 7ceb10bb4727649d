// Spinlock flavours with their preempt_count and irq effects
// (include/linux/spinlock_api_smp.h) and lockdep hooks.  On one CPU, spinning
// on a lock the same CPU holds can never end: that is reported as the
// kernel's "spinlock recursion" and halts the run.  With an SMP scheduler
// (smp/hooks.h) a CPU spinning on a held lock, its own included, waits while
// the others run, and the scheduler reports the lockup if nothing can run.
// In free-running mode (world_config::free_running) the lock really excludes:
// the owner word is taken by compare-and-swap and released with a release
// store; a spin that never ends is reported as a lockup.
#include <cstdio>
#include <thread>

#include "alloc/preempt.h"
#include "alloc/world.h"

namespace labyrinth {

const char* lock_flavour_name(lock_flavour flavour) {
  switch (flavour) {
    case lock_flavour::plain: return "spin_lock";
    case lock_flavour::irq: return "spin_lock_irq";
    case lock_flavour::irqsave: return "spin_lock_irqsave";
    case lock_flavour::bh: return "spin_lock_bh";
    case lock_flavour::trylock: return "spin_trylock";
  }
  return "?";
}

lock_class_id world::register_lock_class(const char* name) {
  host_lock_guard guard(lockdep_lock_, config_.free_running);
  return lockdep_.register_class(name);
}

spinlock_t world::make_lock(const char* class_name, uint16_t instance) {
  spinlock_t lock;
  lock.lock_class = register_lock_class(class_name);
  lock.instance = instance;
  return lock;
}

namespace {
// Free-running mode: how many failed attempts on a lock another CPU holds
// before the spin is declared a lockup (the kernel's old spinlock debugging
// said "BUG: spinlock lockup suspected" after about a second of spinning).
constexpr uint64_t spin_lockup_attempts = uint64_t(1) << 26;
}  // namespace

// do_raw_spin_lock() of free-running mode: spin until the lock word goes from
// -1 to this CPU.  Every attempt after the first yields the host CPU (the
// machine may have fewer cores than the model has CPUs).
void world::spin_until_acquired(spinlock_t& lock, unsigned cpu) {
  for (uint64_t attempt = 0; attempt < spin_lockup_attempts; ++attempt) {
    int16_t expected = -1;
    if (lock.owner_cpu.compare_exchange_acquire(expected, static_cast<int16_t>(cpu))) return;
    if (halted_) throw run_halted{report_kind::lockup};  // the holder halted: this CPU stops too
    if (attempt > 0) std::this_thread::yield();
  }
  char title[200];
  std::snprintf(title, sizeof title, "BUG: spinlock lockup suspected on CPU#%u, %s/%d", cpu,
                this_cpu().current->comm.c_str(), this_cpu().current->pid);
  report(report_kind::lockup, title,
         std::string(" lock: ") + lockdep_.class_name(lock.lock_class) + "#" + std::to_string(lock.instance) +
             ", .owner_cpu: " + std::to_string(lock.owner_cpu.load()) + "\n");
}

void world::lock_acquire(spinlock_t& lock, lock_flavour flavour, bool trylock) {
  if (sched_ && !trylock) sched_->interleave(sched_point::lock_acquire);
  cpu_state& cpu = this_cpu();
  if (lock.lock_class == no_lock_class) {  // never spin_lock_init()ed
    lock.lock_class = register_lock_class("(uninitialized lock)");
    report(report_kind::warning, "BUG: spinlock bad magic on CPU#" + std::to_string(cpu.id),
           "the lock was used without spin_lock_init() (world::make_lock)\n");
  }
  lockdep::held_class held[MAX_LOCK_DEPTH];
  for (unsigned i = 0; i < cpu.held_count; ++i) held[i] = {cpu.held[i].lock->lock_class, cpu.held[i].irq_context};
  lock_acquire_state state;
  state.hardirq_context = in_hardirq(cpu.preempt_count);
  state.softirq_context = in_serving_softirq(cpu.preempt_count);
  state.hardirqs_enabled = !cpu.irqs_disabled;
  state.softirqs_enabled = softirq_count(cpu.preempt_count) == 0;
  state.trylock = trylock;
  lockdep_finding finding = [&] {  // (a lambda keeps the return value elided)
    host_lock_guard guard(lockdep_lock_, config_.free_running);
    return lockdep_.acquire(lock.lock_class, state, held, cpu.held_count, cpu.interrupt_depth);
  }();
  if (finding.kind == lockdep_finding::inconsistent)
    report(report_kind::lockdep_inconsistent, finding.title, finding.details);
  else if (finding.kind == lockdep_finding::irq_inversion)
    report(report_kind::lockdep_irq_order, finding.title, finding.details);
  else if (finding.kind == lockdep_finding::circular)
    report(report_kind::lockdep_circular, finding.title, finding.details);
  else if (finding.kind == lockdep_finding::recursive)
    report(report_kind::lockdep_recursive, finding.title, finding.details);
  if (trylock) return;  // taken or not, the caller decides
  if (sched_) {  // several CPUs: spin, letting the others run (the scheduler finds a lockup)
    for (unsigned spins = 0; lock.owner_cpu >= 0 && spins < (1u << 20); ++spins) sched_->spin_wait(lock);
    return;
  }
  if (lock.owner_cpu.load() == static_cast<int16_t>(cpu.id)) {
    char title[200];
    std::snprintf(title, sizeof title, "BUG: spinlock recursion on CPU#%u, %s/%d", cpu.id, cpu.current->comm.c_str(),
                  cpu.current->pid);
    report(report_kind::deadlock, title,
           std::string(" lock: ") + lockdep_.class_name(lock.lock_class) + "#" + std::to_string(lock.instance) +
               " is already held by this CPU (an interrupted context): spinning here never ends\n");
  }
  if (config_.free_running) spin_until_acquired(lock, cpu.id);
}

namespace {
// Records the lock as held by this CPU.  In free-running mode the lock word
// already names this CPU (spin_until_acquired, or spin_trylock's swap).
void push_held(cpu_state& cpu, spinlock_t& lock, lock_flavour flavour) {
  if (cpu.held_count < MAX_LOCK_DEPTH) cpu.held[cpu.held_count++] = {&lock, flavour, cpu.interrupt_depth};
  lock.owner_cpu = static_cast<int16_t>(cpu.id);
}
}  // namespace

void world::lock_release(spinlock_t& lock, lock_flavour flavour) {
  cpu_state& cpu = this_cpu();
  for (unsigned i = cpu.held_count; i-- > 0;) {
    if (cpu.held[i].lock != &lock) continue;
    for (unsigned j = i; j + 1 < cpu.held_count; ++j) cpu.held[j] = cpu.held[j + 1];
    --cpu.held_count;
    lock.owner_cpu.store_release(-1);
    if (sched_) sched_->interleave(sched_point::lock_release);
    return;
  }
  report(report_kind::lock_imbalance, "WARNING: bad unlock balance detected!",
         std::string("is trying to release lock (") + lockdep_.class_name(lock.lock_class) +
             ") but there are no more locks to release!\n");
}

void world::spin_lock(spinlock_t& lock) {
  preempt_disable();
  lock_acquire(lock, lock_flavour::plain, false);
  push_held(this_cpu(), lock, lock_flavour::plain);
}

void world::spin_unlock(spinlock_t& lock) {
  lock_release(lock, lock_flavour::plain);
  preempt_enable();
}

void world::spin_lock_irq(spinlock_t& lock) {
  local_irq_disable();
  preempt_disable();
  lock_acquire(lock, lock_flavour::irq, false);
  push_held(this_cpu(), lock, lock_flavour::irq);
}

void world::spin_unlock_irq(spinlock_t& lock) {
  lock_release(lock, lock_flavour::irq);
  local_irq_enable();
  preempt_enable();
}

irq_flags_t world::spin_lock_irqsave(spinlock_t& lock) {
  irq_flags_t flags = local_irq_save();
  preempt_disable();
  lock_acquire(lock, lock_flavour::irqsave, false);
  push_held(this_cpu(), lock, lock_flavour::irqsave);
  return flags;
}

void world::spin_unlock_irqrestore(spinlock_t& lock, irq_flags_t flags) {
  lock_release(lock, lock_flavour::irqsave);
  local_irq_restore(flags);
  preempt_enable();
}

void world::spin_lock_bh(spinlock_t& lock) {
  preempt_count_add(SOFTIRQ_LOCK_OFFSET);
  lock_acquire(lock, lock_flavour::bh, false);
  push_held(this_cpu(), lock, lock_flavour::bh);
}

// __raw_spin_unlock_bh(): release, then __local_bh_enable_ip(SOFTIRQ_LOCK_OFFSET).
void world::spin_unlock_bh(spinlock_t& lock) {
  lock_release(lock, lock_flavour::bh);
  cpu_state& cpu = this_cpu();
  if (softirq_count(cpu.preempt_count) < SOFTIRQ_DISABLE_OFFSET || (cpu.preempt_count & PREEMPT_MASK) == 0) {
    preempt_count_sub(SOFTIRQ_LOCK_OFFSET, "spin_unlock_bh");
    return;
  }
  cpu.preempt_count -= SOFTIRQ_DISABLE_OFFSET;
  if (!in_interrupt(cpu.preempt_count) && cpu.softirq_pending && !cpu.irqs_disabled) do_softirq();
  preempt_count_sub(PREEMPT_OFFSET, "spin_unlock_bh");
}

bool world::spin_trylock(spinlock_t& lock) {
  preempt_disable();
  if (sched_) sched_->interleave(sched_point::lock_acquire);
  bool taken;
  if (config_.free_running) {
    int16_t expected = -1;
    taken = lock.owner_cpu.compare_exchange_acquire(expected, static_cast<int16_t>(this_cpu().id));
  } else {
    taken = lock.owner_cpu.load() < 0;
  }
  if (!taken) {
    preempt_enable();
    return false;
  }
  lock_acquire(lock, lock_flavour::trylock, true);
  push_held(this_cpu(), lock, lock_flavour::trylock);
  return true;
}

}  // namespace labyrinth
